"""``sweep`` (a batch experiment from a sweep file) and ``summarize`` (its statistics and figures)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

from niche_abm.budget import check_fits
from niche_abm.commands.command import (
    Command,
    add_engine_arguments,
    add_limit_arguments,
    add_out_arguments,
    add_resume_argument,
    interrupted,
    limits_from,
    note_slow_workers,
    workers_from,
)
from niche_abm.params import ParameterError


def _sweep_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sweep", help="a sweep TOML file, or the name of one in scenarios/sweeps/")
    add_out_arguments(parser, "results/sweeps/NAME", "sweep")
    add_engine_arguments(parser, workers=None)
    add_resume_argument(parser, "sweep")
    add_limit_arguments(parser)
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run_sweep_command(args: argparse.Namespace) -> int:
    """Run (or resume) a sweep into its dataset folder; exit 130 when interrupted, 1 when runs failed.

    Everything is checked before a run starts: the sweep, the estimate of its memory and time against the
    limits (on a running cluster, --scheduler, for the cluster's size, asked first), the folder, every point (each
    point's model built once, unrun, for what only a built model can check).
    """
    from niche_abm.sweep import load_sweep, make_engine, prepare, run_sweep
    from niche_abm.sweep.design import check_buildable, estimate, run_count

    spec = load_sweep(args.sweep)
    workers = workers_from(args) or os.cpu_count() or 1
    out = args.out or Path("results") / "sweeps" / spec.name
    limits = limits_from(args)
    cluster = make_engine("dask", workers, args.scheduler) if args.scheduler else None
    try:
        size = cluster.workers if cluster else workers
        needs = estimate(spec, size, workers_here=0 if cluster else size)
        days = f"{spec.days} day{'s' * (spec.days != 1)}"
        check_fits(f"{spec.name}.toml: {run_count(spec):,} runs of {days} on {size} workers", needs, limits)
        store, tasks = prepare(spec, out, args.resume, args.overwrite)
        if not args.resume:
            check_buildable(spec)
    except ParameterError:
        if cluster is not None:
            cluster.close()
        raise
    if args.overwrite and out.is_dir():
        shutil.rmtree(out)  # a sweep (prepare refused any other folder), removed only once everything was checked
    engine = cluster or make_engine(args.engine, workers, None)
    print(
        f"{spec.name}: {len(tasks)} runs on {engine.name} ({engine.workers} workers) into {out}/; "
        f"about {needs} (estimate)",
        flush=True,
    )
    if engine.name == "dask":
        print(f"Dask dashboard: {engine.dashboard}", flush=True)
        note_slow_workers(engine)
    report = run_sweep(spec, store, tasks, engine, progress=not args.quiet)
    print(
        f"{report.done} done ({report.skipped} from before), {report.failed} failed, {report.pending} pending "
        f"in {report.wall_time_s:.1f} s; runs table: {out / 'runs.csv'}"
    )
    if report.interrupted:
        return interrupted(out, "runs")
    if report.failed:
        print(f"{report.failed} runs failed (errors in runs.csv); --resume retries them", file=sys.stderr)
        return 1
    return 0


def _summarize_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", type=Path, help="the sweep's dataset folder")


def run_summarize(args: argparse.Namespace) -> int:
    """Write the sweep's summary tables and figures into FOLDER/summary/ and print its notes."""
    from niche_abm.sweep.summary import summarize

    written = summarize(args.folder)
    print(f"wrote {args.folder / 'summary'}/: {', '.join(path.name for path in written)}")
    for note in json.loads((args.folder / "summary" / "manifest.json").read_text(encoding="utf-8"))["notes"]:
        print(f"note: {note}", file=sys.stderr)
    return 0


COMMANDS = (
    Command(
        "sweep",
        "run a batch experiment from a sweep file (scenarios/sweeps/)",
        _sweep_arguments,
        run_sweep_command,
    ),
    Command("summarize", "statistics, figures and sensitivity indices of a sweep", _summarize_arguments, run_summarize),
)
