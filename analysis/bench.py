"""Benchmark: where an hour of the niche goes, against a plain Mesa model of the same size, and a 10^5-cell marrow.

Run from the repository root::

    python analysis/bench.py              # every part (about 8 min, 6 of them sweeps), writes results/bench.json
    python analysis/bench.py --quick      # two timed days, no 90-day runs (--part model: about 1.5 min)
    python analysis/bench.py --skip-long  # full timings without the 90-day runs
    python analysis/bench.py --profile    # cProfile top 20 of the 200 x 200 model, nothing written
    python analysis/bench.py --part model # the niche against plain Mesa, the large case and the 90-day runs
    python analysis/bench.py --part large # only the 1,000 x 1,000 case (in a subprocess of its own)
    python analysis/bench.py --part sweep # only the sweep engines (analysis/bench_sweep.py, about 4-7 min)
    python analysis/bench.py --part app   # only the browser app's frame (analysis/bench_app.py, seconds)

What it measures (targets of issue 11 in the constants below, reported as met or MISSED):

1. The niche model built from the ``mm_advanced`` scenario at 200 x 200 sites with
   about 5,000 cells and at 400 x 400 with about 20,000 (``mm.initial_count`` is
   chosen to reach the count at build; every other parameter keeps its default),
   grown for five simulated days (120 hourly steps, untimed: the issue's protocol,
   "mm_advanced grown for five days"). Then it times whole ``model.step()`` calls,
   as a user calls them, over whole days (below; mean and median ms per step), and
   inside them, with wrappers that only read the clock:

   - *fields*: ``model.signals.update`` (secretion summed onto the voxel grids,
     one implicit diffusion-decay step per field, RANKL-OPG binding and RANK
     occupancy; it includes the factorisation of a field's operator, done at
     the first update after a geometry change, reported on its own too) plus
     ``model.signals.follow_bone`` (rebuilding the fields' porous geometry when the
     marrow changed, at most once a day);
   - *secretion rates*: the rest of ``model._signal`` (each kind's secretion
     functions over its cells' sites);
   - each cell kind's phase (``CellKind.phase`` of every kind in
     ``niche_abm.cells.CELL_KINDS``, patched into ``niche_abm.model`` while timing);
   - ``model.bone.follow_changes``, the rest of ``model.signals.age`` (the daily check
     whether the marrow changed) and the daily ``metrics.measure``;
   - *other*: the step minus all of the above (drug effects, Mesa's step wrapper);
   - *garbage collection*: the time Python's cyclic collector ran during the steps
     (``gc.callbacks``), which lies inside the parts above, and its full collections.

   The agents of each kind at the start of timing are reported. Per agent-step
   costs divide the whole step by the mean number of cells over the timed steps.
   So is the size of each field's factorised operator at the end (non-zeros of L)
   and the memory a step's solves must read (two passes over every factor), and,
   in the machine's record, numpy's memory copy bandwidth (the best of five copies
   of 200 MB): the large case's solves and hops are bound by memory, so this is
   the figure to compare machines by.
2. A plain Mesa reference on the same grid with as many agents as the niche has at the
   start of timing: ``CellAgent``s on an ``OrthogonalMooreGrid`` (capacity 1) that
   each hour step to a random empty Moore neighbour and read a property layer at
   their cell (``model.agents.shuffle_do("step")``), and three fields updated by
   one explicit 5-point diffusion stencil each (numpy, vectorised). Its whole
   ``model.step()`` (fields and agents) is timed, interleaved with the niche's: six
   reference steps after each niche day, both models alive in the process (every
   neighbourhood of the reference built before timing: see :func:`build_reference`).
   The speed-up is paired day by day (the reference's cost per agent-step over that
   day's six steps / the niche's over its 24 hours) and quoted as the median of the
   days, each day's ratio listed: on a shared machine whose speed drifts over seconds
   by up to 1.7x (seen 2026-12-02: the niche's 200 x 200 step read 4.4 to 7.7 ms in
   runs a minute apart), timing one code after the other measured the drift as much
   as the codes.
   Targets: the reference's whole step per agent-step is at least 20x the niche's at
   200 x 200 and at 400 x 400; the niche's fields cost at most 3 ms per step at 200 x 200.
3. The large case, in a fresh Python process (``--part large-child``, which prints
   its results as JSON) so that its memory is its own: ``mm_advanced`` on
   1,000 x 1,000 sites with ``mm.initial_count`` 60,000 in 120 foci
   (``mm.initial_foci``), about 10^5 agents; build time, the same five-day growth,
   then whole steps timed as in 1 (the same parts), and the process's peak resident memory
   (``ru_maxrss``, which includes the interpreter and imports, also reported).
   Targets: whole step at most 0.1 s; peak memory at most 1.5 GB (10^9 bytes).
4. The sweep engines (:mod:`bench_sweep`): runs per minute of the example sweep with
   1 and 2 local workers (scaling efficiency) and the overhead per run of the Dask
   path against the default one.
5. The browser app's frame at 200 x 200 (:mod:`bench_app`): the model step, the drawing
   (compose bone, cells and a field overlay as one RGB image, encode PNG) and both.
   Targets: drawing under 100 ms, frame well under a second.
6. Wall time of the 90-day default runs (``healthy`` and ``mm_niche``, seed 1, built
   and run one after the other), then of the main job itself (``python run.py``, which
   runs both side by side in two processes), in a temporary directory.

The niche is timed over whole days (96 h; 48 h with ``--quick``, and 48 h and 24 h
for the large case): the fields' geometry follows the bone once a day and the next
update re-factorises the operators, and the metrics are measured once a day, so a
window of whole days counts them at their true rate. ``--quick`` times two days (the
five-day growth stays) and skips the 90-day runs.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import gc
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
from dataclasses import replace
from importlib import metadata
from pathlib import Path

import mesa
import numpy as np
from mesa.discrete_space import CellAgent, OrthogonalMooreGrid
from peak_memory import peak_rss_mb

import niche_abm.model as model_module
from niche_abm import NicheModel, load_scenario, metrics
from niche_abm.engines import malloc_environment

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = "mm_advanced"
SIZES = ((200, 5_000), (400, 20_000))  # (grid edge in sites, target number of cells)
GROW_STEPS = 120  # five simulated days of growth before timing (issue 11's protocol)
LONG_RUNS = ("healthy", "mm_niche")
LONG_RUN_DAYS = 90
STEP_SPEEDUP_TARGET = 20.0  # reference whole step per agent-step / the niche's, at every size in SIZES
FIELDS_TARGET_MS = 3.0  # niche fields (signals update incl. binding + geometry follow) per step at 200 x 200
FIELDS_TARGET_GRID = 200
LARGE_GRID = 1_000  # the large case: sites per edge
LARGE_MM_COUNT = 60_000  # mm.initial_count of the large case (about 10^5 agents in all)
LARGE_MM_FOCI = 120  # mm.initial_foci of the large case
LARGE_STEP_TARGET_S = 0.1  # whole step of the large case
LARGE_MEMORY_TARGET_GB = 1.5  # peak resident memory of the large case's process, 10^9 bytes
APP_DRAW_TARGET_MS = 100.0  # drawing one app frame at 200 x 200
APP_FRAME_TARGET_MS = 1000.0  # model step plus drawing ("well under a second")
REFERENCE_FIELDS = 3
REFERENCE_DIFFUSION_NUMBER = 0.2  # D Δt / h² of the explicit stencil; stable up to 1/4
REFERENCE_DECAY = 0.01  # per step
REFERENCE_WARMUP = 2  # untimed reference steps before timing, after every cell's neighbourhood is built
REFERENCE_STEPS_PER_DAY = 6  # reference steps timed after each simulated day of the niche
DAY_STEPS = 24  # hourly steps in a simulated day: the unit of pairing (the fields refresh and metrics are daily)

# Clock labels of the parts of NicheModel.step (the cell kinds add one label each, their CellKind.label).
SIGNALLING = "signalling"  # model._signal: secretion rates + signals.update
FIELD_UPDATE = "fields: update + binding"  # signals.update
SIGNALS_AGE = "signals age"  # signals.age: the daily marrow check + signals.follow_bone
FIELD_GEOMETRY = "fields: geometry follow"  # signals.follow_bone
FIELD_FACTORISATION = "  of which factorisation waited for"  # DiffusionField._solver, inside signals.update
FIELD_SETTLE = "fields: solves set aside waited for + binding"  # signals.settle, inside the parts that read them
GARBAGE_COLLECTION = "garbage collection, inside the parts"  # Python's cyclic collector (gc.callbacks)
BONE_REFRESH = "bone refresh"
DAILY_METRICS = "daily metrics"


# --- timing the phases of the niche ---------------------------------------------------------
class PhaseClock:
    """Accumulated wall time per phase label, seconds. A part wrapped as `carved` is counted on its own: its time
    is also added to ``carved`` under the label of the part it ran inside, for that part to leave out."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.carved: dict[str, float] = {}
        self._inside: list[str] = []

    def wrap(self, label: str, function: Callable, carved: bool = False) -> Callable:
        self.seconds.setdefault(label, 0.0)

        def timed(*args, **kwargs):
            start = time.perf_counter()
            self._inside.append(label)
            try:
                return function(*args, **kwargs)
            finally:
                self._inside.pop()
                elapsed = time.perf_counter() - start
                self.seconds[label] = self.seconds.get(label, 0.0) + elapsed
                if carved and self._inside:
                    parent = self._inside[-1]
                    self.carved[parent] = self.carved.get(parent, 0.0) + elapsed

        return timed


