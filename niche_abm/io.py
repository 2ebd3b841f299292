"""Run outputs: time series, summary, manifest, final state and overview figure, written atomically.

Everything of one run is first written into a hidden staging folder beside the
output folder (``.NAME.partial-<pid>-<random suffix>``) and moved into place file by file when
all of it exists, the manifest last; an interrupted run leaves only the staging
folder, never a file that looks complete. A staging folder left by a process that
no longer runs (killed mid-write) is removed by the next write into the same folder.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from niche_abm.model import NicheModel

PACKAGES = ("niche_abm", "mesa", "numpy", "scipy", "pandas", "pyarrow", "matplotlib")
OUTPUT_FILES = ("timeseries.parquet", "summary.json", "final_state.npz", "overview.png", "manifest.json")


def package_versions() -> dict[str, str]:
    """Installed versions of Python and the packages the model rests on."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def model_fingerprint(root: Path | None = None) -> str:
    """A digest of every file that makes a run (niche_abm/ but its validation targets, and scenarios/, below root,
    default this source tree): runs kept under it are reused only by the same model, committed or not, while edits
    to the targets' statistics or to analysis scripts keep them."""
    root = root or Path(__file__).resolve().parent.parent
    targets = root / "niche_abm" / "validation"
    digest = hashlib.sha1()
    for folder in (root / "niche_abm", root / "scenarios"):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and targets not in path.parents:
                digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def git_commit() -> str:
    """The source tree's git commit, with '+dirty' when it has uncommitted changes; 'unknown' outside git."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit + ("+dirty" if dirty else "")


def png_metadata(run: Mapping[str, Any] | None = None) -> dict[str, str]:
    """The provenance every PNG the project saves carries in its text chunks (matplotlib's savefig metadata), so a
    figure found on its own says how it was made: the command, the git commit and the package versions, and for a
    figure of one run that run itself (``run``: scenario, seed, drugs, every parameter value...) as JSON under
    "Description" (read them with ``PIL.Image.open(path).text``). A figure of many runs has their manifest beside it.
    """
    versions = package_versions()
    metadata = {
        "Software": f"niche_abm {versions['niche_abm']}",
        "Source": f"git {git_commit()}",
        "Comment": json.dumps({"command": sys.argv, "versions": versions}),
    }
    if run is not None:
        metadata["Description"] = json.dumps(run, default=_plain)
    return metadata


def provenance() -> dict[str, Any]:
    """What every manifest carries besides its runs: package versions, the git commit, when and by which command it
    was made, and what a site and a step mean."""
    return {
        "versions": package_versions(),
        "git_commit": git_commit(),
        "created_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": sys.argv,
        "scales": {"site_um": 10.0, "step_h": 1.0},
    }


def manifest(model: NicheModel, scenario: str, seed: int, days: int, wall_time_s: float) -> dict[str, Any]:
    """What is needed to reproduce a run: scenario, every parameter value, seed, versions, commit."""
    return {
        "scenario": scenario,
        "seed": seed,
        "days": days,
        "parameters": model.params.as_dict(),
        "drugs": [regimen.text for regimen in model.treatment.regimens],
        "wall_time_s": round(wall_time_s, 3),
        **provenance(),
    }


def bone_and_cells(model: NicheModel) -> dict[str, np.ndarray]:
    """Bone fraction now ("bone") and at the start ("bone_start"), and each site's cell ("occupancy", Kind.code)."""
    return {
        "bone": model.bone.fraction.copy(),
        "bone_start": model.bone.template.copy(),
        "occupancy": model.lattice.occupancy(),
    }


def final_state(model: NicheModel) -> dict[str, np.ndarray]:
    """Bone layers (bone_and_cells), fields at site resolution and every cell's site and kind."""
    from niche_abm.cells import CELL_KINDS  # loaded with the model already; not for the writers' other callers

    kinds, positions = [], []
    for index, kind in enumerate(CELL_KINDS):
        x, y = model.lattice.xy(model.lattice.sites_of(kind.cls))
        xy = np.stack([x, y], axis=1)
        kinds.append(np.full(len(xy), index, dtype=np.int8))
        positions.append(xy)
    return {
        **bone_and_cells(model),
        "rankl_pm": model.signals.map("rankl"),
        "opg_pm": model.signals.map("opg"),
        "free_rankl_pm": model.signals.map("free_rankl"),
        "ccl3_pm": model.signals.map("ccl3"),
        "agent_xy": np.concatenate(positions),
        "agent_kind": np.concatenate(kinds),
        "kind_names": np.array([kind.cls.__name__ for kind in CELL_KINDS]),
    }


def write_run(out_dir: Path, model: NicheModel, timeseries: pd.DataFrame, run_manifest: dict[str, Any]) -> None:
    """Write the five outputs of a run into out_dir atomically."""
    from niche_abm.plots import overview_figure

    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(out_dir)
    staging = Path(tempfile.mkdtemp(prefix=f"{_staging_prefix(out_dir)}{os.getpid()}-", dir=out_dir.parent))
    try:
        timeseries.to_parquet(staging / "timeseries.parquet", index=False)
        summary = {key: _plain(value) for key, value in timeseries.iloc[-1:].to_dict("records")[0].items()}
        (staging / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        np.savez_compressed(staging / "final_state.npz", **final_state(model))
        figure = overview_figure(model, timeseries, title=f"{run_manifest['scenario']}, seed {run_manifest['seed']}")
        run = {key: run_manifest[key] for key in ("scenario", "seed", "days", "drugs", "parameters")}
        figure.savefig(staging / "overview.png", dpi=110, metadata=png_metadata(run))
        (staging / "manifest.json").write_text(json.dumps(run_manifest, indent=2, default=_plain) + "\n")
        out_dir.mkdir(parents=True, exist_ok=True)
        stale_manifest = out_dir / "manifest.json"
        if stale_manifest.exists():
            stale_manifest.unlink()
        for name in OUTPUT_FILES:
            os.replace(staging / name, out_dir / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _staging_prefix(out_dir: Path) -> str:
    return f".{out_dir.name}.partial-"


def remove_stale_staging(out_dir: Path) -> None:
    """Remove the staging folders of out_dir whose writing process is gone (killed mid-write)."""
    prefix = _staging_prefix(out_dir)
    for staging in out_dir.parent.iterdir():
        pid = staging.name.removeprefix(prefix).split("-", 1)[0]
        if staging.name.startswith(prefix) and staging.is_dir() and not (pid.isdigit() and _running(int(pid))):
            shutil.rmtree(staging, ignore_errors=True)


def _running(pid: int) -> bool:
    """Whether a process with this id exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _plain(value: Any) -> Any:
    """numpy scalars as plain Python numbers, for JSON; an undefined number (NaN) as null."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
