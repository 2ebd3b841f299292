"""Benchmark: where an hour of the niche goes, against a plain Mesa model of the same size.

Run from the repository root::

    python analysis/bench.py              # full benchmark (about 4 min), writes results/bench.json
    python analysis/bench.py --quick      # fewer steps, no 90-day runs (under 2 min)
    python analysis/bench.py --skip-long  # full timings without the 90-day runs
    python analysis/bench.py --profile    # cProfile top 20 of the 200 x 200 model, nothing written
    python analysis/bench.py --part sweep # only the sweep engines (analysis/bench_sweep.py, about 5 min)
    python analysis/bench.py --part app   # only the browser app's frame (analysis/bench_app.py, seconds)

What it measures:

1. The niche model built from the ``mm_advanced`` scenario at 200 x 200 sites with
   about 5,000 cells and at 400 x 400 with about 20,000 (``mm.initial_count`` is
   chosen to reach the count; every other parameter keeps its default). After a
   warm-up it times ``model.step()`` and, inside it, every phase. *Fields* is the
   signalling phase (``model._signal``: secretion, diffusion, RANKL-OPG binding,
   RANK occupancy) plus the periodic rebuild of the field geometry; *agent work* is
   the rest of the step, divided by the number of cells for µs per agent-step.
2. A plain Mesa reference on the same grid with the same number of agents:
   ``CellAgent``s on an ``OrthogonalMooreGrid`` (capacity 1) that each hour step to a
   random empty Moore neighbour and read a property layer at their cell
   (``model.agents.shuffle_do("step")``), and three fields updated by one explicit
   5-point diffusion stencil each (numpy, vectorised) per step.
   Targets: the niche is at least 4x cheaper per agent-step than the reference, and
   its fields cost under 5 ms per step at 200 x 200.
3. The sweep engines (:mod:`bench_sweep`): runs per minute of the example sweep with
   1 and 2 local workers (scaling efficiency) and the overhead per run of the Dask
   path against the default one.
4. The browser app's frame at 200 x 200 (:mod:`bench_app`): the model step, the drawing
   (compose bone, cells and a field overlay as one RGB image, encode PNG) and both.
   Targets: drawing under 100 ms, frame well under a second.
5. Wall time of the 90-day default runs (``healthy`` and ``mm_niche``, seed 1, built
   and run one after the other), then of the main job itself (``python run.py``, which
   runs both side by side in two processes), in a temporary directory.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import io
import json
import os
import platform
import pstats
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path

import bench_app
import bench_sweep
import mesa
import numpy as np
from mesa.discrete_space import CellAgent, OrthogonalMooreGrid

from niche_abm import NicheModel, load_scenario, metrics
from niche_abm.agents import endothelium, myeloma, osteoblast, osteoclast, stroma

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = "mm_advanced"
SIZES = ((200, 5_000), (400, 20_000))  # (grid edge in sites, target number of cells)
LONG_RUNS = ("healthy", "mm_niche")
LONG_RUN_DAYS = 90
AGENT_SPEEDUP_TARGET = 4.0  # reference µs per agent-step / niche µs per agent-step
FIELDS_TARGET_MS = 5.0  # niche fields + binding per step at 200 x 200
FIELDS_TARGET_GRID = 200
APP_DRAW_TARGET_MS = 100.0  # drawing one app frame at 200 x 200
APP_FRAME_TARGET_MS = 1000.0  # model step plus drawing ("well under a second")
REFERENCE_FIELDS = 3
REFERENCE_DIFFUSION_NUMBER = 0.2  # D Δt / h² of the explicit stencil; stable up to 1/4
REFERENCE_DECAY = 0.01  # per step

# The phases NicheModel.step calls, in its order: (label, owner, attribute).
MODULE_PHASES = (
    ("stroma", stroma, "step_stroma"),
    ("myeloma", myeloma, "step_myeloma"),
    ("endothelium", endothelium, "step_endothelium"),
    ("precursors", osteoclast, "step_precursors"),
    ("osteoclasts", osteoclast, "step_osteoclasts"),
    ("osteoblasts", osteoblast, "step_osteoblasts"),
    ("daily metrics", metrics, "measure"),
)
MODEL_PHASES = (
    ("signalling", "_signal"),
    ("near-osteoclast map", "_update_near_osteoclast"),
    ("bone state", "_refresh_bone_state"),
    ("field geometry", "_refresh_field_geometry"),
)
FIELD_PHASES = ("signalling", "field geometry")


# --- timing the phases of the niche ---------------------------------------------------------
class PhaseClock:
    """Accumulated wall time per phase label, seconds."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def wrap(self, label: str, function: Callable) -> Callable:
        self.seconds.setdefault(label, 0.0)

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - start

        return timed


