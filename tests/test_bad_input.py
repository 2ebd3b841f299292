"""Bad input, tried as a careless user and as an attacker would: every case ends in exit status 2 and one line
naming the field and what is allowed, with no traceback, nothing written and nothing overwritten.

Each case runs the command line (``python run.py ...``; its entry point in this process, and a sample of cases in a
process of their own) from a scratch folder that holds a finished run
(``finished_run/``), a finished sweep (``finished_sweep/``) and its sweep file (``tiny.toml``), the careless
sweep files of SWEEPS, a plain file (``a_file``) and two damaged sweep manifests; the folder's files (names,
sizes and modification times) must be the same afterwards.
"""

from __future__ import annotations

import json
import os
import pickle
import select
import shlex
import shutil
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO_ROOT

from niche_abm import io
from niche_abm.model import NicheModel
from niche_abm.params import ParameterError
from niche_abm.scenario import load_scenario

SMALL_GRID = "--set grid.width=40 --set grid.height=40"
SMALL_RUN = f"run healthy --days 1 {SMALL_GRID} --quiet"
TINY_SWEEP = """
description = "one short run"
scenario = "healthy"
days = 1
[set]
"grid.width" = 40
"grid.height" = 40
"""
SWEEPS = {
    "odd_width.toml": TINY_SWEEP.replace('"grid.width" = 40\n', "") + '[vary]\n"grid.width" = [100, 101]\n',
    "sampled_width.toml": TINY_SWEEP.replace('"grid.width" = 40\n', "")
    + '[design]\nkind = "lhs"\nsamples = 4\n[vary]\n"grid.width" = { low = 100, high = 140 }\n',
    "ten_million.toml": TINY_SWEEP
    + "[vary]\n"
    + "".join(
        f'"{name}" = [{", ".join(f"{low * (1 + i / 10):g}" for i in range(10))}]\n'
        for name, low in (
            ("stroma.contact_rankl_fold", 1.0),
            ("mm.adhesion_rate", 0.1),
            ("mm.ccl3_secretion", 100),
            ("ocp.recruitment_rate", 0.01),
            ("oc.lifespan_h", 100),
            ("mm.division_rate_adherent", 0.001),
            ("ob.formation_rate", 0.001),
        )
    ),
    "crowded.toml": TINY_SWEEP + '"mm.initial_count" = 20000\n',
    "crowded_point.toml": TINY_SWEEP + '[vary]\n"mm.initial_count" = [10, 20000]\n',
    "odd_set_width.toml": TINY_SWEEP.replace('"grid.width" = 40', '"grid.width" = 41'),
    "crowded_arm.toml": TINY_SWEEP + '[arms]\ncontrol = []\ncrowded = { set = { "mm.initial_count" = 20000 } }\n',
    "arm_grid.toml": TINY_SWEEP + '[arms]\ncontrol = []\nwide = { set = { "grid.width" = 80 } }\n',
    "range_with_step.toml": TINY_SWEEP.replace('"grid.width" = 40\n', "")
    + '"grid.width" = 40\n[design]\nkind = "lhs"\nsamples = 4\n[vary]\n'
    + '"stroma.contact_rankl_fold" = { low = 1.0, high = 2.0, step = 0.5 }\n',
}
"""Sweep files a careless user might write: an odd grid width (the voxels are 2 sites), a sampled width, a grid of
10^7 points (7 parameters x 10 values), more MM cells than the marrow holds (fixed, or at one point), an odd width
in [set], and a range with a key ranges do not have."""
NEGATIVE_DOSE_SCENARIO = 'description = "a scenario with a negative dose"\ndays = 5\ndrugs = ["denosumab=-5mg"]\n'
TWICE_SCENARIO = 'description = "a width given twice"\ndays = 1\n"grid.width" = 40\n[grid]\nwidth = 80\nheight = 40\n'
TWICE_SWEEP = TINY_SWEEP + "grid = { width = 80 }\n"
"""A parameter given twice in one file: quoted with its dot and again in its table (TOML reads two keys)."""
UNWRITABLE = "/sys/niche_abm_out" if os.geteuid() == 0 else "{scratch}/locked/out"
"""A folder nobody may create: root writes anywhere but in /sys; anyone else is kept out of a read-only folder."""


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


