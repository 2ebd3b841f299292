"""Command line: ``python run.py [run|list|params|rules]``.

With no command it runs the main job: ``healthy`` and ``mm_niche`` for 90 days
with seed 1, side by side in two processes, into results/.

Bad input (unknown parameter, wrong type, value out of range, malformed
scenario, impossible grid) prints one line naming the key and what is allowed,
and exits with status 2 before any step runs or any file is written.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from niche_abm import io
from niche_abm.drugs import DRUGS
from niche_abm.drugs.regimen import parse_regimen
from niche_abm.metrics import COLUMNS
from niche_abm.params import TABLE, ParameterError, build_parameters
from niche_abm.scenario import list_scenarios, load_scenario, parse_assignment

MAIN_SCENARIOS = ("healthy", "mm_niche")
MAIN_DAYS = 90
MAIN_SEED = 1
SHOWN_METRICS = COLUMNS[1:]
"""Every daily metric but the day itself."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="run.py", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command")
    run = commands.add_parser("run", help="run one scenario and write its outputs")
    run.add_argument("scenario", help="a name from `run.py list` or a path to a TOML file")
    run.add_argument("--days", type=int, help="simulated days (default: the scenario's, else 90)")
    run.add_argument("--seed", type=int, default=MAIN_SEED, help="random seed (default 1)")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a parameter")
    run.add_argument(
        "--drug",
        action="append",
        default=[],
        metavar="REGIMEN",
        help="give a drug: NAME[=AMOUNT UNIT[/EVERY]][@dayS[:dayE]], e.g. lenalidomide=10uM@day14 or "
        "denosumab=120mg/4w; NAME alone gives its default clinical regimen (see `run.py drugs`)",
    )
    run.add_argument("--out", type=Path, help="output folder (default results/SCENARIO)")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    commands.add_parser("list", help="list the scenarios")
    params = commands.add_parser("params", help="print the parameter table")
    params.add_argument("--markdown", action="store_true", help="as the Markdown of docs/parameters.md")
    commands.add_parser("rules", help="print every cell rule as one sentence with its parameters and sources")
    commands.add_parser("drugs", help="list the drugs: class, mechanism, default regimens, sources")
    coculture = commands.add_parser("coculture", help="run the in-vitro co-culture arms (Giuliani 2001, Bolzoni 2013)")
    coculture.add_argument("--seeds", type=int, default=3, help="replicates per arm (default 3)")
    coculture.add_argument("--hours", type=int, default=48, help="culture time, h (24-72; default 48)")
    coculture.add_argument("--out", type=Path, default=Path("results/coculture"), help="output folder")
    validate = commands.add_parser("validate", help="run every validation target (analysis/validation/)")
    validate.add_argument("--out", type=Path, default=Path("results/validation"), help="output folder")
    validate.add_argument("--workers", type=int, default=2, help="parallel processes (default 2)")
    validate.add_argument("--only", help="comma-separated target ids, e.g. T1,T4 (default: all)")
    dose = commands.add_parser("dose-response", help="one drug at several doses: bone loss, RANKL/OPG, MM burden")
    dose.add_argument("drug", help="a name from `run.py drugs`")
    dose.add_argument("--doses", required=True, help="comma-separated, e.g. 0,0.1uM,1uM,10uM or 0,60mg,120mg")
    dose.add_argument("--scenario", default="mm_niche", help="scenario (default mm_niche)")
    dose.add_argument("--days", type=int, default=60, help="simulated days (default 60)")
    dose.add_argument("--seeds", type=int, default=3, help="replicates per dose (default 3)")
    dose.add_argument("--start-day", type=float, default=0.0, help="first day of dosing (default 0)")
    dose.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a parameter")
    dose.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    dose.add_argument("--out", type=Path, help="output folder (default results/dose_response_DRUG)")
    app = commands.add_parser("app", help="start the browser app on localhost and print its address")
    app.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    app.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 = any free port)")
    demo = commands.add_parser("demo", help="run a teaching demo headless; with no name, list the demos")
    demo.add_argument("name", nargs="?", help="a demo name from `run.py demo`")
    demo.add_argument("--out", type=Path, help="output folder (default results/demos/NAME)")
    demo.add_argument("--quiet", action="store_true", help="print only where the figures went")
    sweep = commands.add_parser("sweep", help="run a batch experiment from a sweep file (scenarios/sweeps/)")
    sweep.add_argument("sweep", help="a sweep TOML file, or the name of one in scenarios/sweeps/")
    sweep.add_argument("--out", type=Path, help="dataset folder (default results/sweeps/NAME)")
    sweep.add_argument("--workers", type=int, help="worker processes (default: every core)")
    sweep.add_argument("--engine", choices=("local", "dask"), default="local", help="local processes or Dask")
    sweep.add_argument("--scheduler", metavar="ADDRESS", help="submit to a running Dask cluster, e.g. tcp://host:8786")
    sweep.add_argument("--resume", action="store_true", help="continue a sweep in --out: run only what is missing")
    sweep.add_argument("--quiet", action="store_true", help="no progress bar")
    summarize = commands.add_parser("summarize", help="statistics, figures and sensitivity indices of a sweep")
    summarize.add_argument("folder", type=Path, help="the sweep's dataset folder")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command is None:
            return main_job()
        if args.command == "run":
            return run_command(args)
        if args.command == "list":
            for name, description in list_scenarios():
                print(f"{name:14s} {description}")
            return 0
        if args.command == "params":
            print(parameter_markdown() if args.markdown else parameter_text())
            return 0
        if args.command == "rules":
            print(rules_text())
            return 0
        if args.command == "drugs":
            print(drugs_text())
            return 0
        if args.command == "coculture":
            return coculture_command(args)
        if args.command == "dose-response":
            return dose_response_command(args)
        if args.command == "validate":
            return validate_command(args)
        if args.command == "app":
            from niche_abm.app.server import serve

            if not 0 <= args.port <= 65535:
                raise ParameterError(
                    "--port", f"got {args.port}; expected an integer in [0, 65535] (0 = any free port)"
                )
            return serve(args.host, args.port)
        if args.command == "demo":
            from niche_abm.demos import demo_command

            return demo_command(args.name, args.out, args.quiet)
        if args.command == "sweep":
            return sweep_command(args)
        if args.command == "summarize":
            return summarize_command(args)
    except ParameterError as error:
        print(f"run.py: error: {error}", file=sys.stderr)
        return 2
    return 0


