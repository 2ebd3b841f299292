"""``run`` (one scenario into one folder) and the main job (``run.py`` with no command)."""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from niche_abm.budget import check_fits, estimate_run
from niche_abm.commands.command import (
    Command,
    add_limit_arguments,
    add_out_arguments,
    integer_or_text,
    limits_from,
    no_arguments,
)
from niche_abm.drugs.regimen import parse_regimen
from niche_abm.folders import check_out
from niche_abm.params import ParameterError
from niche_abm.scenario import check_days, load_scenario, parse_assignment

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from niche_abm.experiment import RunDescription, RunResult

MAIN_SCENARIOS = ("healthy", "mm_niche")
MAIN_DAYS = 90
MAIN_SEED = 1
LONG_H = 30 / 3600
"""Work estimated to take longer than this (30 s) says so before it starts, h."""


def _run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", help="a name from `run.py list` or a path to a TOML file")
    parser.add_argument(
        "--days", type=integer_or_text, help=f"simulated days (default: the scenario's, else {MAIN_DAYS})"
    )
    parser.add_argument("--seed", type=integer_or_text, default=MAIN_SEED, help=f"random seed (default {MAIN_SEED})")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a parameter")
    parser.add_argument(
        "--drug",
        action="append",
        default=[],
        metavar="REGIMEN",
        help="give a drug: NAME[=AMOUNT UNIT[/EVERY]][@dayS[:dayE]], e.g. lenalidomide=10uM@day14 or "
        "denosumab=120mg/4w; NAME alone gives its default clinical regimen (see `run.py drugs`)",
    )
    add_out_arguments(parser, "results/SCENARIO", "run")
    add_limit_arguments(parser)
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def check_seed(seed: int) -> int:
    """A model seed in [0, 2^63), or ParameterError naming --seed."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise ParameterError("--seed", f"got {seed!r}; expected an integer in [0, 2^63)")
    return seed


def run_scenario(args: argparse.Namespace) -> int:
    """Run one scenario with its overrides and drugs and write its five outputs (the model, pandas and the writers are
    imported once the input has been checked, so bad input is refused at once)."""
    overrides = dict(parse_assignment(text) for text in args.set)
    scenario = load_scenario(args.scenario, overrides)
    days = check_days(args.days if args.days is not None else (scenario.days or MAIN_DAYS), "--days")
    seed = check_seed(args.seed)
    drugs = tuple(parse_regimen(text) for text in args.drug)
    for regimen in (*scenario.drugs, *drugs):
        regimen.check_within(days)
    out = args.out or Path("results") / scenario.name
    check_out(out, "run", args.overwrite)
    p = scenario.params
    what = f"{scenario.name} on {p.grid.width:,} x {p.grid.height:,} sites for {days:,} days"
    estimate = estimate_run(p.grid.width, p.grid.height, p.mm.initial_count, p.bone.bv_tv, days)
    check_fits(what, estimate, limits_from(args))
    if estimate.hours > LONG_H and not args.quiet:
        print(f"{what}: about {estimate} (estimate); building the marrow", file=sys.stderr, flush=True)
    from niche_abm import io
    from niche_abm.experiment import RunDescription

    description = RunDescription.of_loaded(scenario, overrides, regimens=drugs, seed=seed, days=days)
    simulate(description, out, progress_position=None if not args.quiet else -1)
    print(f"wrote {out}/: {', '.join(io.OUTPUT_FILES)}")
    return 0


def simulate(description: RunDescription, out: Path, progress_position: int | None = 0) -> RunResult:
    """Run one description and write its five outputs into out; returns the finished run.

    progress_position is the progress bar's line; −1 hides the bar.
    """
    from tqdm import tqdm

    from niche_abm import io

    name = Path(description.scenario).stem
    started = time.perf_counter()
    model = description.build()
    with tqdm(
        total=description.days,
        desc=f"{name:>9s}",
        unit="day",
        position=progress_position or 0,
        disable=progress_position == -1,
        leave=True,
    ) as bar:
        result = description.advance(model, progress=bar.update)
    seconds = time.perf_counter() - started
    manifest = io.manifest(result.model, name, description.seed, description.days, seconds)
    io.write_run(out, result.model, result.timeseries, manifest)
    return result


@dataclass(frozen=True)
class MainRun:
    """One scenario of the main job for a worker; its index is also the line of its progress bar."""

    index: int
    description: RunDescription
    out: Path


def simulate_main_run(job: MainRun) -> tuple[dict[str, np.ndarray], pd.DataFrame]:
    """Run one scenario of the main job into its folder (simulate); returns what the comparison draws: the bone
    and cells at the end (:func:`niche_abm.io.bone_and_cells`) and the daily metrics."""
    from niche_abm import io

    result = simulate(job.description, job.out, progress_position=job.index)
    return io.bone_and_cells(result.model), result.timeseries


def main_job(args: argparse.Namespace) -> int:
    """Run healthy and mm_niche for 90 days side by side; print and plot the comparison.

    The main job replaces its own earlier runs in results/ (it is what `make run` repeats), but never a folder
    that holds another kind of output. The workers hand back what the comparison draws, so nothing written is
    read back.
    """
    import pandas as pd

    from niche_abm import io
    from niche_abm.engines import LocalEngine
    from niche_abm.experiment import RunDescription
    from niche_abm.jobs import map_jobs
    from niche_abm.metrics import COLUMNS
    from niche_abm.plots import comparison_figure

    shown = list(COLUMNS[1:])  # every daily metric but the day itself

    results = Path("results")
    for name in MAIN_SCENARIOS:
        check_out(results / name, "run", overwrite=True)
    started = time.perf_counter()
    print(f"niche_abm main job: {' and '.join(MAIN_SCENARIOS)}, {MAIN_DAYS} days, seed {MAIN_SEED} -> results/")
    jobs = [
        MainRun(index, RunDescription(name, seed=MAIN_SEED, days=MAIN_DAYS), results / name)
        for index, name in enumerate(MAIN_SCENARIOS)
    ]
    runs = dict(zip(MAIN_SCENARIOS, map_jobs(jobs, LocalEngine(len(jobs), simulate_main_run)), strict=True))
    table = pd.DataFrame({name: frame.iloc[-1][shown] for name, (_, frame) in runs.items()})
    table.insert(0, "day 0 (healthy)", runs[MAIN_SCENARIOS[0]][1].iloc[0][shown])
    print(f"\nMetrics at day {MAIN_DAYS}:")
    print(table.to_string(float_format=lambda v: f"{v:.4g}"))
    figure = comparison_figure(runs)
    figure.savefig(results / "comparison.png", dpi=110, metadata=io.png_metadata())
    print(f"\nwrote results/comparison.png and results/<scenario>/ in {time.perf_counter() - started:.0f} s")
    return 0


RUN = Command("run", "run one scenario and write its outputs", _run_arguments, run_scenario)
MAIN_JOB = Command(
    "", f"{' and '.join(MAIN_SCENARIOS)} for {MAIN_DAYS} days, side by side, into results/", no_arguments, main_job
)