@pytest.fixture(scope="module")
def materials(tmp_path_factory) -> Path:
    """A folder with a finished run, a finished sweep, its sweep file, the sweeps of SWEEPS and a plain file."""
    folder = tmp_path_factory.mktemp("materials")
    (folder / "tiny.toml").write_text(TINY_SWEEP, encoding="utf-8")
    for name, text in SWEEPS.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "a_file").write_text("not a folder\n", encoding="utf-8")
    (folder / "negative_dose.toml").write_text(NEGATIVE_DOSE_SCENARIO, encoding="utf-8")
    (folder / "twice.toml").write_text(TWICE_SCENARIO, encoding="utf-8")
    (folder / "twice_sweep.toml").write_text(TWICE_SWEEP, encoding="utf-8")
    np.save(folder / "all_bone.npy", np.ones((40, 40)))
    (folder / "empty.npy").write_bytes(b"")
    np.savez(folder / "archive.npz", bone=np.full((40, 40), 0.2))
    (folder / "archive.npz").rename(folder / "archive.npy")
    np.save(folder / "records.npy", np.zeros((40, 40), dtype=[("a", "<f4"), ("b", "<f4")]))
    np.save(folder / "complex.npy", np.full((40, 40), 0.2 + 0.1j))
    for command in (f"{SMALL_RUN} --out finished_run", "sweep tiny.toml --out finished_sweep --workers 1 --quiet"):
        result = run_cli(*shlex.split(command), cwd=folder)
        assert result.returncode == 0, result.stderr
    shutil.copytree(folder / "finished_sweep", folder / "damaged_design")
    design = folder / "damaged_design" / "design.parquet"
    design.write_bytes(design.read_bytes()[:100])
    return folder


@pytest.fixture
def scratch(materials, tmp_path) -> Path:
    """A copy of the materials to run a case in; a read-only locked/ folder when not root."""
    shutil.copytree(materials, tmp_path, dirs_exist_ok=True)
    if os.geteuid() != 0:
        (tmp_path / "locked").mkdir(mode=0o555)
    return tmp_path


