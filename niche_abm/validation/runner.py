"""Run the validation targets on an engine and write validation.json and validation_report.md.

Each target is a module ``t<NN>_<name>.py`` in this folder with ID, CLAIM, SOURCE,
PUBLISHED, TOLERANCE, SEEDS, MECHANISM, READOUT (optionally READOUT_NOTE) and
``evaluate(seeds) -> dict``. READOUT says what a PASS is worth (READOUTS); the report
labels a PASS whose readout is direct or calibrated as such. Each target is one job
of the engine (:mod:`niche_abm.engines`: local processes or Dask): workers receive
the module's name, share simulated runs through a disk cache in the output folder (or
kept in a ``--runs`` folder under the model's fingerprint, for later validations),
and write figures to ``out_dir/figures`` (on a cluster, the output folder must be on
a file system the workers share). A finished target's entry is kept at once in
``out_dir/targets/<ID>.json`` (written whole), so an interrupted validation loses
only the targets in flight and ``run_validation`` on the same folder evaluates only
the targets without a PASS or FAIL there. A FAIL is a scientific result; only a
target that crashes makes the exit code 1. A seed plan (:class:`SeedPlan`) moves
every target's seeds by the same number (``--seed-offset 1000``: seeds 1-8 become
1001-1008), to replicate the whole validation on seeds no target or rule was
developed on, and can multiply how many each target runs (``--seed-scale 5``: seeds
1-40 instead of 1-8), to see what its verdict is with more power; a folder keeps
the entries of one plan only. The command line is ``run.py validate``
(``niche-abm validate``, with ``--resume`` to continue); from Python::

    from pathlib import Path
    from niche_abm.engines import LocalEngine
    from niche_abm.validation.runner import evaluate_target, run_validation
    run_validation(Path("results/validation"), LocalEngine(2, evaluate_target), only=["T1"])
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import sys
import tempfile
import time
import traceback
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from niche_abm import io
from niche_abm.engines import Engine
from niche_abm.folders import atomic_text
from niche_abm.jobs import describe_lost, run_jobs
from niche_abm.params import ParameterError, build_parameters
from niche_abm.validation import common

PACKAGE = "niche_abm.validation"
ORDER = (
    "T13",
    "T8",
    "T18",
    "T14",
    "T15",
    "T4",
    "T3",
    "T6",
    "T21",
    "T7",
    "T9",
    "T10",
    "T17",
    "T5",
    "T11",
    "T19",
    "T20",
    "T12",
    "T1",
    "T16",
    "T2",
)
"""Submission order: longest first, and targets sharing untreated runs close together."""

READOUTS = {
    "emergent": "the readout follows from several rules acting together; the intervention does not set it",
    "direct": "the intervention sets the readout itself (a drug's declared effect, a model input, a construction)",
    "calibrated": "a parameter was set from the same data the target checks",
}
"""What a target's readout is, declared as READOUT in every target module."""

RETRIES = 1
"""How often a target whose worker died is tried again before it is recorded as an ERROR."""

KEPT = ("PASS", "FAIL")
"""Statuses of a kept entry that a later session reuses; an ERROR is evaluated again."""

DECLARED = ("ID", "CLAIM", "SOURCE", "PUBLISHED", "TOLERANCE", "SEEDS", "MECHANISM", "READOUT")


def check_declarations(module) -> None:
    """Raise ValueError unless a target module declares every field of DECLARED and an allowed READOUT."""
    missing = [name for name in DECLARED if not getattr(module, name, None)]
    if missing:
        raise ValueError(
            f"{module.__name__}: missing {', '.join(missing)}; every target declares {', '.join(DECLARED)}"
        )
    if module.READOUT not in READOUTS:
        raise ValueError(
            f"{module.__name__}: READOUT = {module.READOUT!r}; expected one of {', '.join(map(repr, READOUTS))}"
        )
    note = getattr(module, "READOUT_NOTE", "")
    if not isinstance(note, str):
        raise ValueError(f"{module.__name__}: READOUT_NOTE = {note!r}; expected a string")


def status_label(entry: dict) -> str:
    """The status as the report shows it: a PASS of a direct or calibrated readout says so, e.g. 'PASS (direct)'."""
    if entry.get("status") == "PASS" and entry.get("readout") in ("direct", "calibrated"):
        return f"PASS ({entry['readout']})"
    return str(entry.get("status", ""))


def target_modules() -> dict[str, str]:
    """Target ID -> module name, for every t*.py in this folder; each is checked with check_declarations."""
    folder = Path(__file__).resolve().parent
    found = {}
    for info in pkgutil.iter_modules([str(folder)]):
        if info.name.startswith("t") and info.name[1:3].isdigit():
            module = importlib.import_module(f"{PACKAGE}.{info.name}")
            check_declarations(module)
            found[module.ID] = module.__name__
    return dict(sorted(found.items(), key=lambda kv: ORDER.index(kv[0]) if kv[0] in ORDER else len(ORDER)))


