"""The validation harness and the dose-response command, end to end on their fastest settings."""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pandas as pd
import pytest

from niche_abm.params import build_parameters
from niche_abm.validation.common import area_scaled_counts, fmt
from niche_abm.validation.runner import (
    ORDER,
    READOUTS,
    check_declarations,
    print_table,
    report,
    run_manifest,
    status_label,
    target_modules,
)

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "run.py"), *args], cwd=cwd, capture_output=True, text=True, timeout=600
    )


CO_CULTURE_TARGETS = ("T1", "T2")
"""The fastest targets (co-culture, seconds each): what the engine and resume tests validate."""


def _entries(out: Path) -> dict[str, dict]:
    return {entry["id"]: entry for entry in json.loads((out / "validation.json").read_text())["targets"]}


@pytest.fixture(scope="module")
def local_validation(tmp_path_factory) -> Path:
    """`run.py validate --only T1 T2` on the local engine (two processes), keeping its runs in the runs/ folder beside
    it (--runs): its output folder."""
    out = tmp_path_factory.mktemp("local") / "validation"
    runs = out.parent / "runs"
    result = _run("validate", "--only", *CO_CULTURE_TARGETS, "--workers", "2", "--runs", str(runs), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "T1" in result.stdout and ("PASS" in result.stdout or "FAIL" in result.stdout)
    return out


def test_validate_runs_the_co_culture_targets_end_to_end_and_writes_json_and_report(local_validation):
    """T1 (co-culture contact vs transwell, Giuliani 2001) and T2 (IMiDs) through `run.py validate --only T1 T2`."""
    entries = _entries(local_validation)
    assert list(entries) == list(CO_CULTURE_TARGETS)
    for entry in entries.values():
        assert entry["status"] in ("PASS", "FAIL")
        for field in ("claim", "source", "measured", "published", "seeds", "replicates", "mechanism", "readout"):
            assert entry[field], field
    report = (local_validation / "validation_report.md").read_text()
    assert "T1" in report and "Giuliani" in report
    manifest = json.loads((local_validation / "validation.json").read_text())["manifest"]
    assert manifest["git_commit"] and manifest["versions"]["mesa"].startswith("3.3")
    assert manifest["default_parameters"]["opg.decay_per_h"] == build_parameters()["opg.decay_per_h"]
    assert f"Commit {manifest['git_commit']}" in report
    assert list((local_validation / "figures").glob("*.png"))
    for entry in entries.values():
        assert not Path(entry["figure"]).is_absolute(), "figures are named relative to the output folder"
        assert (local_validation / entry["figure"]).is_file()
    for entry in entries.values():
        runs, sets = entry["runs"], entry["parameter_sets"]
        assert len(runs) == len(entry["seeds"]) * 16, "every well of every arm on every seed, named with its set"
        assert {run["parameter_set"] for run in runs} == set(sets)
        assert all(run["scenario"] == "defaults" and run["days"] == 2 for run in runs)
        transwell = next(run for run in runs if run["overrides"].get("culture.transwell") == 1)
        assert sets[transwell["parameter_set"]]["culture.transwell"] == 1
        assert len(sets[runs[0]["parameter_set"]]) == len(build_parameters().as_dict()), "every parameter value"
    kept = {path.stem: json.loads(path.read_text()) for path in (local_validation / "targets").glob("*.json")}
    assert kept == entries, "every finished target is kept on its own, as validation.json holds it"
    assert not [p for p in local_validation.rglob(".*")], "no temporary file or run cache is left behind"


def test_validate_on_a_dask_cluster_on_loopback_measures_the_same(local_validation, tmp_path):
    """T1 simulated afresh on a local Dask cluster (no --runs): the same wells, the same measurement."""
    out = tmp_path / "validation"
    result = _run("validate", "--only", "T1", "--engine", "dask", "--workers", "2", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "MALLOC_" not in result.stderr, "the local cluster's workers start without Dask's malloc setting"
    on_dask, local = _entries(out), _entries(local_validation)
    assert on_dask["T1"]["measured"] == local["T1"]["measured"]
    assert on_dask["T1"]["details"] == local["T1"]["details"]


def test_validate_resume_evaluates_only_the_target_that_was_not_kept(local_validation, tmp_path):
    """An interrupted validation that kept T1 but not T2: --resume evaluates T2 alone (from the wells the module's
    validation kept in its --runs folder) and leaves T1's entry."""
    out = tmp_path / "validation"
    shutil.copytree(local_validation, out)
    for name in ("validation.json", "validation_report.md", "targets/T2.json"):
        (out / name).unlink()
    t1 = out / "targets" / "T1.json"
    written = t1.stat().st_mtime_ns
    runs = str(local_validation.parent / "runs")
    result = _run("validate", "--only", *CO_CULTURE_TARGETS, "--resume", "--runs", runs, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "kept from before: T1" in result.stdout
    assert "  T2: " in result.stdout and "  T1: " not in result.stdout, "only T2 was evaluated"
    assert t1.stat().st_mtime_ns == written
    assert (out / "targets" / "T2.json").is_file()
    assert _entries(out)["T1"] == _entries(local_validation)["T1"]
    assert _entries(out)["T2"]["measured"] == _entries(local_validation)["T2"]["measured"]


def test_validate_without_resume_refuses_a_started_validation(local_validation, tmp_path, command_here):
    out = tmp_path / "validation"
    (out / "targets").mkdir(parents=True)
    shutil.copy(local_validation / "targets" / "T1.json", out / "targets")
    result = command_here("validate", "--only", "T1", "--out", str(out))
    assert result.returncode == 2
    assert "--resume" in result.stderr and "Traceback" not in result.stderr


def test_validate_with_a_seed_offset_replicates_each_target_on_moved_seeds(local_validation, tmp_path):
    """--seed-offset 1000: T1's co-culture seeds 1-n become 1001-(1000 + n), recorded in its entry and the report."""
    out = tmp_path / "validation"
    result = _run(
        "validate", "--only", "T1", "--seed-offset", "1000", "--workers", "1", "--out", str(out),
        "--compare", str(local_validation),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    replicate, original = _entries(out)["T1"], _entries(local_validation)["T1"]
    n = len(original["seeds"])
    assert replicate["seeds"] == [seed + 1000 for seed in original["seeds"]] == list(range(1001, 1001 + n))
    assert replicate["seed_offset"] == 1000 and original["seed_offset"] == 0
    manifest = json.loads((out / "validation.json").read_text())["manifest"]
    assert replicate["git_commit"] == manifest["git_commit"], "each entry names the commit it ran at"
    assert replicate["measured"] != original["measured"], "other seeds, other wells"
    assert json.loads((out / "validation.json").read_text())["seed_offset"] == 1000
    assert "moved by 1000" in (out / "validation_report.md").read_text()
    comparison = (out / "replication.md").read_text()
    row = f"| T1 | direct | **{status_label(original)}** | 1-{n} | **{status_label(replicate)}** | 1001-{1000 + n} |"
    assert row in comparison
    assert "T2" in comparison and "not run" in comparison, "a target run only in the reference is named"
    assert replicate["measured"] in comparison and original["measured"] in comparison


def _checked_entry(target: str, status: str, checks: dict, seeds=(1, 2, 3)) -> dict:
    """An entry of a validation.json with its checks, as the replication reads it."""
    return {"id": target, "status": status, "readout": "emergent", "seeds": list(seeds), "measured": f"{target} m",
            "details": {"checks": checks}}  # fmt: skip


def test_a_replication_names_the_verdicts_that_flipped_and_the_checks_behind_them():
    from niche_abm.validation.replication import compare

    reference = {"seed_offset": 0, "targets": [
        _checked_entry("T5", "PASS", {"near/far ≥ 2x": True}),
        _checked_entry("T7", "PASS", {"down 40-90%": True, "down 20-60%": True}),
        _checked_entry("T18", "FAIL", {"not lower": False}),
    ]}  # fmt: skip
    replicate = {"seed_offset": 1000, "targets": [
        _checked_entry("T5", "PASS", {"near/far ≥ 2x": True}, (1001, 1002, 1003)),
        _checked_entry("T7", "FAIL", {"down 40-90%": False, "down 20-60%": True}, (1001, 1002, 1003)),
        _checked_entry("T18", "PASS", {"not lower": True}, (1001, 1002, 1003)),
    ]}  # fmt: skip
    text = compare(reference, replicate)
    assert "1 of the 3 targets run in both kept their verdict" in text
    assert "PASS in both: T5. PASS → FAIL: T7. FAIL → PASS: T18." in text
    assert "| T7 | emergent | **PASS** | 1-3 | **FAIL** | 1001-1003 | down 40-90%: yes → no |" in text
    assert "| T5 | emergent | **PASS** | 1-3 | **PASS** | 1001-1003 | - |" in text


def test_the_report_names_targets_kept_from_a_session_at_another_commit(tmp_path):
    from niche_abm.validation.runner import earlier_commits

    entries = [_entry("T1", "PASS", "direct") | {"git_commit": "abc"}, _entry("T2", "FAIL", "direct")]
    assert earlier_commits(entries, "abc") == ""
    assert earlier_commits(entries, "def") == " Targets kept from an earlier session ran at other commits: T1 at abc."
    assert "T1 at abc" in report(entries, tmp_path, 1.0, run_manifest() | {"git_commit": "def"})


def test_the_seed_blocks_table_counts_each_targets_passes_and_its_unstable_checks(tmp_path):
    from analysis.seed_blocks import draw, markdown

    blocks = [
        {"seed_offset": offset, "targets": [
            _checked_entry("T5", "PASS", {"near/far ≥ 2x": True}, range(1 + offset, 9 + offset)),
            _checked_entry("T7", status, {"down 40-90%": status == "PASS"}, range(1 + offset, 9 + offset)),
        ]}
        for offset, status in ((0, "PASS"), (1000, "FAIL"), (2000, "PASS"))
    ]  # fmt: skip
    table = markdown(blocks)
    assert "| T5 | emergent | PASS | PASS | PASS | 3 of 3 | - |" in table
    assert "| T7 | emergent | PASS | **FAIL** | PASS | 2 of 3 | down 40-90%: 2 of 3 |" in table
    assert "offset 1000: 1001-1008" in table
    assert draw(blocks, tmp_path / "blocks.png").stat().st_size > 0


@pytest.mark.parametrize(
    "content, says",
    [(None, "does not exist"), ("{not json", "not readable JSON"), ('{"targets": [{"id": "T1"}]}', "not a validation")],
)
def test_validate_refuses_a_compare_folder_that_is_not_a_validation_with_exit_status_2(
    content, says, tmp_path, command_here
):
    reference = tmp_path / "reference"
    if content is not None:
        reference.mkdir()
        (reference / "validation.json").write_text(content)
    result = command_here("validate", "--only", "T1", "--compare", str(reference), "--out", str(tmp_path / "v"))
    assert result.returncode == 2
    assert "--compare" in result.stderr and says in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "v").exists()


def test_validate_resume_refuses_another_seed_offset_than_the_folders(local_validation, tmp_path, command_here):
    out = tmp_path / "validation"
    shutil.copytree(local_validation, out)
    (out / "targets" / "T2.json").unlink()
    result = command_here(
        "validate", "--only", *CO_CULTURE_TARGETS, "--resume", "--seed-offset", "7", "--out", str(out)
    )
    assert result.returncode == 2
    assert "--seed-offset" in result.stderr and "offset 0" in result.stderr and "Traceback" not in result.stderr
    assert not (out / "targets" / "T2.json").exists(), "nothing was evaluated"


@pytest.mark.parametrize(
    "option, value, allowed",
    [("--seed-offset", "-1", "[0, 1000000]"), ("--seed-offset", "1000001", "[0, 1000000]"),
     ("--seed-offset", "ten", "[0, 1000000]"), ("--seed-scale", "0", "[1, 20]"), ("--seed-scale", "1.5", "[1, 20]")],
)  # fmt: skip
def test_validate_refuses_a_seed_plan_outside_its_range_with_exit_status_2(
    option, value, allowed, tmp_path, command_here
):
    result = command_here("validate", "--only", "T1", option, value, "--out", str(tmp_path / "v"))
    assert result.returncode == 2
    assert option in result.stderr and allowed in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "v").exists()


def test_validate_keeps_its_runs_in_the_runs_folder_and_a_second_validation_reuses_them(local_validation, tmp_path):
    """--runs: the co-culture wells of the module's validation (T1 and T2 share them) were simulated once, kept under
    the model's fingerprint, and a second validation reads them back."""
    from niche_abm.io import model_fingerprint

    runs = local_validation.parent / "runs"
    kept = sorted((runs / model_fingerprint()).glob("*.pkl"))
    assert len(kept) == len(_entries(local_validation)["T1"]["seeds"]), "one file of wells per seed"
    stamps = [path.stat().st_mtime_ns for path in kept]
    second = _run("validate", "--only", "T1", "--workers", "1", "--runs", str(runs), "--out", str(tmp_path / "b"))
    assert second.returncode == 0, second.stderr
    assert [path.stat().st_mtime_ns for path in kept] == stamps, "the second validation read the runs, wrote none"
    assert _entries(tmp_path / "b")["T1"]["measured"] == _entries(local_validation)["T1"]["measured"]


def _power(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analysis.seed_power", *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


def test_seed_power_reads_the_validations_runs_and_gives_the_same_shares_on_any_number_of_workers(
    local_validation, tmp_path
):
    """analysis/seed_power on T1's own seeds (10 resampled sets) from the runs the module's validation kept
    (--runs: the same folder and fingerprint), once on one worker and once on two: nothing simulated again, the
    same shares, and the report of a result written again without running anything."""
    from niche_abm.io import model_fingerprint
    from niche_abm.validation.common import COCULTURE_SEEDS

    runs = local_validation.parent / "runs"
    kept = {path: path.stat().st_mtime_ns for path in (runs / model_fingerprint()).glob("*.pkl")}
    one, two = tmp_path / "one", tmp_path / "two"
    options = ["--targets", "T1", "--pool-scale", "1", "--scales", "1", "--draws", "10", "--runs", str(runs)]
    first = _power(*options, "--workers", "1", "--out", str(one))
    assert first.returncode == 0, first.stderr
    result = json.loads((one / "seed_power.json").read_text())
    t1 = result["targets"]["T1"]
    assert t1["pool"] == list(COCULTURE_SEEDS) and list(t1["sizes"]) == [str(len(COCULTURE_SEEDS))]
    size = t1["sizes"][str(len(COCULTURE_SEEDS))]
    assert size["draws"] == 10 and 0 <= size["passes"] <= 10
    assert set(size["checks"]) == {"contact_at_least_2x", "transwell_within_20pct", "anti_cd49d_between"}
    assert result["manifest"]["git_commit"] and (one / "seed_power.png").is_file()
    assert f"| T1 | {len(COCULTURE_SEEDS)} |" in (one / "seed_power.md").read_text()
    assert len(list((one / "draws").glob("*.json"))) == 1, "finished draws are kept for a resumed run"
    second = _power(*options, "--workers", "2", "--out", str(two))
    assert second.returncode == 0, second.stderr
    assert json.loads((two / "seed_power.json").read_text())["targets"] == result["targets"]
    assert {path: path.stat().st_mtime_ns for path in (runs / model_fingerprint()).glob("*.pkl")} == kept
    again = _power("--report", str(one / "seed_power.json"), "--out", str(tmp_path / "report"))
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "report" / "seed_power.md").read_text() == (one / "seed_power.md").read_text()


def test_validate_refuses_a_runs_folder_that_is_a_file(tmp_path, command_here):
    (tmp_path / "runs").write_text("not a folder")
    result = command_here("validate", "--only", "T1", "--runs", str(tmp_path / "runs"), "--out", str(tmp_path / "v"))
    assert result.returncode == 2
    assert "--runs" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "v").exists()


def test_the_model_fingerprint_follows_the_model_files_not_the_targets(tmp_path):
    from niche_abm.io import model_fingerprint

    for name, text in (("niche_abm/model.py", "a"), ("niche_abm/validation/t01.py", "b"), ("scenarios/x.toml", "c")):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    first = model_fingerprint(tmp_path)
    (tmp_path / "niche_abm/validation/t01.py").write_text("a target's statistics changed")
    assert model_fingerprint(tmp_path) == first
    (tmp_path / "scenarios/x.toml").write_text("a scenario changed")
    assert model_fingerprint(tmp_path) != first


def test_a_seed_plan_moves_and_multiplies_a_targets_seeds():
    from niche_abm.validation.runner import SeedPlan

    assert SeedPlan().seeds((1, 2, 3)) == (1, 2, 3) and SeedPlan().describe() == ""
    assert SeedPlan(scale=2).seeds((1, 2, 3)) == (1, 2, 3, 4, 5, 6)
    assert SeedPlan(1000, 3).seeds(tuple(range(1, 9))) == tuple(range(1001, 1025))
    assert SeedPlan(0, 2).seeds((6, 7)) == (6, 7, 8, 9), "the added seeds follow the target's last"
    assert "moved by 1000" in SeedPlan(1000).describe() and "5 times as many" in SeedPlan(0, 5).describe()


def test_validate_refuses_an_unknown_target_with_exit_status_2(tmp_path):
    result = _run("validate", "--only", "T99", "--out", str(tmp_path / "v"))
    assert result.returncode == 2
    assert "T99" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "v").exists()


