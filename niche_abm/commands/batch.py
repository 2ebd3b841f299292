"""Batches with their own tables and figures: ``coculture``, ``validate``, ``dose-response``, ``dissect``,
``cycle`` and ``demo``.

Each runs its jobs on an engine (--engine local|dask, --workers, --scheduler; niche_abm.engines), keeps every
job as it finishes, and continues an interrupted batch with --resume (exit 130 when interrupted).
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import time
from pathlib import Path

from niche_abm.budget import check_fits, estimate_batch, estimate_run
from niche_abm.commands.command import (
    Command,
    add_engine_arguments,
    add_limit_arguments,
    add_out_arguments,
    add_resume_argument,
    check_count,
    engine_from,
    integer_or_text,
    interrupted,
    limits_from,
    number_or_text,
    workers_from,
)
from niche_abm.engines import Engine, Run
from niche_abm.folders import atomic_text, check_out, check_resumable, forget_finished_jobs
from niche_abm.io import png_metadata
from niche_abm.jobs import JobFailed
from niche_abm.params import ParameterError
from niche_abm.scenario import check_days, load_scenario, parse_assignment


def _coculture_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seeds", type=integer_or_text, default=3, help="replicates per arm (default 3)")
    parser.add_argument("--hours", type=integer_or_text, default=48, help="culture time, h (24-72; default 48)")
    add_out_arguments(parser, "results/coculture", "co-culture")
    add_engine_arguments(parser, workers=2)
    add_resume_argument(parser, "co-culture")


def prepare_out(out: Path, kind: str, args: argparse.Namespace) -> None:
    """Check --out for a new batch of this kind (check_out) or, with --resume, for continuing one."""
    if args.resume:
        check_resumable(out, kind)
    else:
        check_out(out, kind, args.overwrite)


def start_batch(out: Path, kind: str, args: argparse.Namespace, run: Run) -> Engine:
    """The engine for a batch whose folder was checked (prepare_out); a new batch forgets the jobs an earlier one
    kept there (--overwrite). Call last before the work: a bad cluster is refused before anything is removed."""
    engine = engine_from(args, run)
    if not args.resume:
        forget_finished_jobs(out, kind)
    return engine


def run_coculture(args: argparse.Namespace) -> int:
    """Run every co-culture well, print the per-arm means and write runs.csv, summary.csv and coculture.png;
    each well's measurements are kept in OUT/wells/ as it finishes."""
    from niche_abm import coculture

    check_count(args.hours, "--hours", 24, 72)
    check_count(args.seeds, "--seeds", 1, 100)
    out = args.out or Path("results/coculture")
    prepare_out(out, "co-culture", args)
    engine = start_batch(out, "co-culture", args, coculture.culture)
    seeds = tuple(range(1, args.seeds + 1))
    try:
        results = coculture.run_all(engine, out / "wells", seeds=seeds, hours=args.hours)
    except KeyboardInterrupt:
        return interrupted(out, "wells")
    except JobFailed as error:
        print(f"co-culture: {error}; finished wells are kept, --resume tries the rest again", file=sys.stderr)
        return 1
    summary = coculture.summarise(results)
    results.to_csv(out / "runs.csv", index=False)
    summary.to_csv(out / "summary.csv")
    atomic_text(out / "manifest.json", json.dumps(coculture.manifest(seeds, args.hours), indent=2) + "\n")
    coculture.figure(results).savefig(out / "coculture.png", dpi=110, metadata=png_metadata())
    print(f"Co-culture, {args.hours} h, mean of {args.seeds} seeds:")
    print(summary.to_string(float_format=lambda v: f"{v:.3g}"))
    print(f"wrote {out}/runs.csv, summary.csv, manifest.json and coculture.png")
    return 0


def _validate_arguments(parser: argparse.ArgumentParser) -> None:
    add_out_arguments(parser, "results/validation", "validation")
    add_engine_arguments(parser, workers=2)
    add_resume_argument(parser, "validation")
    parser.add_argument("--only", nargs="+", help="target ids, e.g. T1 T4 or T1,T4 (default: all)")
    parser.add_argument(
        "--seed-offset",
        type=integer_or_text,
        default=0,
        help="move every target's seeds by this many, to replicate the validation on fresh seeds (default 0)",
    )
    parser.add_argument(
        "--seed-scale",
        type=integer_or_text,
        default=1,
        help="run every target on this many times its number of seeds, to see its verdict with more power (default 1)",
    )
    parser.add_argument(
        "--compare",
        type=Path,
        metavar="FOLDER",
        help="an earlier validation (e.g. docs/validation): write replication.md, its verdicts beside these",
    )
    parser.add_argument(
        "--runs",
        type=Path,
        metavar="FOLDER",
        help="keep the simulated runs in FOLDER (under a digest of the model's files) and reuse those there",
    )


