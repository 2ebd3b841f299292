"""Benchmark of the sweep engines: throughput, scaling with workers, and the Dask overhead.

Runs the example sweep (``scenarios/sweeps/contact_lenalidomide.toml``, 48 runs)
three times into temporary folders: the default local engine with 1 worker and
with 2, then a Dask LocalCluster (loopback) with 2 workers. For each it records
the driver's wall time (from the first submission to the last result stored,
cluster start-up apart), runs per minute, and the mean time a run spends inside
its worker. Then:

- scaling efficiency = (runs/min with 2 workers) / (2 x runs/min with 1);
- overhead per run of an engine = wall x workers / runs − mean time inside a worker,
  i.e. the worker-seconds per run not spent simulating (start-up, scheduling,
  transfer, storing, idle tails);
- the Dask path's extra overhead per run = its overhead − the local engine's, as a
  percentage of one 30-day run of the same world (timed here too).
Targets: scaling efficiency ≥ 0.85 and Dask overhead < 5% of a 30-day run.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pandas as pd

from niche_abm.model import NicheModel
from niche_abm.scenario import load_scenario
from niche_abm.sweep import DaskEngine, LocalEngine, load_sweep, prepare, run_sweep

SWEEP = "contact_lenalidomide"
SCALING_TARGET = 0.85
OVERHEAD_TARGET_PERCENT = 5.0


def time_engine(label: str, make_engine, workers: int) -> dict:
    """Run the example sweep on one engine in a temporary folder."""
    spec = load_sweep(SWEEP)
    with tempfile.TemporaryDirectory(prefix="niche_sweep_bench_") as folder:
        store, tasks = prepare(spec, Path(folder) / "out", resume=False)
        started = time.perf_counter()
        engine = make_engine(workers)
        startup_s = time.perf_counter() - started
        report = run_sweep(spec, store, tasks, engine, progress=False)
        runs = pd.read_parquet(Path(folder) / "out" / "runs.parquet")
    wall_s = report.wall_time_s
    inside_s = float(runs["wall_time_s"].mean())
    return {
        "engine": label,
        "workers": workers,
        "runs": report.runs,
        "failed": report.failed,
        "startup_s": startup_s,
        "wall_s": wall_s,
        "runs_per_min": 60.0 * report.done / wall_s,
        "mean_run_in_worker_s": inside_s,
        "overhead_per_run_s": wall_s * workers / report.runs - inside_s,
    }


def time_thirty_day_run() -> float:
    """Seconds for one 30-day run of the example sweep's world (its base scenario and fixed settings)."""
    spec = load_sweep(SWEEP)
    model = NicheModel(load_scenario(spec.scenario_path, spec.fixed), seed=1)
    started = time.perf_counter()
    model.run(30)
    return time.perf_counter() - started


def measure_sweeps() -> dict:
    """Timings of the example sweep on the three engine settings, with the derived figures."""
    local_1 = time_engine("local", LocalEngine, 1)
    local_2 = time_engine("local", LocalEngine, 2)
    dask_2 = time_engine("dask", DaskEngine, 2)
    thirty_day_s = time_thirty_day_run()
    efficiency = local_2["runs_per_min"] / (2.0 * local_1["runs_per_min"])
    extra_s = dask_2["overhead_per_run_s"] - local_2["overhead_per_run_s"]
    return {
        "sweep": SWEEP,
        "engines": [local_1, local_2, dask_2],
        "thirty_day_run_s": thirty_day_s,
        "scaling_efficiency": efficiency,
        "scaling_target": SCALING_TARGET,
        "scaling_target_met": efficiency >= SCALING_TARGET,
        "dask_extra_overhead_per_run_s": extra_s,
        "dask_extra_overhead_percent_of_30_day_run": 100.0 * extra_s / thirty_day_s,
        "overhead_target_percent": OVERHEAD_TARGET_PERCENT,
        "overhead_target_met": 100.0 * extra_s / thirty_day_s < OVERHEAD_TARGET_PERCENT,
    }


def report_sweeps(results: dict, table, verdict) -> str:
    """The sweep section of the benchmark report (table and verdict are bench.py's formatters)."""
    rows = [
        [
            e["engine"],
            str(e["workers"]),
            f"{e['startup_s']:.1f}",
            f"{e['wall_s']:.1f}",
            f"{e['runs_per_min']:.1f}",
            f"{e['mean_run_in_worker_s']:.2f}",
            f"{e['overhead_per_run_s']:.2f}",
            f"{100.0 * e['overhead_per_run_s'] / results['thirty_day_run_s']:.0f}%",
        ]
        for e in results["engines"]
    ]
    out = [f"Sweep engines ({results['sweep']}, {results['engines'][0]['runs']} runs)"]
    headers = ["engine", "workers", "start s", "wall s", "runs/min", "run in worker s", "overhead s/run", "of 30 d run"]
    out.append(table(headers, rows))
    out.append(
        f"scaling efficiency 1 → 2 workers: {results['scaling_efficiency']:.2f} ≥ {results['scaling_target']}: "
        f"{verdict(results['scaling_target_met'])}"
    )
    out.append(
        f"Dask extra overhead per run: {results['dask_extra_overhead_per_run_s']:.3f} s = "
        f"{results['dask_extra_overhead_percent_of_30_day_run']:.1f}% of a 30-day run "
        f"({results['thirty_day_run_s']:.2f} s) < {results['overhead_target_percent']:g}%: "
        f"{verdict(results['overhead_target_met'])}"
    )
    return "\n".join(out)