@contextlib.contextmanager
def clocked_phases(model: NicheModel, clock: PhaseClock) -> Iterator[None]:
    """Time every phase of NicheModel.step (and the field solves inside signalling) while inside."""
    patched: list[tuple[object, str, object]] = []
    try:
        for label, owner, name in MODULE_PHASES:
            original = getattr(owner, name)
            patched.append((owner, name, original))
            setattr(owner, name, clock.wrap(label, original))
        for label, name in MODEL_PHASES:
            setattr(model, name, clock.wrap(label, getattr(model, name)))
        for field in model.fields.values():
            field.step = clock.wrap("field solves", field.step)
        yield
    finally:
        for owner, name, original in patched:
            setattr(owner, name, original)
        for _, name in MODEL_PHASES:
            model.__dict__.pop(name, None)
        for field in model.fields.values():
            field.__dict__.pop("step", None)


# --- the niche model ---------------------------------------------------------------------------
def niche_overrides(width: int, mm_count: int) -> dict:
    return {"grid.width": width, "grid.height": width, "mm.initial_count": mm_count}


def build_niche(width: int, target_cells: int, seed: int) -> NicheModel:
    """The mm_advanced niche on a width x width grid with about target_cells cells.

    Vessels and stroma are placed before the MM cells, so a model without MM cells
    (same seed) tells how many MM cells make up the target.
    """
    others = len(NicheModel(load_scenario(SCENARIO, niche_overrides(width, 0)), seed=seed).agents)
    mm_count = max(target_cells - others, 0)
    return NicheModel(load_scenario(SCENARIO, niche_overrides(width, mm_count)), seed=seed)


def time_niche(width: int, target_cells: int, steps: int, warmup: int, seed: int) -> dict:
    """Per-step wall time of the niche and of each phase, ms, and µs per agent-step."""
    start = time.perf_counter()
    model = build_niche(width, target_cells, seed)
    build_s = time.perf_counter() - start
    for _ in range(warmup):
        model.step()
    counts_start = model.cell_counts()
    clock = PhaseClock()
    step_s, agents = [], []
    with clocked_phases(model, clock):
        for _ in range(steps):
            agents.append(len(model.agents))
            start = time.perf_counter()
            model.step()
            step_s.append(time.perf_counter() - start)
    phases_ms = {label: 1e3 * s / steps for label, s in clock.seconds.items()}
    step_ms = 1e3 * sum(step_s) / steps
    fields_ms = sum(phases_ms.get(label, 0.0) for label in FIELD_PHASES)
    agent_ms = step_ms - fields_ms
    mean_agents = float(np.mean(agents))
    return {
        "scenario": SCENARIO,
        "grid": [width, width],
        "overrides": niche_overrides(width, model.params.mm.initial_count),
        "build_s": build_s,
        "warmup_steps": warmup,
        "timed_steps": steps,
        "agents_start": agents[0],
        "agents_end": len(model.agents),
        "agents_mean": mean_agents,
        "cell_counts_start": counts_start,
        "cell_counts_end": model.cell_counts(),
        "step_ms": step_ms,
        "step_ms_median": 1e3 * float(np.median(step_s)),
        "fields_ms": fields_ms,
        "field_solves_ms": phases_ms.get("field solves", 0.0),
        "agent_ms": agent_ms,
        "agent_us_per_agent_step": 1e3 * agent_ms / mean_agents,
        "phases_ms": phases_ms | {"other": step_ms - sum(v for k, v in phases_ms.items() if k != "field solves")},
    }


# --- the plain Mesa reference ------------------------------------------------------------------
class Walker(CellAgent):
    """A cell that steps to a random empty neighbouring site and reads the signal there."""

    def __init__(self, model: ReferenceModel, cell) -> None:
        super().__init__(model)
        self.cell = cell
        self.signal = 0.0

    def step(self) -> None:
        empty = self.cell.neighborhood.select(lambda cell: cell.is_empty)
        if len(empty):
            self.cell = empty.select_random_cell()
        self.signal = self.cell.signal