def test_dose_response_writes_runs_summary_and_figure_for_each_dose(tmp_path):
    out = tmp_path / "dr"
    result = _run(
        "dose-response", "denosumab", "--doses", "0,120mg", "--days", "3", "--seeds", "2", "--workers", "1",
        "--set", "grid.width=40", "--set", "grid.height=40", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    runs = pd.read_csv(out / "runs.csv")
    assert sorted(runs["dose"].astype(str).unique()) == ["0", "120mg"]
    assert len(runs) == 4
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary["dose"].astype(str)) == ["0", "120mg"]
    assert (summary["bv_tv_change_ci_low"] <= summary["bv_tv_change"]).all()
    assert (out / "dose_response.png").stat().st_size > 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["tables"] == ["runs.csv", "summary.csv"] and manifest["git_commit"] and manifest["versions"]
    assert manifest["runs"]["base_parameters"]["grid.width"] == 40, "the runs' own manifest, every parameter"


def test_a_dose_response_resumes_from_its_sweep_dataset_without_rerunning(tmp_path):
    out = tmp_path / "dr"
    arguments = (
        "dose-response", "denosumab", "--doses", "0,120mg", "--days", "2", "--seeds", "1", "--workers", "1",
        "--set", "grid.width=40", "--set", "grid.height=40", "--out", str(out),
    )  # fmt: skip
    assert _run(*arguments).returncode == 0
    first = pd.read_csv(out / "summary.csv")
    stored = sorted((out / "runs" / "timeseries").rglob("*.parquet"))
    mtimes = [path.stat().st_mtime_ns for path in stored]
    resumed = _run(*arguments, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert [path.stat().st_mtime_ns for path in stored] == mtimes, "no run was computed again"
    pd.testing.assert_frame_equal(pd.read_csv(out / "summary.csv"), first)


def test_dose_response_refuses_a_negative_dose_before_running(tmp_path, command_here):
    result = command_here(
        "dose-response", "lenalidomide", "--doses", "0,-1uM", "--days", "3", "--out", str(tmp_path / "d")
    )
    assert result.returncode == 2
    assert "positive" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "d").exists()


