"""Calibration by ABC-SMC (pyABC): the file's checks, the readouts, and one seed giving one posterior on one worker
or two, on Dask, and after a stop and --resume."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from conftest import REPO_ROOT, stop_with_ctrl_c_when
from PIL import Image

from niche_abm.calibration.fit import fit
from niche_abm.calibration.readouts import turnover
from niche_abm.calibration.sampler import draw_accepted, draw_seed
from niche_abm.calibration.simulator import Simulator, relative_change
from niche_abm.calibration.spec import load_calibration
from niche_abm.calibration.strengths import table_strength
from niche_abm.engines import make_engine
from niche_abm.experiment import RunDescription
from niche_abm.params import ParameterError
from niche_abm.scenario import load_scenario
from niche_abm.validation.common import window_mean

TINY = """
description = "a tiny calibration"
scenario = "healthy"
days = 6
seed = 11
population = 4
generations = 2

[set]
"grid.width" = 40
"grid.height" = 40

[prior]
"ocp.recruitment_rate" = { low = 0.01, high = 0.3, scale = "log" }

[data.osteoclasts]
readout = "n_oc"
window = [3, 6]
value = 2.0
sd = 1.0
source = "a made-up count"
"""


STRENGTH = TINY.replace("[prior]\n", "[prior]\nsupply = { low = 0, high = 1 }\n") + (
    '[strength.supply]\n"ocp.death_rate" = { base = 0.5, as = "power" }\n'
    '"ocp.migration_rate" = { base = 6.0, as = "times" }\n'
)
"""TINY fitting a strength too: the precursors' death rate 0.5^s /h and migration 6 s /h."""


def with_keys(lines: str) -> str:
    """TINY with more keys in its observed readout's table."""
    return TINY.replace('source = "a made-up count"', 'source = "a made-up count"\n' + lines)


