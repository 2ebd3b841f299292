"""Output folders: what a folder already holds, and whether a command may write its output there.

Every command that writes a folder checks it before any work, and writes nothing while checking:

- a file is not a folder;
- the folder, or the nearest folder above it that exists, must take a new file;
- a folder that holds another kind of output is never written into, with or without ``--overwrite``;
- a folder that holds the same kind of output is replaced only with ``--overwrite``;
- a folder that holds anything else is left alone (choose a new or empty folder).

A folder's kind is read from the one file each kind of output always writes (MARKERS), or, for a batch that
was stopped before it wrote that file, from the jobs it has already kept (STARTED).

A batch that can be resumed (``--resume``) keeps each finished job as a file written whole: to a hidden
temporary name beside it, then renamed into place (atomic_write), so an interrupted batch leaves only whole
files, and readers skip the hidden ones.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from niche_abm.params import ParameterError

MARKERS = {
    "run": "final_state.npz",  # niche_abm.io.write_run
    "sweep": "design.parquet",  # niche_abm.sweep.store.SweepStore.create, written first
    "co-culture": "coculture.png",  # run.py coculture
    "dose-response": "dose_response.png",  # niche_abm.dose_response.write
    "dissect": "dissection.png",  # niche_abm.dissection.write
    "cycle": "cycle.png",  # niche_abm.cycle.write
    "validation": "validation.json",  # niche_abm.validation.runner.run_validation
    "demo": "demo.png",  # niche_abm.demos.run_demo
    "calibration": "calibration.json",  # niche_abm.calibration.fit.write_outputs, written last
}
"""Kind of output -> the file that marks a folder holding it."""

STARTED = {
    "validation": "targets/*.json",  # a target's entry (niche_abm.validation.runner), kept as it finishes
    "demo": "*/result.npz",  # an arm's pictures (niche_abm.demos.keep_arm), kept as it finishes
    "co-culture": "wells/*.json",  # a well's measurements (niche_abm.coculture.run_all), kept as it finishes
    "calibration": "abc.db",  # pyABC's record (niche_abm.calibration.fit), made before the first generation
}
"""Kind of output that can be resumed -> the files its finished jobs leave before the marker is written."""


def held_kind(folder: Path) -> str | None:
    """The kind of output folder holds, finished or started (a key of MARKERS), or None."""
    for kind, marker in MARKERS.items():
        if (folder / marker).is_file():
            return kind
    for kind, pattern in STARTED.items():
        if any(folder.glob(pattern)):
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
        resume = ", or --resume to continue it" if kind in STARTED else ""
        raise ParameterError(
            "--out", f"{folder} already holds a {kind}; add --overwrite to replace it{resume}, or choose another folder"
        )
    if held is None and folder.is_dir() and any(folder.iterdir()):
        raise ParameterError("--out", f"{folder} is not empty and holds no {kind}; choose a new or empty folder")


def check_resumable(folder: Path, kind: str) -> None:
    """Raise ParameterError('--resume', ...) unless a `kind` batch may continue in folder: it takes new files
    and is new, empty, or holds a finished or started `kind` (never another kind of output)."""
    folder = Path(folder)
    check_writable(folder, "--resume")
    if not folder.is_dir():
        return
    held = held_kind(folder)
    if held is not None and held != kind:
        raise ParameterError("--resume", f"{folder} holds a {held}, not a {kind}: choose another folder")
    if held is None and any(folder.iterdir()):
        raise ParameterError("--resume", f"{folder} holds no {kind} to continue; choose a new or empty folder")


def forget_finished_jobs(folder: Path, kind: str) -> None:
    """Remove the jobs a started `kind` batch kept in folder (STARTED), so that --overwrite starts it again."""
    for path in Path(folder).glob(STARTED[kind]):
        path.unlink()


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call write(temporary path) beside path, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def atomic_text(path: Path, text: str) -> None:
    """Write UTF-8 text to path whole (atomic_write)."""
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
