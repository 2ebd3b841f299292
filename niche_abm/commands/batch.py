"""Batches with their own tables and figures: ``coculture``, ``validate``, ``dose-response`` and ``demo``."""

from __future__ import annotations

import argparse
from pathlib import Path

from niche_abm.commands.command import Command, check_count
from niche_abm.params import ParameterError
from niche_abm.scenario import check_days, parse_assignment


def _coculture_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seeds", type=int, default=3, help="replicates per arm (default 3)")
    parser.add_argument("--hours", type=int, default=48, help="culture time, h (24-72; default 48)")
    parser.add_argument("--out", type=Path, default=Path("results/coculture"), help="output folder")


def run_coculture(args: argparse.Namespace) -> int:
    """Run every co-culture arm, print the per-arm means and write runs.csv, summary.csv and coculture.png."""
    from niche_abm import coculture

    check_count(args.hours, "--hours", 24, 72)
    check_count(args.seeds, "--seeds", 1, 100)
    results = coculture.run_all(seeds=tuple(range(1, args.seeds + 1)), hours=args.hours)
    summary = coculture.summarise(results)
    args.out.mkdir(parents=True, exist_ok=True)
    results.to_csv(args.out / "runs.csv", index=False)
    summary.to_csv(args.out / "summary.csv")
    coculture.figure(results).savefig(args.out / "coculture.png", dpi=110)
    print(f"Co-culture, {args.hours} h, mean of {args.seeds} seeds:")
    print(summary.to_string(float_format=lambda v: f"{v:.3g}"))
    print(f"wrote {args.out}/runs.csv, summary.csv and coculture.png")
    return 0


def _validate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("results/validation"), help="output folder")
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
    return run_validation(args.out, workers=args.workers, only=only)


def _dose_response_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("drug", help="a name from `run.py drugs`")
    parser.add_argument("--doses", required=True, help="comma-separated, e.g. 0,0.1uM,1uM,10uM or 0,60mg,120mg")
    parser.add_argument("--scenario", default="mm_niche", help="scenario (default mm_niche)")
    parser.add_argument("--days", type=int, default=60, help="simulated days (default 60)")
    parser.add_argument("--seeds", type=int, default=3, help="replicates per dose (default 3)")
    parser.add_argument("--start-day", type=float, default=0.0, help="first day of dosing (default 0)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a parameter")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--out", type=Path, help="output folder (default results/dose_response_DRUG)")


def run_dose_response(args: argparse.Namespace) -> int:
    """Run one drug at several doses and write runs.csv, summary.csv and dose_response.png."""
    from niche_abm import dose_response

    doses = dose_response.parse_doses(args.doses)
    days = check_days(args.days, "--days")
    check_count(args.seeds, "--seeds", 1, 100)
    check_count(args.workers, "--workers", 1, 64)
    overrides = dict(parse_assignment(text) for text in args.set)
    seeds = tuple(range(1, args.seeds + 1))
    results = dose_response.run_dose_response(
        args.drug, doses, args.scenario, days, seeds, args.start_day, overrides, args.workers
    )
    summary = dose_response.summarise(results, doses)
    out = args.out or Path("results") / f"dose_response_{args.drug}"
    dose_response.write(out, results, summary, dose_response.figure(summary, args.drug, args.scenario, days))
    print(summary.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"wrote {out}/runs.csv, summary.csv and dose_response.png")
    return 0


def _demo_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", nargs="?", help="a demo name from `run.py demo`")
    parser.add_argument("--out", type=Path, help="output folder (default results/demos/NAME)")
    parser.add_argument("--quiet", action="store_true", help="print only where the figures went")


def run_demo(args: argparse.Namespace) -> int:
    """List the teaching demos, or run one headless and write its figures."""
    from niche_abm.demos import demo_command

    return demo_command(args.name, args.out, args.quiet)


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