def run_validate(args: argparse.Namespace) -> int:
    """Run the validation targets; write validation.json and validation_report.md (a FAIL is a result).

    Each finished target's entry is kept in OUT/targets/, so --resume evaluates only the targets missing there.
    """
    from niche_abm.validation import replication
    from niche_abm.validation.runner import (
        SeedPlan,
        evaluate_target,
        kept_entries,
        run_validation,
        target_modules,
    )

    only = [t.strip().upper() for item in args.only for t in item.split(",") if t.strip()] if args.only else None
    known = set(target_modules())
    listed = ", ".join(sorted(known, key=lambda target: int(target[1:])))
    unknown = sorted(set(only or ()) - known)
    if only == []:
        raise ParameterError("--only", f"got no target id; expected one or more of {listed}")
    if unknown:
        raise ParameterError("--only", f"unknown target(s) {', '.join(unknown)}; known: {listed}")
    plan = SeedPlan(args.seed_offset, args.seed_scale)
    reference = replication.load_validation(args.compare) if args.compare else None
    if args.runs is not None and args.runs.exists() and not args.runs.is_dir():
        raise ParameterError("--runs", f"{args.runs} is a file; expected a folder to keep the simulated runs in")
    out = args.out or Path("results/validation")
    prepare_out(out, "validation", args)
    if args.resume:
        kept_entries(out, sorted(known), plan)  # a folder holds one seed plan: refuse before any work
    engine = start_batch(out, "validation", args, evaluate_target)
    try:
        status = run_validation(out, engine, only=only, plan=plan, runs=args.runs)
    except KeyboardInterrupt:
        return interrupted(out, "targets")
    if reference is not None:
        atomic_text(out / "replication.md", replication.compare(reference, replication.load_validation(out)))
        print(f"wrote {out / 'replication.md'}: its verdicts beside {args.compare}'s")
    return status


def _arms_arguments(parser: argparse.ArgumentParser, kind: str, default_out: str, seeds: int, dosing: bool = True):
    """The options of a batch of arms in one scenario (dose-response and dissect, whose arms are drug arms with a
    first day of dosing; cycle)."""
    parser.add_argument("--scenario", default="mm_niche", help="scenario (default mm_niche)")
    parser.add_argument("--days", type=integer_or_text, default=60, help="simulated days (default 60)")
    parser.add_argument(
        "--seeds", type=integer_or_text, default=seeds, help=f"replicates per arm, paired across arms (default {seeds})"
    )
    if dosing:
        parser.add_argument("--start-day", type=number_or_text, default=0.0, help="first day of dosing (default 0)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a parameter")
    add_engine_arguments(parser, workers=2)
    add_resume_argument(parser, kind)
    add_out_arguments(parser, default_out, kind)
    add_limit_arguments(parser)


def _arms_settings(args: argparse.Namespace, kind: str, default_out: Path | None = None) -> tuple[int, dict, Path]:
    """The checked --days, --start-day (for drug arms), --set overrides and --out (default: default_out or
    results/KIND_DRUG) of a batch of arms (ParameterError naming the option)."""
    days = check_days(args.days, "--days")
    start = getattr(args, "start_day", 0.0)
    if not (isinstance(start, float) and math.isfinite(start) and 0 <= start < days):
        shown = f"{start:g}" if isinstance(start, float) else repr(start)
        raise ParameterError("--start-day", f"got {shown}; expected a day in [0, {days}) (--days {days})")
    check_count(args.seeds, "--seeds", 1, 100)
    workers_from(args)
    overrides = dict(parse_assignment(text) for text in args.set)
    out = args.out or default_out or Path("results") / f"{kind.replace('-', '_')}_{args.drug}"
    if not args.resume:
        check_out(out, kind, args.overwrite)
    return days, overrides, out