class CollectorClock:
    """Wall time Python's cyclic garbage collector takes while installed (``gc.callbacks``), seconds, and how many
    full (oldest-generation) collections it ran. Collections happen inside whatever part of the step allocates
    when a threshold is crossed, so this time is also inside the parts' times."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.full_collections = 0
        self._started = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        self.seconds += time.perf_counter() - self._started
        self.full_collections += info["generation"] == 2

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        gc.callbacks.append(self)
        try:
            yield
        finally:
            gc.callbacks.remove(self)


@contextlib.contextmanager
def clocked_phases(model: NicheModel, clock: PhaseClock) -> Iterator[None]:
    """Time every part of NicheModel.step while inside; everything is restored on leaving.

    The cell phases are timed through wrapped copies of the kinds patched into
    ``niche_abm.model.CELL_KINDS``; the daily metrics through ``niche_abm.metrics.measure``
    (the model calls ``metrics.measure(self)``); signals and bone through instance attributes.
    """
    kinds, measure = model_module.CELL_KINDS, metrics.measure
    instance_patches = (
        (model, "_signal", SIGNALLING),
        (model.signals, "update", FIELD_UPDATE),
        (model.signals, "age", SIGNALS_AGE),
        (model.signals, "follow_bone", FIELD_GEOMETRY),
        (model.bone, "follow_changes", BONE_REFRESH),
        *((field, "_solver", FIELD_FACTORISATION) for field in model.signals.fields.values()),
        (model.signals, "settle", FIELD_SETTLE),
    )
    try:
        model_module.CELL_KINDS = tuple(replace(kind, phase=clock.wrap(kind.label, kind.phase)) for kind in kinds)
        metrics.measure = clock.wrap(DAILY_METRICS, measure)
        for owner, name, label in instance_patches:
            setattr(owner, name, clock.wrap(label, getattr(owner, name), carved=label == FIELD_SETTLE))
        yield
    finally:
        model_module.CELL_KINDS = kinds
        metrics.measure = measure
        for owner, name, _ in instance_patches:
            owner.__dict__.pop(name, None)


def step_parts_ms(clock: PhaseClock, step_ms: float, steps: int) -> dict[str, float]:
    """ms per step of each part of the step, summing to the step (the factorisation row is inside the update). The
    waits for APRIL's and RANKL's solves on the background thread and the binding after them are their own row, left
    out of the parts that read them (the myeloma cells' and the osteoclast precursors' phases)."""
    ms = {label: 1e3 * (s - clock.carved.get(label, 0.0)) / steps for label, s in clock.seconds.items()}
    kinds = [kind.label for kind in model_module.CELL_KINDS]
    parts = {
        "secretion rates": ms[SIGNALLING] - ms[FIELD_UPDATE],
        FIELD_UPDATE: ms[FIELD_UPDATE],
        FIELD_FACTORISATION: ms[FIELD_FACTORISATION],
        FIELD_SETTLE: ms[FIELD_SETTLE],
        FIELD_GEOMETRY: ms[FIELD_GEOMETRY],
        **{f"phase: {label}": ms[label] for label in kinds},
        BONE_REFRESH: ms[BONE_REFRESH],
        "marrow change check": ms[SIGNALS_AGE] - ms[FIELD_GEOMETRY],
        DAILY_METRICS: ms[DAILY_METRICS],
    }
    top_level = ms[SIGNALLING] + ms[FIELD_SETTLE] + sum(ms[label] for label in kinds) + ms[BONE_REFRESH]
    top_level += ms[SIGNALS_AGE]
    parts["other"] = step_ms - top_level - ms[DAILY_METRICS]
    return parts


# --- the niche model ---------------------------------------------------------------------------
def niche_overrides(width: int, mm_count: int, foci: int | None = None) -> dict:
    overrides = {"grid.width": width, "grid.height": width, "mm.initial_count": mm_count}
    return overrides if foci is None else overrides | {"mm.initial_foci": foci}


def build_niche(width: int, target_cells: int, seed: int) -> NicheModel:
    """The mm_advanced niche on a width x width grid with about target_cells cells.

    Vessels and stroma are placed before the MM cells, so a model without MM cells
    (same seed) tells how many MM cells make up the target.
    """
    others = len(NicheModel(load_scenario(SCENARIO, niche_overrides(width, 0)), seed=seed).agents)
    mm_count = max(target_cells - others, 0)
    return NicheModel(load_scenario(SCENARIO, niche_overrides(width, mm_count)), seed=seed)


def grow(model: NicheModel, steps: int = GROW_STEPS) -> float:
    """Run the model `steps` hours (untimed protocol before timing); returns the wall time, s."""
    start = time.perf_counter()
    for _ in range(steps):
        model.step()
    return time.perf_counter() - start


def time_niche(
    model: NicheModel,
    build_s: float,
    grow_s: float,
    steps: int,
    foci: int | None = None,
    reference: ReferenceModel | None = None,
) -> dict:
    """Time `steps` whole steps of the grown model and their parts: ms per step, µs per agent-step.

    With a `reference`, ``REFERENCE_STEPS_PER_DAY`` reference steps are timed after each simulated
    day, so the two share the machine's state of the moment (``reference_step_s``); see
    :func:`paired_by_day`.
    """
    counts_start = model.cell_counts()
    clock, collector = PhaseClock(), CollectorClock()
    step_s, agents, reference_s = [], [], []
    with clocked_phases(model, clock):
        for hour in range(steps):
            agents.append(len(model.agents))
            start = time.perf_counter()
            with collector.installed():
                model.step()
            step_s.append(time.perf_counter() - start)
            if reference is not None and (hour + 1) % DAY_STEPS == 0:
                for _ in range(REFERENCE_STEPS_PER_DAY):
                    start = time.perf_counter()
                    reference.step()
                    reference_s.append(time.perf_counter() - start)
    step_ms = 1e3 * sum(step_s) / steps
    parts_ms = step_parts_ms(clock, step_ms, steps) | {GARBAGE_COLLECTION: 1e3 * collector.seconds / steps}
    fields_ms = parts_ms[FIELD_UPDATE] + parts_ms[FIELD_SETTLE] + parts_ms[FIELD_GEOMETRY]
    mean_agents = float(np.mean(agents))
    width = model.params.grid.width
    result = {
        "scenario": SCENARIO,
        "grid": [width, model.params.grid.height],
        "overrides": niche_overrides(width, model.params.mm.initial_count, foci),
        "build_s": build_s,
        "grow_steps": GROW_STEPS,
        "grow_s": grow_s,
        "timed_steps": steps,
        "agents_start": agents[0],
        "agents_end": len(model.agents),
        "agents_mean": mean_agents,
        "cell_counts_start": counts_start,
        "cell_counts_end": model.cell_counts(),
        "step_ms": step_ms,
        "step_ms_median": 1e3 * float(np.median(step_s)),
        "step_us_per_agent_step": 1e3 * step_ms / mean_agents,
        "fields_ms": fields_ms,
        "agent_ms": step_ms - fields_ms,
        "phases_ms": parts_ms,
        "full_collections": collector.full_collections,
        "step_s": step_s,
        "agents_per_step": agents,
    }
    return result | ({"reference_step_s": reference_s} if reference is not None else {})


def factor_sizes(model: NicheModel) -> dict[str, dict[str, int]]:
    """Each field's open voxels and the non-zeros of its factorised operator L (LDLᵀ, hourly step; factorised here
    if the last step's geometry refresh dropped it). A solve reads L twice, forward and back, each stored non-zero
    a value (8 bytes) and a row index (4): the memory a step's solves must stream, whatever the machine."""
    sizes = {}
    for name, field in model.signals.fields.items():
        lower, _ = field._solver(1.0).factor.L_D()
        sizes[name] = {"open_voxels": int(field.open.sum()), "factor_nonzeros": int(lower.nnz)}
    return sizes