def _check_days(days: int) -> int:
    if not 1 <= days <= 3650:
        raise ParameterError("--days", f"got {days}; expected an integer in [1, 3650]")
    return days


def _check_seed(seed: int) -> int:
    if not 0 <= seed < 2**63:
        raise ParameterError("--seed", f"got {seed}; expected an integer in [0, 2^63)")
    return seed


def run_command(args: argparse.Namespace) -> int:
    overrides = dict(parse_assignment(text) for text in args.set)
    scenario = load_scenario(args.scenario, overrides)
    days = _check_days(args.days if args.days is not None else (scenario.days or MAIN_DAYS))
    seed = _check_seed(args.seed)
    drugs = tuple(parse_regimen(text) for text in args.drug)
    for regimen in (*scenario.drugs, *drugs):
        regimen.check_within(days)
    out = args.out or Path("results") / scenario.name
    simulate(scenario.path, overrides, seed, days, out, drugs, progress_position=None if not args.quiet else -1)
    print(f"wrote {out}/: {', '.join(io.OUTPUT_FILES)}")
    return 0


def simulate(
    scenario_path, overrides, seed: int, days: int, out: Path, drugs=(), progress_position: int | None = 0
) -> pd.DataFrame:
    """Build, run and write one scenario; returns its daily metrics. progress_position −1 hides the bar."""
    from niche_abm.model import NicheModel

    scenario = load_scenario(scenario_path, overrides)
    started = time.perf_counter()
    model = NicheModel(scenario, seed=seed, drugs=drugs)
    with tqdm(
        total=days,
        desc=f"{scenario.name:>9s}",
        unit="day",
        position=progress_position or 0,
        disable=progress_position == -1,
        leave=True,
    ) as bar:
        timeseries = model.run(days, progress=bar.update)
    io.write_run(out, model, timeseries, io.manifest(model, scenario.name, seed, days, time.perf_counter() - started))
    return timeseries


