"""Bad input, tried as a careless user and as an attacker would: every case ends in exit status 2 and one line
naming the field and what is allowed, with no traceback, nothing written and nothing overwritten.

Each case runs ``python run.py ...`` in a subprocess from a scratch folder that holds only what the case needs;
the folder's files (names, sizes and modification times) must be the same afterwards.
"""

from __future__ import annotations

import pickle
import shlex
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO_ROOT

from niche_abm.params import ParameterError

SMALL_GRID = "--set grid.width=40 --set grid.height=40"


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """`python run.py args` from cwd."""
    return subprocess.run(
        [sys.executable, str(REPO_ROOT / "run.py"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def files_in(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder below folder: relative path -> (size, modification time in ns)."""
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(folder.rglob("*"))}


@dataclass(frozen=True)
class Case:
    """A command line (split as a shell would) and what its one-line error must contain."""

    command: str
    expected: tuple[str, ...]


CASES = {
    "an error raised in a worker process": Case(
        f"dose-response denosumab --doses 0,120mg --days 1 --seeds 1 --workers 1 {SMALL_GRID} "
        "--set mm.initial_count=100000 --out dr",
        ("mm.initial_count", "100000", "marrow sites are free"),
    ),
}


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_bad_input_exits_2_with_one_line_naming_the_field_and_changes_no_file(tmp_path, case):
    before = files_in(tmp_path)
    result = run_cli(*shlex.split(case.command), cwd=tmp_path)
    message = result.stderr.strip()
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert message.count("\n") == 0, message
    for part in case.expected:
        assert part in message, f"{part!r} not in {message!r}"
    assert files_in(tmp_path) == before


# --- the error itself -----------------------------------------------------------------------------------------


def raise_in_worker(key: str) -> None:
    raise ParameterError(key, "got 7; expected an integer in [1, 3]")


def test_a_parameter_error_survives_pickling_with_its_key_and_message():
    error = pickle.loads(pickle.dumps(ParameterError("mm.initial_count", "got -1; expected an integer in [0, 1e+06]")))
    assert isinstance(error, ParameterError)
    assert error.key == "mm.initial_count"
    assert str(error) == "mm.initial_count: got -1; expected an integer in [0, 1e+06]"


def test_a_parameter_error_raised_in_a_worker_process_reaches_the_caller_whole():
    with ProcessPoolExecutor(max_workers=1) as pool, pytest.raises(ParameterError) as caught:
        pool.submit(raise_in_worker, "--seeds").result()
    assert caught.value.key == "--seeds"
    assert str(caught.value) == "--seeds: got 7; expected an integer in [1, 3]"
