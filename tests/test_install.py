"""The package works once installed: a wheel built from the source tree, installed into a fresh virtual
environment and run from a folder outside the checkout.

The wheel is built without build isolation and installed with ``--no-deps`` (no network); the fresh
environment borrows this environment's dependencies (mesa, numpy, ...) through a ``.pth`` line, which adds
their folder to ``sys.path`` without running this environment's editable-install hook, so ``niche_abm``
itself can only come from the wheel. The dependencies' data files under the environment's ``etc/jupyter``
(the notebook extension settings solara reads when it serves a page, which ``pip install`` of solara puts
there) are copied in with them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
from conftest import REPO_ROOT

SOURCE_FILES = ("pyproject.toml", "README.md", "niche_abm", "scenarios")
"""What a build reads from the checkout."""


def _run(*command: str | Path, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    result = subprocess.run(
        [str(c) for c in command], cwd=cwd, env=environment, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"{' '.join(map(str, command))}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel built from a copy of the source tree (so no build/ or egg-info lands in the checkout)."""
    source = tmp_path_factory.mktemp("source")
    for name in SOURCE_FILES:
        origin = REPO_ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(origin, source / name)
    dist = tmp_path_factory.mktemp("dist")
    _run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", dist, source, cwd=source
    )
    (built,) = dist.glob("niche_abm-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel installed; returns its bin folder."""
    venv = tmp_path_factory.mktemp("venv")
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=venv)
    python = venv / "bin" / "python"
    _run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", "--no-index", wheel, cwd=venv)
    purelib = Path(
        _run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=venv).stdout.strip()
    )
    (purelib / "borrowed_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    jupyter_settings = Path(sys.prefix) / "etc" / "jupyter"
    if jupyter_settings.is_dir():
        shutil.copytree(jupyter_settings, venv / "etc" / "jupyter")
    return venv / "bin"


@pytest.fixture(scope="module")
def outside(tmp_path_factory) -> Path:
    """A working folder outside the checkout."""
    return tmp_path_factory.mktemp("elsewhere")


def test_the_wheel_holds_every_module_and_every_scenario_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {str(p.relative_to(REPO_ROOT)) for p in (REPO_ROOT / "niche_abm").rglob("*.py")}
    scenarios = {f"niche_abm/{p.relative_to(REPO_ROOT)}" for p in (REPO_ROOT / "scenarios").rglob("*") if p.is_file()}
    scenarios = {name for name in scenarios if "__pycache__" not in name}
    assert modules - names == set(), "modules missing from the wheel: add their package to pyproject.toml"
    assert scenarios - names == set(), "scenario files missing from the wheel: see package-data in pyproject.toml"


def test_the_installed_package_comes_from_the_wheel_not_the_checkout(installed, outside):
    where = _run(installed / "python", "-c", "import niche_abm; print(niche_abm.__file__)", cwd=outside).stdout
    assert Path(where.strip()).is_relative_to(installed.parent)


def test_a_checkout_reads_its_own_scenarios_and_an_install_its_packaged_ones(installed, outside):
    from niche_abm.scenario import SCENARIO_DIR

    assert SCENARIO_DIR == REPO_ROOT / "scenarios", "a checkout run with PYTHONPATH reads the checkout's files"
    code = "from niche_abm.scenario import SCENARIO_DIR; print(SCENARIO_DIR)"
    where = Path(_run(installed / "python", "-c", code, cwd=outside).stdout.strip())
    assert where.is_relative_to(installed.parent) and (where / "healthy.toml").is_file()


def test_list_shows_the_packaged_scenarios(installed, outside):
    listed = _run(installed / "niche-abm", "list", cwd=outside).stdout.split()
    assert {"healthy", "mm_niche", "mm_advanced"} <= set(listed)


def test_run_writes_its_outputs_outside_the_checkout(installed, outside):
    out = outside / "run"
    _run(installed / "niche-abm", "run", "mm_niche", "--days", "2", *SMALL_GRID, "--out", out, "--quiet", cwd=outside)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["timeseries.parquet", "summary.json", "final_state.npz", "overview.png", "manifest.json"]
    )


def test_validate_runs_a_packaged_target(installed, outside):
    out = outside / "validation"
    result = _run(installed / "niche-abm", "validate", "--only", "T1", "--workers", "1", "--out", out, cwd=outside)
    assert "T1" in result.stdout
    assert (out / "validation.json").is_file()