class ReferenceModel(mesa.Model):
    """Plain Mesa: walkers on a capacity-1 Moore grid and three explicitly diffusing fields.

    Args:
        width: grid edge, sites.
        n_agents: number of walkers, placed on random distinct sites.
        seed: random seed.
    """

    def __init__(self, width: int, n_agents: int, seed: int) -> None:
        super().__init__(seed=seed)
        self.grid = OrthogonalMooreGrid((width, width), torus=False, capacity=1, random=self.random)
        signal = self.grid.create_property_layer("signal", default_value=0.0).data
        signal[:] = self.rng.random(signal.shape)
        self.fields = [signal] + [self.rng.random((width, width)) for _ in range(REFERENCE_FIELDS - 1)]
        cells = self.grid.all_cells.cells
        for index in self.rng.choice(len(cells), size=n_agents, replace=False):
            Walker(self, cells[index])

    def step_fields(self) -> None:
        """One explicit 5-point diffusion-decay update per field, no-flux edges (stable for D Δt/h² ≤ 1/4)."""
        for c in self.fields:
            padded = np.pad(c, 1, mode="edge")
            laplacian = padded[:-2, 1:-1] + padded[2:, 1:-1] + padded[1:-1, :-2] + padded[1:-1, 2:] - 4.0 * c
            c += REFERENCE_DIFFUSION_NUMBER * laplacian - REFERENCE_DECAY * c

    def step_agents(self) -> None:
        self.agents.shuffle_do("step")

    def step(self) -> None:
        self.step_fields()
        self.step_agents()


def time_reference(width: int, n_agents: int, steps: int, warmup: int, seed: int) -> dict:
    """Per-step wall time of the reference's fields and agents."""
    start = time.perf_counter()
    model = ReferenceModel(width, n_agents, seed)
    build_s = time.perf_counter() - start
    for _ in range(warmup):
        model.step()
    fields_s = agents_s = 0.0
    for _ in range(steps):
        start = time.perf_counter()
        model.step_fields()
        middle = time.perf_counter()
        model.step_agents()
        agents_s += time.perf_counter() - middle
        fields_s += middle - start
    agent_ms = 1e3 * agents_s / steps
    return {
        "grid": [width, width],
        "agents": n_agents,
        "build_s": build_s,
        "warmup_steps": warmup,
        "timed_steps": steps,
        "step_ms": agent_ms + 1e3 * fields_s / steps,
        "fields_ms": 1e3 * fields_s / steps,
        "agent_ms": agent_ms,
        "agent_us_per_agent_step": 1e3 * agent_ms / n_agents,
    }


def compare(niche: dict, reference: dict) -> dict:
    ratio = reference["agent_us_per_agent_step"] / niche["agent_us_per_agent_step"]
    row = {
        "grid": niche["grid"],
        "agent_speedup": ratio,
        "agent_speedup_target": AGENT_SPEEDUP_TARGET,
        "agent_target_met": ratio >= AGENT_SPEEDUP_TARGET,
        "niche_fields_ms": niche["fields_ms"],
        "reference_fields_ms": reference["fields_ms"],
    }
    if niche["grid"][0] == FIELDS_TARGET_GRID:
        row |= {"fields_target_ms": FIELDS_TARGET_MS, "fields_target_met": niche["fields_ms"] < FIELDS_TARGET_MS}
    return row


# --- the 90-day runs ---------------------------------------------------------------------------
def time_long_run(scenario: str, days: int, seed: int) -> dict:
    start = time.perf_counter()
    model = NicheModel(load_scenario(scenario), seed=seed)
    built = time.perf_counter()
    model.run(days)
    end = time.perf_counter()
    return {
        "scenario": scenario,
        "days": days,
        "seed": seed,
        "grid": [model.params.grid.width, model.params.grid.height],
        "build_s": built - start,
        "run_s": end - built,
        "total_s": end - start,
        "ms_per_step": 1e3 * (end - built) / max(model.hour, 1),
        "cell_counts_end": model.cell_counts(),
    }


def time_main_job() -> dict:
    """Wall time of `python run.py` (the main job), run in a temporary directory so results/ is untouched."""
    with tempfile.TemporaryDirectory(prefix="niche_bench_") as workdir:
        start = time.perf_counter()
        done = subprocess.run([sys.executable, str(ROOT / "run.py")], cwd=workdir, capture_output=True, text=True)
        wall_s = time.perf_counter() - start
    error = done.stderr[-500:] if done.returncode else ""
    return {"command": "python run.py", "wall_s": wall_s, "returncode": done.returncode, "stderr_tail": error}


# --- machine and output ------------------------------------------------------------------------
def machine_info() -> dict:
    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "not installed"

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return "unknown"

    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "mesa": mesa.__version__,
        "scipy": version("scipy"),
        "git_commit": git("rev-parse", "HEAD"),
        "git_dirty": bool(git("status", "--porcelain", "--", "niche_abm", "scenarios")),
    }