def _run_arms(args: argparse.Namespace, spec, overrides: dict, out: Path):
    """Run a sweep of drug arms into OUT/runs/ after checking it fits this machine; its store and report."""
    from niche_abm.sweep import prepare, run_sweep
    from niche_abm.sweep.design import check_buildable
    from niche_abm.sweep.worker import simulate_run

    p = load_scenario(args.scenario, overrides).params
    one = estimate_run(p.grid.width, p.grid.height, p.mm.initial_count, p.bone.bv_tv, spec.days)
    runs = len(spec.arms) * args.seeds
    needs = estimate_batch(one, runs, args.workers, workers_here=args.workers)
    grid = f"{p.grid.width:,} x {p.grid.height:,} sites"
    check_fits(f"{runs} runs of {spec.days} days on {grid}", needs, limits_from(args))
    check_buildable(spec)
    if args.overwrite and not args.resume and (out / "runs").is_dir():
        shutil.rmtree(out / "runs")
    store, tasks = prepare(spec, out / "runs", args.resume)
    return store, run_sweep(spec, store, tasks, engine_from(args, simulate_run))


def _dose_response_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("drug", help="a name from `run.py drugs`")
    parser.add_argument("--doses", required=True, help="comma-separated, e.g. 0,0.1uM,1uM,10uM or 0,60mg,120mg")
    _arms_arguments(parser, "dose-response", "results/dose_response_DRUG", seeds=3)


def run_dose_response(args: argparse.Namespace) -> int:
    """Run one drug at several doses as a sweep (its dataset in OUT/runs/) and write runs.csv, summary.csv and
    dose_response.png into OUT; exit 130 when interrupted (continue with --resume)."""
    days, overrides, out = _arms_settings(args, "dose-response")  # checked before the model's modules load
    from niche_abm import dose_response

    doses = dose_response.parse_doses(args.doses)
    spec = dose_response.dose_sweep(args.drug, doses, args.scenario, days, args.seeds, args.start_day, overrides)
    store, report = _run_arms(args, spec, overrides, out)
    if report.interrupted:
        return interrupted(out, "runs")
    results = dose_response.outcomes(store, doses)
    summary = dose_response.summarise(results, doses)
    dose_response.write(out, results, summary, dose_response.figure(summary, args.drug, args.scenario, days))
    print(summary.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"wrote {out}/runs.csv, summary.csv and dose_response.png; the sweep dataset in {out}/runs/")
    return 1 if report.failed else 0


def _dissect_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("drug", help="a name from `run.py drugs`")
    parser.add_argument("--dose", required=True, help="one dose, e.g. 10uM (held) or 25mg (at its interval)")
    parser.add_argument(
        "--actions",
        help="the actions to leave out in turn, NAME=TARGET[+TARGET...] separated by commas, e.g. "
        "adhesion=mm_cd49d+mm_itga8+mm_icam2,ccl3=mm_ccl3_secretion (default: each target of the drug alone)",
    )
    parser.add_argument("--alone", action="store_true", help="also give each action alone (one more arm each)")
    _arms_arguments(parser, "dissect", "results/dissect_DRUG", seeds=8)


def run_dissect(args: argparse.Namespace) -> int:
    """Give one drug whole and without each of its actions in turn, as a sweep (its dataset in OUT/runs/), and
    write runs.csv, summary.csv, shares.csv and dissection.png into OUT; exit 130 when interrupted."""
    days, overrides, out = _arms_settings(args, "dissect")  # checked before the model's modules load
    from niche_abm import dissection

    actions = dissection.parse_actions(args.drug, args.actions)
    spec, labels = dissection.dissection_sweep(
        args.drug, args.dose, actions, args.scenario, days, args.seeds, args.start_day, overrides, alone=args.alone
    )
    store, report = _run_arms(args, spec, overrides, out)
    if report.interrupted:
        return interrupted(out, "runs")
    results = dissection.outcomes(store, labels)
    summary = dissection.arm_summary(results, actions)
    share_table = dissection.shares(results, actions)
    title = f"{args.drug} {args.dose} in {args.scenario}, day {days}: each action left out in turn"
    dissection.write(out, results, summary, share_table, dissection.figure(summary, share_table, title))
    shown = share_table[share_table["effect_clear"]]
    shown = shown.filter(["action", "outcome", "effect", "share", "share_ci_low", "share_ci_high", "alone_share"])
    what = "the drug's effect on each outcome it clearly changes"
    return _report_shares(what, shown, out, "shares.csv and dissection.png", report)