# --- what each target declares, and how the report shows it ----------------------------------
def _entry(target: str, status: str, readout: str) -> dict:
    """A fabricated runner entry, as run_target writes it."""
    return {
        "id": target,
        "status": status,
        "readout": readout,
        "readout_note": "",
        "mechanism": "a rule chain",
        "claim": "a claim",
        "source": "a source",
        "published": "a published value",
        "tolerance": "a tolerance",
        "measured": "a measured value",
        "seeds": [1],
        "replicates": 1,
        "details": {},
        "figure": None,
    }


def test_every_target_declares_a_mechanism_and_an_allowed_readout():
    modules = target_modules()
    assert {"T12", "T13", "T14", "T15", "T16", "T17"} <= set(modules)
    for target, name in modules.items():
        module = importlib.import_module(name)
        assert isinstance(module.MECHANISM, str) and len(module.MECHANISM) > 20, target
        assert module.READOUT in READOUTS, f"{target}: READOUT {module.READOUT!r}"
        assert isinstance(getattr(module, "READOUT_NOTE", ""), str), target


def test_every_target_has_a_place_in_the_submission_order():
    assert set(target_modules()) <= set(ORDER)
    assert len(ORDER) == len(set(ORDER))


def test_the_runner_refuses_a_target_whose_readout_is_not_allowed():
    module = types.ModuleType("t99_fake")
    for name in ("ID", "CLAIM", "SOURCE", "PUBLISHED", "TOLERANCE", "MECHANISM"):
        setattr(module, name, "x")
    module.SEEDS = (1,)
    module.READOUT = "tuned"
    with pytest.raises(ValueError, match=r"READOUT = 'tuned'.*emergent"):
        check_declarations(module)
    del module.READOUT
    with pytest.raises(ValueError, match="missing READOUT"):
        check_declarations(module)


