"""Output folders: what a folder already holds, and whether a command may write its output there.

Every command that writes a folder checks it before any work, and writes nothing while checking:

- a file is not a folder;
- the folder, or the nearest folder above it that exists, must take a new file;
- a folder that holds another kind of output is never written into, with or without ``--overwrite``;
- a folder that holds the same kind of output is replaced only with ``--overwrite``;
- a folder that holds anything else is left alone (choose a new or empty folder).

A folder's kind is read from the one file each kind of output always writes (MARKERS).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from niche_abm.params import ParameterError

MARKERS = {
    "run": "final_state.npz",  # niche_abm.io.write_run
    "sweep": "design.parquet",  # niche_abm.sweep.store.SweepStore.create, written first
    "co-culture": "coculture.png",  # run.py coculture
    "dose-response": "dose_response.png",  # niche_abm.dose_response.write
    "validation": "validation.json",  # niche_abm.validation.runner.run_validation
    "demo": "demo.png",  # niche_abm.demos.run_demo
}
"""Kind of output -> the file that marks a folder holding it."""


def held_kind(folder: Path) -> str | None:
    """The kind of output folder holds (a key of MARKERS), or None."""
    for kind, marker in MARKERS.items():
        if (folder / marker).is_file():
            return kind
    return None


def check_writable(folder: Path, key: str = "--out") -> None:
    """Raise ParameterError(key) unless folder is, or can be created as, a folder that takes new files.

    Probes the folder itself, or the nearest folder above it that exists, with an unnamed temporary file.
    """
    folder = Path(folder).absolute()
    existing = next(p for p in (folder, *folder.parents) if p.exists())
    if not existing.is_dir():
        what = "is a file" if existing == folder else f"is inside {existing}, which is a file"
        raise ParameterError(key, f"{folder} {what}; expected a folder")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as error:
        raise ParameterError(key, f"cannot write in {existing} ({error.strerror}); choose a writable folder") from None


def check_out(folder: Path, kind: str, overwrite: bool) -> None:
    """Raise ParameterError('--out', ...) unless `kind` output may be written into folder (see the module doc)."""
    folder = Path(folder)
    check_writable(folder)
    held = held_kind(folder) if folder.is_dir() else None
    if held is not None and held != kind:
        raise ParameterError(
            "--out",
            f"{folder} holds a {held}; a {kind} is never written into another kind of output, even with "
            "--overwrite: choose another folder",
        )
    if held == kind and not overwrite:
        raise ParameterError(
            "--out", f"{folder} already holds a {kind}; add --overwrite to replace it, or choose another folder"
        )
    if held is None and folder.is_dir() and any(folder.iterdir()):
        raise ParameterError("--out", f"{folder} is not empty and holds no {kind}; choose a new or empty folder")
