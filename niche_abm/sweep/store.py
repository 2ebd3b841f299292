"""A sweep's folder on disk: a partitioned Parquet dataset that grows one run at a time.

Layout of DIR::

    manifest.json                 the sweep, its fingerprint, base parameters, versions, commit
    design.parquet                one row a run: run, point, arm, replicate, seed, varied values
    timeseries/arm=NAME/run-000012.parquet   the daily metrics of one finished run
    status/run-000012.json        how the run ended: done or failed, attempts, wall time, error
    runs.parquet, runs.csv        the runs table (design + status), rewritten after every session

Every file is written to a hidden temporary name in its folder and renamed into
place, the run's Parquet before its status, so a killed sweep leaves only whole
files and a run counts as finished only when both exist. A Parquet file whose
status never landed (the process died between the two renames) is removed when
the runs table is written, so the dataset holds exactly the finished runs.
Readers (pyarrow) skip hidden files.
"""

from __future__ import annotations

import json
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from niche_abm import io
from niche_abm.folders import atomic_text, atomic_write, check_writable, held_kind
from niche_abm.params import ParameterError
from niche_abm.scenario import load_scenario
from niche_abm.sweep.design import RunTask, design_table
from niche_abm.sweep.spec import SweepSpec

SWEEP_PACKAGES = ("dask", "distributed", "SALib")


