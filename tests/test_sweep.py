"""Batch sweeps: sweep files, designs and seeds, engines (local and Dask on loopback), faults, resume, summaries."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pytest
import sweep_faults
from conftest import REPO_ROOT, stop_with_ctrl_c_when
from PIL import Image

from niche_abm.cli import main
from niche_abm.engines import interrupts_deferred
from niche_abm.jobs import map_jobs
from niche_abm.params import ParameterError
from niche_abm.sweep import DaskEngine, LocalEngine, SweepSpec, load_sweep, prepare, run_sweep
from niche_abm.sweep.design import check_buildable, parameter_points, plan, replicate_seed
from niche_abm.sweep.store import SweepStore
from niche_abm.sweep.summary import LOSS, sensitivity, summarize

TINY = """
description = "tiny sweep for tests"
scenario = "mm_niche"
days = {days}
replicates = {replicates}
seed = 7
metrics = ["bv_tv", "n_mm", "rankl_opg_ratio", "n_oc"]

[set]
"grid.width" = 40
"grid.height" = 40
"mm.initial_count" = 6

[vary]
"stroma.contact_rankl_fold" = [1.0, 4.0]

[arms]
control = []
lenalidomide = ["lenalidomide=10uM@day1"]
"""


def write_sweep(folder: Path, text: str, name: str = "tiny") -> Path:
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def sweep_in_process(sweep: Path, out: Path, engine) -> pd.DataFrame:
    spec = load_sweep(sweep)
    store, tasks = prepare(spec, out, resume=False)
    report = run_sweep(spec, store, tasks, engine, progress=False)
    assert report.done == len(tasks) and report.failed == 0
    return store.timeseries()


@pytest.fixture(scope="module")
def tiny_sweep(tmp_path_factory) -> Path:
    """8 runs (2 points x 2 arms x 2 replicates) of 4 days on a 40x40 grid."""
    return write_sweep(tmp_path_factory.mktemp("sweep"), TINY.format(days=4, replicates=2))


@pytest.fixture(scope="module")
def reference(tiny_sweep, tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    """The tiny sweep computed by the default engine with 2 workers, uninterrupted."""
    out = tmp_path_factory.mktemp("reference") / "out"
    return out, sweep_in_process(tiny_sweep, out, LocalEngine(2))


# --- sweep files -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda t: t + "\ncolour = 3\n", "colour"),
        (lambda t: t.replace('"stroma.contact_rankl_fold"', '"stroma.contact_rankl_fol"'), "stroma.contact_rankl_fol"),
        (lambda t: t.replace("[1.0, 4.0]", "{ low = 1.0, high = 4.0 }"), "vary.stroma.contact_rankl_fold"),
        (lambda t: t.replace("[1.0, 4.0]", "[1.0, -4.0]"), "stroma.contact_rankl_fold"),
        (lambda t: t.replace("replicates = 2", "replicates = -1"), "replicates"),
        (lambda t: t.replace("days = 4", "days = 0"), "days"),
        (lambda t: t.replace("control = []", '"bad arm!" = []'), "arms.bad arm!"),
        (lambda t: t.replace("10uM@day1", "-10uM@day1"), "arms.lenalidomide"),
        (lambda t: t.replace('"n_oc"]', '"n_cats"]'), "metrics"),
        (lambda t: t.replace('"mm.initial_count" = 6', '"stroma.contact_rankl_fold" = 2.0'), "set"),
        (lambda t: t.replace('scenario = "mm_niche"', 'scenario = "nowhere"'), "scenario"),
        (lambda t: t.replace("[arms]", "[design]\nkind = 'sobol'\nsamples = 6\n[arms]"), "design"),
        (lambda t: t.replace("[arms]", "[design]\nkind = 'latin'\n[arms]"), "design.kind"),
        (lambda t: t.replace('"grid.width" = 40', '"grid.width" = 45'), "grid.width"),
        (lambda t: t.replace("[set]", "[set\n"), "tiny.toml"),
        (lambda t: t + 'cut = { set = { "mm.ccl3_secretio" = 0 } }\n', "arms.cut.set: mm.ccl3_secretio"),
        (lambda t: t + 'cut = { set = { "mm.ccl3_secretion" = -5 } }\n', "arms.cut.set.mm.ccl3_secretion"),
        (lambda t: t + 'cut = { set = { "grid.width" = 60 } }\n', "arms.cut.set.grid.width"),
        (lambda t: t + 'cut = { set = { "stroma.contact_rankl_fold" = 2 } }\n', "is also varied"),
        (lambda t: t + 'cut = { drug = ["lenalidomide=10uM"] }\n', "arms.cut.drug"),
        (lambda t: t + 'cut = { drugs = ["lenalidomide=-1uM"] }\n', "arms.cut"),
        (lambda t: t + "cut = { set = 3 }\n", "arms.cut.set"),
    ],
)
def test_bad_sweep_file_names_the_field(tmp_path, edit, field):
    path = write_sweep(tmp_path, edit(TINY.format(days=4, replicates=2)))
    with pytest.raises(ParameterError) as caught:
        load_sweep(path)
    assert field in str(caught.value)


def test_an_arm_can_set_parameters_for_its_own_runs(tmp_path):
    """An arm written as a table gives its runs its drugs and its parameter values on top of [set] and the point's;
    the others run as before, and a sweep whose arms set nothing keeps the fingerprint it had before arms could."""
    text = TINY.format(days=4, replicates=2)
    plain = load_sweep(write_sweep(tmp_path, text, name="plain"))
    assert "arm_set" not in plain.as_dict() and plain.arm_settings == {}
    text += "no_ccl3 = { set = { mm = { ccl3_secretion = 0 } } }\n"
    text += 'both = { drugs = ["lenalidomide=10uM@day1"], set = { "mm.dkk1_secretion" = 0 } }\n'
    spec = load_sweep(write_sweep(tmp_path, text, name="knockouts"))
    assert spec.arms["no_ccl3"] == () and spec.arms["both"] == ("lenalidomide=10uM@day1",)
    assert spec.arm_settings == {"no_ccl3": {"mm.ccl3_secretion": 0.0}, "both": {"mm.dkk1_secretion": 0.0}}
    assert SweepSpec.from_dict(spec.as_dict()) == spec
    tasks = plan(spec)
    assert len(tasks) == 2 * 4 * 2
    for task in tasks:
        assert task.overrides["stroma.contact_rankl_fold"] == task.values["stroma.contact_rankl_fold"]
        assert task.overrides["mm.initial_count"] == 6
        assert task.overrides.get("mm.ccl3_secretion") == (0.0 if task.arm == "no_ccl3" else None)
        assert task.overrides.get("mm.dkk1_secretion") == (0.0 if task.arm == "both" else None)


def test_an_arm_setting_more_mm_cells_than_the_marrow_holds_is_refused_before_any_run(tmp_path):
    text = TINY.format(days=4, replicates=1) + 'crowded = { set = { "mm.initial_count" = 5000 } }\n'
    with pytest.raises(ParameterError, match="marrow sites are free") as caught:
        check_buildable(load_sweep(write_sweep(tmp_path, text)))
    assert caught.value.key == "tiny.toml: arms.crowded.set.mm.initial_count"


def test_sampled_design_rejects_log_range_through_zero(tmp_path):
    text = TINY.format(days=4, replicates=1).replace(
        '"stroma.contact_rankl_fold" = [1.0, 4.0]',
        '"stroma.contact_rankl_fold" = { low = 1.0, high = 4.0 }\n"mm.adhesion_rate" = '
        '{ low = 0.0, high = 0.5, scale = "log" }',
    )
    path = write_sweep(tmp_path, text.replace("[arms]", "[design]\nkind = 'lhs'\nsamples = 4\n[arms]"))
    with pytest.raises(ParameterError, match=r"vary.mm.adhesion_rate.low.*log range needs low > 0"):
        load_sweep(path)


def test_bad_sweep_on_the_command_line_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys):
    path = write_sweep(tmp_path, TINY.format(days=4, replicates=2).replace("replicates = 2", "replicates = 0"))
    out = tmp_path / "never"
    assert main(["sweep", str(path), "--out", str(out)]) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "replicates" in error and "[1, 1000]" in error
    assert not out.exists()


def test_bad_worker_count_exits_2(tiny_sweep, tmp_path, capsys):
    assert main(["sweep", str(tiny_sweep), "--out", str(tmp_path / "x"), "--workers", "0"]) == 2
    assert "--workers" in capsys.readouterr().err


def test_example_sweeps_are_valid():
    for path in sorted((REPO_ROOT / "scenarios" / "sweeps").glob("*.toml")):
        spec = load_sweep(path)
        assert len(plan(spec)) >= 1, path.name


# --- designs and seeds -------------------------------------------------------------------------
def test_grid_design_is_every_combination_times_arms_and_replicates(tmp_path):
    text = TINY.format(days=4, replicates=3).replace(
        '"stroma.contact_rankl_fold" = [1.0, 4.0]',
        '"stroma.contact_rankl_fold" = [1.0, 4.0]\n"mm.adhesion_rate" = [0.1, 0.2, 0.4]',
    )
    tasks = plan(load_sweep(write_sweep(tmp_path, text)))
    assert len(tasks) == 2 * 3 * 2 * 3
    assert [t.index for t in tasks] == list(range(len(tasks)))
    combos = {(t.values["stroma.contact_rankl_fold"], t.values["mm.adhesion_rate"]) for t in tasks}
    assert combos == {(f, a) for f in (1.0, 4.0) for a in (0.1, 0.2, 0.4)}


def test_seeds_depend_only_on_root_and_replicate():
    assert replicate_seed(7, 0) == replicate_seed(7, 0)
    assert len({replicate_seed(7, r) for r in range(100)}) == 100
    assert replicate_seed(7, 0) != replicate_seed(8, 0)
    assert all(0 <= replicate_seed(2**63 - 1, r) < 2**63 for r in range(5))


def test_every_point_and_arm_share_the_replicate_seeds(tiny_sweep):
    tasks = plan(load_sweep(tiny_sweep))
    by_replicate = {}
    for task in tasks:
        by_replicate.setdefault(task.replicate, set()).add(task.seed)
    assert all(len(seeds) == 1 for seeds in by_replicate.values())
    assert len({next(iter(s)) for s in by_replicate.values()}) == 2


@pytest.mark.parametrize(
    ("kind", "samples", "expected"), [("lhs", 10, 10), ("sobol", 8, 8 * (2 + 2)), ("morris", 3, 3 * 3)]
)
def test_sampled_designs_stay_in_their_ranges(tmp_path, kind, samples, expected):
    text = (
        TINY.format(days=4, replicates=1)
        .replace(
            '"stroma.contact_rankl_fold" = [1.0, 4.0]',
            '"stroma.contact_rankl_fold" = { low = 1.0, high = 8.0, scale = "log" }\n'
            '"mm.initial_focus_bone_distance_um" = { low = 20, high = 80 }',
        )
        .replace('"mm.initial_count" = 6', '"mm.initial_count" = 6\n"mm.initial_foci" = 2')
    )
    path = write_sweep(tmp_path, text.replace("[arms]", f"[design]\nkind = '{kind}'\nsamples = {samples}\n[arms]"))
    points = parameter_points(load_sweep(path))
    assert len(points) == expected
    folds = np.array([p["stroma.contact_rankl_fold"] for p in points])
    assert folds.min() >= 1.0 and folds.max() <= 8.0
    assert points == parameter_points(load_sweep(path)), "the design is drawn from the root seed"


# --- engines and determinism -------------------------------------------------------------------
def test_one_worker_gives_the_same_dataset_as_two(tiny_sweep, reference, tmp_path):
    _, expected = reference
    got = sweep_in_process(tiny_sweep, tmp_path / "one", LocalEngine(1))
    pd.testing.assert_frame_equal(got, expected)
    assert len(expected) == 8 * 5 and set(expected["arm"]) == {"control", "lenalidomide"}


def test_dask_local_cluster_on_loopback_gives_the_same_dataset(tiny_sweep, reference, tmp_path):
    _, expected = reference
    environ = dict(os.environ)
    engine = DaskEngine(2)
    trim = engine._client.run(os.environ.get, "MALLOC_TRIM_THRESHOLD_")
    assert len(trim) == 2 and set(trim.values()) == {None}, "workers keep glibc's dynamic mmap threshold"
    assert engine.malloc_note() is None
    cluster = engine._cluster
    assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
    assert all(w.startswith("tcp://127.0.0.1:") for w in cluster.scheduler_info["workers"])
    assert "127.0.0.1" in cluster.dashboard_link and ":8787" not in cluster.dashboard_link
    processes = [psutil.Process(), *psutil.Process().children(recursive=True)]
    listening = [
        c.laddr.ip for p in processes for c in p.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN
    ]
    assert listening and set(listening) == {"127.0.0.1"}, "scheduler, workers, nannies and dashboard on loopback"
    got = sweep_in_process(tiny_sweep, tmp_path / "dask", engine)
    pd.testing.assert_frame_equal(got, expected)
    assert dict(os.environ) == environ, "the nannies' variables are taken back out of this process's environment"


def test_store_holds_a_partitioned_dataset_a_runs_table_and_a_manifest(reference):
    out, timeseries = reference
    assert sorted(p.name for p in (out / "timeseries").iterdir()) == ["arm=control", "arm=lenalidomide"]
    assert len(list((out / "timeseries").rglob("run-*.parquet"))) == 8
    runs = pd.read_csv(out / "runs.csv")
    assert list(runs["status"]) == ["done"] * 8 and (runs["wall_time_s"] > 0).all()
    assert {"run", "point", "arm", "replicate", "seed", "stroma.contact_rankl_fold", "attempts", "error"} <= set(runs)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["runs"] == 8 and manifest["points"] == 2
    assert {"dask", "SALib", "mesa", "numpy"} <= set(manifest["versions"]) and manifest["git_commit"]
    assert manifest["base_parameters"]["grid.width"] == 40
    row = timeseries[(timeseries["run"] == 6) & (timeseries["day"] == 0)].iloc[0]
    assert row["arm"] == "lenalidomide" and row["point"] == 1 and row["stroma.contact_rankl_fold"] == 4.0


def test_arms_differ_only_by_their_drug(reference):
    _, timeseries = reference
    day0 = timeseries[timeseries["day"] == 0].set_index(["point", "replicate", "arm"])["bv_tv"].unstack()
    np.testing.assert_array_equal(day0["control"], day0["lenalidomide"])


# --- faults ------------------------------------------------------------------------------------
class InlineEngine:
    """Runs tasks in this process, one per wait(), and records how many were ever in flight."""

    name = "inline"
    workers = 1

    def __init__(self, run, capacity: int = 2):
        self.capacity = capacity
        self._run = run
        self._queue = []
        self.most_in_flight = 0

    @property
    def running(self) -> int:
        return len(self._queue)

    def submit(self, task) -> None:
        self._queue.append(task)
        self.most_in_flight = max(self.most_in_flight, len(self._queue))

    def wait(self):
        task = self._queue.pop(0)
        try:
            return [(task, self._run(task))]
        except Exception as error:
            return [(task, error)]

    def close(self, cancel: bool = False) -> None:
        self._queue.clear()


class LastFirstEngine(InlineEngine):
    """Runs the task submitted last first, so tasks finish out of order."""

    def wait(self):
        self._queue.insert(0, self._queue.pop())
        return super().wait()


@dataclass(frozen=True)
class Numbered:
    index: int


def squared_unless_three(job: Numbered) -> int:
    if job.index == 3:
        raise ParameterError("job", "got 3; expected anything else")
    return job.index**2


def test_map_jobs_hands_back_outcomes_in_job_order_whatever_order_they_finish():
    jobs = [Numbered(index) for index in (0, 1, 2, 4, 5)]
    assert map_jobs(jobs, LastFirstEngine(squared_unless_three, capacity=3)) == [0, 1, 4, 16, 25]


def test_map_jobs_stops_at_the_first_failure_with_its_error():
    with pytest.raises(ParameterError, match="got 3"):
        map_jobs([Numbered(index) for index in range(6)], InlineEngine(squared_unless_three))


def test_a_run_that_keeps_failing_is_recorded_after_its_retries_and_the_rest_finish(tiny_sweep, tmp_path):
    spec = load_sweep(tiny_sweep)
    store, tasks = prepare(spec, tmp_path / "out", resume=False)
    engine = InlineEngine(sweep_faults.fails_at_point_one)
    report = run_sweep(spec, store, tasks, engine, progress=False)
    assert (report.done, report.failed) == (4, 4)
    assert engine.most_in_flight <= engine.capacity
    runs = pd.read_csv(tmp_path / "out" / "runs.csv")
    failed = runs[runs["status"] == "failed"]
    assert set(failed["point"]) == {1} and (failed["attempts"] == spec.retries + 1).all()
    assert failed["error"].str.contains("injected failure").all()


def test_a_transient_failure_is_retried(tiny_sweep, tmp_path, monkeypatch):
    monkeypatch.setenv(sweep_faults.FAULT_DIR, str(tmp_path))
    spec = load_sweep(tiny_sweep)
    store, tasks = prepare(spec, tmp_path / "out", resume=False)
    report = run_sweep(spec, store, tasks, InlineEngine(sweep_faults.flaky), progress=False)
    assert (report.done, report.failed) == (8, 0)
    assert (pd.read_csv(tmp_path / "out" / "runs.csv")["attempts"] == 2).all()


def test_a_killed_local_worker_loses_no_run(tiny_sweep, reference, tmp_path, monkeypatch):
    monkeypatch.setenv(sweep_faults.FAULT_DIR, str(tmp_path))
    got = sweep_in_process(tiny_sweep, tmp_path / "out", LocalEngine(2, run=sweep_faults.kills_worker_in_run_two))
    assert (tmp_path / "kill-2").exists(), "the fault fired"
    pd.testing.assert_frame_equal(got, reference[1])
    runs = pd.read_csv(tmp_path / "out" / "runs.csv").set_index("run")
    assert runs.loc[2, "attempts"] == 2


def test_a_killed_dask_worker_loses_no_run(tiny_sweep, reference, tmp_path, monkeypatch):
    monkeypatch.setenv(sweep_faults.FAULT_DIR, str(tmp_path))
    got = sweep_in_process(tiny_sweep, tmp_path / "out", DaskEngine(2, run=sweep_faults.kills_worker_in_run_two))
    assert (tmp_path / "kill-2").exists(), "the fault fired"
    pd.testing.assert_frame_equal(got, reference[1])


def test_an_interrupted_sweep_keeps_finished_runs_and_resumes_to_the_same_dataset(tmp_path):
    sweep = write_sweep(tmp_path, TINY.format(days=6, replicates=4), name="longer")
    expected = sweep_in_process(sweep, tmp_path / "reference", LocalEngine(2))
    out = tmp_path / "interrupted"
    command = [sys.executable, "run.py", "sweep", str(sweep), "--out", str(out), "--workers", "2", "--quiet"]
    stop_with_ctrl_c_when(command, lambda: len(list((out / "status").glob("run-*.json"))) >= 3, "sweep")
    runs = pd.read_csv(out / "runs.csv")
    finished = int((runs["status"] == "done").sum())
    assert 3 <= finished < len(runs)
    assert not [p for p in out.rglob(".*") if p.is_file()], "no temporary file is left behind"
    assert len(pd.read_parquet(out / "timeseries")["run"].unique()) == finished

    resumed = subprocess.run([*command, "--resume"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{finished} from before" in resumed.stdout
    pd.testing.assert_frame_equal(SweepStore(out).timeseries(), expected)


def test_resume_refuses_a_folder_of_another_sweep(tiny_sweep, reference, tmp_path, capsys):
    other = write_sweep(tmp_path, TINY.format(days=5, replicates=2), name="other")
    assert main(["sweep", str(other), "--out", str(reference[0]), "--resume"]) == 2
    assert "different sweep" in capsys.readouterr().err


def test_a_new_sweep_refuses_a_folder_that_holds_one(tiny_sweep, reference, capsys):
    assert main(["sweep", str(tiny_sweep), "--out", str(reference[0])]) == 2
    assert "--resume" in capsys.readouterr().err


def test_overwrite_replaces_a_finished_sweep_with_a_new_one(tiny_sweep, reference, tmp_path, capsys):
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-r", str(reference[0]), str(copy)], check=True)
    (copy / "status" / "stale.txt").write_text("left by the old sweep", encoding="utf-8")
    assert main(["sweep", str(tiny_sweep), "--out", str(copy), "--overwrite", "--workers", "1", "--quiet"]) == 0
    assert "8 done (0 from before)" in capsys.readouterr().out
    assert not (copy / "status" / "stale.txt").exists()
    pd.testing.assert_frame_equal(SweepStore(copy).timeseries(), reference[1])


def test_resume_of_a_finished_sweep_runs_nothing(tiny_sweep, reference, capsys):
    assert main(["sweep", str(tiny_sweep), "--out", str(reference[0]), "--resume", "--quiet"]) == 0
    assert "8 done (8 from before)" in capsys.readouterr().out


def test_store_ignores_a_status_without_its_parquet_and_hidden_partial_files(tiny_sweep, reference, tmp_path):
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-r", str(reference[0]), str(copy)], check=True)
    victim = next((copy / "timeseries" / "arm=control").glob("run-*.parquet"))
    (victim.parent / f".{victim.name}.partial").write_bytes(b"not parquet")
    victim.unlink()
    store = SweepStore(copy)
    assert len(store.finished(plan(load_sweep(tiny_sweep)))) == 7
    assert store.timeseries()["run"].nunique() == 7


def test_damaged_result_files_are_named_by_summarize_and_recomputed_by_resume(tiny_sweep, reference, tmp_path, capsys):
    """A run file of random bytes and a status file that is not JSON: summarize exits 2 naming the damaged run file,
    and --resume computes those two runs again, to the same dataset."""
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-r", str(reference[0]), str(copy)], check=True)
    damaged = sorted((copy / "timeseries" / "arm=control").glob("run-*.parquet"))[0]
    damaged.write_bytes(bytes(range(256)))
    unreadable = sorted((copy / "status").glob("run-*.json"))[-1]
    unreadable.write_text("{garbage", encoding="utf-8")
    assert len(SweepStore(copy).finished(plan(load_sweep(tiny_sweep)))) == 6

    assert main(["summarize", str(copy)]) == 2
    err = capsys.readouterr().err
    assert damaged.name in err and "--resume" in err and "Traceback" not in err

    assert main(["sweep", str(tiny_sweep), "--out", str(copy), "--resume", "--workers", "1", "--quiet"]) == 0
    assert "8 done (6 from before)" in capsys.readouterr().out
    pd.testing.assert_frame_equal(SweepStore(copy).timeseries(), reference[1])


def test_a_damaged_design_is_named_by_summarize_and_written_again_by_resume(tiny_sweep, reference, tmp_path, capsys):
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-r", str(reference[0]), str(copy)], check=True)
    design = copy / "design.parquet"
    whole = pd.read_parquet(design)
    design.write_bytes(design.read_bytes()[:100])

    assert main(["summarize", str(copy)]) == 2
    err = capsys.readouterr().err
    assert "design.parquet is damaged" in err and "--resume" in err and "Traceback" not in err

    assert main(["sweep", str(tiny_sweep), "--out", str(copy), "--resume", "--workers", "1", "--quiet"]) == 0
    assert "8 done (8 from before)" in capsys.readouterr().out
    pd.testing.assert_frame_equal(pd.read_parquet(design), whole)
    assert main(["summarize", str(copy)]) == 0


def test_metrics_whose_status_never_landed_are_pruned_with_the_runs_table(tiny_sweep, reference, tmp_path):
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-r", str(reference[0]), str(copy)], check=True)
    orphan = next((copy / "status").glob("run-*.json"))
    index = int(orphan.stem.removeprefix("run-"))
    orphan.unlink()
    store = SweepStore(copy)
    table = store.write_runs_table()
    assert index not in set(pd.read_parquet(copy / "timeseries")["run"])
    assert table.set_index("run").loc[index, "status"] == "pending"
    assert len(store.finished(plan(load_sweep(tiny_sweep)))) == 7


def test_an_interrupt_while_a_run_is_stored_waits_until_its_files_are_in_place():
    stored = []
    with pytest.raises(KeyboardInterrupt):
        with interrupts_deferred():
            signal.raise_signal(signal.SIGINT)
            stored.append("parquet")
            signal.raise_signal(signal.SIGTERM)
            stored.append("status")
    assert stored == ["parquet", "status"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_an_interrupt_held_by_an_outer_block_is_raised_where_the_next_inner_block_ends():
    """A calibration holds Ctrl-C for the whole of pyABC's run; it is raised where the sampler's next own block
    (a job handed out or gathered) ends, never inside pyABC's or SQLAlchemy's code, and only once."""
    steps = []
    with pytest.raises(KeyboardInterrupt):
        with interrupts_deferred():
            signal.raise_signal(signal.SIGINT)
            steps.append("inside the library")
            with interrupts_deferred():
                steps.append("a job handed out")
            steps.append("never reached")
    assert steps == ["inside the library", "a job handed out"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    with interrupts_deferred():
        steps.append("a later block")
    assert steps[-1] == "a later block"


# --- summaries ---------------------------------------------------------------------------------
def test_summarize_writes_tables_and_figures_whose_numbers_match_the_runs(reference, capsys):
    out, timeseries = reference
    assert main(["summarize", str(out)]) == 0
    assert "final_metrics.csv" in capsys.readouterr().out
    for name in ("final_metrics.csv", "time_courses.csv", "time_courses.png", "response.png"):
        assert (out / "summary" / name).stat().st_size > 0, name
    finals = pd.read_csv(out / "summary" / "final_metrics.csv")
    row = finals[(finals["arm"] == "control") & (finals["point"] == 1) & (finals["metric"] == LOSS)].iloc[0]
    runs = timeseries[(timeseries["arm"] == "control") & (timeseries["point"] == 1)]
    loss = runs.groupby("run")["bv_tv"].first() - runs.groupby("run")["bv_tv"].last()
    assert row["n"] == 2 and row["mean"] == pytest.approx(loss.mean())
    summary_manifest = json.loads((out / "summary" / "manifest.json").read_text())
    assert summary_manifest["runs_included"] == summary_manifest["runs_in_sweep"] == 8
    assert summary_manifest["git_commit"] and summary_manifest["versions"]["numpy"]
    recorded = json.loads((out / "manifest.json").read_text())
    assert summary_manifest["sweep_manifest"] == recorded, "the summary carries the manifest of the runs it reads"
    courses = pd.read_csv(out / "summary" / "time_courses.csv")
    assert set(courses["metric"]) == {"bv_tv", "n_mm", "rankl_opg_ratio", "n_oc"}
    assert courses["day"].max() == 4


def test_contrasts_are_paired_by_replicate_against_the_first_arm(reference):
    out, timeseries = reference
    summarize(out)
    contrasts = pd.read_csv(out / "summary" / "contrasts.csv")
    assert set(contrasts["arm"]) == {"lenalidomide"} and set(contrasts["reference"]) == {"control"}
    last = timeseries.sort_values("day").groupby("run").last()
    by_arm = {
        arm: last[last["arm"] == arm].set_index(["point", "replicate"])["n_mm"] for arm in ("control", "lenalidomide")
    }
    difference = (by_arm["lenalidomide"] - by_arm["control"]).xs(0, level="point")
    row = contrasts[(contrasts["point"] == 0) & (contrasts["metric"] == "n_mm")].iloc[0]
    assert row["n"] == 2 and row["mean"] == pytest.approx(difference.mean())
    assert row["sd"] == pytest.approx(difference.std(ddof=1))
    assert row["stroma.contact_rankl_fold"] == 1.0


def test_summary_of_arms_without_varied_parameters_draws_bars_and_effects(tmp_path):
    text = TINY.format(days=2, replicates=2).replace('"stroma.contact_rankl_fold" = [1.0, 4.0]', "")
    sweep = write_sweep(tmp_path, text.replace("[vary]\n", ""), name="arms_only")
    sweep_in_process(sweep, tmp_path / "out", LocalEngine(1))
    assert main(["summarize", str(tmp_path / "out")]) == 0
    contrasts = pd.read_csv(tmp_path / "out" / "summary" / "contrasts.csv")
    assert set(contrasts["metric"]) == {"bv_tv", "n_mm", "rankl_opg_ratio", "n_oc", LOSS}
    assert (contrasts["n"] == 2).all()
    with Image.open(tmp_path / "out" / "summary" / "response.png") as figure:
        assert figure.height > figure.width / 2  # the loss bars above, the paired effects below


def test_summarize_of_a_folder_without_a_sweep_exits_2(tmp_path, capsys):
    assert main(["summarize", str(tmp_path)]) == 2
    assert "no sweep" in capsys.readouterr().err


def test_sobol_indices_find_the_parameter_that_drives_the_outcome(tmp_path):
    text = TINY.format(days=4, replicates=2).replace(
        '"stroma.contact_rankl_fold" = [1.0, 4.0]',
        '"stroma.contact_rankl_fold" = { low = 1.0, high = 8.0 }\n"mm.adhesion_rate" = { low = 0.1, high = 0.9 }',
    )
    spec = load_sweep(write_sweep(tmp_path, text.replace("[arms]", "[design]\nkind = 'sobol'\nsamples = 256\n[arms]")))
    tasks = plan(spec)
    finals = pd.DataFrame(
        {
            "arm": [t.arm for t in tasks],
            "point": [t.point for t in tasks],
            LOSS: [3.0 * t.values["stroma.contact_rankl_fold"] + 0.01 * t.replicate for t in tasks],
        }
    )
    indices = sensitivity(finals, spec).set_index(["arm", "parameter", "index"])
    fold, adhesion = "stroma.contact_rankl_fold", "mm.adhesion_rate"
    assert indices.loc[("control", fold, "ST"), "value"] == pytest.approx(1.0, abs=0.1)
    assert indices.loc[("control", adhesion, "ST"), "value"] == pytest.approx(0.0, abs=0.05)
    assert (
        indices.loc[("control", fold, "S1"), "ci_low"] <= 1.0 <= indices.loc[("control", fold, "S1"), "ci_high"] + 0.1
    )


def test_a_morris_sweep_end_to_end_gives_indices_and_a_bar_chart(tmp_path, capsys):
    text = TINY.format(days=3, replicates=1).replace(
        '"stroma.contact_rankl_fold" = [1.0, 4.0]',
        '"stroma.contact_rankl_fold" = { low = 1.0, high = 8.0 }\n"mm.adhesion_rate" = { low = 0.1, high = 0.9 }',
    )
    text = text.replace("[arms]", "[design]\nkind = 'morris'\nsamples = 2\n[arms]").replace(
        'lenalidomide = ["lenalidomide=10uM@day1"]', ""
    )
    out = tmp_path / "morris"
    assert main(["sweep", str(write_sweep(tmp_path, text)), "--out", str(out), "--workers", "2", "--quiet"]) == 0
    assert main(["summarize", str(out)]) == 0
    indices = pd.read_csv(out / "summary" / "sensitivity.csv")
    assert set(indices["index"]) == {"mu_star", "sigma"} and len(indices) == 4
    assert (indices["value"] >= 0).all()
    assert (out / "summary" / "sensitivity.png").stat().st_size > 0
    capsys.readouterr()


def test_summaries_refuse_sensitivity_with_missing_points(reference, tmp_path):
    with pytest.raises(ParameterError, match="lacks"):
        text = TINY.format(days=4, replicates=1).replace(
            '"stroma.contact_rankl_fold" = [1.0, 4.0]',
            '"stroma.contact_rankl_fold" = { low = 1.0, high = 8.0 }\n"mm.adhesion_rate" = { low = 0.1, high = 0.9 }',
        )
        spec = load_sweep(
            write_sweep(tmp_path, text.replace("[arms]", "[design]\nkind = 'sobol'\nsamples = 4\n[arms]"))
        )
        finals = pd.DataFrame({"arm": ["control"], "point": [0], LOSS: [1.0]})
        sensitivity(finals, spec)


def test_scheduler_option_submits_to_a_running_dask_cluster(tiny_sweep, reference, tmp_path, capsys):
    from dask.distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address="127.0.0.1:0", silence_logs=40
    ) as cluster:
        out = tmp_path / "remote"
        argv = ["sweep", str(tiny_sweep), "--out", str(out), "--scheduler", cluster.scheduler_address, "--quiet"]
        assert main(argv) == 0
    shown = capsys.readouterr()
    assert "on dask (2 workers)" in shown.out and "Dask dashboard: http://127.0.0.1:" in shown.out
    assert "workers run with MALLOC_TRIM_THRESHOLD_=65536" in shown.err, "a cluster on Dask's defaults is flagged"
    pd.testing.assert_frame_equal(SweepStore(out).timeseries(), reference[1])


def test_a_cluster_whose_workers_run_other_versions_is_refused_before_anything_is_written(
    tiny_sweep, tmp_path, capsys, monkeypatch
):
    from dask.distributed import LocalCluster

    from niche_abm import engines

    versions = engines.local_versions()
    monkeypatch.setattr(engines, "local_versions", lambda: versions | {"numpy": "0.0.1"})
    with LocalCluster(
        n_workers=1, threads_per_worker=1, host="127.0.0.1", dashboard_address="127.0.0.1:0", silence_logs=40
    ) as cluster:
        out = tmp_path / "never"
        assert main(["sweep", str(tiny_sweep), "--out", str(out), "--scheduler", cluster.scheduler_address]) == 2
    error = capsys.readouterr().err
    assert "--scheduler" in error and f"numpy {versions['numpy']} but this machine has 0.0.1" in error
    assert "Traceback" not in error and not out.exists()


def test_a_malformed_scheduler_address_exits_2_and_writes_nothing(tiny_sweep, tmp_path, capsys):
    out = tmp_path / "never"
    assert main(["sweep", str(tiny_sweep), "--out", str(out), "--scheduler", "bogus://nowhere"]) == 2
    error = capsys.readouterr().err
    assert "--scheduler" in error and "bogus" in error and "Traceback" not in error
    assert not out.exists()


def test_summarize_of_a_partial_sobol_sweep_skips_the_indices_and_says_why(tmp_path, capsys):
    text = TINY.format(days=2, replicates=1).replace(
        '"stroma.contact_rankl_fold" = [1.0, 4.0]',
        '"stroma.contact_rankl_fold" = { low = 1.0, high = 8.0 }\n"mm.adhesion_rate" = { low = 0.1, high = 0.9 }',
    )
    spec = load_sweep(write_sweep(tmp_path, text.replace("[arms]", "[design]\nkind = 'sobol'\nsamples = 2\n[arms]")))
    store, tasks = prepare(spec, tmp_path / "partial", resume=False)
    store.create(spec, tasks)
    for task in tasks[:3]:
        outcome = sweep_faults.simulate_run(task)
        store.record_done(task, outcome.timeseries, 1, outcome.wall_time_s)
    assert main(["summarize", str(tmp_path / "partial")]) == 0
    assert "sensitivity indices skipped" in capsys.readouterr().err
    assert not (tmp_path / "partial" / "summary" / "sensitivity.csv").exists()
    assert (tmp_path / "partial" / "summary" / "final_metrics.csv").exists()


def test_a_sweep_survives_the_round_trip_through_its_manifest(tiny_sweep):
    spec = load_sweep(tiny_sweep)
    again = SweepSpec.from_dict(json.loads(json.dumps(spec.as_dict())))
    assert again.fingerprint() == spec.fingerprint()
    assert plan(again) == plan(spec)