def _report_shares(what: str, shown, out: Path, files: str, report) -> int:
    """Print the shares table of a dissection or a cycle run and where its files went; its exit status."""
    print(f"shares of {what} (all in shares.csv):")
    print(shown.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    print(f"wrote {out}/runs.csv, summary.csv, {files}; the sweep dataset in {out}/runs/")
    return 1 if report.failed else 0


def _cycle_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--arrows",
        help="the arrows to cut, comma-separated (default all): stroma_contact, ccl3, osteoblast_block, dkk1, "
        "osteoclast_support, april, adhesion_survival, stromal_il6, vessel_support, vegf, adhesion; join names "
        "with + to cut them together in one arm, e.g. stroma_contact,ccl3,stroma_contact+ccl3",
    )
    parser.add_argument(
        "--drug",
        action="append",
        default=[],
        metavar="REGIMEN",
        help="give every arm a drug (the cycle under a treatment), e.g. lenalidomide=10uM or denosumab=120mg/4w@day20",
    )
    _arms_arguments(parser, "cycle", "results/cycle", seeds=8, dosing=False)


def run_cycle(args: argparse.Namespace) -> int:
    """Run the full model, the marrow without MM and each arrow of the vicious cycle cut, as a sweep (its dataset
    in OUT/runs/), and write runs.csv, summary.csv, shares.csv (the last day), shares_by_day.csv (every tenth day),
    cycle.png and cycle_course.png into OUT; exit 130 when interrupted."""
    days, overrides, out = _arms_settings(args, "cycle", Path("results/cycle"))  # before the model's modules load
    from niche_abm import cycle

    names = cycle.parse_arrows(args.arrows)
    spec, labels, chosen = cycle.cycle_sweep(names, args.scenario, days, args.seeds, overrides, drugs=tuple(args.drug))
    store, report = _run_arms(args, spec, overrides, out)
    if report.interrupted:
        return interrupted(out, "runs")
    by_day = cycle.outcomes(store, labels, cycle.course_days(days))
    results = by_day[by_day["day"] == days].drop(columns="day")
    summary = cycle.arm_summary(results, chosen)
    share_table = cycle.shares(results, chosen)
    course = cycle.course(by_day, chosen)
    treated = f" under {', '.join(args.drug)}" if args.drug else ""
    title = f"the vicious cycle in {args.scenario}{treated}, day {days}: each arrow cut in turn"
    course_title = f"the vicious cycle in {args.scenario}{treated}: each arrow's needed shares by day"
    figures = cycle.figure(share_table, title), cycle.course_figure(course, course_title)
    cycle.write(out, results, summary, share_table, course, *figures)
    shown = share_table[share_table["outcome"].isin(("bone_lost", "mm_gained"))]
    shown = shown.filter(["arrow", "outcome", "effect", "share", "share_ci_low", "share_ci_high"])
    what, files = "MM's bone loss and growth each arrow is needed for", "shares.csv, shares_by_day.csv and two figures"
    return _report_shares(what, shown, out, f"{files} (cycle.png, cycle_course.png)", report)


def _demo_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", nargs="?", help="a demo name from `run.py demo`")
    add_out_arguments(parser, "results/demos/NAME", "demo")
    add_engine_arguments(parser, workers=2)
    add_resume_argument(parser, "demo")
    parser.add_argument("--quiet", action="store_true", help="print only where the figures went")


def run_demo(args: argparse.Namespace) -> int:
    """List the teaching demos, or run one headless and write demo.png, about.md and each arm's files; each
    finished arm is kept, so --resume runs only the arms missing."""
    from niche_abm import demos

    if args.name is None:
        print(demos.demo_list())
        return 0
    demo = demos.find_demo(args.name)
    out = args.out or Path("results") / "demos" / demo.name
    prepare_out(out, "demo", args)
    engine = start_batch(out, "demo", args, demos.run_arm_job)
    started = time.perf_counter()
    try:
        results = demos.run_demo(demo, out, engine)
    except KeyboardInterrupt:
        return interrupted(out, "arms")
    except JobFailed as error:
        print(f"demo {demo.name}: {error}; finished arms are kept, --resume tries the rest again", file=sys.stderr)
        return 1
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
    Command(
        "dissect",
        "one drug whole and without each of its actions: which actions its effect on bone needs",
        _dissect_arguments,
        run_dissect,
    ),
    Command(
        "cycle",
        "the vicious cycle with each of its arrows cut in turn: which arrows MM's bone loss and growth need",
        _cycle_arguments,
        run_cycle,
    ),
    Command("demo", "run a teaching demo headless; with no name, list the demos", _demo_arguments, run_demo),
)
