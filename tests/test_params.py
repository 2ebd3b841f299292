"""The parameter table, its validation, scenario files and the rules that cite parameters."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from niche_abm import NicheModel, params
from niche_abm.params import BY_NAME, TABLE, ParameterError, build_parameters
from niche_abm.rules import Rule
from niche_abm.scenario import SCENARIO_DIR, load_scenario, parse_assignment

SCENARIO_FILES = sorted(SCENARIO_DIR.glob("*.toml"))
NUMBERS = [p for p in TABLE if not isinstance(p.default, str)]
TEXTS = [p for p in TABLE if isinstance(p.default, str)]
RULE_GROUPS = ("stroma", "mm", "ocp", "oc", "ob")


def _raises(overrides: dict, key: str, *fragments: str) -> ParameterError:
    with pytest.raises(ParameterError) as error:
        build_parameters(overrides)
    assert error.value.key == key
    message = str(error.value)
    assert message.startswith(f"{key}: ")
    for fragment in fragments:
        assert fragment in message, message
    return error.value


# --- the table ---------------------------------------------------------------------------


def test_defaults_are_valid():
    defaults = build_parameters()
    assert defaults.as_dict() == {p.name: p.default for p in TABLE}
    assert defaults.mm.initial_count == BY_NAME["mm.initial_count"].default
    assert defaults["rankl.decay_per_h"] == BY_NAME["rankl.decay_per_h"].default


def test_parameter_names_are_unique_dotted_and_lower_case():
    assert len(BY_NAME) == len(TABLE)
    for p in TABLE:
        assert re.fullmatch(r"[a-z0-9]+\.[a-z0-9_]+", p.name), p.name


@pytest.mark.parametrize("p", TABLE, ids=lambda p: p.name)
def test_every_parameter_has_a_source_and_a_description(p):
    assert p.source.strip(), f"{p.name} has no source"
    assert p.description.strip(), f"{p.name} has no description"


@pytest.mark.parametrize("p", NUMBERS, ids=lambda p: p.name)
def test_every_number_has_a_unit_or_is_dimensionless_and_renders(p):
    """A unit is text without stray spaces; '' marks a pure number (Hill coefficient, shape), 'x' a multiplier.

    The rule printer must render each: value, then ' unit', or 'x', or nothing (also for 'fraction', 'relative',
    'probability').
    """
    assert isinstance(p.unit, str)
    assert p.unit == p.unit.strip()
    text = Rule("cells", f"{{{p.name}}}", lambda: None).describe(build_parameters())
    value = f"{p.default:g}"
    bare = {"": value, "fraction": value, "relative": value, "probability": value, "x": value + "x"}
    expected = bare.get(p.unit, f"{value} {p.unit}")
    assert text.startswith(f"In cells, {expected} (")


@pytest.mark.parametrize("p", NUMBERS, ids=lambda p: p.name)
def test_every_number_default_lies_in_its_range(p):
    assert p.low is not None and p.high is not None
    assert p.low <= p.high
    assert p.low <= p.default <= p.high
    assert p.check(p.default) == p.default
    if isinstance(p.default, int):
        assert float(p.low).is_integer() and float(p.high).is_integer()


@pytest.mark.parametrize("p", TEXTS, ids=lambda p: p.name)
def test_every_text_default_is_one_of_its_choices(p):
    assert p.low is None and p.high is None
    if p.choices:
        assert p.default in p.choices
    assert p.check(p.default) == p.default


# --- validation --------------------------------------------------------------------------


def test_unknown_key_suggests_the_nearest_name():
    error = _raises({"mm.initial_cont": 5}, "mm.initial_cont", "unknown parameter", "did you mean 'mm.initial_count'")
    assert "python run.py params" in str(error)


def test_unknown_key_far_from_any_name_has_no_suggestion():
    error = _raises({"zzz.qqq": 1}, "zzz.qqq", "unknown parameter")
    assert "did you mean" not in str(error)


@pytest.mark.parametrize(
    ("key", "value", "allowed"),
    [
        ("mm.adhesion_rate", "fast", "number in [0, 10]"),
        ("mm.adhesion_rate", None, "number in [0, 10]"),
        ("mm.adhesion_rate", [0.5], "number in [0, 10]"),
        ("mm.initial_count", "100", "integer in [0, 1e+06]"),
        ("mm.initial_count", True, "integer in [0, 1e+06]"),
        ("mm.initial_count", 2.5, "integer in [0, 1e+06]"),
        ("bone.mask_file", 3, "a text"),
        ("fields.outer_boundary", "reflecting", "one of 'no_flux', 'absorbing'"),
    ],
)
def test_wrong_type_names_the_key_and_what_is_allowed(key, value, allowed):
    _raises({key: value}, key, allowed, repr(value))


@pytest.mark.parametrize(
    ("key", "value", "allowed"),
    [
        ("mm.adhesion_rate", 50, "[0, 10]"),
        ("mm.adhesion_rate", -0.1, "[0, 10]"),
        ("mm.adhesion_rate", float("nan"), "[0, 10]"),
        ("mm.adhesion_rate", float("inf"), "[0, 10]"),
        ("mm.initial_foci", 0, "[1, 1000]"),
        ("binding.opg_rankl_kd_pm", 1e6, "[1, 100000]"),
        ("bone.bv_tv", 0.9, "[0.05, 0.6]"),
    ],
)
def test_out_of_range_names_the_key_and_the_range(key, value, allowed):
    _raises({key: value}, key, allowed, "got")


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_value_for_an_integer_names_the_key(value):
    _raises({"mm.initial_count": value}, "mm.initial_count", "integer in [0, 1e+06]")


def test_whole_floats_are_accepted_as_integers():
    assert build_parameters({"mm.initial_count": 100.0}).mm.initial_count == 100
    assert isinstance(build_parameters({"mm.initial_count": 100.0}).mm.initial_count, int)
    assert isinstance(build_parameters({"mm.adhesion_rate": 1}).mm.adhesion_rate, float)


def test_grid_not_tiled_by_the_voxels_names_the_grid_dimension():
    _raises({"grid.width": 201}, "grid.width", "201", "rankl.voxel_um", "multiple of 2")
    _raises({"grid.height": 202}, "grid.height", "opg.voxel_um", "multiple of 4")


def test_voxel_not_a_whole_number_of_sites_is_refused():
    _raises({"rankl.voxel_um": 25.0}, "rankl.voxel_um", "25", "multiple of the 10 µm site")


def test_grid_must_hold_five_voxels_of_each_field():
    _raises({"grid.width": 32, "opg.voxel_um": 80.0}, "grid.width", "fewer than 5 voxels", "opg.voxel_um")


def test_replace_validates_its_overrides():
    defaults = build_parameters()
    assert defaults.replace(**{"mm.initial_count": 5}).mm.initial_count == 5
    assert defaults.mm.initial_count == BY_NAME["mm.initial_count"].default
    with pytest.raises(ParameterError):
        defaults.replace(**{"mm.initial_count": -1})


# --- scenario files ------------------------------------------------------------------------


def test_there_are_scenarios_to_load():
    assert {path.stem for path in SCENARIO_FILES} >= {"healthy", "mm_niche", "mm_advanced"}


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda path: path.stem)
def test_every_shipped_scenario_loads(path):
    scenario = load_scenario(path)
    assert scenario.name == path.stem
    assert scenario.description and "\n" not in scenario.description
    assert scenario.days is None or 1 <= scenario.days <= 3650
    assert load_scenario(path.stem).params.as_dict() == scenario.params.as_dict()


def test_scenario_overrides_by_table_and_dotted_key(tmp_path):
    path = _write(tmp_path, 'description = "x"\ndays = 30\n"mm.initial_foci" = 4\n[mm]\ninitial_count = 12\n')
    scenario = load_scenario(path)
    assert scenario.days == 30
    assert scenario.params.mm.initial_count == 12
    assert scenario.params.mm.initial_foci == 4


def test_bone_mask_is_read_relative_to_the_scenario_file(tmp_path):
    bone = np.zeros((40, 40))
    bone[:10] = 1.0
    np.save(tmp_path / "section.npy", bone)
    path = _write(tmp_path, 'description = "x"\n[grid]\nwidth = 40\nheight = 40\n[bone]\nmask_file = "section.npy"\n')
    np.testing.assert_array_equal(load_scenario(path).bone(), bone)
    assert load_scenario(SCENARIO_FILES[0]).bone() is None


def _write(tmp_path: Path, text: str, name: str = "trial.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _scenario_raises(path_or_name, *fragments: str, overrides=None) -> ParameterError:
    with pytest.raises(ParameterError) as error:
        load_scenario(path_or_name, overrides)
    for fragment in fragments:
        assert fragment in str(error.value), str(error.value)
    return error.value


def test_malformed_toml_is_refused(tmp_path):
    path = _write(tmp_path, 'description = "x"\n[mm\ninitial_count = 3\n')
    _scenario_raises(path, "trial.toml", "not a valid TOML file", "line 2")


@pytest.mark.parametrize("text", ["[mm]\ninitial_count = 3\n", 'description = "  "\n', "description = 7\n"])
def test_scenario_without_a_description_is_refused(tmp_path, text):
    _scenario_raises(_write(tmp_path, text), "trial.toml: description", "missing")


def test_unknown_key_in_a_scenario_table_is_refused_with_a_suggestion(tmp_path):
    path = _write(tmp_path, 'description = "x"\n[mm]\ninitial_cont = 3\n')
    error = _scenario_raises(path, "mm.initial_cont", "did you mean 'mm.initial_count'", "(in trial.toml)")
    assert error.key == "mm.initial_cont"


def test_out_of_range_value_in_a_scenario_names_the_file(tmp_path):
    path = _write(tmp_path, 'description = "x"\n[mm]\nadhesion_rate = 50.0\n')
    error = _scenario_raises(path, "mm.adhesion_rate", "[0, 10]", "(in trial.toml)")
    assert error.key == "mm.adhesion_rate"


@pytest.mark.parametrize("days", ["0", "3651", "1.5", '"ninety"', "true"])
def test_bad_days_are_refused(tmp_path, days):
    path = _write(tmp_path, f'description = "x"\ndays = {days}\n')
    _scenario_raises(path, "trial.toml: days", "integer in [1, 3650]")


def test_unknown_scenario_name_lists_the_known_ones():
    _scenario_raises("no_such_scenario", "no scenario named 'no_such_scenario'", "healthy")


def test_missing_scenario_file_is_refused(tmp_path):
    _scenario_raises(tmp_path / "absent.toml", "does not exist")


def test_set_override_is_parsed_as_a_toml_value_or_as_text():
    assert parse_assignment("mm.initial_count=100") == ("mm.initial_count", 100)
    assert parse_assignment(" mm.adhesion_rate = 0.25 ") == ("mm.adhesion_rate", 0.25)
    assert parse_assignment("fields.outer_boundary=absorbing") == ("fields.outer_boundary", "absorbing")
    assert parse_assignment('bone.mask_file="a=b.png"') == ("bone.mask_file", "a=b.png")


@pytest.mark.parametrize("text", ["mm.initial_count", "=5", " = 5"])
def test_set_override_without_a_key_is_refused(text):
    with pytest.raises(ParameterError, match=r"--set: got .*; expected KEY=VALUE"):
        parse_assignment(text)


def test_a_folder_given_as_a_scenario_is_named_a_folder(tmp_path):
    _scenario_raises(tmp_path, "is a folder, not a file")


def test_set_override_is_applied_over_the_scenario():
    scenario = load_scenario("mm_niche", dict([parse_assignment("mm.initial_count=7")]))
    assert scenario.params.mm.initial_count == 7


def test_set_override_out_of_range_is_refused_naming_set():
    overrides = dict([parse_assignment("mm.adhesion_rate=50")])
    error = _scenario_raises("healthy", "mm.adhesion_rate", "[0, 10]", "(in --set)", overrides=overrides)
    assert error.key == "mm.adhesion_rate"


def test_set_override_with_an_unknown_key_is_refused_naming_set():
    overrides = dict([parse_assignment("mm.initial_cont=7")])
    _scenario_raises("healthy", "did you mean 'mm.initial_count'", "(in --set)", overrides=overrides)


# --- rules cite the table ------------------------------------------------------------------


@pytest.fixture(scope="module")
def rules():
    import niche_abm.model  # noqa: F401  (registers the rules)
    from niche_abm.rules import RULES

    assert RULES, "no rules registered"
    return RULES


def test_every_parameter_a_rule_cites_exists(rules):
    missing = {(rule.cell, name) for rule in rules for name in rule.parameters if name not in params.BY_NAME}
    assert not missing


def test_every_rule_reads_as_a_sentence_with_values_and_sources(rules):
    defaults = build_parameters()
    for rule in rules:
        text = rule.describe(defaults)
        assert text.startswith(f"In {rule.cell}, ")
        assert "{" not in text and "}" not in text
        assert text.endswith(").")


def test_every_cell_parameter_is_cited_by_a_rule(rules):
    cited = {name for rule in rules for name in rule.parameters}
    uncited = [p.name for p in TABLE if p.group in RULE_GROUPS and p.name not in cited]
    assert not uncited, f"not cited by any rule: {uncited}"


def test_the_days_limit_is_one_constant_that_every_check_states(tmp_path):
    from niche_abm.experiment import RunDescription
    from niche_abm.scenario import MAX_DAYS, check_days
    from niche_abm.sweep import load_sweep

    package = Path(params.__file__).parent
    written = [path.relative_to(package) for path in package.rglob("*.py") if str(MAX_DAYS) in path.read_text()]
    assert written == [Path("scenario.py")]
    sweep = tmp_path / "long.toml"
    sweep.write_text(f'description = "too long"\nscenario = "healthy"\ndays = {MAX_DAYS + 1}\n')
    for check in (
        lambda: check_days(MAX_DAYS + 1, "--days"),
        lambda: RunDescription("healthy", days=MAX_DAYS + 1),
        lambda: load_sweep(sweep),
    ):
        with pytest.raises(ParameterError, match=f"{MAX_DAYS}]"):
            check()


# --- every allowed value runs ------------------------------------------------------------------

CROWDED_SMALL_NICHE = {"grid.width": 40, "grid.height": 40, "mm.initial_count": 300, "mm.initial_foci": 2}
"""mm_advanced shrunk to 0.16 mm² with its MM cells packed into two foci, so crowded division, pushing and
squeezing happen from the first hours."""
BOUNDS = [
    (p.name, value) for p in NUMBERS if not p.choices and not p.name.startswith("grid.") for value in (p.low, p.high)
]


@pytest.mark.parametrize("name, value", BOUNDS, ids=[f"{n}={v:g}" for n, v in BOUNDS])
def test_every_parameter_runs_at_both_ends_of_its_allowed_range(name, value):
    """A value the table allows either runs (two days of a crowded small mm_advanced) or is refused with the
    clear ParameterError of bad input (e.g. more MM cells than free marrow sites); nothing else may fail.
    (mm.push_radius_um = 0, inside its range, once crashed a crowded division.)"""
    try:
        model = NicheModel(load_scenario("mm_advanced", {**CROWDED_SMALL_NICHE, name: value}), seed=1)
    except ParameterError:
        return
    for _ in range(48):
        model.step()
    assert model.records and np.isfinite(model.records[-1]["bv_tv"])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_more_foci_than_mm_cells_seeds_every_cell_in_a_focus_of_its_own(seed):
    """10 MM cells in 20 foci (sliders the app allows together) once crashed the seeding with an empty focus."""
    crowded = {"grid.width": 60, "grid.height": 60, "bone.bv_tv": 0.1, "mm.initial_count": 10, "mm.initial_foci": 20}
    model = NicheModel(load_scenario("mm_niche", crowded), seed=seed)
    assert model.records[-1]["n_mm"] == 10