def load_average() -> float | None:
    """The 1-minute load average: other processes on the machine skew the timings."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else None


def write_json(path: Path, data: dict) -> None:
    """Write atomically: a temporary file beside the target, then a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    partial.replace(path)


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def grid_label(entry: dict) -> str:
    return "x".join(str(n) for n in entry["grid"])


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def report(results: dict) -> str:
    niche, reference = results["niche"], results["reference"]
    out = [f"Niche model ({SCENARIO}; {niche[0]['timed_steps']} h timed after {niche[0]['warmup_steps']} h warm-up)"]
    out.append(
        table(
            ["grid", "agents", "step ms", "fields ms", "(solves)", "agent ms", "µs/agent-step"],
            [
                [
                    grid_label(n),
                    f"{n['agents_mean']:,.0f}",
                    f"{n['step_ms']:.1f}",
                    f"{n['fields_ms']:.2f}",
                    f"{n['field_solves_ms']:.2f}",
                    f"{n['agent_ms']:.1f}",
                    f"{n['agent_us_per_agent_step']:.2f}",
                ]
                for n in niche
            ],
        )
    )
    out.append("\nCells at the start of timing")
    kinds = list(niche[0]["cell_counts_start"])
    out.append(
        table(["grid", *kinds], [[grid_label(n), *(str(n["cell_counts_start"][k]) for k in kinds)] for n in niche])
    )
    out.append("\nPhases, ms per step ('field solves' is inside 'signalling')")
    labels = list(niche[0]["phases_ms"])
    out.append(
        table(
            ["phase", *map(grid_label, niche)], [[lb, *(f"{n['phases_ms'][lb]:.2f}" for n in niche)] for lb in labels]
        )
    )
    out.append(f"\nPlain Mesa reference ({reference[0]['timed_steps']} steps timed)")
    out.append(
        table(
            ["grid", "agents", "step ms", "fields ms", "agent ms", "µs/agent-step"],
            [
                [
                    grid_label(r),
                    f"{r['agents']:,}",
                    f"{r['step_ms']:.1f}",
                    f"{r['fields_ms']:.2f}",
                    f"{r['agent_ms']:.1f}",
                    f"{r['agent_us_per_agent_step']:.2f}",
                ]
                for r in reference
            ],
        )
    )
    out.append("\nTargets")
    rows = []
    for c in results["comparison"]:
        fields = f"{c['niche_fields_ms']:.2f} ms"
        if "fields_target_ms" in c:
            fields += f" < {c['fields_target_ms']:g} ms: {verdict(c['fields_target_met'])}"
        speed = f"{c['agent_speedup']:.1f}x ≥ {c['agent_speedup_target']:g}x: {verdict(c['agent_target_met'])}"
        rows.append([grid_label(c), speed, fields])
    out.append(table(["grid", "agent work, reference/niche", "niche fields"], rows))
    long_runs = results["long_runs"]
    if isinstance(long_runs, str):
        out.append(f"\n{LONG_RUN_DAYS}-day runs: {long_runs}")
    else:
        out.append(f"\n{LONG_RUN_DAYS}-day runs (seed {long_runs[0]['seed']}, one after the other)")
        out.append(
            table(
                ["scenario", "grid", "build s", "run s", "total s", "ms/step", "cells at end"],
                [
                    [
                        r["scenario"],
                        grid_label(r),
                        f"{r['build_s']:.1f}",
                        f"{r['run_s']:.1f}",
                        f"{r['total_s']:.1f}",
                        f"{r['ms_per_step']:.1f}",
                        f"{sum(r['cell_counts_end'].values()):,}",
                    ]
                    for r in long_runs
                ],
            )
        )
        out.append(f"total: {sum(r['total_s'] for r in long_runs):.1f} s")
    main_job = results["main_job"]
    if isinstance(main_job, str):
        out.append(f"\nMain job (python run.py): {main_job}")
    elif main_job["returncode"] != 0:
        out.append(f"\nMain job (python run.py): FAILED (exit {main_job['returncode']}): {main_job['stderr_tail']}")
    else:
        out.append(f"\nMain job (python run.py, both scenarios side by side): {main_job['wall_s']:.1f} s wall")
    if "app" in results:
        out.append("\n" + report_app(results["app"]))
    if "sweeps" in results:
        out.append("\n" + bench_sweep.report_sweeps(results["sweeps"], table, verdict))
    return "\n".join(out)


