"""Shared helpers: tiny hand-built niches to check one cell rule at a time.

A tiny niche is a NicheModel on a bone array drawn by hand, with no stroma,
no vessels and no MM seeded, 10 µm field voxels so every site has its own
concentration, and no IL-6 support of MM cells or vessel sprouting unless a test
turns them on. Cells are then placed one by one with ``place`` (marrow cells on
marrow sites, osteoclasts and osteoblasts on bone-surface sites); ``settle``
brings the derived state (bone surfaces, field geometry, osteoclast reach, MM
contacts, steady fields) up to date with what was placed.

``forbid_regimen_text`` makes reading a regimen in the ``--drug`` syntax fail a test, for code that should build
its regimens directly.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from niche_abm import NicheModel, build_parameters
from niche_abm.cells import Osteoclast
from niche_abm.cells.myeloma import publish_contacts
from niche_abm.drugs import regimen

REPO_ROOT = Path(__file__).resolve().parent.parent

if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    # A suite started in the background of a non-interactive shell inherits SIGINT ignored; the interrupt tests
    # need Python's own handler, and child processes then start with the default disposition.
    signal.signal(signal.SIGINT, signal.default_int_handler)


def stop_with_ctrl_c_when(command: list[str], ready: Callable[[], bool], what: str) -> str:
    """Start a batch command from the repository root, send it SIGINT once ready() holds, and return its stderr after
    checking it exited 130 with a --resume hint and no traceback (what: the batch, for the message if it ended
    first)."""
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not ready():
        assert process.poll() is None and time.monotonic() < deadline, f"the {what} ended before it was interrupted"
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "--resume" in stderr and "Traceback" not in stderr
    return stderr


SLOWEST_FILES = (
    "test_install.py",
    "test_validation.py",
    "test_science.py",
    "test_calibration.py",
    "test_sweep.py",
    "test_docs_python.py",
    "test_bad_input.py",
    "test_app_browser.py",
    "test_cycle.py",
    "test_cli.py",
    "test_coculture.py",
    "test_app.py",
    "test_docs_commands.py",
    "test_params.py",
    "test_dissection.py",
)
"""The test files that take longest, slowest first: about 3.5 min down to half a minute each with two workers (the
suite's durations on 2026-12-05 at 17:09 UTC, a quiet machine; test_validation.py has since taken seed_power's
end-to-end test)."""


def pytest_collection_modifyitems(config, items) -> None:
    """Under pytest-xdist (`make test`: -n 2 --dist loadfile --no-loadscope-reorder) the slowest files are handed
    out first, so the two workers finish together instead of one running a slow file alone at the end. Each file's
    tests keep their order; a serial run is left in file order."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return
    rank = {name: index for index, name in enumerate(SLOWEST_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


QUIET_WORLD = {
    "stroma.density": 0.0,
    "stroma.endosteal_density": 0.0,
    "vessels.density_per_mm2": 0.0,
    "mm.initial_count": 0,
    "rankl.voxel_um": 10.0,
    "opg.voxel_um": 10.0,
    "ccl3.voxel_um": 10.0,
    "dkk1.voxel_um": 10.0,
    "vegf.voxel_um": 10.0,
    "il6.voxel_um": 10.0,
    "oc.rankl_withdrawal_death_rate": 0.0,
    "oc.detached_death_fold": 1.0,
    "mm.il6_division_fold": 1.0,
    "mm.il6_survival": 0.0,
    "vessels.sprout_rate": 0.0,
}


@pytest.fixture(autouse=True)
def environment_restored():
    """Puts os.environ back after each test: a Dask LocalCluster a test starts on its own writes its nannies'
    variables (MALLOC_TRIM_THRESHOLD_ among them) into this process's environment, where the child processes of
    later tests would inherit them."""
    saved = dict(os.environ)
    yield
    if dict(os.environ) != saved:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture
def command_here(monkeypatch, capsys) -> Callable[..., subprocess.CompletedProcess]:
    """Runs ``python run.py ARGS`` inside this process, through the command line's entry point
    (``niche_abm.cli.main``; or another script's ``main(argv)``, given as `entry`), from a folder (default the
    repository root): the exit status it returns, or argparse exits with, and what it printed, as a
    CompletedProcess. An exception it lets through fails the test with its traceback, where a process of its own
    would print it. For checks of what a command refuses: a fresh interpreter takes seconds to start, main()
    answers in milliseconds. A sample of refusals still runs as commands of their own (tests/test_bad_input.py,
    tests/test_validation.py), where the exit status and stderr are those of the real process."""
    from niche_abm.cli import main

    def run(
        *args: str, cwd: Path = REPO_ROOT, entry: Callable[[list[str]], int] | None = None
    ) -> subprocess.CompletedProcess:
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        try:
            status = entry(list(args)) if entry else main(list(args), prog="run.py")
        except SystemExit as stop:  # argparse's own errors
            status = stop.code
        printed = capsys.readouterr()
        return subprocess.CompletedProcess(list(args), status, printed.out, printed.err)

    return run


def tiny_model(bone: np.ndarray | None = None, shape=(20, 20), seed: int = 0, **overrides) -> NicheModel:
    """A NicheModel on a hand-built bone array (default: all marrow) with nothing in it.

    Args:
        bone: bone fraction per site [x, y]; its shape sets the grid.
        shape: grid shape when bone is not given.
        seed: model seed.
        overrides: parameter overrides by dotted name, e.g. ``**{"mm.death_rate_free": 0.0}``.
    """
    bone = np.zeros(shape) if bone is None else np.asarray(bone, dtype=float)
    params = build_parameters({"grid.width": bone.shape[0], "grid.height": bone.shape[1], **QUIET_WORLD, **overrides})
    return NicheModel(params, seed=seed, bone=bone)


def flat(model: NicheModel, x: int, y: int) -> int:
    """The flat index of site (x, y)."""
    return int(x) * model.lattice.shape[1] + int(y)


def xy_of(agent) -> tuple[int, int]:
    """The (x, y) site of a cell."""
    x, y = agent.model.lattice.xy([agent.site])
    return int(x[0]), int(y[0])


def place(model: NicheModel, kind: type, *sites, **state) -> list:
    """Put one cell of a kind on each (x, y) site of its layer; returns the new agents."""
    return [model.lattice.add(kind, flat(model, x, y), **state) for x, y in sites]


def live_forever(*cells) -> list:
    """Give osteoclasts or osteoblasts a lifespan no test outlives; returns them."""
    for cell in cells:
        cell.lifespan_h = 1e9
    return list(cells)


def settle(model: NicheModel) -> None:
    """Bring the derived state up to date after a hand edit.

    Bone surfaces and the fields' geometry follow the bone, the osteoclasts'
    reach and the MM contact maps follow the cells, and the fields are solved to
    steady state for the secretion now.
    """
    niche = model.niche
    model.bone.refresh()
    model.signals.follow_bone(model.bone.marrow)
    niche.near_osteoclast = niche.mark_near(
        model.lattice.sites_of(Osteoclast), model.params.mm.osteoclast_support_radius_um
    )
    publish_contacts(niche)
    model._signal(steady=True)


def alive(agent) -> bool:
    """Whether an agent is still in its model (not dead, fused, retired or differentiated)."""
    return agent in agent.model.agents


def check_lattice(model: NicheModel) -> None:
    """Assert that every cell's site, the lattice's code arrays and its agents agree, layer by layer."""
    lattice = model.lattice
    for layer, codes in lattice.code.items():
        rebuilt = np.zeros_like(codes)
        for agent in model.agents:
            if agent.layer != layer:
                continue
            assert agent.site >= 0, f"{agent.label} in the model has no site"
            assert rebuilt.flat[agent.site] == 0, f"two {layer} cells share site {agent.site}"
            rebuilt.flat[agent.site] = agent.code
            assert lattice.agent_at(layer, agent.site) is agent
        np.testing.assert_array_equal(rebuilt, codes, err_msg=f"{layer} codes differ from the cells' sites")
        for site in np.flatnonzero(codes == 0):
            assert lattice.agent_at(layer, site) is None


class _NoRegimenText:
    """Stands in for the ``--drug`` syntax's pattern: any regimen text read fails the test."""

    def match(self, text: str) -> None:
        raise AssertionError(f"regimen text {text!r} was written to be parsed again")


def forbid_regimen_text(monkeypatch) -> None:
    """From now on in this test, reading a regimen written in the ``--drug`` syntax fails it."""
    monkeypatch.setattr(regimen, "_PATTERN", _NoRegimenText())