SEED_OFFSET_RANGE = (0, 1_000_000)
"""Allowed shift of every target's seeds (0: the targets' own seeds)."""
SEED_SCALE_RANGE = (1, 20)
"""Allowed multiple of every target's number of seeds (1: its own number)."""


@dataclass(frozen=True)
class SeedPlan:
    """Which seeds the targets run: each target's own, moved by `offset` and `scale` times as many.

    Attributes:
        offset: added to every seed (0 keeps the targets' own; an integer in SEED_OFFSET_RANGE).
        scale: multiple of each target's number of seeds, the added ones following its last (an integer in
            SEED_SCALE_RANGE).
    """

    offset: int = 0
    scale: int = 1

    def __post_init__(self) -> None:
        for option, value, (low, high) in (
            ("--seed-offset", self.offset, SEED_OFFSET_RANGE),
            ("--seed-scale", self.scale, SEED_SCALE_RANGE),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ParameterError(option, f"got {value!r}; expected an integer in [{low}, {high}]")

    def seeds(self, own: tuple[int, ...]) -> tuple[int, ...]:
        """A target's seeds under this plan: its own and (scale - 1) times as many after its last, each moved by
        the offset."""
        extra = range(max(own) + 1, max(own) + 1 + len(own) * (self.scale - 1))
        return tuple(int(seed) + self.offset for seed in (*own, *extra))

    def describe(self) -> str:
        """The plan in words for a report ('' for the targets' own seeds)."""
        parts = []
        if self.scale != 1:
            parts.append(f"runs {self.scale} times as many seeds (seed scale)")
        if self.offset:
            parts.append(f"has its seeds moved by {self.offset} (seed offset)")
        return f" Every target {' and '.join(parts)}." if parts else ""


def run_target(module_name: str, plan: SeedPlan = SeedPlan()) -> dict:
    """Import one target and evaluate it on its seeds under the seed plan; a crash is recorded, not raised."""
    start = time.perf_counter()
    module = importlib.import_module(module_name)
    seeds = plan.seeds(tuple(module.SEEDS))
    entry = {
        "id": module.ID,
        "claim": module.CLAIM,
        "source": module.SOURCE,
        "published": module.PUBLISHED,
        "tolerance": module.TOLERANCE,
        "mechanism": module.MECHANISM,
        "readout": module.READOUT,
        "readout_note": getattr(module, "READOUT_NOTE", ""),
        "git_commit": io.git_commit(),
        "seeds": list(seeds),
        "seed_offset": plan.offset,
        "seed_scale": plan.scale,
        "replicates": len(seeds),
    }
    try:
        with common.recording_runs() as runs:
            result = module.evaluate(seeds)
        entry |= {
            "status": result["status"],
            "measured": result["measured"],
            "published": result.get("published", module.PUBLISHED),
            "details": result.get("details", {}),
            "figure": result.get("figure"),
            **common.runs_record(runs),
        }
    except Exception:
        entry |= {"status": "ERROR", "measured": "", "details": {}, "figure": None, "error": traceback.format_exc()}
    entry["seconds"] = round(time.perf_counter() - start, 1)
    return entry


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


@dataclass(frozen=True)
class TargetJob:
    """One target for a worker: its place in the submission order, its module, and the folders it shares.

    Attributes:
        index: place in the submission order (ORDER).
        target: the target's ID, e.g. "T1".
        module: the target module's dotted name.
        figures: folder the target writes its figure into.
        cache: folder of the disk cache of simulated runs shared by the workers.
        plan: which seeds the target runs (its own by default).
    """

    index: int
    target: str
    module: str
    figures: str
    cache: str
    plan: SeedPlan = SeedPlan()


def evaluate_target(job: TargetJob) -> dict:
    """Evaluate one target on a worker, with the runner's figure folder and run cache (run_target)."""
    os.environ[common.FIGURE_ENV] = job.figures
    os.environ[common.CACHE_ENV] = job.cache
    return run_target(job.module, job.plan)


def entry_path(out_dir: Path, target: str) -> Path:
    """Where a finished target's entry is kept."""
    return Path(out_dir) / "targets" / f"{target}.json"


def kept_entries(out_dir: Path, targets: list[str], plan: SeedPlan = SeedPlan()) -> dict[str, dict]:
    """The entries of earlier sessions in out_dir that need no new evaluation (status PASS or FAIL).

    Raises ParameterError (on --seed-offset or --seed-scale) if an entry there was evaluated under another seed
    plan: a folder holds one validation."""
    kept = {}
    for target in targets:
        path = entry_path(out_dir, target)
        if path.is_file():
            entry = json.loads(path.read_text(encoding="utf-8"))
            kept_plan = (entry.get("seed_offset", 0), entry.get("seed_scale", 1))
            options = ("--seed-offset", "--seed-scale")
            for option, was, now in zip(options, kept_plan, (plan.offset, plan.scale), strict=True):
                if was != now:
                    raise ParameterError(
                        option,
                        f"{path} was evaluated with {option} {was}, this validation has {now}; resume with the "
                        f"same {option} or use another --out",
                    )
            if entry.get("status") in KEPT:
                kept[target] = entry
    return kept


def selected_modules(only: list[str] | None) -> dict[str, str]:
    """Target ID -> module name of the targets in `only` (all when None), in submission order."""
    modules = target_modules()
    if not only:
        return modules
    wanted = [t.strip().upper() for t in only]
    unknown = sorted(set(wanted) - set(modules))
    if unknown:
        raise ValueError(f"--only: unknown target(s) {', '.join(unknown)}; known: {', '.join(modules)}")
    return {k: v for k, v in modules.items() if k in wanted}


def run_validation(
    out_dir: Path, engine: Engine, only: list[str] | None = None, plan: SeedPlan = SeedPlan(), runs: Path | None = None
) -> int:
    """Evaluate the targets (all, or the IDs in `only`) not yet kept in out_dir, each on its seeds under the seed
    plan, print a table and write the json and report; the engine is closed at the end. The simulated runs are
    shared by the workers through a cache in out_dir, removed at the end, or kept in runs/<model fingerprint> for
    later validations of the same model when `runs` names a folder.

    Returns 0 if every target ran (PASS or FAIL), 1 if any crashed. Raises KeyboardInterrupt when interrupted,
    after the targets that finished are kept.
    """
    out_dir = Path(out_dir).resolve()
    (out_dir / "figures").mkdir(parents=True, exist_ok=True)
    modules = selected_modules(only)
    entries = kept_entries(out_dir, list(modules), plan)
    if entries:
        print(f"  kept from before: {', '.join(entries)}", flush=True)
    started = time.perf_counter()

    def keep(job: TargetJob, entry: dict, attempts: int) -> None:
        if entry.get("figure"):  # relative to the output folder, so the folder can be moved or copied whole
            entry = entry | {"figure": Path(os.path.relpath(Path(entry["figure"]).resolve(), out_dir)).as_posix()}
        entries[job.target] = _jsonable(entry)
        atomic_text(entry_path(out_dir, job.target), json.dumps(entries[job.target], indent=2, ensure_ascii=False))
        print(f"  {job.target}: {entry['status']} ({entry.get('seconds', '?')} s)", flush=True)

    def give_up(job: TargetJob, error: BaseException, attempts: int) -> None:
        keep(
            job,
            {
                "id": job.target,
                "status": "ERROR",
                "seed_offset": job.plan.offset,
                "seed_scale": job.plan.scale,
                "error": describe_lost(error),
            },
            attempts,
        )

    shared = (
        nullcontext(str(common.kept_runs_folder(runs)))
        if runs
        else tempfile.TemporaryDirectory(prefix=".run-cache-", dir=out_dir)
    )
    with shared as cache:
        figures = str(out_dir / "figures")
        jobs = [
            TargetJob(index, target, name, figures, cache, plan)
            for index, (target, name) in enumerate(modules.items())
            if target not in entries
        ]
        session = run_jobs(jobs, engine, keep, give_up, RETRIES)
    if session.interrupted:
        raise KeyboardInterrupt
    wall = time.perf_counter() - started
    ordered = [entries[t] for t in sorted(entries, key=lambda t: int(t[1:]))]
    print_table(ordered)
    passed = [e for e in ordered if e["status"] == "PASS"]
    emergent = sum(e.get("readout") == "emergent" for e in passed)
    print(f"validation: {len(passed)}/{len(ordered)} PASS ({emergent} of them emergent) in {wall:.0f} s")
    provenance = run_manifest()
    atomic_text(
        out_dir / "validation.json",
        json.dumps(
            _jsonable(
                {
                    "wall_seconds": round(wall, 1),
                    "seed_offset": plan.offset,
                    "seed_scale": plan.scale,
                    "manifest": provenance,
                    "targets": ordered,
                }
            ),
            indent=2,
            ensure_ascii=False,
        ),
    )
    atomic_text(out_dir / "validation_report.md", report(ordered, out_dir, wall, provenance, plan))
    print(f"wrote {out_dir / 'validation.json'} and {out_dir / 'validation_report.md'}")
    return 1 if any(e["status"] == "ERROR" for e in ordered) else 0


def print_table(entries: list[dict]) -> None:
    """PASS/FAIL per target with its readout kind, measured beside published."""
    print(f"{'target':<7}{'status':<8}{'readout':<11}{'measured':<90}published")
    for e in entries:
        measured = e.get("measured") or (e.get("error", "").strip().splitlines() or [""])[-1]
        print(
            f"{e['id']:<7}{e['status']:<8}{e.get('readout', '?'):<11}{measured[:88]:<90}{e.get('published', '')[:80]}"
        )


def table_cell(text) -> str:
    """Text made safe for one cell of a markdown table (pipes escaped, newlines flattened)."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def run_manifest() -> dict:
    """What reproduces the run: the commit, package versions, the default parameters of the table and when and how
    it was run (each target's entry holds its own runs and every parameter value they were built with)."""
    return {
        "git_commit": io.git_commit(),
        "versions": io.package_versions(),
        "default_parameters": build_parameters().as_dict(),
        "created_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": sys.argv,
    }


def earlier_commits(entries: list[dict], commit: str) -> str:
    """A sentence naming the targets evaluated at another commit than `commit` (kept by --resume from an earlier
    session), or '' when every target ran at it."""
    other = {}
    for entry in entries:
        if entry.get("git_commit", commit) != commit:
            other.setdefault(entry["git_commit"], []).append(entry["id"])
    if not other:
        return ""
    return (
        " Targets kept from an earlier session ran at other commits: "
        + "; ".join(f"{', '.join(ids)} at {at}" for at, ids in other.items())
        + "."
    )


def report(entries: list[dict], out_dir: Path, wall: float, provenance: dict, plan: SeedPlan = SeedPlan()) -> str:
    """The markdown report: a summary table, then one section per target with its figure."""
    passed = [e for e in entries if e["status"] == "PASS"]
    emergent = sum(e.get("readout") == "emergent" for e in passed)
    lines = [
        "# Validation report",
        "",
        f"{len(passed)} of {len(entries)} targets PASS, {emergent} of them with an emergent readout; wall time "
        f"{wall:.0f} s. Intervals are 95% t-intervals over seeds (mean [low, high], n) unless a target says "
        "otherwise; a direction passes only if its interval excludes zero. In-vivo runs use a 100 x 100 grid "
        "(1 mm²) for 60 days unless the target says otherwise." + plan.describe(),
        "",
        f"Commit {provenance['git_commit']}, run {provenance['created_utc']}; versions: "
        + ", ".join(f"{name} {version}" for name, version in provenance["versions"].items())
        + " (each target's runs, with every parameter value they were built with, are in its entry in"
        " validation.json)." + earlier_commits(entries, provenance["git_commit"]),
        "",
        "The readout column says what a PASS is worth: "
        + "; ".join(f"*{kind}*: {meaning}" for kind, meaning in READOUTS.items())
        + ". A PASS of a direct or calibrated readout is labelled so: it shows the rule is wired, not that the "
        "model reproduces the claim on its own.",
        "",
        "| target | status | readout | measured | published |",
        "|---|---|---|---|---|",
    ]
    for e in entries:
        lines.append(
            f"| {e['id']} | **{status_label(e)}** | {e.get('readout', '')} | {table_cell(e.get('measured', ''))} "
            f"| {table_cell(e.get('published', ''))} |"
        )
    for e in entries:
        lines += ["", f"## {e['id']}: {status_label(e)}", "", f"**Claim.** {e.get('claim', '')}", ""]
        lines += [f"**Source.** {e.get('source', '')}", "", f"**Published.** {e.get('published', '')}", ""]
        lines += [f"**Mechanism.** {e.get('mechanism', '')}", ""]
        readout = f"**Readout.** {e.get('readout', '')}"
        lines += [readout + (f": {e['readout_note']}" if e.get("readout_note") else ""), ""]
        lines += [f"**Test.** {e.get('tolerance', '')}", "", f"**Measured.** {e.get('measured', '')}", ""]
        lines += [f"Seeds: {e.get('seeds', [])} ({e.get('seconds', '?')} s)."]
        if e.get("details", {}).get("checks"):
            lines += ["", "| check | result |", "|---|---|"]
            lines += [f"| {table_cell(k)} | {'yes' if ok else 'no'} |" for k, ok in e["details"]["checks"].items()]
        if e.get("figure"):
            figure = Path(e["figure"])
            rel = os.path.relpath(figure.resolve(), out_dir) if figure.is_absolute() else figure.as_posix()
            lines += ["", f"![{e['id']}]({rel})"]
        if e.get("error"):
            lines += ["", "```", e["error"].rstrip(), "```"]
    return "\n".join(lines) + "\n"