def report_app(app: dict) -> str:
    """The browser app's frame: model step, drawing (compose + PNG) and both, against the targets."""
    rows = [
        [label, f"{app[key]['mean']:.1f}", f"{app[key]['median']:.1f}"]
        for label, key in (
            ("model step (1 h)", "step_ms"),
            ("drawing: compose + overlay + PNG (Pillow)", "draw_ms"),
            ("frame: step + drawing", "frame_ms"),
            ("PNG encoding, Pillow", "encode_pillow_ms"),
            ("PNG encoding, matplotlib imsave", "encode_matplotlib_ms"),
        )
    ]
    draw, frame = app["draw_ms"]["mean"], app["frame_ms"]["mean"]
    return "\n".join(
        [
            f"Browser app frame ({app['grid']}, {app['scenario']}, {app['overlay']} overlay, {app['frames']} frames)",
            table(["per frame", "mean ms", "median ms"], rows),
            f"drawing {draw:.1f} ms < {APP_DRAW_TARGET_MS:g} ms: {verdict(draw < APP_DRAW_TARGET_MS)}; "
            f"frame {frame:.1f} ms < {APP_FRAME_TARGET_MS:g} ms: {verdict(frame < APP_FRAME_TARGET_MS)}",
        ]
    )


def profile(steps: int, warmup: int, seed: int) -> str:
    """cProfile of `steps` hours of the 200 x 200 niche: the top 20 by cumulative time."""
    width, target = SIZES[0]
    model = build_niche(width, target, seed)
    for _ in range(warmup):
        model.step()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(steps):
        model.step()
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(20)
    return f"{steps} steps of {width}x{width}, {len(model.agents):,} cells at the end\n{text.getvalue()}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps, no 90-day runs (under 2 min)")
    parser.add_argument("--skip-long", action="store_true", help=f"skip the {LONG_RUN_DAYS}-day runs")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the 200x200 model and stop")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "bench.json", help="JSON output path")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--part",
        choices=("all", "model", "sweep", "app"),
        default="all",
        help="model: the niche against plain Mesa; sweep: the sweep engines (about 5 min); "
        "app: the browser app's frame at 200 x 200; all: every part",
    )
    args = parser.parse_args(argv)
    steps, warmup, ref_steps = (12, 2, 5) if args.quick else (48, 3, 20)

    if args.profile:
        print(profile(steps, warmup, args.seed))
        return

    results: dict = {
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "settings": {"quick": args.quick, "seed": args.seed, "steps": steps, "warmup": warmup, "ref_steps": ref_steps},
        "niche": [],
        "reference": [],
        "comparison": [],
        "load_average_1m": {"start": load_average()},
    }
    if args.part in ("all", "app"):
        print("app frame 200x200 ...", flush=True)
        results["app"] = bench_app.measure_frame(200, 20)
    if args.part == "app":
        write_json(args.out, results)
        print(report_app(results["app"]))
        print(f"\nwritten: {args.out}")
        return
    if args.part in ("all", "sweep"):
        print(f"sweep engines ({bench_sweep.SWEEP}) ...", flush=True)
        results["sweeps"] = bench_sweep.measure_sweeps()
    if args.part == "sweep":
        results["load_average_1m"]["end"] = load_average()
        write_json(args.out, results)
        print(bench_sweep.report_sweeps(results["sweeps"], table, verdict))
        print(f"\nwritten: {args.out}")
        return
    for width, target in SIZES:
        print(f"niche {width}x{width} ...", flush=True)
        niche = time_niche(width, target, steps, warmup, args.seed)
        print(f"reference {width}x{width} ...", flush=True)
        reference = time_reference(width, round(niche["agents_mean"]), ref_steps, 2, args.seed)
        results["niche"].append(niche)
        results["reference"].append(reference)
        results["comparison"].append(compare(niche, reference))

    if args.quick or args.skip_long:
        results["long_runs"] = results["main_job"] = "skipped (--quick)" if args.quick else "skipped (--skip-long)"
    else:
        results["long_runs"] = []
        for scenario in LONG_RUNS:
            print(f"{scenario}, {LONG_RUN_DAYS} days ...", flush=True)
            results["long_runs"].append(time_long_run(scenario, LONG_RUN_DAYS, args.seed))
        if (ROOT / "run.py").is_file():
            print("python run.py (main job) ...", flush=True)
            results["main_job"] = time_main_job()
        else:
            results["main_job"] = "skipped (no run.py)"

    results["load_average_1m"]["end"] = load_average()
    write_json(args.out, results)
    print()
    print(report(results))
    load = results["load_average_1m"]
    if load["start"] is not None:
        cpus = results["machine"]["cpus_usable"]
        print(f"\nload average (1 min) at start {load['start']:.2f}, at end {load['end']:.2f}, on {cpus} CPUs")
    print(f"\nwritten: {args.out}")


if __name__ == "__main__":
    main()
