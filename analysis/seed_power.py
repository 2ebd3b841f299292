"""How many seeds a validation target needs: how often it passes on resampled sets of n seeds.

A target judged on 8 seeds can pass or fail by the luck of the block (docs/validation/blocks:
T7 passed in 2 of 5 blocks, T14 in 2). This estimates, for each target named, the chance
that its verdict is PASS when it is evaluated on n seeds, so the validation's seed counts
can be chosen before it is run instead of after. Each target is first evaluated on a pool
of seeds (``--pool-scale`` times its own number, as ``run.py validate --seed-scale``: seeds
1-40 for the 8-seed in-vivo targets at 5), every run kept in a cache in OUT; then on
``--draws`` sets of n seeds drawn with replacement from that pool (a bootstrap), for n each
of ``--scales`` times its own number, counting the passes. The pass share at n, with its
95% Wilson interval, estimates the power of the target's design at n if the pool's
seed-to-seed spread is the model's; a bootstrap from a pool of N treats the pool as the
population, so shares for n near N lean towards the pool's own verdict. The seed sets are
drawn from ``--rng-seed`` in a fixed order, so the result does not depend on the engine or
the number of workers.

Writes OUT/seed_power.json (the shares, each check's pass share, the seed sets' generator,
the manifest), OUT/seed_power.md and the figure OUT/seed_power.png (``--figure`` also
copies it, e.g. to docs/figures/seed_power.png; ``--report JSON`` writes the table and
figure of a result again without running anything). An interrupted run keeps its cached runs
and its finished draws (OUT/draws/) and takes up where it stopped when run again with the
same options. The runs are kept as ``run.py validate --runs`` keeps them, in FOLDER/<digest of
the model's files> (``--runs FOLDER``, default OUT/runs): a change to the model starts afresh,
a change to the analysis or the targets' statistics reuses them, and a validation given the
same folder reads the pool's runs instead of simulating them again.
The README's numbers came from this run at 6629a3e, when the in-vivo targets ran seeds 1-8,
the co-culture targets 1-3 and T14 1-5 (its pools 1-40, 1-15 and 1-25), its pool runs
simulated at 0838183-61b1bb7 (the same model files) over interrupted attempts, about 40
minutes of 2 cores in all with the draws; they set the validation's counts since. At a
later commit the same options resample from five times the new counts. Its result is kept
in docs/validation/seed_power/::

    python -m analysis.seed_power --targets T1 T5 T7 T9 T11 T14 T15 T20 --pool-scale 5 --scales 1 2 3 4 5 \\
        --draws 100 --out results/seed_power
    python -m analysis.seed_power --report docs/validation/seed_power/seed_power.json \\
        --out docs/validation/seed_power --figure docs/figures/seed_power.png
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from scipy import stats
from tqdm import tqdm

from niche_abm import io
from niche_abm.commands.command import INTERRUPTED, add_engine_arguments, check_count, engine_from, integer_or_text
from niche_abm.folders import atomic_text
from niche_abm.jobs import JobFailed, describe_lost, run_jobs
from niche_abm.params import ParameterError
from niche_abm.validation import common
from niche_abm.validation.runner import SEED_SCALE_RANGE, SeedPlan, run_manifest, selected_modules

POWER = 0.9
"""The pass share a seed count should reach: a target that truly passes is then judged PASS 9 times in 10."""
CHUNK = 4
"""Seeds per job when the pool is first simulated (every target's statistics need at least 2)."""
DRAWS_PER_JOB = 10
"""Resampled seed sets evaluated per job."""


@dataclass(frozen=True)
class SeedSets:
    """One job: a target evaluated on each of several seed sets (disjoint chunks of the pool while it is first
    simulated; resampled sets after). Runs are cached in `cache`, figures go to `figures`."""

    index: int
    module: str
    seed_sets: tuple[tuple[int, ...], ...]
    cache: str
    figures: str


def verdicts(job: SeedSets) -> list[dict]:
    """The target's status and checks on each of the job's seed sets."""
    os.environ[common.CACHE_ENV] = job.cache
    os.environ[common.FIGURE_ENV] = job.figures
    module = importlib.import_module(job.module)
    outcomes = []
    for seeds in job.seed_sets:
        entry = module.evaluate(tuple(seeds))
        checks = {name: bool(value) for name, value in (entry.get("details") or {}).get("checks", {}).items()}
        outcomes.append({"status": entry["status"], "checks": checks})
    return outcomes


def pool(module_name: str, pool_scale: int) -> tuple[int, ...]:
    """A target's pool: its own seeds and (pool_scale - 1) times as many after them."""
    return SeedPlan(0, pool_scale).seeds(tuple(importlib.import_module(module_name).SEEDS))


def chunks(seeds: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
    """The pool in disjoint runs of CHUNK seeds, a last one shorter than 2 joined to the one before."""
    runs = [seeds[i : i + CHUNK] for i in range(0, len(seeds), CHUNK)]
    if len(runs) > 1 and len(runs[-1]) < 2:
        runs[-2:] = [runs[-2] + runs[-1]]
    return tuple(runs)


def seed_sets(rng: np.random.Generator, seeds: tuple[int, ...], size: int, draws: int) -> list[tuple[int, ...]]:
    """`draws` sets of `size` seeds drawn with replacement from `seeds`, each sorted."""
    return [tuple(int(s) for s in sorted(rng.choice(seeds, size=size, replace=True))) for _ in range(draws)]


def wilson(passes: int, draws: int) -> tuple[float, float]:
    """95% Wilson interval of a pass share."""
    ci = stats.binomtest(passes, draws).proportion_ci(confidence_level=0.95, method="wilson")
    return float(ci.low), float(ci.high)


def summarise(outcomes: list[dict]) -> dict:
    """Pass share (with its interval) and each check's pass share over one size's draws."""
    passes = sum(o["status"] == "PASS" for o in outcomes)
    names = sorted({name for o in outcomes for name in o["checks"]})
    return {
        "draws": len(outcomes),
        "passes": passes,
        "share": passes / len(outcomes),
        "interval": wilson(passes, len(outcomes)),
        "checks": {name: float(np.mean([o["checks"].get(name, False) for o in outcomes])) for name in names},
    }


def smallest_powered(sizes: dict[int, dict]) -> int | None:
    """The smallest n whose pass share reaches POWER, if one does."""
    return next((n for n in sorted(sizes) if sizes[n]["share"] >= POWER), None)


def markdown(result: dict) -> str:
    """One row per target: its own seeds, the pass share at each n tried, the smallest n reaching POWER, and the
    checks that fell short there or at the largest n."""
    lines = [
        "| target | own seeds | pass share at n seeds (95% interval) | smallest n with ≥ "
        f"{POWER:.0%} | checks short of {POWER:.0%} at the largest n |",
        "|---|---|---|---|---|",
    ]
    for target, row in result["targets"].items():
        sizes = {int(n): s for n, s in row["sizes"].items()}
        cells = "; ".join(
            f"n={n}: {s['share']:.2f} [{s['interval'][0]:.2f}, {s['interval'][1]:.2f}]"
            for n, s in sorted(sizes.items())
        )
        largest = sizes[max(sizes)]
        short = [f"{name} {share:.2f}" for name, share in largest["checks"].items() if share < POWER]
        found = smallest_powered(sizes)
        lines.append(
            f"| {target} | {row['own_seeds']} | {cells} | {found if found else 'none of those tried'} | "
            f"{'; '.join(short) or '-'} |"
        )
    return "\n".join(lines)


def draw(result: dict, out: Path) -> Path:
    """Pass share against n for each target, with its 95% interval and the POWER line."""
    fig = Figure(figsize=(6.4, 4.2), layout="constrained")
    ax = fig.add_subplot()
    for i, (target, row) in enumerate(result["targets"].items()):
        sizes = sorted((int(n), s) for n, s in row["sizes"].items())
        n = np.array([size for size, _ in sizes])
        share = np.array([s["share"] for _, s in sizes])
        low, high = np.array([s["interval"] for _, s in sizes]).T
        ax.errorbar(n, share, yerr=[share - low, high - share], marker="o", capsize=3, color=f"C{i}", label=target)
    ax.axhline(POWER, color="k", linestyle="--", linewidth=1)
    ax.set_xlabel("seeds per arm (n)")
    ax.set_ylabel("share of resampled seed sets judged PASS")
    ax.set_ylim(-0.03, 1.03)
    ax.legend(fontsize=8, ncol=2)
    ax.set_title(f"How often each target passes on n seeds ({result['draws']} bootstrap draws per n)", fontsize=9)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=130, metadata=io.png_metadata())
    return out


def kept_draws(folder: Path, job: SeedSets) -> list[dict] | None:
    """A finished job's outcomes from an earlier session, if it evaluated the same target on the same seed sets."""
    path = folder / f"{job.index}.json"
    if not path.is_file():
        return None
    kept = json.loads(path.read_text(encoding="utf-8"))
    same = kept["module"] == job.module and [tuple(s) for s in kept["seed_sets"]] == list(job.seed_sets)
    return kept["outcomes"] if same else None


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", nargs="+", help="target IDs, e.g. T5 T7 (required unless --report)")
    parser.add_argument("--report", type=Path, metavar="JSON", help="only write the table and figure of a result")
    parser.add_argument("--pool-scale", type=integer_or_text, default=5, help="pool = this times a target's own seeds")
    parser.add_argument("--scales", type=integer_or_text, nargs="+", default=[1, 2, 3, 4], help="n = scale x own seeds")
    parser.add_argument("--draws", type=integer_or_text, default=100, help="resampled seed sets per n (default 100)")
    parser.add_argument("--rng-seed", type=integer_or_text, default=1, help="seed of the resampling (default 1)")
    parser.add_argument("--out", type=Path, default=Path("results/seed_power"), help="output folder")
    parser.add_argument("--figure", type=Path, help="also copy the figure here")
    parser.add_argument(
        "--runs", type=Path, metavar="FOLDER", help="keep the runs here (default OUT/runs), as `run.py validate --runs`"
    )
    add_engine_arguments(parser, workers=2)
    args = parser.parse_args(argv)
    if args.report:
        return args
    if not args.targets:
        raise ParameterError("--targets", "give the target IDs to resample (or --report JSON)")
    check_count(args.pool_scale, "--pool-scale", *SEED_SCALE_RANGE)
    for scale in args.scales:
        check_count(scale, "--scales", 1, args.pool_scale)
    check_count(args.draws, "--draws", 10, 10_000)
    check_count(args.rng_seed, "--rng-seed", 0, 2**32 - 1)
    try:
        args.modules = selected_modules(args.targets)
    except ValueError as error:
        raise ParameterError("--targets", str(error).removeprefix("--only: ")) from None
    return args


def load_result(path: Path) -> dict:
    """A result written before (seed_power.json), its targets in number order; ParameterError naming --report."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParameterError("--report", f"{path} does not exist; expected a seed_power.json") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ParameterError("--report", f"{path} is not readable JSON ({error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("targets"), dict) or "draws" not in data:
        raise ParameterError("--report", f"{path} is not a seed_power result: expected 'targets' and 'draws'")
    data["targets"] = dict(sorted(data["targets"].items(), key=lambda item: int(item[0][1:])))
    return data


def evaluate_all(jobs: list[SeedSets], args: argparse.Namespace, label: str, keep) -> None:
    """Run the jobs on the engine of the options, keep(job, outcomes, attempts) for each as it finishes; JobFailed
    (naming the target and seeds) if one raises, KeyboardInterrupt once the workers stop if interrupted."""

    def give_up(job: SeedSets, error: BaseException, attempts: int) -> None:
        raise JobFailed(f"{job.module} on seeds {job.seed_sets[0]}: {describe_lost(error)}")

    with tqdm(total=len(jobs), desc=label, unit="job") as bar:
        session = run_jobs(jobs, engine_from(args, verdicts), keep, give_up, retries=0, bar=bar)
    if session.interrupted:
        raise KeyboardInterrupt


def run(args: argparse.Namespace) -> dict:
    out = args.out.resolve()
    cache, figures, kept = common.kept_runs_folder(args.runs or out / "runs"), out / "figures", out / "draws"
    for folder in (figures, kept):
        folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(args.rng_seed)
    pools = {target: pool(name, args.pool_scale) for target, name in args.modules.items()}
    fill, plan = [], []  # plan: (target, n, job index) of every resampling job
    for target, name in args.modules.items():
        fill.append(SeedSets(len(fill), name, chunks(pools[target]), str(cache), str(figures)))
    jobs = []
    for target, name in args.modules.items():
        own = len(importlib.import_module(name).SEEDS)
        for scale in sorted(set(args.scales)):
            sets = seed_sets(rng, pools[target], own * scale, args.draws)
            for start in range(0, len(sets), DRAWS_PER_JOB):
                index = len(fill) + len(jobs)
                jobs.append(SeedSets(index, name, tuple(sets[start : start + DRAWS_PER_JOB]), str(cache), str(figures)))
                plan.append((target, own * scale, index))
    print(f"seed power: simulating the pools ({', '.join(f'{t} {len(s)} seeds' for t, s in pools.items())})")
    evaluate_all(fill, args, "pool runs", lambda job, result, attempts: None)
    outcomes = {job.index: kept_draws(kept, job) for job in jobs}
    todo = [job for job in jobs if outcomes[job.index] is None]
    print(f"seed power: {len(todo)} of {len(jobs)} resampling jobs to run ({args.draws} draws per n)")

    def keep(job: SeedSets, result: list[dict], attempts: int) -> None:
        record = {"module": job.module, "seed_sets": job.seed_sets, "outcomes": result}
        atomic_text(kept / f"{job.index}.json", json.dumps(record))
        outcomes[job.index] = result

    evaluate_all(todo, args, "seed sets", keep)
    targets: dict[str, dict] = {}
    for target, name in sorted(args.modules.items(), key=lambda item: int(item[0][1:])):  # reported in number order
        by_size: dict[int, list[dict]] = {}
        for owner, n, index in plan:
            if owner == target:
                by_size.setdefault(n, []).extend(outcomes[index])
        targets[target] = {
            "own_seeds": len(importlib.import_module(name).SEEDS),
            "pool": list(pools[target]),
            "sizes": {n: summarise(o) for n, o in sorted(by_size.items())},
        }
    return {
        "draws": args.draws,
        "rng_seed": args.rng_seed,
        "pool_scale": args.pool_scale,
        "power": POWER,
        "manifest": run_manifest(),
        "targets": targets,
    }


def main(argv: list[str] | None = None) -> int:
    try:
        args = parse(argv)
        result = load_result(args.report) if args.report else run(args)
    except ParameterError as error:
        print(f"seed_power: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("seed_power: interrupted; finished runs and draws are kept: the same command goes on", file=sys.stderr)
        return INTERRUPTED
    except JobFailed as error:
        print(
            f"seed_power: {error}; finished runs and draws are kept: the same command tries the rest again",
            file=sys.stderr,
        )
        return 1
    out = args.out.resolve()
    table = markdown(result)
    atomic_text(out / "seed_power.json", json.dumps(result, indent=2, default=list))
    atomic_text(out / "seed_power.md", table + "\n")
    figure = draw(result, out / "seed_power.png")
    if args.figure:
        args.figure.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(figure, args.figure)
    print(table)
    print(f"wrote {out / 'seed_power.json'}, {out / 'seed_power.md'} and {figure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
