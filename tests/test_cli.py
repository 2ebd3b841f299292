"""The command line end to end (``python run.py ...`` in a subprocess) and atomic output writing.

A good run writes exactly its five outputs and reproduces itself bit for bit.
Bad input exits with status 2 and one line naming the key and what is allowed,
with no traceback and nothing written.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tomllib

import numpy as np
import pandas as pd
import pytest
from conftest import REPO_ROOT
from PIL import Image

import niche_abm.io
import niche_abm.plots
import niche_abm.scenario
from niche_abm import NicheModel, load_scenario
from niche_abm.cli import main
from niche_abm.commands import run as run_command
from niche_abm.commands.run import MainRun, simulate_main_run
from niche_abm.experiment import RunDescription
from niche_abm.metrics import COLUMNS
from niche_abm.params import TABLE
from niche_abm.rules import RULES
from niche_abm.scenario import SCENARIO_DIR

SMALL_RUN = ["run", "healthy", "--days", "2", "--set", "grid.width=60", "--set", "grid.height=60"]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """`python run.py args` from the repository root."""
    return subprocess.run(
        [sys.executable, "run.py", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """The same small healthy run, twice, into two folders."""
    base = tmp_path_factory.mktemp("runs")
    outs = [base / "first", base / "second"]
    for out in outs:
        result = run_cli(*SMALL_RUN, "--out", str(out))
        assert result.returncode == 0, result.stderr
    return outs


# --- a good run -------------------------------------------------------------------------------


def test_run_writes_exactly_the_five_outputs(two_runs):
    out = two_runs[0]
    assert sorted(os.listdir(out)) == sorted(niche_abm.io.OUTPUT_FILES)
    assert sorted(os.listdir(out.parent)) == ["first", "second"], "no staging folder is left behind"


def test_timeseries_has_the_metric_columns_one_row_a_day_from_day_zero(two_runs):
    series = pd.read_parquet(two_runs[0] / "timeseries.parquet")
    assert list(series.columns) == list(COLUMNS)
    assert series["day"].tolist() == [0.0, 1.0, 2.0]


def test_summary_holds_the_last_row_of_the_timeseries(two_runs):
    series = pd.read_parquet(two_runs[0] / "timeseries.parquet")
    summary = json.loads((two_runs[0] / "summary.json").read_text())
    assert list(summary) == list(COLUMNS)
    for column in COLUMNS:
        value, last = summary[column], series[column].iloc[-1]
        if pd.isna(last):  # a per-cell mean on a day without such cells
            assert value is None or np.isnan(value), column
        else:
            assert value == last, column


def test_summary_is_strict_json_even_when_a_metric_is_undefined(two_runs):
    """A healthy run has no MM cells, so mm_near_oc is undefined; the summary must still parse as standard JSON
    (RFC 8259 has no NaN), as other tools (jq, JavaScript) read it."""
    text = (two_runs[0] / "summary.json").read_text()

    def refuse(token):
        raise ValueError(f"{token} is not JSON")

    json.loads(text, parse_constant=refuse)


def test_summary_keeps_cell_and_lesion_counts_as_integers(two_runs):
    summary = json.loads((two_runs[0] / "summary.json").read_text())
    for column in ("n_mm", "n_oc", "n_ob", "lesion_count"):
        assert isinstance(summary[column], int), f"{column} = {summary[column]!r}"


def test_manifest_names_scenario_seed_every_parameter_versions_commit_and_wall_time(two_runs):
    manifest = json.loads((two_runs[0] / "manifest.json").read_text())
    assert manifest["scenario"] == "healthy"
    assert manifest["seed"] == 1
    assert manifest["days"] == 2
    assert set(manifest["parameters"]) == {p.name for p in TABLE}
    assert manifest["parameters"]["grid.width"] == 60 and manifest["parameters"]["grid.height"] == 60
    assert manifest["parameters"]["mm.initial_count"] == 0
    for package in ("python", "niche_abm", "mesa", "numpy", "scipy", "pandas"):
        assert re.match(r"\d+\.\d+", manifest["versions"][package]), package
    assert re.fullmatch(r"[0-9a-f]{40}(\+dirty)?|unknown", manifest["git_commit"])
    assert manifest["wall_time_s"] > 0


def test_final_state_holds_the_bone_and_every_cell(two_runs):
    with np.load(two_runs[0] / "final_state.npz") as state:
        assert state["bone"].shape == state["bone_start"].shape == state["occupancy"].shape == (60, 60)
        assert len(state["agent_xy"]) == len(state["agent_kind"]) == np.count_nonzero(state["occupancy"])
        x, y = state["agent_xy"].T
        assert np.all(state["occupancy"][x, y] > 0)


def test_overview_is_a_png_that_says_how_it_was_made(two_runs):
    assert (two_runs[0] / "overview.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(two_runs[0] / "overview.png") as picture:
        text = dict(picture.text)
    manifest = json.loads((two_runs[0] / "manifest.json").read_text())
    assert text["Source"] == f"git {manifest['git_commit']}"
    assert text["Software"].startswith("niche_abm ")
    made_by = json.loads(text["Comment"])
    assert "run" in made_by["command"] and made_by["versions"] == manifest["versions"]
    run = json.loads(text["Description"])
    assert run == {key: manifest[key] for key in ("scenario", "seed", "days", "drugs", "parameters")}


def test_the_same_command_twice_gives_bit_identical_outputs(two_runs):
    first, second = two_runs
    pd.testing.assert_frame_equal(
        pd.read_parquet(first / "timeseries.parquet"), pd.read_parquet(second / "timeseries.parquet"), check_exact=True
    )
    with np.load(first / "final_state.npz") as a, np.load(second / "final_state.npz") as b:
        assert set(a) == set(b)
        for key in a:
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_the_run_command_reads_its_scenario_file_once(tmp_path, monkeypatch):
    reads = []
    real_resolve = niche_abm.scenario.resolve
    monkeypatch.setattr(niche_abm.scenario, "resolve", lambda name: reads.append(name) or real_resolve(name))
    args = [*SMALL_RUN[:2], "--days", "1", *SMALL_RUN[4:], "--out", str(tmp_path / "run"), "--quiet"]
    assert main(args) == 0
    assert reads == ["healthy"]
    assert json.loads((tmp_path / "run" / "manifest.json").read_text())["parameters"]["grid.width"] == 60


# --- the main job -------------------------------------------------------------------------------


def test_a_main_job_run_hands_back_the_bone_and_cells_it_wrote(tmp_path):
    description = RunDescription("healthy", {"grid.width": 40, "grid.height": 40}, days=1)
    pictures, series = simulate_main_run(MainRun(0, description, tmp_path / "healthy"))
    assert len(series) == 2
    with np.load(tmp_path / "healthy" / "final_state.npz") as state:
        assert set(pictures) == {"bone", "bone_start", "occupancy"}
        for key, picture in pictures.items():
            np.testing.assert_array_equal(picture, state[key], err_msg=key)


def test_the_main_job_draws_its_comparison_without_reading_its_runs_back(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(run_command, "MAIN_DAYS", 1)
    monkeypatch.setattr(np, "load", lambda *_args, **_kwargs: pytest.fail("the main job read a file back"))
    assert main([]) == 0
    assert (tmp_path / "results" / "comparison.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for name in run_command.MAIN_SCENARIOS:
        assert json.loads((tmp_path / "results" / name / "manifest.json").read_text())["days"] == 1


# --- the other commands -----------------------------------------------------------------------


def test_list_prints_every_scenario_with_its_description():
    result = run_cli("list")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    files = sorted(SCENARIO_DIR.glob("*.toml"))
    assert len(lines) == len(files)
    for line, path in zip(lines, files, strict=True):
        description = tomllib.loads(path.read_text(encoding="utf-8"))["description"]
        assert line.split(maxsplit=1) == [path.stem, description]


def test_params_prints_every_parameter_with_its_value_and_unit():
    result = run_cli("params")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 1 + len(TABLE)
    for p, line in zip(TABLE, lines[1:], strict=True):
        assert line.split()[0] == p.name
        value = repr(p.default) if isinstance(p.default, str) else f"{p.default:g}"
        assert value in line and p.unit in line


def test_params_markdown_is_a_table_row_per_parameter():
    result = run_cli("params", "--markdown")
    assert result.returncode == 0
    assert result.stdout.startswith("# Parameters")
    rows = [line for line in result.stdout.splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == [p.name for p in TABLE]


def test_rules_prints_one_line_per_rule():
    result = run_cli("rules")
    assert result.returncode == 0
    lines = result.stdout.strip().splitlines()
    assert len(lines) == len(RULES)
    for i, (line, rule) in enumerate(zip(lines, RULES, strict=True), start=1):
        assert line.strip().startswith(f"{i}. In {rule.cell}, ")


# --- bad input --------------------------------------------------------------------------------

BAD_TOML = 'description = "broken"\n[mm\ninitial_count = 5\n'
UNKNOWN_KEY_TOML = 'description = "misspelt"\n[mm]\ninitial_cont = 5\n'

BAD_INPUT = {
    "unknown parameter": (
        [*SMALL_RUN, "--set", "mm.intial_count=5"],
        ["mm.intial_count", "unknown parameter", "did you mean 'mm.initial_count'"],
    ),
    "text for a number": (
        [*SMALL_RUN, "--set", "mm.initial_count=abc"],
        ["mm.initial_count", "'abc'", "integer in [0, 1e+06]"],
    ),
    "out of range": ([*SMALL_RUN, "--set", "bone.bv_tv=0.9"], ["bone.bv_tv", "0.9", "[0.05, 0.6]"]),
    "negative days": (["run", "healthy", "--days", "-3"], ["--days", "-3", "[1, 3650]"]),
    "malformed TOML": (["run", "{in}/bad.toml"], ["bad.toml", "not a valid TOML file"]),
    "unknown key in a scenario file": (
        ["run", "{in}/unknown_key.toml"],
        ["mm.initial_cont", "did you mean 'mm.initial_count'", "unknown_key.toml"],
    ),
    "grid not tiled by the voxels": (
        ["run", "healthy", "--days", "2", "--set", "grid.width=201"],
        ["grid.width", "201", "multiple of 2"],
    ),
    "more MM cells than the grid holds": (
        [*SMALL_RUN, "--set", "mm.initial_count=100000"],
        ["mm.initial_count", "100000", "marrow sites are free"],
    ),
    "no scenario name": (["run"], ["scenario", "required"]),
    "unknown scenario name": (["run", "no_such_scenario"], ["no_such_scenario", "known: healthy"]),
    "missing bone mask": (
        [*SMALL_RUN, "--set", "bone.mask_file={in}/missing.npy"],
        ["bone.mask_file", "missing.npy", "does not exist"],
    ),
}


@pytest.mark.parametrize(("args", "expected"), list(BAD_INPUT.values()), ids=list(BAD_INPUT))
def test_bad_input_exits_2_with_one_clear_line_and_writes_nothing(tmp_path, args, expected, command_here):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "bad.toml").write_text(BAD_TOML)
    (inputs / "unknown_key.toml").write_text(UNKNOWN_KEY_TOML)
    out = tmp_path / "out"
    result = command_here(*[arg.replace("{in}", str(inputs)) for arg in args], "--out", str(out))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    message = result.stderr.strip()
    assert message and "\n" not in message, result.stderr
    for part in expected:
        assert part in message
    assert not out.exists()
    assert sorted(os.listdir(tmp_path)) == ["in"]
    assert sorted(os.listdir(inputs)) == ["bad.toml", "unknown_key.toml"]


# --- atomic writes ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_run():
    model = NicheModel(load_scenario("healthy", {"grid.width": 40, "grid.height": 40}), seed=1)
    series = model.run(days=1)
    return model, series, niche_abm.io.manifest(model, "healthy", 1, 1, 0.0)


def _fail(*_args, **_kwargs):
    raise OSError("disk full")


@pytest.mark.parametrize("broken", ["overview figure", "final state"], ids=["figure fails", "npz fails"])
def test_a_write_that_fails_midway_leaves_no_output_folder_and_no_staging(tmp_path, monkeypatch, small_run, broken):
    if broken == "overview figure":
        monkeypatch.setattr(niche_abm.plots, "overview_figure", _fail)
    else:
        monkeypatch.setattr(niche_abm.io.np, "savez_compressed", _fail)
    out = tmp_path / "out"
    with pytest.raises(OSError, match="disk full"):
        niche_abm.io.write_run(out, *small_run)
    assert not out.exists()
    assert os.listdir(tmp_path) == []


def test_a_move_that_fails_midway_leaves_no_manifest_even_over_an_older_run(tmp_path, monkeypatch, small_run):
    out = tmp_path / "out"
    niche_abm.io.write_run(out, *small_run)
    assert (out / "manifest.json").exists()
    real_replace = os.replace

    def replace_until_the_npz(src, dst):
        if str(dst).endswith("final_state.npz"):
            raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(niche_abm.io.os, "replace", replace_until_the_npz)
    with pytest.raises(OSError, match="disk full"):
        niche_abm.io.write_run(out, *small_run)
    assert not (out / "manifest.json").exists()
    assert os.listdir(tmp_path) == ["out"], "no staging folder is left behind"


def test_a_successful_write_replaces_an_older_run(tmp_path, small_run):
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text("{}")
    niche_abm.io.write_run(out, *small_run)
    assert json.loads((out / "manifest.json").read_text())["scenario"] == "healthy"
    assert sorted(os.listdir(out)) == sorted(niche_abm.io.OUTPUT_FILES)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_an_interrupted_run_exits_130_with_one_line_and_writes_nothing(tmp_path, stop):
    """Ctrl-C, or a batch system's SIGTERM, while a run steps: one line, status 130, no output folder or staging."""
    command = [sys.executable, str(REPO_ROOT / "run.py"), "run", "healthy", "--days", "3650", "--out", "out"]
    command += ["--set", "grid.width=100", "--set", "grid.height=100"]
    process = subprocess.Popen(command, cwd=tmp_path, stderr=subprocess.PIPE)
    seen = b""
    while b"day" not in seen:  # the progress bar: the run is stepping
        chunk = process.stderr.read1(256)
        assert chunk, f"the run ended before it was interrupted: {seen!r}"
        seen += chunk
    process.send_signal(stop)
    err = (seen + process.stderr.read()).decode()
    assert process.wait(timeout=60) == 130
    assert "Traceback" not in err
    assert err.rstrip().endswith("run.py: interrupted")
    assert os.listdir(tmp_path) == [], "no output folder and no staging folder"