def test_the_report_shows_the_readout_of_every_target(tmp_path):
    entries = [_entry("T1", "PASS", "direct"), _entry("T5", "FAIL", "emergent"), _entry("T7", "PASS", "calibrated")]
    text = report(entries, tmp_path, 1.0, run_manifest())
    assert "| target | status | readout | measured | published |" in text
    rows = {line.split("|")[1].strip(): line for line in text.splitlines() if line.startswith("| T")}
    assert [cell.strip() for cell in rows["T5"].split("|")[2:4]] == ["**FAIL**", "emergent"]
    assert "**Readout.** emergent" in text


def test_the_report_labels_a_pass_of_a_direct_or_calibrated_readout(tmp_path):
    entries = [
        _entry("T2", "PASS", "direct"),
        _entry("T7", "PASS", "calibrated"),
        _entry("T11", "PASS", "emergent"),
        _entry("T10", "FAIL", "direct"),
    ]
    text = report(entries, tmp_path, 1.0, run_manifest())
    rows = {line.split("|")[1].strip(): line for line in text.splitlines() if "| T" in line}
    assert "**PASS (direct)**" in rows["T2"]
    assert "**PASS (calibrated)**" in rows["T7"]
    assert "**PASS**" in rows["T11"] and "(emergent)" not in rows["T11"]
    assert "**FAIL**" in rows["T10"] and "(direct)" not in rows["T10"]
    assert "## T2: PASS (direct)" in text


