"""What a command is, and the options and checks several commands share."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from niche_abm.budget import DEFAULT_MAX_HOURS, DEFAULT_MAX_MEMORY_GB, Limits
from niche_abm.params import ParameterError


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


def check_count(value: int, key: str, low: int, high: int) -> int:
    """An integer option (seeds, workers, hours) within [low, high], or ParameterError naming the option."""
    if not low <= value <= high:
        raise ParameterError(key, f"got {value}; expected an integer in [{low}, {high}]")
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
        type=float,
        default=DEFAULT_MAX_MEMORY_GB,
        help=f"most memory any one process may need, GB (default {DEFAULT_MAX_MEMORY_GB:g})",
    )
    parser.add_argument(
        "--max-hours",
        type=float,
        default=DEFAULT_MAX_HOURS,
        help=f"longest the work may take, h of wall time (default {DEFAULT_MAX_HOURS:g})",
    )


def limits_from(args: argparse.Namespace) -> Limits:
    """The limits of --max-memory-gb and --max-hours, each checked to be a positive number."""
    for key, value in (("--max-memory-gb", args.max_memory_gb), ("--max-hours", args.max_hours)):
        if not 0 < value < float("inf"):
            raise ParameterError(key, f"got {value:g}; expected a positive number")
    return Limits.here(args.max_memory_gb, args.max_hours)
