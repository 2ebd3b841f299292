"""Batches with their own tables and figures: ``coculture``, ``validate``, ``dose-response`` and ``demo``."""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from niche_abm.budget import check_fits, estimate_batch, estimate_run
from niche_abm.commands.command import Command, add_limit_arguments, add_out_arguments, check_count, limits_from
from niche_abm.folders import check_out
from niche_abm.params import ParameterError
from niche_abm.scenario import check_days, load_scenario, parse_assignment


def _coculture_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seeds", type=int, default=3, help="replicates per arm (default 3)")
    parser.add_argument("--hours", type=int, default=48, help="culture time, h (24-72; default 48)")
    add_out_arguments(parser, "results/coculture", "co-culture")


def run_coculture(args: argparse.Namespace) -> int:
    """Run every co-culture arm, print the per-arm means and write runs.csv, summary.csv and coculture.png."""
    from niche_abm import coculture

    check_count(args.hours, "--hours", 24, 72)
    check_count(args.seeds, "--seeds", 1, 100)
    out = args.out or Path("results/coculture")
    check_out(out, "co-culture", args.overwrite)
    results = coculture.run_all(seeds=tuple(range(1, args.seeds + 1)), hours=args.hours)
    summary = coculture.summarise(results)
    out.mkdir(parents=True, exist_ok=True)
    results.to_csv(out / "runs.csv", index=False)
    summary.to_csv(out / "summary.csv")
    coculture.figure(results).savefig(out / "coculture.png", dpi=110)
    print(f"Co-culture, {args.hours} h, mean of {args.seeds} seeds:")
    print(summary.to_string(float_format=lambda v: f"{v:.3g}"))
    print(f"wrote {out}/runs.csv, summary.csv and coculture.png")
    return 0


def _validate_arguments(parser: argparse.ArgumentParser) -> None:
    add_out_arguments(parser, "results/validation", "validation")
    parser.add_argument("--workers", type=int, default=2, help="parallel processes (default 2)")
    parser.add_argument("--only", help="comma-separated target ids, e.g. T1,T4 (default: all)")


def run_validate(args: argparse.Namespace) -> int:
    """Run the validation targets; write validation.json and validation_report.md (a FAIL is a result)."""
    from niche_abm.validation.runner import run_validation, target_modules

    check_count(args.workers, "--workers", 1, 64)
    only = [t.strip().upper() for t in args.only.split(",") if t.strip()] if args.only else None
    known = set(target_modules())
    unknown = sorted(set(only or ()) - known)
    if unknown:
        raise ParameterError("--only", f"unknown target(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    out = args.out or Path("results/validation")
    check_out(out, "validation", args.overwrite)
    return run_validation(out, workers=args.workers, only=only)


def _dose_response_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("drug", help="a name from `run.py drugs`")
    parser.add_argument("--doses", required=True, help="comma-separated, e.g. 0,0.1uM,1uM,10uM or 0,60mg,120mg")
    parser.add_argument("--scenario", default="mm_niche", help="scenario (default mm_niche)")
    parser.add_argument("--days", type=int, default=60, help="simulated days (default 60)")
    parser.add_argument("--seeds", type=int, default=3, help="replicates per dose, paired across doses (default 3)")
    parser.add_argument("--start-day", type=float, default=0.0, help="first day of dosing (default 0)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a parameter")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--engine", choices=("local", "dask"), default="local", help="local processes or Dask")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="submit to a running Dask cluster, e.g. tcp://host:8786")
    parser.add_argument("--resume", action="store_true", help="continue an interrupted dose-response in --out")
    add_out_arguments(parser, "results/dose_response_DRUG", "dose-response")
    add_limit_arguments(parser)


def run_dose_response(args: argparse.Namespace) -> int:
    """Run one drug at several doses as a sweep (its dataset in OUT/runs/) and write runs.csv, summary.csv and
    dose_response.png into OUT; exit 130 when interrupted (continue with --resume)."""
    from niche_abm import dose_response
    from niche_abm.sweep import make_engine, prepare, run_sweep

    doses = dose_response.parse_doses(args.doses)
    days = check_days(args.days, "--days")
    check_count(args.seeds, "--seeds", 1, 100)
    check_count(args.workers, "--workers", 1, 64)
    overrides = dict(parse_assignment(text) for text in args.set)
    out = args.out or Path("results") / f"dose_response_{args.drug}"
    if not args.resume:
        check_out(out, "dose-response", args.overwrite)
    spec = dose_response.dose_sweep(args.drug, doses, args.scenario, days, args.seeds, args.start_day, overrides)
    p = load_scenario(args.scenario, overrides).params
    one = estimate_run(p.grid.width, p.grid.height, p.mm.initial_count, p.bone.bv_tv, days)
    runs = len(doses) * args.seeds
    needs = estimate_batch(one, runs, args.workers, workers_here=args.workers)
    check_fits(f"{runs} runs of {days} days on {p.grid.width:,} x {p.grid.height:,} sites", needs, limits_from(args))
    dose_response.check_buildable(spec)
    if args.overwrite and not args.resume and (out / "runs").is_dir():
        shutil.rmtree(out / "runs")
    store, tasks = prepare(spec, out / "runs", args.resume)
    report = run_sweep(spec, store, tasks, make_engine(args.engine, args.workers, args.scheduler))
    if report.interrupted:
        print(f"interrupted: finished runs are kept; continue with --resume --out {out}", file=sys.stderr)
        return 130
    results = dose_response.outcomes(store, doses)
    summary = dose_response.summarise(results, doses)
    dose_response.write(out, results, summary, dose_response.figure(summary, args.drug, args.scenario, days))
    print(summary.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"wrote {out}/runs.csv, summary.csv and dose_response.png; the sweep dataset in {out}/runs/")
    return 1 if report.failed else 0


def _demo_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", nargs="?", help="a demo name from `run.py demo`")
    add_out_arguments(parser, "results/demos/NAME", "demo")
    parser.add_argument("--quiet", action="store_true", help="print only where the figures went")


def run_demo(args: argparse.Namespace) -> int:
    """List the teaching demos, or run one headless and write demo.png, about.md and each arm's files."""
    from niche_abm import demos

    if args.name is None:
        print(demos.demo_list())
        return 0
    demo = demos.find_demo(args.name)
    out = args.out or Path("results") / "demos" / demo.name
    check_out(out, "demo", args.overwrite)
    started = time.perf_counter()
    results = demos.run_demo(demo, out)
    if not args.quiet:
        seconds = time.perf_counter() - started
        print(f"{demo.title}: {demo.days} days, seed {demos.SEED}, {len(results)} arm(s) in {seconds:.1f} s")
        print(demos.summary_table(results).to_string(float_format=lambda v: f"{v:.4g}"))
    print(f"wrote {out}/demo.png, about.md and, per arm, timeseries.csv and overview.png")
    return 0


COMMANDS = (
    Command(
        "coculture",
        "run the in-vitro co-culture arms (Giuliani 2001, Bolzoni 2013)",
        _coculture_arguments,
        run_coculture,
    ),
    Command("validate", "run the validation targets (niche_abm/validation/)", _validate_arguments, run_validate),
    Command(
        "dose-response",
        "one drug at several doses: bone loss, RANKL/OPG, MM burden",
        _dose_response_arguments,
        run_dose_response,
    ),
    Command("demo", "run a teaching demo headless; with no name, list the demos", _demo_arguments, run_demo),
)