def test_the_printed_table_has_a_readout_column(capsys):
    print_table([_entry("T9", "PASS", "direct")])
    header, row = capsys.readouterr().out.splitlines()[:2]
    assert header.split()[:3] == ["target", "status", "readout"]
    assert row.split()[:3] == ["T9", "PASS", "direct"]


def test_the_validation_scales_a_scenarios_mm_cells_and_foci_to_the_area_keeping_their_density_and_spacing():
    assert area_scaled_counts("mm_niche", (200, 200)) == {"mm.initial_count": 600, "mm.initial_foci": 6}
    assert area_scaled_counts("mm_niche", (100, 100)) == {"mm.initial_count": 150, "mm.initial_foci": 2}  # 1.5 up
    assert area_scaled_counts("mm_advanced", (100, 100)) == {"mm.initial_count": 750, "mm.initial_foci": 3}
    assert area_scaled_counts("mm_niche", (40, 40)) == {"mm.initial_count": 24, "mm.initial_foci": 1}  # at least one
    assert area_scaled_counts("healthy", (100, 100)) == {}


def test_a_reported_interval_counts_only_the_values_it_was_taken_over():
    """A ratio with a zero denominator (inf) or a missing value is left out of the mean, and n says so."""
    assert fmt([1.0, 2.0, float("inf"), float("nan"), 3.0]) == "2 [-0.484, 4.48] (n=3)"
