"""What a command is, and the options and checks several commands share."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from niche_abm.budget import DEFAULT_MAX_HOURS, DEFAULT_MAX_MEMORY_GB, Limits
from niche_abm.engines import DaskEngine, Engine, Run, make_engine
from niche_abm.params import ParameterError

MAX_WORKERS = 1024
"""Most worker processes --workers may ask for."""


@dataclass(frozen=True)
class Command:
    """One sub-command of ``niche-abm`` / ``python run.py``.

    Attributes:
        name: what the user types.
        help: one line for ``--help``.
        add_arguments: declares the command's options on its parser.
        run: does the work; returns the exit status (raises ParameterError on bad input, before any work).
    """

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def no_arguments(parser: argparse.ArgumentParser) -> None:
    """For commands without options."""


def integer_or_text(text: str) -> int | str:
    """An argparse type: the option's integer, or its text as given, which the option's own check then refuses
    naming its allowed range (argparse would say only "invalid int value")."""
    try:
        return int(text)
    except ValueError:
        return text


def number_or_text(text: str) -> float | str:
    """An argparse type: the option's number, or its text as given, for the option's own check (integer_or_text)."""
    try:
        return float(text)
    except ValueError:
        return text


def check_count(value: int | str, key: str, low: int, high: int) -> int:
    """An integer option (seeds, workers, hours) within [low, high], or ParameterError naming the option."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ParameterError(key, f"got {value!r}; expected an integer in [{low}, {high}]")
    return value


def add_out_arguments(parser: argparse.ArgumentParser, default: str, kind: str) -> None:
    """--out FOLDER and --overwrite, for a command that writes one kind of output (niche_abm.folders)."""
    parser.add_argument("--out", type=Path, help=f"output folder (default {default})")
    parser.add_argument(
        "--overwrite", action="store_true", help=f"replace the {kind} already in --out (never another kind of output)"
    )


def add_limit_arguments(parser: argparse.ArgumentParser) -> None:
    """--max-memory-gb and --max-hours: the limits an estimate of the work must fit (niche_abm.budget)."""
    parser.add_argument(
        "--max-memory-gb",
        type=number_or_text,
        default=DEFAULT_MAX_MEMORY_GB,
        help=f"most memory any one process may need, GB (default {DEFAULT_MAX_MEMORY_GB:g})",
    )
    parser.add_argument(
        "--max-hours",
        type=number_or_text,
        default=DEFAULT_MAX_HOURS,
        help=f"longest the work may take, h of wall time (default {DEFAULT_MAX_HOURS:g})",
    )


def limits_from(args: argparse.Namespace) -> Limits:
    """The limits of --max-memory-gb and --max-hours, each checked to be a positive number."""
    for key, value in (("--max-memory-gb", args.max_memory_gb), ("--max-hours", args.max_hours)):
        if not (isinstance(value, float) and 0 < value < float("inf")):
            shown = f"{value:g}" if isinstance(value, float) else repr(value)
            raise ParameterError(key, f"got {shown}; expected a positive number")
    return Limits.here(args.max_memory_gb, args.max_hours)


def add_engine_arguments(parser: argparse.ArgumentParser, workers: int | None) -> None:
    """--workers, --engine and --scheduler: where a batch's jobs run (niche_abm.engines).

    Args:
        parser: the command's parser.
        workers: the default number of worker processes; None for every core.
    """
    default = f"default {workers}" if workers else "default: every core"
    parser.add_argument("--workers", type=integer_or_text, default=workers, help=f"worker processes ({default})")
    parser.add_argument("--engine", choices=("local", "dask"), help="local processes (the default) or Dask")
    parser.add_argument(
        "--scheduler", metavar="ADDRESS", help="submit to a running Dask cluster, e.g. tcp://host:8786 (implies Dask)"
    )


def add_resume_argument(parser: argparse.ArgumentParser, kind: str) -> None:
    """--resume: continue an interrupted batch in --out, computing only what is missing."""
    parser.add_argument("--resume", action="store_true", help=f"continue a {kind} in --out: run only what is missing")


def check_option_pairs(args: argparse.Namespace) -> None:
    """Refuse options that contradict each other, whatever the command: --resume with --overwrite (continue the
    work in --out, or replace it), and --scheduler (a Dask cluster) with --engine local."""
    if getattr(args, "resume", False) and getattr(args, "overwrite", False):
        raise ParameterError("--resume", "continues the work in --out; --overwrite would replace it: give one")
    if getattr(args, "scheduler", None) and getattr(args, "engine", None) == "local":
        raise ParameterError(
            "--scheduler", "submits to a Dask cluster; leave out --engine local, or give --engine dask"
        )


def workers_from(args: argparse.Namespace) -> int | None:
    """The --workers count, checked to lie in [1, MAX_WORKERS]; None when not given (every core)."""
    return None if args.workers is None else check_count(args.workers, "--workers", 1, MAX_WORKERS)


def engine_from(args: argparse.Namespace, run: Run) -> Engine:
    """The engine of --engine, --workers and --scheduler, computing run (ParameterError for a bad cluster)."""
    engine = make_engine(args.engine, workers_from(args), args.scheduler, run)
    note_slow_workers(engine)
    return engine


def note_slow_workers(engine: Engine) -> None:
    """Tell the user (on stderr) when a Dask cluster's workers run with a malloc setting that slows large grids."""
    note = engine.malloc_note() if isinstance(engine, DaskEngine) else None
    if note:
        print(note, file=sys.stderr, flush=True)


@contextlib.contextmanager
def sigterm_as_ctrl_c() -> Iterator[None]:
    """Within the block, a batch system's SIGTERM stops a command as Ctrl-C does (KeyboardInterrupt: a batch keeps
    its finished jobs, a run its untouched folder); the handler before it is put back after."""
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


INTERRUPTED = 130
"""Exit status of a batch stopped by Ctrl-C or SIGTERM (128 + SIGINT)."""


def interrupted(out: Path, what: str) -> int:
    """Say how to continue an interrupted batch (on stderr) and return INTERRUPTED."""
    print(f"interrupted: finished {what} are kept; continue with --resume --out {out}", file=sys.stderr)
    return INTERRUPTED