def write(folder: Path, text: str, name: str = "tiny.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the file ----------------------------------------------------------------------------------------------------
CARELESS = {
    "unknown top-level key": ("walkers = 3\n" + TINY, "tiny.toml: walkers", "unknown key"),
    "unknown parameter": (
        TINY.replace('"ocp.recruitment_rate" =', '"ocp.recruitment" ='),
        "tiny.toml: prior: ocp.recruitment",
        "unknown parameter",
    ),
    "prior beyond the table's range": (
        TINY.replace("high = 0.3", "high = 30"),
        "tiny.toml: prior.ocp.recruitment_rate.high",
        "[0, 10]",
    ),
    "prior that is a list": (
        TINY.replace('{ low = 0.01, high = 0.3, scale = "log" }', "[0.01, 0.3]"),
        "tiny.toml: prior.ocp.recruitment_rate",
        "expected a range",
    ),
    "fitted and fixed at once": (
        TINY.replace('"grid.height" = 40', '"grid.height" = 40\n"ocp.recruitment_rate" = 0.03'),
        "tiny.toml: prior.ocp.recruitment_rate",
        "fit it or set it",
    ),
    "no prior": (
        TINY.replace('"ocp.recruitment_rate" = { low = 0.01, high = 0.3, scale = "log" }', ""),
        "prior",
        "missing",
    ),
    "unknown readout": (TINY.replace('"n_oc"', '"osteoclasts"'), "data.osteoclasts.readout", "expected one of"),
    "window beyond the run": (TINY.replace("[3, 6]", "[3, 60]"), "data.osteoclasts.window", "≤ 6"),
    "turnover from day 0": (
        TINY.replace('"n_oc"', '"turnover"').replace("[3, 6]", "[0, 6]"),
        "data.osteoclasts.window",
        "first day of at least 1",
    ),
    "structure mid-run": (TINY.replace('"n_oc"', '"tb_th_um"'), "data.osteoclasts.window", "days 0 and 6 only"),
    "negative spread": (TINY.replace("sd = 1.0", "sd = -1.0"), "data.osteoclasts.sd", "positive"),
    "no source": (TINY.replace('source = "a made-up count"\n', ""), "data.osteoclasts.source", "missing"),
    "no observed value": (TINY.replace("value = 2.0\n", ""), "data.osteoclasts.value", "missing"),
    "acceptance of one": (
        TINY.replace("generations = 2", "generations = 2\nmin_acceptance = 1"),
        "min_acceptance",
        "[0, 1)",
    ),
    "population of one": (TINY.replace("population = 4", "population = 1"), "tiny.toml: population", "[4, 10000]"),
    "odd grid": (TINY.replace('"grid.width" = 40', '"grid.width" = 41'), "grid.width", "41"),
    "not TOML": ("description = \n", "tiny.toml", "not a valid TOML file"),
    "drugs that are not a list": (
        with_keys('drugs = "denosumab"'),
        "data.osteoclasts.drugs",
        "expected a list of regimens",
    ),
    "unknown drug": (
        with_keys('drugs = ["aspirin"]'),
        "data.osteoclasts.drugs",
        "in aspirin",
    ),
    "drug after the run": (
        with_keys('drugs = ["denosumab@day9"]'),
        "data.osteoclasts.drugs",
        "after the run ends on day 6",
    ),
    "relative without drugs": (
        with_keys("relative = true"),
        "data.osteoclasts.relative",
        "give the drugs too",
    ),
    "relative that is not true or false": (
        with_keys('drugs = ["denosumab"]\nrelative = 1'),
        "data.osteoclasts.relative",
        "expected true or false",
    ),
    "strength declared but not fitted": (
        TINY + '[strength.supply]\n"ocp.death_rate" = { base = 2.0, as = "power" }\n',
        "tiny.toml: strength.supply",
        "give it a range in [prior]",
    ),
    "strength not declared": (
        TINY.replace("[prior]\n", "[prior]\nsupply = { low = 0, high = 1 }\n"),
        "tiny.toml: prior: supply",
        "unknown parameter",
    ),
    "strength tying a parameter also fitted": (
        TINY.replace("[prior]\n", "[prior]\nsupply = { low = 0, high = 1 }\n")
        + '[strength.supply]\n"ocp.recruitment_rate" = { base = 0.1, as = "times" }\n',
        "tiny.toml: strength.supply.ocp.recruitment_rate",
        "is also in [prior]",
    ),
    "strength tying an unknown parameter": (
        STRENGTH.replace('"ocp.death_rate"', '"ocp.death"'),
        "tiny.toml: strength.supply.ocp.death",
        "unknown numeric parameter",
    ),
    "strength with neither power nor times": (
        STRENGTH.replace('as = "power"', 'as = "square"'),
        "tiny.toml: strength.supply.ocp.death_rate.as",
        "'power' or 'times'",
    ),
    "strength with a power of 1": (
        STRENGTH.replace("base = 0.5", "base = 1.0"),
        "tiny.toml: strength.supply.ocp.death_rate.base",
        "other than 1",
    ),
    "strength whose prior end sets a value beyond its range": (
        STRENGTH.replace("high = 1 }", "high = 30 }"),
        "tiny.toml: prior.supply.high",
        "which sets ocp.migration_rate to 180",
    ),
}


@pytest.mark.parametrize("text, field, allowed", list(CARELESS.values()), ids=list(CARELESS))
def test_a_careless_calibration_file_is_refused_naming_the_field(tmp_path, text, field, allowed):
    with pytest.raises(ParameterError) as caught:
        load_calibration(write(tmp_path, text))
    assert field in caught.value.key, caught.value.key
    assert allowed in str(caught.value), str(caught.value)


def test_the_example_calibration_reads_and_names_its_sources():
    spec = load_calibration("turnover")
    assert spec.scenario_path.stem == "healthy"
    assert spec.prior["ocp.recruitment_rate"].scale == "log"
    assert "Parfitt 1983" in spec.data["turnover"].source


def test_the_fingerprint_ignores_when_to_stop_so_a_resume_may_run_more(tmp_path):
    spec = load_calibration(write(tmp_path, TINY))
    assert dataclasses.replace(spec, generations=9).fingerprint() == spec.fingerprint()
    assert dataclasses.replace(spec, min_acceptance=0.2).fingerprint() == spec.fingerprint()
    assert dataclasses.replace(spec, population=5).fingerprint() != spec.fingerprint()


def test_a_readout_without_drugs_keeps_the_fingerprint_it_had_before_readouts_could_have_drugs(tmp_path):
    statistic = load_calibration(write(tmp_path, TINY)).data["osteoclasts"]
    assert statistic.as_dict() == {
        "readout": "n_oc",
        "window": [3, 6],
        "value": 2.0,
        "sd": 1.0,
        "source": "a made-up count",
    }


def test_a_strength_sets_each_parameter_it_ties_and_keeps_its_place_in_the_fingerprint(tmp_path):
    spec = load_calibration(write(tmp_path, STRENGTH))
    assert list(spec.prior) == ["supply", "ocp.recruitment_rate"]
    values = Simulator.of(spec).values({"supply": 0.5, "log10(ocp.recruitment_rate)": -1.0})
    assert values == pytest.approx({"ocp.recruitment_rate": 0.1, "ocp.death_rate": 0.5**0.5, "ocp.migration_rate": 3.0})
    other = load_calibration(write(tmp_path, STRENGTH.replace("base = 6.0", "base = 5.0"), "other.toml"))
    assert other.fingerprint() != spec.fingerprint()
    assert "strength" not in load_calibration(write(tmp_path, TINY)).as_dict()


def test_the_strengths_the_table_holds_are_read_back_from_their_values():
    spec = load_calibration("niche_strengths")
    scenario = load_scenario(spec.scenario_path, spec.fixed).params.as_dict()
    assert table_strength(spec.strengths["contact"], scenario) == pytest.approx(0.5, abs=0.005)
    assert table_strength(spec.strengths["ccl3"], scenario) == pytest.approx(0.15)
    assert table_strength(spec.strengths["ccl3"], scenario | {"ocp.chemotaxis": 50.0}) is None


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(REPO_ROOT / "run.py"), *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize(
    "change, expected",
    [
        (('"grid.height" = 40', '"grid.height" = 40\n"mm.initial_count" = 100000'), ("set.mm.initial_count",)),
        (("population = 4", "population = 0"), ("tiny.toml: population", "[4, 10000]")),
    ],
    ids=["more MM cells than the marrow holds", "no particles"],
)
def test_the_command_refuses_bad_input_with_status_2_one_line_and_no_folder(tmp_path, change, expected, command_here):
    write(tmp_path, TINY.replace(*change))
    result = command_here("calibrate", "tiny.toml", "--out", "fit", "--workers", "1", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and result.stderr.strip().count("\n") == 0, result.stderr
    for part in expected:
        assert part in result.stderr
    assert not (tmp_path / "fit").exists()


# --- readouts ----------------------------------------------------------------------------------------------------
def test_turnover_is_bone_resorbed_in_the_window_per_year_over_the_bone_at_day_0():
    days = np.arange(0, 91)
    series = pd.DataFrame({"day": days, "resorbed_mm2": 0.001 * days, "bv_tv": 20.0})
    # 0.001 mm² a day for 60 days of 1 mm² tissue holding 0.2 mm² of bone: 0.365 mm²/yr / 0.2 mm² = 182.5%/yr
    assert turnover(series, 31, 90, 1.0) == pytest.approx(182.5)


def test_each_job_has_its_own_seed_from_the_root_generation_and_index():
    seeds = {draw_seed(7, t, i) for t in (-1, 0, 1) for i in range(50)}
    assert len(seeds) == 150
    assert draw_seed(7, 0, 3) == draw_seed(7, 0, 3) != draw_seed(8, 0, 3)


# --- one seed, one posterior -------------------------------------------------------------------------------------
def calibrate(spec, out: Path, engine: str, workers: int, resume: bool = False) -> pd.DataFrame:
    out.mkdir(parents=True, exist_ok=True)
    fit(spec, out, make_engine(engine, workers, None, draw_accepted), resume, progress=False)
    return pd.read_parquet(out / "populations.parquet")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The tiny calibration on two local workers, uninterrupted."""
    folder = tmp_path_factory.mktemp("calibration")
    spec = load_calibration(write(folder, TINY))
    return spec, folder / "reference", calibrate(spec, folder / "reference", "local", 2)


def test_a_calibration_writes_its_posterior_summary_figure_and_manifest(reference):
    spec, out, table = reference
    assert sorted(table["generation"].unique()) == [0, 1]
    assert (table.groupby("generation")["weight"].count() == spec.population).all()
    assert table["ocp.recruitment_rate"].between(0.01, 0.3).all()
    summary = json.loads((out / "calibration.json").read_text())
    posterior = summary["parameters"]["ocp.recruitment_rate"]
    assert 0.01 <= posterior["ci95"][0] <= posterior["median"] <= posterior["ci95"][1] <= 0.3
    assert posterior["default"] == 0.03
    assert [g["generation"] for g in summary["generations"]] == [0, 1]
    assert summary["generations"][1]["epsilon"] <= summary["generations"][0]["epsilon"]
    assert summary["simulations"] >= 2 * spec.population
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 11 and manifest["fingerprint"] == spec.fingerprint()
    assert {"niche_abm", "mesa", "pyabc"} <= set(manifest["versions"]) and manifest["git_commit"]
    assert manifest["base_parameters"] == load_scenario(spec.scenario_path, spec.fixed).params.as_dict()
    assert "git" in Image.open(out / "posterior.png").text["Source"]


def test_a_fitted_strength_is_summarised_with_the_values_it_set(tmp_path):
    spec = dataclasses.replace(load_calibration(write(tmp_path, STRENGTH)), generations=1)
    table = calibrate(spec, tmp_path / "fit", "local", 1)
    assert np.allclose(table["ocp.death_rate"], 0.5 ** table["supply"])
    assert np.allclose(table["ocp.migration_rate"], 6.0 * table["supply"])
    posterior = json.loads((tmp_path / "fit" / "calibration.json").read_text())["parameters"]["supply"]
    # the table's 6 /h of migration is strength 1, its 0.014 /h of death 0.5^6.2: they share none
    assert posterior["unit"] == "strength" and posterior["default"] is None
    tied = posterior["sets"]["ocp.migration_rate"]
    assert tied["as"] == "times" and tied["median"] == pytest.approx(6.0 * posterior["median"], rel=0.05)


def test_a_generation_below_the_minimum_acceptance_is_the_last_even_after_a_resume(tmp_path):
    spec = dataclasses.replace(load_calibration(write(tmp_path, TINY)), generations=3, min_acceptance=0.99)
    table = calibrate(spec, tmp_path / "fit", "local", 1)
    assert sorted(table["generation"].unique()) == [0]  # its first generation accepted fewer than 99%
    summary = json.loads((tmp_path / "fit" / "calibration.json").read_text())
    assert summary["generations"][0]["acceptance_rate"] < 0.99
    resumed = calibrate(spec, tmp_path / "fit", "local", 1, resume=True)
    assert sorted(resumed["generation"].unique()) == [0]


def test_one_worker_stopped_after_a_generation_and_resumed_gives_the_same_particles(reference, tmp_path):
    spec, _, expected = reference
    calibrate(dataclasses.replace(spec, generations=1), tmp_path / "fit", "local", 1)
    resumed = calibrate(spec, tmp_path / "fit", "local", 1, resume=True)
    pd.testing.assert_frame_equal(resumed, expected)


def test_a_dask_cluster_on_loopback_gives_the_same_particles(reference, tmp_path):
    spec, _, expected = reference
    pd.testing.assert_frame_equal(calibrate(spec, tmp_path / "fit", "dask", 2), expected)


def stored_generations(database: Path) -> int:
    """How many generations pyABC has stored in its database (0 while it has none or is not there)."""
    if not database.is_file():
        return 0
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
            (last,) = connection.execute("SELECT MAX(t) FROM populations").fetchone()
    except sqlite3.Error:
        return 0
    return 0 if last is None else last + 1


def test_ctrl_c_keeps_the_finished_generations_and_resume_ends_where_an_uninterrupted_calibration_does(tmp_path):
    spec_path = write(tmp_path, TINY.replace("generations = 2", "generations = 3"), "longer.toml")
    expected = calibrate(load_calibration(spec_path), tmp_path / "reference", "local", 1)
    out = tmp_path / "interrupted"
    command = [sys.executable, "run.py", "calibrate", str(spec_path), "--out", str(out), "--workers", "1", "--quiet"]
    stop_with_ctrl_c_when(command, lambda: stored_generations(out / "abc.db") >= 1, "calibration")
    assert 1 <= stored_generations(out / "abc.db") < 3
    assert not (out / "calibration.json").exists()

    resumed = subprocess.run([*command, "--resume"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    pd.testing.assert_frame_equal(pd.read_parquet(out / "populations.parquet"), expected)


def test_replicates_average_each_readout_over_runs_of_their_own_seeds(tmp_path):
    spec = load_calibration(write(tmp_path, TINY.replace("seed = 11", "seed = 11\nreplicates = 2")))
    simulator = Simulator.of(spec)
    particle = {"log10(ocp.recruitment_rate)": -1.0}
    np.random.seed(5)  # noqa: NPY002 (as the sampler seeds each job)
    averaged = simulator(particle)["osteoclasts"]
    np.random.seed(5)  # noqa: NPY002
    seeds = np.random.randint(0, 2**31 - 1, size=2)  # noqa: NPY002
    single = dataclasses.replace(simulator, replicates=1)
    runs = []
    for seed in seeds:
        np.random.seed(0)  # noqa: NPY002
        with mock.patch.object(np.random, "randint", return_value=np.array([seed])):
            runs.append(single(particle)["osteoclasts"])
    assert averaged == pytest.approx(np.mean(runs))


DRUG_EFFECT = (
    TINY.replace("seed = 11", "seed = 11\nreplicates = 2")
    + """
[data.denosumab_cut]
readout = "free_rankl_mean"
window = [3, 6]
drugs = ["denosumab"]
relative = true
value = -0.9
sd = 0.1
source = "a made-up cut"
"""
)


def test_a_relative_readout_is_the_mean_with_its_drugs_over_the_mean_without_on_the_same_seeds(tmp_path):
    spec = load_calibration(write(tmp_path, DRUG_EFFECT))
    simulator = Simulator.of(spec)
    assert simulator.arms() == [(), ("denosumab",)]
    particle = {"log10(ocp.recruitment_rate)": -1.0}
    np.random.seed(5)  # noqa: NPY002 (as the sampler seeds each job)
    readouts = simulator(particle)
    np.random.seed(5)  # noqa: NPY002
    seeds = np.random.randint(0, 2**31 - 1, size=2)  # noqa: NPY002
    overrides = spec.fixed | {"ocp.recruitment_rate": 0.1}

    def mean_over_seeds(readout: str, drugs: tuple[str, ...]) -> float:
        runs = [RunDescription(spec.scenario_path, overrides, drugs, int(seed), spec.days).run() for seed in seeds]
        return float(np.mean([window_mean(run.timeseries, readout, 3, 6) for run in runs]))

    untreated, treated = mean_over_seeds("free_rankl_mean", ()), mean_over_seeds("free_rankl_mean", ("denosumab",))
    assert 0 < treated < untreated
    assert readouts["osteoclasts"] == pytest.approx(mean_over_seeds("n_oc", ()))
    assert readouts["denosumab_cut"] == pytest.approx(treated / untreated - 1.0)


def test_a_readout_under_drugs_alone_runs_only_its_drugs(tmp_path):
    text = with_keys('drugs = ["denosumab"]')
    assert Simulator.of(load_calibration(write(tmp_path, text))).arms() == [("denosumab",)]


def test_a_relative_change_with_nothing_untreated_is_zero_or_rejected():
    assert relative_change(0.0, 0.0) == 0.0
    assert relative_change(1.0, 0.0) == float("inf")
    assert relative_change(3.0, 4.0) == -0.25


def test_a_particle_that_keeps_failing_stops_the_command_with_status_1_and_how_to_go_on(tmp_path, monkeypatch, capsys):
    from niche_abm import cli
    from niche_abm.calibration import fit as fitting
    from niche_abm.jobs import JobFailed

    def failing(*args, **kwargs):
        raise JobFailed("generation 1, particle 3 failed 3 times: ValueError: no marrow left")

    monkeypatch.setattr(fitting, "fit", failing)
    write(tmp_path, TINY)
    assert cli.main(["calibrate", str(tmp_path / "tiny.toml"), "--out", str(tmp_path / "fit"), "--workers", "1"]) == 1
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "particle 3" in error and "--resume" in error