class SweepStore:
    """The folder of one sweep."""

    def __init__(self, root: Path):
        self.root = Path(root)

    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    def timeseries_path(self, task: RunTask) -> Path:
        return self.run_path(task.arm, task.index)

    def run_path(self, arm: str, run: int) -> Path:
        """The Parquet file of run number `run` (an index of the runs table) of an arm."""
        return self.root / "timeseries" / f"arm={arm}" / f"run-{run:06d}.parquet"

    def status_path(self, index: int) -> Path:
        return self.root / "status" / f"run-{index:06d}.json"

    # --- opening ---------------------------------------------------------------------------
    def check_new(self) -> None:
        """Refuse a folder that cannot be written, or that already holds a sweep or anything else."""
        check_writable(self.root)
        held = held_kind(self.root)
        if held == "sweep":
            raise ParameterError(
                "--out", f"{self.root} already holds a sweep; add --resume to continue it, or --overwrite to replace it"
            )
        if held is not None:
            raise ParameterError(
                "--out", f"{self.root} holds a {held}; a sweep is never written into another kind of output"
            )
        if self.root.is_dir() and any(self.root.iterdir()):
            raise ParameterError("--out", f"{self.root} is not an empty folder; choose a new folder for the sweep")

    def create(self, spec: SweepSpec, tasks: list[RunTask]) -> None:
        """Start a new sweep here: the design table, then the manifest."""
        self.check_new()
        self._write_design(tasks)
        atomic_text(self.manifest_path, json.dumps(self._manifest(spec, tasks), indent=2) + "\n")

    def restore_design(self, tasks: list[RunTask]) -> None:
        """Write the design table again if it is missing or damaged (on --resume: the manifest's fingerprint has
        shown these are the sweep's runs, and the table follows from them alone)."""
        if not _whole(self.design_path):
            self._write_design(tasks)

    def _write_design(self, tasks: list[RunTask]) -> None:
        atomic_write(self.design_path, lambda tmp: design_table(tasks).to_parquet(tmp, index=False))

    def reopen(self, spec: SweepSpec) -> None:
        """Check that this folder holds the same sweep and takes new files (for --resume)."""
        recorded, _ = self.recorded("--resume")
        if recorded["fingerprint"] != spec.fingerprint():
            raise ParameterError(
                "--resume", f"{self.root} holds a different sweep ({recorded['sweep']['name']}); use a new --out"
            )
        check_writable(self.root, "--resume")

    def recorded(self, key: str) -> tuple[dict[str, Any], SweepSpec]:
        """The manifest and the sweep it records; ParameterError(key) when the folder holds no readable sweep."""
        held = held_kind(self.root)
        if held not in (None, "sweep"):
            raise ParameterError(key, f"{self.root} holds a {held}, not a sweep; give the folder `run.py sweep` wrote")
        if not self.manifest_path.is_file():
            raise ParameterError(key, f"{self.root} holds no sweep (no manifest.json); run `run.py sweep` first")
        try:
            recorded = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ParameterError(key, f"{self.manifest_path} is not a sweep's manifest (not JSON text)") from None
        damaged = ParameterError(
            key,
            f"{self.manifest_path} does not describe a sweep (its sweep, fingerprint or runs entry is missing or "
            "malformed); give the folder `run.py sweep` wrote",
        )
        if not isinstance(recorded, dict) or not {"sweep", "fingerprint", "runs"} <= set(recorded):
            raise damaged
        try:
            spec = SweepSpec.from_dict(recorded["sweep"])
        except (KeyError, TypeError, ValueError, AttributeError):
            raise damaged from None
        return recorded, spec

    def _manifest(self, spec: SweepSpec, tasks: list[RunTask]) -> dict[str, Any]:
        versions = io.package_versions()
        for name in SWEEP_PACKAGES:
            versions[name] = metadata.version(name)
        return {
            "sweep": spec.as_dict(),
            "fingerprint": spec.fingerprint(),
            "runs": len(tasks),
            "points": len({t.point for t in tasks}),
            "base_parameters": load_scenario(spec.scenario_path, spec.fixed).params.as_dict(),
            "seeds": "replicate r: SeedSequence(seed, spawn_key=(r,)), the same in every point and arm",
            "scales": {"site_um": 10.0, "step_h": 1.0},
            "versions": versions,
            "git_commit": io.git_commit(),
            "created_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }

    # --- writing ---------------------------------------------------------------------------
    def record_done(self, task: RunTask, timeseries: pd.DataFrame, attempts: int, wall_time_s: float) -> None:
        """Store a finished run: its daily metrics with run, point, replicate and varied values as columns."""
        table = timeseries.copy()
        table.insert(0, "run", task.index)
        table.insert(1, "point", task.point)
        table.insert(2, "replicate", task.replicate)
        table["seed"] = task.seed
        for name, value in task.values.items():
            table[name] = value
        atomic_write(self.timeseries_path(task), lambda tmp: table.to_parquet(tmp, index=False))
        self._status(task.index, "done", attempts, wall_time_s, None)

    def record_failed(self, task: RunTask, attempts: int, wall_time_s: float, error: str) -> None:
        """Store why a run failed for good (after its retries)."""
        self._status(task.index, "failed", attempts, wall_time_s, error)

    def _status(self, index: int, status: str, attempts: int, wall_time_s: float, error: str | None) -> None:
        record = {
            "run": index,
            "status": status,
            "attempts": attempts,
            "wall_time_s": round(wall_time_s, 3),
            "error": error,
            "finished_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        atomic_text(self.status_path(index), json.dumps(record) + "\n")

    # --- reading ---------------------------------------------------------------------------
    def statuses(self) -> dict[int, dict[str, Any]]:
        """Every recorded outcome by run index; a damaged status file counts as none (the run is pending and runs
        again on --resume)."""
        found = {}
        for path in sorted((self.root / "status").glob("run-*.json")):
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
                found[int(record["run"])] = record
            except (OSError, ValueError, KeyError, TypeError):
                continue
        return found

    def finished(self, tasks: list[RunTask]) -> set[int]:
        """Runs done with their daily metrics on disk, whole (a damaged file runs again on --resume)."""
        statuses = self.statuses()
        return {
            t.index
            for t in tasks
            if statuses.get(t.index, {}).get("status") == "done" and _whole(self.timeseries_path(t))
        }

    @property
    def design_path(self) -> Path:
        return self.root / "design.parquet"

    def design(self) -> pd.DataFrame:
        """One row a run (design.parquet); ParameterError('folder') when the file is damaged."""
        if not _whole(self.design_path):
            raise ParameterError(
                "folder",
                f"{self.design_path} is damaged; run the sweep again with --resume --out on this folder to rewrite it",
            )
        return pd.read_parquet(self.design_path)

    def runs_table(self) -> pd.DataFrame:
        """One row a run: design columns, then status (done, failed or pending), attempts, wall time, error."""
        design = self.design()
        status = pd.DataFrame.from_records(
            list(self.statuses().values()),
            columns=["run", "status", "attempts", "wall_time_s", "error", "finished_utc"],
        )
        table = design.merge(status, on="run", how="left")
        table["status"] = table["status"].fillna("pending")
        table["attempts"] = table["attempts"].fillna(0).astype(int)
        return table

    def prune_unfinished(self, done: set[int]) -> None:
        """Remove the daily metrics of runs not in done (their status never landed)."""
        for path in (self.root / "timeseries").glob("arm=*/run-*.parquet"):
            if int(path.stem.removeprefix("run-")) not in done:
                path.unlink()

    def write_runs_table(self) -> pd.DataFrame:
        """Write runs.parquet and runs.csv, and prune metrics that have no done status."""
        table = self.runs_table()
        self.prune_unfinished(set(table.loc[table["status"] == "done", "run"]))
        atomic_write(self.root / "runs.parquet", lambda tmp: table.to_parquet(tmp, index=False))
        atomic_write(self.root / "runs.csv", lambda tmp: table.to_csv(tmp, index=False))
        return table

    def timeseries(self) -> pd.DataFrame:
        """The daily metrics of every finished run, sorted by run and day (arm as a column); ParameterError naming
        the first damaged file, if any."""
        folder = self.root / "timeseries"
        if not folder.exists():
            return pd.DataFrame()
        damaged = [path for path in sorted(folder.glob("arm=*/run-*.parquet")) if not _whole(path)]
        if damaged:
            raise ParameterError(
                "folder",
                f"{damaged[0]} is damaged ({len(damaged)} run file(s) in all); run the sweep again with --resume "
                "--out on this folder to recompute them",
            )
        table = pd.read_parquet(folder)
        table["arm"] = table["arm"].astype(str)
        return table.sort_values(["run", "day"], ignore_index=True)


def _whole(path: Path) -> bool:
    """Whether a run's Parquet file is there and whole (its footer and schema read)."""
    try:
        pq.read_metadata(path)
    except (OSError, ValueError):
        return False
    return True