def files_in(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder below folder: relative path -> (size, modification time in ns)."""
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(folder.rglob("*"))}


@dataclass(frozen=True)
class Case:
    """A command line (split as a shell would) and what its one-line error must contain."""

    command: str
    expected: tuple[str, ...]


CASES = {
    # --- --out, checked before the first step --------------------------------------------------------------------
    "run into an existing file": Case(f"{SMALL_RUN} --out a_file", ("--out", "a_file", "is a file")),
    "run into a folder nobody may write": Case(f"{SMALL_RUN} --out {UNWRITABLE}", ("--out", "cannot write in")),
    "run over a finished run": Case(
        f"{SMALL_RUN} --out finished_run", ("--out", "already holds a run", "add --overwrite")
    ),
    "run into a sweep, even with --overwrite": Case(
        f"{SMALL_RUN} --out finished_sweep --overwrite", ("--out", "holds a sweep", "never written into")
    ),
    "resume a sweep in a run's folder": Case(
        "sweep tiny.toml --resume --out finished_run", ("--resume", "holds a run, not a sweep")
    ),
    "start a sweep in a run's folder": Case("sweep tiny.toml --out finished_run", ("--out", "holds a run")),
    "co-culture into a sweep, even with --overwrite": Case(
        "coculture --seeds 1 --out finished_sweep --overwrite", ("--out", "holds a sweep", "never written into")
    ),
    "resume a demo in a sweep's folder": Case(
        "demo healthy --resume --out finished_sweep", ("--resume", "holds a sweep, not a demo")
    ),
    # --- engines, asked for before any work -----------------------------------------------------------------------
    "a validation on a malformed Dask scheduler address": Case(
        "validate --only T1 --scheduler bogus://nowhere --out v", ("--scheduler", "bogus")
    ),
    "a demo with no workers": Case("demo healthy --workers 0 --out d", ("--workers", "got 0", "[1, 1024]")),
    # --- work that cannot fit, refused before anything is allocated ------------------------------------------------
    "the largest grid": Case(
        "run mm_niche --set grid.width=2000 --set grid.height=2000 --out big",
        ("2,000 x 2,000 sites for 90 days", "needs an estimated", "GB", "--max-memory-gb", "--max-hours"),
    ),
    "a sweep of ten million points": Case(
        "sweep ten_million.toml --out huge",
        ("ten_million.toml", "10,000,000 runs", "needs an estimated", "--max-memory-gb", "--max-hours"),
    ),
    "a dose-response on the largest grid": Case(
        "dose-response denosumab --doses 0,120mg --set grid.width=2000 --set grid.height=2000 --out dr",
        ("2,000 x 2,000 sites", "needs an estimated", "--max-memory-gb"),
    ),
    # --- a sweep's values checked against the model's constraints up front ----------------------------------------
    "a sweep varying the grid width over 100 and 101": Case(
        "sweep odd_width.toml --out odd", ("odd_width.toml: vary.grid.width", "101", "multiple of 2")
    ),
    "a sweep sampling the grid width": Case(
        "sweep sampled_width.toml --out sampled", ("sampled_width.toml: vary.grid.width", "multiple of 2", "point")
    ),
    # --- doses ----------------------------------------------------------------------------------------------------
    "a dosing interval that accumulates beyond the allowed exposure": Case(
        f"{SMALL_RUN} --drug denosumab=120mg/1h --out dosed",
        ("--drug denosumab=120mg/1h", "every 1 h reaches", "absurd", "allowed up to 7 µM"),
    ),
    "a drug without an effect it does not have": Case(
        f"{SMALL_RUN} --drug lenalidomide~free_rankl=10uM --out dosed",
        ("--drug lenalidomide~free_rankl=10uM", "no effect on 'free_rankl'", "its targets: mm_cd49d"),
    ),
    "a drug without every effect it has": Case(
        f"{SMALL_RUN} --drug denosumab~free_rankl=1uM --out dosed", ("leaves out every effect of denosumab",)
    ),
    "a dissection with no dose": Case(
        f"dissect lenalidomide --dose 0 --days 1 --seeds 1 {SMALL_GRID} --out dx", ("--dose", "got 0")
    ),
    "a dissection whose actions share a target": Case(
        f"dissect lenalidomide --dose 10uM --actions a=mm_cd49d,b=mm_cd49d+mm_itga8 {SMALL_GRID} --out dx",
        ("--actions", "mm_cd49d is in two actions"),
    ),
    "a dissection with an unreadable action": Case(
        f"dissect lenalidomide --dose 10uM --actions mm_cd49d {SMALL_GRID} --out dx",
        ("--actions", "got 'mm_cd49d'", "NAME=TARGET"),
    ),
    "a cycle cutting an arrow it does not have": Case(
        f"cycle --arrows ccl3,il6 --days 1 --seeds 1 {SMALL_GRID} --out cx",
        ("--arrows", "unknown arrow 'il6'", "stromal_il6"),
    ),
    "a cycle under a drug given after it ends": Case(
        f"cycle --drug zoledronic-acid@day5 --days 2 --seeds 1 {SMALL_GRID} --out cx",
        ("--drug zoledronic-acid", "after the run ends on day 2"),
    ),
    "a cycle in a marrow without MM": Case(
        f"cycle --scenario healthy --days 1 --seeds 1 {SMALL_GRID} --out cx", ("--scenario", "healthy seeds no MM")
    ),
    "a vanishing dose": Case(
        f"{SMALL_RUN} --drug lenalidomide=1e-300uM --out dosed",
        ("--drug lenalidomide=1e-300uM", "less than one molecule", "give at least"),
    ),
    "an accented drug name": Case(
        f"{SMALL_RUN} --drug dénosumab=120mg/4w --out dosed", ("unknown drug 'dénosumab'", "did you mean 'denosumab'")
    ),
    "a mistyped drug name": Case(
        f"{SMALL_RUN} --drug lenalidomde --out dosed", ("unknown drug 'lenalidomde'", "did you mean 'lenalidomide'")
    ),
    # --- a sweep's points built before any run: what only a built model can check ------------------------------
    "a sweep with more MM cells than the marrow holds": Case(
        "sweep crowded.toml --out crowded", ("crowded.toml: set.mm.initial_count", "marrow sites are free")
    ),
    "a sweep with one point holding more MM cells than the marrow": Case(
        "sweep crowded_point.toml --out crowded",
        ("crowded_point.toml: vary.mm.initial_count", "marrow sites are free", "at point 1"),
    ),
    "a sweep with an arm holding more MM cells than the marrow": Case(
        "sweep crowded_arm.toml --out crowded",
        ("crowded_arm.toml: arms.crowded.set.mm.initial_count", "marrow sites are free"),
    ),
    "a sweep with an arm on its own grid": Case(
        "sweep arm_grid.toml --out wide", ("arm_grid.toml: arms.wide.set.grid.width", "same grid")
    ),
    "a sweep whose [set] breaks the voxel rule": Case(
        "sweep odd_set_width.toml --out odd", ("grid.width", "41", "multiple of 2", "in odd_set_width.toml [set]")
    ),
    "a range with a key ranges do not have": Case(
        "sweep range_with_step.toml --out step",
        ("range_with_step.toml: vary.stroma.contact_rankl_fold.step", "unknown key of a range"),
    ),
    # --- names, files and options ---------------------------------------------------------------------------------
    "a folder given as a sweep file": Case("sweep finished_run --out s", ("sweep", "finished_run", "is a folder")),
    "a folder given as a scenario": Case(
        "run finished_sweep --days 1 --out r", ("scenario", "finished_sweep", "is a folder")
    ),
    "an override with no key": Case(f"{SMALL_RUN} --set =5 --out r", ("--set", "got '=5'", "KEY=VALUE")),
    "a scenario file with a negative dose": Case(
        "run negative_dose.toml --days 1 --out r", ("negative_dose.toml: drugs", "denosumab=-5mg", "positive")
    ),
    "a bone section that is all bone": Case(
        f"{SMALL_RUN} --set bone.mask_file={{scratch}}/all_bone.npy --out r",
        ("bone.mask_file", "100.0% bone", "5-60%", "bone.bv_tv"),
    ),
    **{
        f"a bone section that is {what}": Case(
            f"{SMALL_RUN} --set bone.mask_file={{scratch}}/{name} --out r",
            ("bone.mask_file", name, "not an NPY array of real numbers", "0..1"),
        )
        for what, name in (
            ("an empty file", "empty.npy"),
            ("an .npz archive named .npy", "archive.npy"),
            ("an array of records", "records.npy"),
            ("an array of complex numbers", "complex.npy"),
        )
    },
    "a scenario giving a parameter twice": Case(
        "run twice.toml --out r", ("twice.toml: grid.width", "given twice", "give it once")
    ),
    "a sweep giving a parameter twice": Case(
        "sweep twice_sweep.toml --out t", ("twice_sweep.toml: set.grid.width", "given twice")
    ),
    "a dose-response with one dose twice": Case(
        f"dose-response denosumab --doses 0,60mg,60mg --days 1 --seeds 1 {SMALL_GRID} --out dr",
        ("--doses", "'60mg' is given twice"),
    ),
    "a dose-response with an empty dose": Case(
        f"dose-response denosumab --doses 0,,60mg --days 1 --seeds 1 {SMALL_GRID} --out dr",
        ("--doses", "empty item", "0,1uM,10uM"),
    ),
    "a dose-response with no drug twice": Case(
        f"dose-response denosumab --doses 0,0.0,60mg --days 1 --seeds 1 {SMALL_GRID} --out dr",
        ("--doses", "no drug is given twice"),
    ),
    "a cycle with an arrow twice": Case(
        f"cycle --arrows ccl3,ccl3 --days 1 --seeds 1 {SMALL_GRID} --out cx", ("--arrows", "'ccl3' is given twice")
    ),
    "a dissection's dose in an unknown unit": Case(
        f"dissect lenalidomide --dose 10xyz --days 1 --seeds 1 {SMALL_GRID} --out ds",
        ("--dose 10xyz", "unknown unit 'xyz'"),
    ),
    "an infinite dose": Case(
        f"{SMALL_RUN} --drug lenalidomide=1e400uM --out dosed", ("--drug lenalidomide=1e400uM", "not a finite amount")
    ),
    "resume and overwrite at once": Case(
        "demo healthy --resume --overwrite --out finished_run", ("--resume", "--overwrite would replace it", "give one")
    ),
    "a Dask scheduler with the local engine": Case(
        f"dose-response denosumab --doses 0,60mg --days 1 --seeds 1 {SMALL_GRID} --engine local "
        "--scheduler tcp://127.0.0.1:1 --out dr",
        ("--scheduler", "leave out --engine local"),
    ),
    "summarize a sweep whose design is damaged": Case(
        "summarize damaged_design", ("folder", "design.parquet is damaged", "--resume")
    ),
    "a validation of no target": Case("validate --only '' --out v", ("--only", "got no target id", "T1, T2")),
    "a dose-response starting on no day": Case(
        f"dose-response denosumab --doses 0,3mg --days 1 --seeds 1 --start-day nan {SMALL_GRID} --out dr",
        ("--start-day", "got nan", "[0, 1)"),
    ),
    "the app on an address this machine does not have": Case(
        "app --host 999.1.1.1 --port 0", ("--host", "999.1.1.1", "this machine")
    ),
    "days that are not a whole number": Case(f"{SMALL_RUN} --days 1.5 --out r", ("--days", "got '1.5'", "[1, 3650]")),
    "a seed that is a word": Case(f"{SMALL_RUN} --seed abc --out r", ("--seed", "got 'abc'", "[0, 2^63)")),
    "workers that are a word": Case("demo healthy --workers two --out d", ("--workers", "got 'two'", "[1, 1024]")),
    "a memory limit that is a word": Case(
        f"{SMALL_RUN} --max-memory-gb lots --out r", ("--max-memory-gb", "got 'lots'", "positive number")
    ),
    # --- summaries of what is not a sweep ------------------------------------------------------------------------
    "summarize a manifest of random bytes": Case(
        "summarize random_bytes", ("folder", "manifest.json", "is not a sweep's manifest")
    ),
    "summarize a manifest whose sweep is a number": Case(
        "summarize sweep_is_5", ("folder", "manifest.json", "does not describe a sweep")
    ),
    "summarize a single run's folder": Case("summarize finished_run", ("folder", "holds a run, not a sweep")),
    # --- errors raised where the work is done --------------------------------------------------------------------
    "a dose-response whose model cannot be built": Case(
        f"dose-response denosumab --doses 0,120mg --days 1 --seeds 1 --workers 1 {SMALL_GRID} "
        "--set mm.initial_count=100000 --out dr",
        ("mm.initial_count", "100000", "marrow sites are free"),
    ),
}


IN_THEIR_OWN_PROCESS = (
    "run into an existing file",
    "workers that are a word",
    "a bone section that is all bone",
    "a dose-response whose model cannot be built",
)
"""Cases also run as ``python run.py ...`` in a process of their own, for the exit status and stderr of the real
command: one refused by --out, one by an option's own check, one by an impossible bone file and one raised inside a
worker process. Every case runs in this process too (conftest's command_here)."""


def check_refused(case: Case, result: subprocess.CompletedProcess) -> None:
    """Exit status 2 and one line on stderr holding each expected part, with no traceback."""
    message = result.stderr.strip()
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert message.count("\n") == 0, message
    for part in case.expected:
        assert part in message, f"{part!r} not in {message!r}"


def add_damaged_manifests(scratch: Path) -> None:
    """Two folders whose manifest.json is not a sweep's: random bytes, and a JSON whose sweep is a number."""
    for name, manifest in (("random_bytes", bytes(range(256))[::-7]), ("sweep_is_5", b'{"sweep": 5}')):
        (scratch / name).mkdir()
        (scratch / name / "manifest.json").write_bytes(manifest)


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_bad_input_exits_2_with_one_line_naming_the_field_and_changes_no_file(scratch, case, command_here):
    add_damaged_manifests(scratch)
    before = files_in(scratch)
    check_refused(case, command_here(*shlex.split(case.command.format(scratch=scratch)), cwd=scratch))
    assert files_in(scratch) == before


@pytest.mark.parametrize("name", IN_THEIR_OWN_PROCESS)
def test_the_command_itself_exits_2_with_one_line_and_changes_no_file(scratch, name):
    add_damaged_manifests(scratch)
    before = files_in(scratch)
    check_refused(CASES[name], run_cli(*shlex.split(CASES[name].command.format(scratch=scratch)), cwd=scratch))
    assert files_in(scratch) == before


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


# --- what a careful user may do -------------------------------------------------------------------------------


def test_overwrite_replaces_a_finished_run(scratch):
    before = (scratch / "finished_run" / "manifest.json").read_text(encoding="utf-8")
    result = run_cli(*shlex.split(f"{SMALL_RUN} --seed 2 --out finished_run --overwrite"), cwd=scratch)
    assert result.returncode == 0, result.stderr
    after = (scratch / "finished_run" / "manifest.json").read_text(encoding="utf-8")
    assert '"seed": 1' in before and '"seed": 2' in after


def test_a_staging_folder_left_by_a_killed_write_is_removed_by_the_next_run(scratch):
    leftover = scratch / ".fresh.partial-4194305-abc123"  # above Linux's largest process id: no such process
    leftover.mkdir()
    (leftover / "timeseries.parquet").write_bytes(b"half written")
    result = run_cli(*shlex.split(f"{SMALL_RUN} --out fresh"), cwd=scratch)
    assert result.returncode == 0, result.stderr
    assert not leftover.exists()
    assert not list(scratch.glob(".fresh.partial-*"))
    assert (scratch / "fresh" / "manifest.json").is_file()


def test_a_marrow_of_solid_bone_writes_its_undefined_metrics_as_null(tmp_path):
    """No bone surface and no marrow: shares of either are undefined, null in summary.json (which stays JSON). The
    command line refuses such a section (its BV/TV lies outside bone.bv_tv's range); a marrow can still lose all its
    bone or all its marrow during a run, and the Python API takes any bone."""
    model = NicheModel(load_scenario("healthy", {"grid.width": 40, "grid.height": 40}), seed=1, bone=np.ones((40, 40)))
    for _ in range(24):
        model.step()
    io.write_run(tmp_path / "solid", model, model.timeseries(), io.manifest(model, "healthy", 1, 1, 0.0))
    text = (tmp_path / "solid" / "summary.json").read_text(encoding="utf-8")
    summary = json.loads(text, parse_constant=lambda token: pytest.fail(f"{token} in summary.json"))
    assert summary["bv_tv"] == 100.0
    shares = ("es_bs", "os_bs", "oc_s_bs", "ob_s_bs", "n_oc_b_pm", "mm_fraction", "mm_near_oc", "microvessel_density")
    for metric in shares:
        assert summary[metric] is None, metric


def test_long_work_states_its_estimate_before_it_starts(tmp_path):
    """A 1,000 x 1,000 marrow for 90 days (minutes of work) says what it needs before building anything."""
    command = ["run", "mm_niche", "--set", "grid.width=1000", "--set", "grid.height=1000", "--out", "big"]
    process = subprocess.Popen(
        [sys.executable, str(REPO_ROOT / "run.py"), *command], cwd=tmp_path, stderr=subprocess.PIPE, text=True
    )
    try:
        ready, _, _ = select.select([process.stderr], [], [], 60)
        first = process.stderr.readline() if ready else ""
    finally:
        process.kill()
        process.wait()
    assert first.startswith("mm_niche on 1,000 x 1,000 sites for 90 days: about"), first
    assert "GB" in first and "min" in first
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("command", ["rules", "params", "drugs", "list"])
def test_a_listing_piped_into_a_reader_that_stops_early_ends_quietly(command, tmp_path):
    listing = subprocess.Popen(
        [sys.executable, str(REPO_ROOT / "run.py"), command],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    listing.stdout.close()  # the reader is gone before the first line, as `| head -0` or `| true`
    _, stderr = listing.communicate(timeout=120)
    assert stderr == b""
    assert listing.returncode == 141