def test_example_sweeps_and_demo_marrows_are_readable_from_the_installed_package(installed, outside):
    snippet = (
        "from niche_abm.sweep import load_sweep\n"
        "from niche_abm import load_scenario\n"
        "print(load_sweep('contact_lenalidomide').days, load_scenario('demos/myeloma_marrow').params.grid.width)\n"
    )
    assert _run(installed / "python", "-c", snippet, cwd=outside).stdout.split() == ["45", "100"]


def test_the_python_api_runs_a_scenario(installed, outside):
    snippet = (
        "from niche_abm import NicheModel, load_scenario\n"
        "model = NicheModel(load_scenario('mm_niche', {'grid.width': 60, 'grid.height': 60}), seed=1)\n"
        "metrics = model.run(days=1)\n"
        "print(len(metrics), metrics['n_mm'].iloc[-1] > 0)\n"
    )
    assert _run(installed / "python", "-c", snippet, cwd=outside).stdout.split() == ["2", "True"]


TINY_SWEEP = """
description = "two short runs, with and without lenalidomide"
scenario = "mm_niche"
days = 1
replicates = 1
[set]
"grid.width" = 40
"grid.height" = 40
"mm.initial_count" = 24
[arms]
control = []
lenalidomide = ["lenalidomide=10uM"]
"""
SMALL_GRID = ("--set", "grid.width=40", "--set", "grid.height=40")


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (("params",), "grid.width"),
        (("rules",), "RANKL"),
        (("drugs",), "denosumab"),
        (("demo",), "imids"),
        (("app", "--help"), "--port"),
        (("--help",), "with none: healthy and mm_niche"),
    ],
    ids=["params", "rules", "drugs", "demo list", "app help", "main job help"],
)
def test_the_listings_and_helps_work_installed(installed, outside, command, expected):
    assert expected in _run(installed / "niche-abm", *command, cwd=outside).stdout


def test_a_sweep_runs_and_summarizes_installed(installed, outside):
    (outside / "tiny.toml").write_text(TINY_SWEEP, encoding="utf-8")
    out = outside / "sweep"
    _run(installed / "niche-abm", "sweep", "tiny.toml", "--workers", "1", "--quiet", "--out", out, cwd=outside)
    _run(installed / "niche-abm", "summarize", out, cwd=outside)
    final = (out / "summary" / "final_metrics.csv").read_text(encoding="utf-8")
    assert "control" in final and "lenalidomide" in final


def test_a_dose_response_runs_installed(installed, outside):
    out = outside / "dose_response"
    arguments = ("--doses", "0,60mg", "--days", "1", "--seeds", "1", "--workers", "1", *SMALL_GRID, "--out", out)
    _run(installed / "niche-abm", "dose-response", "denosumab", *arguments, cwd=outside)
    assert {"runs.csv", "summary.csv", "dose_response.png"} <= {path.name for path in out.iterdir()}


def test_the_coculture_runs_installed(installed, outside):
    out = outside / "coculture"
    _run(
        installed / "niche-abm",
        "coculture",
        "--seeds",
        "1",
        "--hours",
        "24",
        "--workers",
        "2",
        "--out",
        out,
        cwd=outside,
    )
    assert (out / "runs.csv").is_file()


def test_a_demo_runs_installed(installed, outside):
    out = outside / "demo"
    _run(installed / "niche-abm", "demo", "healthy", "--workers", "1", "--out", out, cwd=outside)
    assert {"demo.png", "about.md"} <= {path.name for path in out.iterdir()}


def _free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_app_serves_its_page_installed(installed, outside):
    """niche-abm app from the wheel answers on loopback with the Solara page (the browser tests drive the page)."""
    port = _free_loopback_port()
    environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    server = subprocess.Popen(
        [str(installed / "niche-abm"), "app", "--port", str(port)],
        cwd=outside,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline, page = time.monotonic() + 60, None
        while page is None and time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    page = (response.status, response.read().decode())
            except OSError:
                time.sleep(0.5)
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)
    assert page is not None, f"no page from the installed app:\n{errors}"
    status, html = page
    assert status == 200 and "Solara" in html
