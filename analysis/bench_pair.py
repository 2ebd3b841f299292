"""Pair two checkouts' model steps hour by hour, so a change of a few per cent shows through the machine's drift.

Run from the repository root::

    git worktree add /tmp/before HEAD~1
    python analysis/bench_pair.py --other /tmp/before             # this checkout (A) against the other (B)
    python analysis/bench_pair.py --other /tmp/before --repeats 20 --hours 24 --width 200

Each checkout runs in a process of its own (this interpreter, ``PYTHONPATH`` set to the checkout): it builds the
benchmark marrow of :mod:`bench` (``mm_advanced``, about 5,000 cells at 200 x 200 sites, seed 1), grows it for five
days and pickles it. Then, ``--repeats`` times, both restart from their pickle and step the same ``--hours`` hours
in turn, one hour each (A first on even hours of even repeats, B first otherwise), and each hour's step keeps its
fastest repeat. The two processes take turns within milliseconds on the same processor (``--cpu``), so a drift of
the machine's speed over seconds (up to 1.7x on these machines) slows both alike, one core slower than the other
cannot favour either, and the fastest of many repeats of the same hour drops the interruptions. The state is
pickled right after the day's geometry refresh, so the first hour includes the fields' refactorisation, as in every
day of a run. Prints the mean of the per-hour fastest steps of each, their ratio A/B (below 1: A is faster), the
first hour alone and the ratio of the other hours. Nothing is written. Three runs of the same pair agreed within
0.6% (2026-12-05); without the shared processor two runs differed by 15%.
"""

from __future__ import annotations

import argparse
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def serve(width: int, cells: int, cpu: int) -> None:
    """The worker: build, grow, pickle; then answer 'reset' (restart from the pickle) and 'step' (the step's s)."""
    os.sched_setaffinity(0, {cpu})
    sys.path.insert(0, str(HERE))
    import bench

    model = bench.build_niche(width, cells, 1)
    bench.grow(model)
    state = pickle.dumps(model)
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() == "reset":
            model = pickle.loads(state)
            print("ok", flush=True)
        else:
            start = time.perf_counter()
            model.step()
            print(time.perf_counter() - start, flush=True)


def _worker(checkout: Path, width: int, cells: int, cpu: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    command = [sys.executable, str(HERE / "bench_pair.py"), "--serve", "--width", str(width), "--cells", str(cells)]
    command += ["--cpu", str(cpu)]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=checkout)
    if process.stdout.readline().strip() != "ready":
        raise SystemExit(f"the worker for {checkout} did not start")
    return process


def _ask(process: subprocess.Popen, message: str) -> str:
    process.stdin.write(message + "\n")
    process.stdin.flush()
    return process.stdout.readline().strip()


def pair(this: Path, other: Path, repeats: int, hours: int, width: int, cells: int, cpu: int) -> dict[str, np.ndarray]:
    """The fastest step of each hour over the repeats, s, for this checkout ('A') and the other ('B')."""
    workers = {"A": _worker(this, width, cells, cpu), "B": _worker(other, width, cells, cpu)}
    fastest = {label: np.full(hours, np.inf) for label in workers}
    try:
        for repeat in range(repeats):
            for worker in workers.values():
                _ask(worker, "reset")
            for hour in range(hours):
                for label in ("A", "B") if (hour + repeat) % 2 == 0 else ("B", "A"):
                    step_s = float(_ask(workers[label], "step"))
                    fastest[label][hour] = min(fastest[label][hour], step_s)
    finally:
        for worker in workers.values():
            worker.stdin.close()
            worker.wait()
    return fastest


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--other", type=Path, help="the checkout to compare against (B)")
    parser.add_argument("--repeats", type=int, default=20, help="restarts of the same hours (default 20)")
    parser.add_argument("--hours", type=int, default=24, help="hours stepped after each restart (default 24)")
    parser.add_argument("--width", type=int, default=200, help="grid width and height, sites (default 200)")
    parser.add_argument("--cells", type=int, default=5000, help="cells of the benchmark marrow (default 5000)")
    parser.add_argument("--cpu", type=int, default=max(os.sched_getaffinity(0)), help="the processor both run on")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.width, args.cells, args.cpu)
        return
    if args.other is None or not (args.other / "niche_abm").is_dir():
        parser.error("--other must name a checkout of niche_abm (a folder holding niche_abm/)")
    if args.repeats < 1 or args.hours < 2:
        parser.error("--repeats must be at least 1 and --hours at least 2")
    if args.cpu not in os.sched_getaffinity(0):
        parser.error(f"--cpu must be one of the processors this process may use: {sorted(os.sched_getaffinity(0))}")
    fastest = pair(HERE.parent, args.other.resolve(), args.repeats, args.hours, args.width, args.cells, args.cpu)
    a, b = fastest["A"], fastest["B"]
    print(
        f"A {HERE.parent}: {1e3 * a.mean():.3f} ms a step; B {args.other}: {1e3 * b.mean():.3f} ms; "
        f"A/B {a.sum() / b.sum():.4f} (fastest of {args.repeats} repeats of each of {args.hours} hours)\n"
        f"first hour (the refactorisation): A {1e3 * a[0]:.2f} ms, B {1e3 * b[0]:.2f} ms; "
        f"the other hours A/B {a[1:].sum() / b[1:].sum():.4f}"
    )


if __name__ == "__main__":
    main()