def factor_stream_mb(factors: dict[str, dict[str, int]]) -> float:
    """MB (10^6 bytes) of factor that one step's solves read: 2 passes x 12 bytes per non-zero of every field."""
    return sum(2 * 12 * f["factor_nonzeros"] for f in factors.values()) / 1e6


def copy_bandwidth_gb_s(megabytes: int = 200, repeats: int = 5) -> float:
    """This machine's memory bandwidth as numpy sees it: the best of `repeats` copies of a `megabytes` float
    array (bytes read plus bytes written per second, 10^9). Memory-bound parts of the step (the large case's field
    solves and precursor hops) scale with it from machine to machine."""
    source = np.ones(megabytes * 1_000_000 // 8)
    target = np.empty_like(source)
    best = np.inf
    for _ in range(repeats + 1):  # the first copy also faults the target's pages in
        start = time.perf_counter()
        np.copyto(target, source)
        best = min(best, time.perf_counter() - start)
    return 2 * source.nbytes / best / 1e9


# --- the large case, in a process of its own ------------------------------------------------------
def measure_large(steps: int, seed: int) -> dict:
    """The 1,000 x 1,000 case (run inside the child process): build, grow, time; peak memory."""
    imports_mb = peak_rss_mb()
    overrides = niche_overrides(LARGE_GRID, LARGE_MM_COUNT, LARGE_MM_FOCI)
    start = time.perf_counter()
    model = NicheModel(load_scenario(SCENARIO, overrides), seed=seed)
    build_s = time.perf_counter() - start
    built_mb = peak_rss_mb()
    result = time_niche(model, build_s, grow(model), steps, LARGE_MM_FOCI)
    result |= {
        "malloc_environment": malloc_environment(),
        "peak_rss_mb_after_imports": imports_mb,
        "peak_rss_mb_after_build": built_mb,
        "peak_rss_mb": peak_rss_mb(),
    }
    return result | {"factors": factor_sizes(model)}  # after the peak is read: the copies of L take memory


def time_large(steps: int, seed: int, quick: bool) -> dict:
    """Run the large case in a fresh Python process (``--part large-child``) and read its JSON."""
    command = [sys.executable, str(Path(__file__).resolve()), "--part", "large-child", "--seed", str(seed)]
    if quick:
        command.append("--quick")
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        return {"error": f"exit {done.returncode}: {done.stderr[-1000:]}"}
    large = json.loads(done.stdout.strip().splitlines()[-1])
    step_s, peak_gb = large["step_ms"] / 1e3, large["peak_rss_mb"] / 1e3
    return large | {
        "step_target_s": LARGE_STEP_TARGET_S,
        "step_target_met": step_s <= LARGE_STEP_TARGET_S,
        "memory_target_gb": LARGE_MEMORY_TARGET_GB,
        "memory_target_met": peak_gb <= LARGE_MEMORY_TARGET_GB,
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


def build_reference(width: int, n_agents: int, warmup: int, seed: int) -> tuple[ReferenceModel, float]:
    """The reference with `n_agents` walkers, warmed up untimed; returns it and its build time, s.

    Mesa builds a cell's neighbourhood the first time it is asked for and keeps it, so a
    fresh reference pays for building them for its first steps (at 200 x 200 with 5,800
    walkers, 2026-12-02: 104 to 375 ms a step over the first 15 steps, 80 ms once all were
    built). A user's long run pays that once; the warm-up builds every neighbourhood, then
    takes `warmup` steps.
    """
    start = time.perf_counter()
    model = ReferenceModel(width, n_agents, seed)
    build_s = time.perf_counter() - start
    for cell in model.grid.all_cells:
        cell.neighborhood  # noqa: B018 (built on first access, then kept)
    for _ in range(warmup):
        model.step()
    return model, build_s


def reference_summary(
    model: ReferenceModel, build_s: float, warmup: int, step_s: list[float], clock: PhaseClock
) -> dict:
    """The reference's timed steps as ms per step and µs per agent-step (its fields timed by `clock`)."""
    steps = len(step_s)
    step_ms = 1e3 * sum(step_s) / steps
    fields_ms = 1e3 * clock.seconds["fields"] / steps
    n_agents = len(model.agents)
    return {
        "grid": [model.grid.width, model.grid.height],
        "agents": n_agents,
        "build_s": build_s,
        "warmup_steps": warmup,
        "timed_steps": steps,
        "step_ms": step_ms,
        "step_ms_median": 1e3 * float(np.median(step_s)),
        "step_us_per_agent_step": 1e3 * step_ms / n_agents,
        "fields_ms": fields_ms,
        "agent_ms": step_ms - fields_ms,
    }


def paired_by_day(niche: dict, reference: dict) -> list[float]:
    """Reference/niche cost per agent-step for each timed day, from the steps timed side by side in that day.

    A noisy shared machine drifts over seconds; pairing the two codes within each simulated day
    (a niche day, then the reference's steps) cancels most of what the drift does to both.
    """
    niche_s, agents, reference_s = niche["step_s"], niche["agents_per_step"], niche["reference_step_s"]
    ratios = []
    for day in range(len(niche_s) // DAY_STEPS):
        hours = slice(day * DAY_STEPS, (day + 1) * DAY_STEPS)
        niche_us = 1e6 * sum(niche_s[hours]) / sum(agents[hours])
        reference_steps = reference_s[day * REFERENCE_STEPS_PER_DAY : (day + 1) * REFERENCE_STEPS_PER_DAY]
        reference_us = 1e6 * sum(reference_steps) / (len(reference_steps) * reference["agents"])
        ratios.append(reference_us / niche_us)
    return ratios


def time_side_by_side(width: int, target_cells: int, steps: int, seed: int) -> tuple[dict, dict]:
    """The niche (built, grown) and the reference with the niche's cells at the start of timing, timed interleaved."""
    start = time.perf_counter()
    niche_model = build_niche(width, target_cells, seed)
    build_s = time.perf_counter() - start
    grow_s = grow(niche_model)
    reference_model, reference_build_s = build_reference(width, len(niche_model.agents), REFERENCE_WARMUP, seed)
    clock = PhaseClock()
    reference_model.step_fields = clock.wrap("fields", reference_model.step_fields)
    niche = time_niche(niche_model, build_s, grow_s, steps, reference=reference_model)
    niche["factors"] = factor_sizes(niche_model)
    reference = reference_summary(
        reference_model, reference_build_s, REFERENCE_WARMUP, niche["reference_step_s"], clock
    )
    return niche, reference


def compare(niche: dict, reference: dict) -> dict:
    """The speed-up as the median of the day-by-day pairs (each pair's ratio listed) and the fields' cost."""
    daily = paired_by_day(niche, reference)
    ratio = float(np.median(daily))
    row = {
        "grid": niche["grid"],
        "step_speedup": ratio,
        "step_speedup_daily": daily,
        "step_speedup_target": STEP_SPEEDUP_TARGET,
        "step_target_met": ratio >= STEP_SPEEDUP_TARGET,
        "niche_fields_ms": niche["fields_ms"],
        "reference_fields_ms": reference["fields_ms"],
    }
    if niche["grid"][0] == FIELDS_TARGET_GRID:
        row |= {"fields_target_ms": FIELDS_TARGET_MS, "fields_target_met": niche["fields_ms"] <= FIELDS_TARGET_MS}
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


def report_niche(results: dict) -> str:
    """The niche at each size (and the large case when measured): step, fields, cells per kind and parts of the step."""
    niche = list(results.get("niche", []))
    large = results.get("large")
    if large is not None and "error" not in large:
        niche.append(large)
    first = niche[0]
    out = [f"Niche model ({SCENARIO}; {first['timed_steps']} h timed after {first['grow_steps']} h of growth)"]
    out.append(
        table(
            ["grid", "agents", "build s", "step ms", "median ms", "fields ms", "agent ms", "µs/agent-step"],
            [
                [
                    grid_label(n),
                    f"{n['agents_mean']:,.0f}",
                    f"{n['build_s']:.1f}",
                    f"{n['step_ms']:.1f}",
                    f"{n['step_ms_median']:.1f}",
                    f"{n['fields_ms']:.2f}",
                    f"{n['agent_ms']:.1f}",
                    f"{n['step_us_per_agent_step']:.2f}",
                ]
                for n in niche
            ],
        )
    )
    out.append("\nCells at the start of timing")
    kinds = list(first["cell_counts_start"])
    out.append(
        table(
            ["grid", *kinds, "all"],
            [
                [
                    grid_label(n),
                    *(f"{n['cell_counts_start'][k]:,}" for k in kinds),
                    f"{sum(n['cell_counts_start'].values()):,}",
                ]
                for n in niche
            ],
        )
    )
    out.append("\nParts of the step, ms per step ('fields' = update + binding + geometry follow)")
    labels = list(first["phases_ms"])
    out.append(
        table(["part", *map(grid_label, niche)], [[lb, *(f"{n['phases_ms'][lb]:.2f}" for n in niche)] for lb in labels])
    )
    out.append("\nFull garbage collections, and what the fields' solves must read from memory each step")
    out.append(
        table(
            ["grid", "full collections", "factor non-zeros (RANKL / others)", "factor read per step, MB"],
            [
                [
                    grid_label(n),
                    f"{n['full_collections']} in {n['timed_steps']} h",
                    f"{n['factors']['rankl']['factor_nonzeros']:,} / "
                    + _counted([f["factor_nonzeros"] for name, f in n["factors"].items() if name != "rankl"]),
                    f"{factor_stream_mb(n['factors']):.1f}",
                ]
                for n in niche
            ],
        )
    )
    return "\n".join(out)


def _counted(values: list[int]) -> str:
    """Distinct values with how often each occurs, e.g. '531,004 x 5'."""
    return ", ".join(f"{v:,} x {values.count(v)}" for v in sorted(set(values)))


def report_large(large: dict) -> str:
    """The large case against its targets (step time, peak memory)."""
    grid = f"{LARGE_GRID}x{LARGE_GRID}"
    if "error" in large:
        return f"Large case ({grid}): FAILED: {large['error']}"
    step_s, peak_gb = large["step_ms"] / 1e3, large["peak_rss_mb"] / 1e3
    return "\n".join(
        [
            f"Large case ({grid}, mm.initial_count {LARGE_MM_COUNT:,} in {LARGE_MM_FOCI} foci, own process): "
            f"{large['agents_start']:,} agents at the start of timing",
            f"build {large['build_s']:.1f} s; growth {large['grow_steps']} h in {large['grow_s']:.1f} s; "
            f"peak memory after imports {large['peak_rss_mb_after_imports']:,.0f} MB, "
            f"after build {large['peak_rss_mb_after_build']:,.0f} MB",
            f"glibc's MALLOC_ variables: {large['malloc_environment'] or 'none'}",
            f"whole step {step_s:.3f} s ≤ {LARGE_STEP_TARGET_S:g} s: {verdict(large['step_target_met'])}; "
            f"peak memory {peak_gb:.2f} GB ≤ {LARGE_MEMORY_TARGET_GB:g} GB: {verdict(large['memory_target_met'])}",
        ]
    )


def report(results: dict) -> str:
    out = [report_niche(results)]
    reference = results["reference"]
    if reference:
        out.append(
            f"\nPlain Mesa reference ({reference[0]['timed_steps']} whole steps timed, "
            f"{REFERENCE_STEPS_PER_DAY} after each niche day)"
        )
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
                        f"{r['step_us_per_agent_step']:.2f}",
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
            fields += f" ≤ {c['fields_target_ms']:g} ms: {verdict(c['fields_target_met'])}"
        days = ", ".join(f"{r:.1f}" for r in c["step_speedup_daily"])
        speed = (
            f"{c['step_speedup']:.1f}x (days: {days}) ≥ {c['step_speedup_target']:g}x: {verdict(c['step_target_met'])}"
        )
        rows.append([grid_label(c), speed, fields])
    out.append(table(["grid", "whole step per agent-step, reference/niche: median of days", "niche fields"], rows))
    if "large" in results:
        out.append("\n" + report_large(results["large"]))
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
        import bench_sweep  # imported here so the large case's process does not carry it

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


def profile(steps: int, seed: int) -> str:
    """cProfile of `steps` hours of the 200 x 200 niche after its five-day growth: the top 20 by cumulative time."""
    width, target = SIZES[0]
    model = build_niche(width, target, seed)
    grow(model)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(steps):
        model.step()
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(20)
    return (
        f"{steps} steps of {width}x{width} after {GROW_STEPS} h of growth, {len(model.agents):,} cells at the end\n"
        f"{text.getvalue()}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one timed day, fewer reference steps, no 90-day runs")
    parser.add_argument("--skip-long", action="store_true", help=f"skip the {LONG_RUN_DAYS}-day runs")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the 200x200 model and stop")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "bench.json", help="JSON output path")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--part",
        choices=("all", "model", "large", "large-child", "sweep", "app"),
        default="all",
        help="model: the niche against plain Mesa, the large case and the 90-day runs; large: only the "
        f"{LARGE_GRID} x {LARGE_GRID} case, in a process of its own; sweep: the sweep engines (about 4-7 min); "
        "app: the browser app's frame at 200 x 200; all: every part (large-child: the large case's process, "
        "prints JSON)",
    )
    args = parser.parse_args(argv)
    steps, large_steps = (2 * DAY_STEPS, DAY_STEPS) if args.quick else (4 * DAY_STEPS, 2 * DAY_STEPS)

    if args.part == "large-child":
        print(f"large case {LARGE_GRID}x{LARGE_GRID} (child process) ...", file=sys.stderr, flush=True)
        print(json.dumps(measure_large(large_steps, args.seed)))
        return
    if args.profile:
        print(profile(steps, args.seed))
        return

    results: dict = {
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "settings": {
            "quick": args.quick,
            "seed": args.seed,
            "steps": steps,
            "grow_steps": GROW_STEPS,
            "reference_steps_per_day": REFERENCE_STEPS_PER_DAY,
            "large_steps": large_steps,
        },
        "niche": [],
        "reference": [],
        "comparison": [],
        "load_average_1m": {"start": load_average()},
    }
    if args.part in ("all", "app"):
        import bench_app  # imported here so the large case's process does not carry the app

        print("app frame 200x200 ...", flush=True)
        results["app"] = bench_app.measure_frame(200, 20)
    if args.part == "app":
        write_json(args.out, results)
        print(report_app(results["app"]))
        print(f"\nwritten: {args.out}")
        return
    if args.part in ("all", "sweep"):
        import bench_sweep

        print(f"sweep engines ({bench_sweep.SWEEP}) ...", flush=True)
        results["sweeps"] = bench_sweep.measure_sweeps()
    if args.part == "sweep":
        results["load_average_1m"]["end"] = load_average()
        write_json(args.out, results)
        print(bench_sweep.report_sweeps(results["sweeps"], table, verdict))
        print(f"\nwritten: {args.out}")
        return
    if args.part in ("all", "model", "large"):
        print(f"large case {LARGE_GRID}x{LARGE_GRID} in a subprocess ...", flush=True)
        results["large"] = time_large(large_steps, args.seed, args.quick)
        results["machine"]["copy_bandwidth_gb_s"] = copy_bandwidth_gb_s()
    if args.part == "large":
        results["load_average_1m"]["end"] = load_average()
        write_json(args.out, results)
        print()
        if "error" not in results["large"]:
            print(report_niche(results) + "\n")
        print(report_large(results["large"]))
        print(f"\nmemory copy bandwidth {results['machine']['copy_bandwidth_gb_s']:.1f} GB/s (bytes read + written)")
        print(f"\nwritten: {args.out}")
        return
    for width, target in SIZES:
        print(f"niche and reference {width}x{width}, interleaved ...", flush=True)
        niche, reference = time_side_by_side(width, target, steps, args.seed)
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
    print(f"\nmemory copy bandwidth {results['machine']['copy_bandwidth_gb_s']:.1f} GB/s (bytes read + written)")
    load = results["load_average_1m"]
    if load["start"] is not None:
        cpus = results["machine"]["cpus_usable"]
        print(f"\nload average (1 min) at start {load['start']:.2f}, at end {load['end']:.2f}, on {cpus} CPUs")
    print(f"\nwritten: {args.out}")


if __name__ == "__main__":
    main()