def _main_job_worker(job: tuple[str, int]) -> pd.DataFrame:
    name, position = job
    scenario = load_scenario(name)
    return simulate(scenario.path, {}, MAIN_SEED, MAIN_DAYS, Path("results") / name, progress_position=position)


def coculture_command(args: argparse.Namespace) -> int:
    """Run every co-culture arm, print the per-arm means and write runs.csv, summary.csv and coculture.png."""
    from niche_abm import coculture

    if not 24 <= args.hours <= 72:
        raise ParameterError("--hours", f"got {args.hours}; expected an integer in [24, 72]")
    if not 1 <= args.seeds <= 100:
        raise ParameterError("--seeds", f"got {args.seeds}; expected an integer in [1, 100]")
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


def validate_command(args: argparse.Namespace) -> int:
    """Run the validation targets; write validation.json and validation_report.md (a FAIL is a result)."""
    from analysis.validation.runner import run_validation, target_modules

    if not 1 <= args.workers <= 64:
        raise ParameterError("--workers", f"got {args.workers}; expected an integer in [1, 64]")
    only = [t.strip().upper() for t in args.only.split(",") if t.strip()] if args.only else None
    known = set(target_modules())
    unknown = sorted(set(only or ()) - known)
    if unknown:
        raise ParameterError("--only", f"unknown target(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return run_validation(args.out, workers=args.workers, only=only)


def dose_response_command(args: argparse.Namespace) -> int:
    """Run one drug at several doses and write runs.csv, summary.csv and dose_response.png."""
    from niche_abm import dose_response

    doses = dose_response.parse_doses(args.doses)
    days = _check_days(args.days)
    if not 1 <= args.seeds <= 100:
        raise ParameterError("--seeds", f"got {args.seeds}; expected an integer in [1, 100]")
    if not 1 <= args.workers <= 64:
        raise ParameterError("--workers", f"got {args.workers}; expected an integer in [1, 64]")
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


def sweep_command(args: argparse.Namespace) -> int:
    from niche_abm.sweep import load_sweep, make_engine, prepare, run_sweep

    spec = load_sweep(args.sweep)
    if args.workers is not None and not 1 <= args.workers <= 1024:
        raise ParameterError("--workers", f"got {args.workers}; expected an integer in [1, 1024]")
    out = args.out or Path("results") / "sweeps" / spec.name
    store, tasks = prepare(spec, out, args.resume)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    engine = make_engine(args.engine, args.workers, args.scheduler)
    print(f"{spec.name}: {len(tasks)} runs on {engine.name} ({engine.workers} workers) into {out}/", flush=True)
    if engine.name == "dask":
        print(f"Dask dashboard: {engine.dashboard}", flush=True)
    report = run_sweep(spec, store, tasks, engine, progress=not args.quiet)
    print(
        f"{report.done} done ({report.skipped} from before), {report.failed} failed, {report.pending} pending "
        f"in {report.wall_time_s:.1f} s; runs table: {out / 'runs.csv'}"
    )
    if report.interrupted:
        print(f"interrupted: finished runs are kept; continue with --resume --out {out}", file=sys.stderr)
        return 130
    if report.failed:
        print(f"{report.failed} runs failed (errors in runs.csv); --resume retries them", file=sys.stderr)
        return 1
    return 0


def summarize_command(args: argparse.Namespace) -> int:
    from niche_abm.sweep.summary import summarize

    written = summarize(args.folder)
    print(f"wrote {args.folder / 'summary'}/: {', '.join(path.name for path in written)}")
    for note in json.loads((args.folder / "summary" / "manifest.json").read_text(encoding="utf-8"))["notes"]:
        print(f"note: {note}", file=sys.stderr)
    return 0


def drugs_text() -> str:
    """Every drug: command-line name, class, mechanism, default regimens, effects and sources."""
    blocks = []
    for drug in DRUGS.values():
        effects = "; ".join(
            f"{e.kind}s {e.target} (Emax {e.emax:g}, EC50 {e.ec50_um:g} µM, Hill {e.hill:g}; {e.source})"
            for e in drug.effects
        )
        clinical = f"--drug {drug.name}={drug.clinical_regimen}" if drug.clinical_regimen else "none"
        blocks.append(
            f"{drug.name}  ({drug.drug_class})\n"
            f"  mechanism: {drug.mechanism}\n"
            f"  default clinical regimen: {clinical}; in vitro: {drug.in_vitro_um:g} µM\n"
            f"  effects: {effects}\n"
            f"  regimen and pharmacokinetics: {drug.sources}"
        )
    return "\n\n".join(blocks)


def main_job() -> int:
    """Run healthy and mm_niche for 90 days side by side; print and plot the comparison."""
    from niche_abm.plots import comparison_figure

    started = time.perf_counter()
    print(f"niche_abm main job: {' and '.join(MAIN_SCENARIOS)}, {MAIN_DAYS} days, seed {MAIN_SEED} -> results/")
    with ProcessPoolExecutor(max_workers=len(MAIN_SCENARIOS)) as pool:
        series = list(pool.map(_main_job_worker, [(name, i) for i, name in enumerate(MAIN_SCENARIOS)]))
    runs = {}
    for name, frame in zip(MAIN_SCENARIOS, series, strict=True):
        with np.load(Path("results") / name / "final_state.npz") as state:
            runs[name] = ({key: state[key] for key in ("bone", "bone_start", "occupancy")}, frame)
    table = pd.DataFrame({name: run[1].iloc[-1][list(SHOWN_METRICS)] for name, run in runs.items()})
    table.insert(0, "day 0 (healthy)", series[0].iloc[0][list(SHOWN_METRICS)])
    print(f"\nMetrics at day {MAIN_DAYS}:")
    print(table.to_string(float_format=lambda v: f"{v:.4g}"))
    figure = comparison_figure(runs)
    figure.savefig(Path("results") / "comparison.png", dpi=110)
    print(f"\nwrote results/comparison.png and results/<scenario>/ in {time.perf_counter() - started:.0f} s")
    return 0


def parameter_text() -> str:
    """The parameter table as aligned text."""
    defaults = build_parameters()
    lines = [f"{'name':40s} {'value':>10s}  {'unit':22s} {'allowed':28s} source"]
    for p in TABLE:
        value = f"{defaults[p.name]!r}" if isinstance(p.default, str) else f"{defaults[p.name]:g}"
        lines.append(f"{p.name:40s} {value:>10s}  {p.unit or '-':22s} {_allowed(p):28s} {p.source}")
    return "\n".join(lines)


def _allowed(p) -> str:
    if p.choices:
        return " | ".join(p.choices)
    if isinstance(p.default, str):
        return "path"
    return f"[{p.low:g}, {p.high:g}]"


def parameter_markdown() -> str:
    """The parameter table as the Markdown page docs/parameters.md."""
    lines = [
        "# Parameters",
        "",
        "Generated by `python run.py params --markdown` (`make docs`) from `niche_abm/params.py`, the single",
        "source of truth. One site = 10 µm, one step = 1 h, so every rate is per hour. Scenario files and",
        "`--set` override values by the dotted name.",
        "",
        "| name | default | unit | allowed | meaning | source |",
        "|---|---|---|---|---|---|",
    ]
    for p in TABLE:
        value = f"`{p.default!r}`" if isinstance(p.default, str) else f"{p.default:g}"
        cells = (f"`{p.name}`", value, p.unit or "–", _allowed(p), p.description, p.source)
        lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def rules_text() -> str:
    """Every registered cell rule as one sentence, with the default parameter values."""
    import niche_abm.model  # noqa: F401  (registers the rules)
    from niche_abm.rules import RULES

    params = build_parameters()
    return "\n".join(f"{i:2d}. {rule.describe(params)}" for i, rule in enumerate(RULES, start=1))
