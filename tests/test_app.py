"""The app's parts without a browser: the picture, the bounded history, drugs mid-run, the panels' input,
exports, the chart, one model per tab, and the teaching demos run headless."""

from __future__ import annotations

import io
import json
import re
import threading
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import forbid_regimen_text, place, settle, tiny_model
from PIL import Image

from niche_abm.app import dosing
from niche_abm.app.charts import PANELS, drug_starts, time_course_option
from niche_abm.app.export import file_stem, metrics_csv, picture_png
from niche_abm.app.history import DecimatedHistory
from niche_abm.app.raster import (
    FIELDS,
    LUT,
    NO_OVERLAY,
    colour_scale,
    compose_frame,
    field_scale,
    legend_entries,
    png_bytes,
)
from niche_abm.app.session import AppModel
from niche_abm.app.settings import GRID, SLIDERS, Setup, scenario_names, scenario_setup, scenario_values
from niche_abm.cells import MyelomaCell, Osteoclast, StromalCell
from niche_abm.demos import DEMOS, Arm, Demo, about_text, demo_figure, find_demo, run_arm, run_arm_job, run_demo
from niche_abm.drugs.regimen import parse_regimen
from niche_abm.engines import LocalEngine
from niche_abm.metrics import COLUMNS
from niche_abm.params import ParameterError
from niche_abm.scenario import load_scenario

SMALL = {"grid.width": 60, "grid.height": 60}


@pytest.fixture(scope="module")
def small_model() -> AppModel:
    """A 60 x 60 myeloma marrow run for two days."""
    model = AppModel("demos/myeloma_marrow", seed=3, overrides={**SMALL, "mm.initial_count": 100})
    for _ in range(48):
        model.step()
    return model


# --- the picture ---------------------------------------------------------------------------------
def _pixel(colour) -> tuple[int, ...]:
    return tuple(int(c * 255) for c in colour)


def test_frame_is_one_pixel_per_site_with_the_top_row_at_the_top_of_the_section():
    bone = np.zeros((24, 20))
    bone[:, 0] = 1.0  # a bone strip along the bottom edge (y = 0)
    model = tiny_model(bone)
    place(model, MyelomaCell, (3, 19), cd49d=1.0)  # a cell on the top edge (y = 19)
    place(model, Osteoclast, (10, 0), nuclei=2)  # a cell on the bone surface of the strip
    settle(model)
    image = compose_frame(model)
    assert image.shape == (20, 24, 3) and image.dtype == np.uint8
    assert tuple(image[0, 3]) == _pixel(MyelomaCell.kind.colour)
    assert tuple(image[-1, 10]) == _pixel(Osteoclast.kind.colour), "an osteoclast shows on the bone it sits on"
    bone_pixels = np.delete(image[-1, :], 10, axis=0)
    assert bone_pixels.min() > 200  # the rest of the bottom row is bone (pale)


def test_overlay_colours_marrow_only_and_full_opacity_shows_the_colour_map():
    bone = np.zeros((24, 20))
    bone[:, 0] = 1.0
    model = tiny_model(bone)
    place(model, StromalCell, (5, 10))
    settle(model)
    plain = compose_frame(model, NO_OVERLAY)
    covered = compose_frame(model, "RANKL", opacity=1.0)
    assert np.array_equal(plain[-1], covered[-1])  # bone untouched
    rankl = model.signals.map("rankl").T[::-1]
    brightest = np.unravel_index(np.argmax(np.where(model.bone.marrow.T[::-1], rankl, -1)), rankl.shape)
    assert tuple(covered[brightest]) == tuple(LUT[255])


def test_colour_scales_are_linear_from_zero_or_logarithmic_over_the_marrow():
    values = np.array([[0.5, 2.0], [8.0, 100.0]])
    marrow = np.array([[True, True], [True, False]])
    linear = colour_scale(values, marrow, log=False)
    assert (linear.low, linear.high) == (0.0, 8.0)
    assert linear.fraction(np.array([4.0]))[0] == pytest.approx(0.5)
    log = colour_scale(values, marrow, log=True)
    assert (log.low, log.high) == (0.5, 8.0)
    assert log.fraction(np.array([2.0]))[0] == pytest.approx(0.5)
    assert log.ticks(3) == pytest.approx([0.5, 2.0, 8.0])
    assert colour_scale(np.zeros((2, 2)), marrow, log=False).high == 1.0  # no CCL3 yet: a valid scale


def test_held_scales_widen_to_every_range_seen_and_never_narrow():
    model = AppModel("demos/myeloma_marrow", overrides={**SMALL, "mm.initial_count": 100})
    first = model.held_scales.widen("free RANKL", field_scale(model, "free RANKL"))
    model.start_drug(parse_regimen("denosumab=0.01uM"))
    model.step()
    now = field_scale(model, "free RANKL")
    assert now.high < 0.2 * first.high
    assert model.held_scales.widen("free RANKL", now) == first  # the fall shows as a darker overlay
    ratio = model.held_scales.widen("RANKL/OPG", field_scale(model, "RANKL/OPG"))
    assert ratio.log and ratio.low < ratio.high


def test_every_overlay_has_a_unit_and_draws(small_model):
    for name, field in FIELDS.items():
        assert field.unit
        image = compose_frame(small_model, name)
        assert image.shape == (60, 60, 3)


def test_png_decodes_to_the_same_picture(small_model):
    image = compose_frame(small_model, "CCL3")
    decoded = np.asarray(Image.open(io.BytesIO(png_bytes(image))))
    assert np.array_equal(decoded, image)


def test_legend_names_bone_and_every_cell_kind():
    labels = [label for label, _ in legend_entries()]
    assert labels[:2] == ["bone", "lost bone"]
    for kind in ("myeloma cell", "osteoclast", "osteoblast", "stromal cell (PreOB)"):
        assert kind in labels


# --- the bounded history -------------------------------------------------------------------------
def test_history_keeps_every_day_until_its_limit():
    history = DecimatedHistory(limit=10, rows=({"day": d} for d in range(8)))
    assert [row["day"] for row in history] == list(range(8))


def test_history_stays_bounded_and_evenly_spaced_over_a_long_run():
    history = DecimatedHistory(limit=10)
    for day in range(1000):
        history.append({"day": day})
    days = [row["day"] for row in history]
    assert len(days) <= 11
    assert days[0] == 0 and days[-1] == 999
    spacing = np.diff(days[:-1])
    assert (spacing == history.every).all() and history.every == 128


def test_app_model_keeps_a_bounded_history_and_a_full_timeseries_until_then():
    model = AppModel("demos/myeloma_marrow", overrides={**SMALL, "mm.initial_count": 20}, history_limit=4)
    model.run(days=9)
    assert isinstance(model.records, DecimatedHistory)
    frame = model.timeseries()
    assert len(frame) <= 5 and frame["day"].iloc[-1] == 9.0
    assert list(frame.columns[: len(COLUMNS)]) == list(COLUMNS)


# --- drugs started and stopped mid-run ---------------------------------------------------------
def test_a_drug_started_mid_run_acts_from_the_current_hour_only():
    model = AppModel("demos/myeloma_marrow", overrides={**SMALL, "mm.initial_count": 50})
    model.run(days=2)
    given = model.start_drug(parse_regimen("denosumab=0.01uM"))
    assert given.start_day == 2.0
    assert model.treatment.concentrations(47.0)["denosumab"] == 0.0
    model.step()
    assert model.effects["free_rankl"] < 0.1
    model.run(days=1)
    exposure = model.timeseries()["conc_denosumab_um"]
    assert exposure.iloc[:3].isna().all() and exposure.iloc[-1] == 0.01  # recorded from day 3 on


def test_stopping_a_clamped_drug_ends_it_now_and_drops_a_scheduled_one():
    model = tiny_model()
    model.start_drug(parse_regimen("lenalidomide=10uM"))
    model.start_drug(parse_regimen("lenalidomide=10uM@day30"))
    for _ in range(30):
        model.step()
    model.stop_drug("lenalidomide")
    (kept,) = model.treatment.regimens
    assert kept.stop_day == pytest.approx(30 / 24)
    assert model.treatment.concentrations(29.0)["lenalidomide"] == 10.0
    assert model.treatment.concentrations(30.0)["lenalidomide"] == 0.0


def test_a_stopped_mass_dose_still_washes_out():
    model = tiny_model()
    model.start_drug(parse_regimen("denosumab=120mg/4w"))
    for _ in range(48):
        model.step()
    model.stop_drug("denosumab")
    assert model.treatment.concentrations(72.0)["denosumab"] > 0.0
    assert len(model.treatment.regimens[0].dose_times_h(24 * 60)) == 1


def test_a_regimen_that_would_stop_before_now_is_refused():
    model = tiny_model()
    for _ in range(72):
        model.step()
    with pytest.raises(ParameterError, match="before day 3"):
        model.start_drug(parse_regimen("lenalidomide=10uM@day1:day2"))


def test_the_app_runs_the_same_niche_as_the_command_line():
    from niche_abm.model import NicheModel

    plain = NicheModel(load_scenario("demos/myeloma_marrow", SMALL), seed=5).run(days=2)
    in_app = AppModel("demos/myeloma_marrow", seed=5, overrides=SMALL).run(days=2)
    pd.testing.assert_frame_equal(plain, in_app)


# --- the drug panel's input ----------------------------------------------------------------------
@pytest.mark.parametrize("amount", [-1.0, 0.0, None, float("nan")])
def test_panel_refuses_a_dose_that_is_not_positive(amount):
    with pytest.raises(ParameterError) as error:
        dosing.regimen_from_panel("lenalidomide", amount, "µM", "once")
    assert error.value.key == "lenalidomide"
    assert "dose" in error.value.message


def test_panel_builds_its_regimen_without_writing_and_parsing_regimen_text(monkeypatch):
    forbid_regimen_text(monkeypatch)
    regimen = dosing.regimen_from_panel("bortezomib", 1.3, "mg/m²", "every 3.5 days")
    assert (regimen.dose_mg, regimen.every_h) == (1.3 * 1.8, 84.0)


def test_panel_refuses_an_absurd_dose_with_the_command_line_message():
    with pytest.raises(ParameterError, match="absurd for lenalidomide"):
        dosing.regimen_from_panel("lenalidomide", 1e6, "µM", "once")


def test_panel_turns_a_mass_dose_and_interval_into_a_regimen():
    regimen = dosing.regimen_from_panel("denosumab", 120, "mg", "every 4 weeks")
    assert (regimen.dose_mg, regimen.every_h, regimen.concentration_um) == (120.0, 672.0, None)
    held = dosing.regimen_from_panel("pomalidomide", 500, "nM", "every week")
    assert held.concentration_um == pytest.approx(0.5) and held.every_h is None
    assert "held at 0.5 µM from day 0.0" in dosing.describe(held, 0.0)


def test_panel_leaves_out_the_actions_chosen_and_says_so():
    regimen = dosing.regimen_from_panel("lenalidomide", 10, "µM", "once", ("mm_ccl3_secretion",))
    assert regimen.without == ("mm_ccl3_secretion",)
    assert dosing.describe(regimen, 0.0).startswith("lenalidomide without mm_ccl3_secretion: held at 10 µM")
    with pytest.raises(ParameterError, match="leaves out every effect of zoledronic-acid") as error:
        dosing.regimen_from_panel("zoledronic-acid", 1, "µM", "once", ("osteoclast_death", "resorption"))
    assert error.value.key == "zoledronic-acid"


def test_panel_starts_each_drug_at_its_in_vitro_concentration():
    assert dosing.default_dose("lenalidomide") == (10.0, "µM")
    assert dosing.default_dose("denosumab") == (7.0, "nM")


@pytest.mark.parametrize("typed", ["abc", "1e9x", "10 µM"])
def test_panel_refuses_dose_text_that_is_not_a_number_rather_than_an_earlier_dose(typed):
    with pytest.raises(ParameterError, match=f"dose '{typed}' is not a number"):
        dosing.regimen_from_panel("lenalidomide", typed, "µM", "once")
    assert dosing.regimen_from_panel("lenalidomide", " 5 ", "µM", "once").concentration_um == 5.0
    with pytest.raises(ParameterError, match="enter a dose"):
        dosing.regimen_from_panel("lenalidomide", "  ", "µM", "once")


def test_panel_offers_each_drug_its_own_clinical_interval():
    assert dosing.default_interval("lenalidomide") == "every day"
    assert dosing.default_interval("denosumab") == "every 4 weeks"
    assert dosing.default_interval("bortezomib") == "every 3.5 days"


def test_a_drug_is_given_until_stopped_and_stopping_one_not_given_says_so():
    model = tiny_model()
    assert not model.giving("lenalidomide") and model.stop_drug("lenalidomide") is False
    model.start_drug(parse_regimen("lenalidomide=10uM@day5"))
    assert model.giving("lenalidomide"), "a scheduled regimen counts: Start now would double it on day 5"
    assert model.stop_drug("lenalidomide") is True
    assert not model.giving("lenalidomide") and model.treatment.regimens == ()


# --- exports, chart and settings --------------------------------------------------------------
def test_picture_export_is_a_png_with_legend_room(small_model):
    data = picture_png(small_model, "RANKL/OPG", 0.6, "My run")
    picture = Image.open(io.BytesIO(data))
    assert picture.format == "PNG" and picture.width > 600 and picture.height > 500
    run = json.loads(picture.text["Description"])
    assert (run["scenario"], run["seed"], run["day"]) == ("demos/myeloma_marrow", 3, 2.0)
    assert run["overrides"]["mm.initial_count"] == 100 and run["parameters"]["mm.initial_count"] == 100
    assert run["parameters"] == small_model.params.as_dict()


def test_metrics_export_has_every_day_so_far(small_model):
    frame = pd.read_csv(io.BytesIO(metrics_csv(small_model)))
    assert list(frame["day"]) == [0.0, 1.0, 2.0]
    assert set(COLUMNS) <= set(frame.columns)
    assert file_stem("2. The vicious cycle: myeloma") == "2_the_vicious_cycle_myeloma"


def test_chart_has_six_panels_one_point_a_day_and_a_line_where_a_drug_started():
    rows = [{"day": float(d), **dict.fromkeys(COLUMNS[1:], float(d))} for d in range(5)]
    starts = drug_starts([parse_regimen("denosumab@day3")])
    option = time_course_option(rows, starts)
    assert len(option["grid"]) == len(PANELS) == 6
    assert all(len(series["data"]) == 5 for series in option["series"])
    assert option["series"][0]["markLine"]["data"] == [{"xAxis": 3.0, "name": "denosumab"}]
    assert [s["name"] for s in option["series"]] == [
        "BV/TV",
        "MM cells",
        "osteoclasts",
        "osteoblasts",
        "RANKL/OPG",
        "microvessels",
        "IL-6",
        "DKK1 / 100",
    ]
    assert option["series"][-1]["data"][2] == [2.0, 0.02], "DKK1 is drawn in hundreds of pg/mL"


def test_drugs_started_on_one_day_share_one_label():
    rows = [{"day": float(d), **dict.fromkeys(COLUMNS[1:], float(d))} for d in range(5)]
    starts = drug_starts([parse_regimen("lenalidomide=10uM@day2"), parse_regimen("denosumab@day2")])
    option = time_course_option(rows, starts)
    assert option["series"][0]["markLine"]["data"] == [{"xAxis": 2.0, "name": "denosumab + lenalidomide"}]


@pytest.mark.parametrize("scenario", scenario_names())
def test_every_scenario_value_lies_on_its_sliders_grid(scenario):
    """A value between a slider's steps is rounded by the browser and sent back, so Reset would rebuild another
    marrow than the scenario's (mm.division_rate_adherent 0.0008 on a 0.001 step once did)."""
    values = scenario_values(scenario)
    for spec in SLIDERS:
        steps = (values[spec.key] - spec.low) / spec.step
        assert spec.low <= values[spec.key] <= spec.high, spec.key
        assert steps == pytest.approx(round(steps), abs=1e-6), f"{spec.key} = {values[spec.key]} off its step"


@pytest.mark.parametrize("grid", [60, 140])
def test_every_corner_of_the_sliders_builds_a_marrow(grid):
    """The sliders' extremes together (no Reset may fail with a traceback: 10 MM cells in 20 foci once did)."""
    setup = scenario_setup("mm_niche").with_value(GRID, grid)
    specs = {spec.key: spec for spec in SLIDERS}
    for bv_tv in (specs["bone.bv_tv"].low, specs["bone.bv_tv"].high):
        for count in (specs["mm.initial_count"].low + 10, specs["mm.initial_count"].high_for(grid)):
            for foci in (specs["mm.initial_foci"].low, specs["mm.initial_foci"].high):
                corner = setup.with_value("bone.bv_tv", bv_tv).with_value("mm.initial_count", count)
                model = AppModel(**corner.with_value("mm.initial_foci", foci).model_kwargs())
                assert model.records[-1]["n_mm"] == corner.values["mm.initial_count"]


def test_sliders_start_from_the_scenario_and_carry_units():
    values = scenario_values("mm_advanced")
    assert values["mm.initial_count"] == 3000 and values[GRID] == 200
    assert all(spec.unit for spec in SLIDERS)
    assert "demos/myeloma_marrow" in scenario_names() and "healthy" in scenario_names()


def test_a_smaller_grid_keeps_the_mm_count_within_what_it_holds():
    setup = scenario_setup("mm_advanced").with_value(GRID, 60)
    assert setup.values["mm.initial_count"] <= 0.15 * 60 * 60
    kwargs = setup.model_kwargs()
    assert kwargs["overrides"]["grid.height"] == 60
    model = AppModel(**kwargs)
    assert model.lattice.shape == (60, 60) and model.built_from == kwargs


def test_setup_keeps_demo_extras_that_are_not_on_a_slider():
    setup = Setup("demos/myeloma_marrow", scenario_values("demos/myeloma_marrow"), 2, {"culture.transwell": 1})
    assert setup.overrides()["culture.transwell"] == 1
    assert not AppModel(**setup.model_kwargs()).niche.contact_possible


# --- one model per browser tab --------------------------------------------------------------------
def test_each_page_builds_its_own_model():
    """Two renders of the page (two tabs) hold two models: a drug given in one is not in the other."""
    import ipyvuetify as v
    import solara

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Solara's hook check on a Mesa component this app does not use
        from niche_abm.app.page import Page

        _, first = solara.render(Page(), handle_error=False)
        _, second = solara.render(Page(), handle_error=False)
    first.find(v.Btn, children=["Start now"]).widget.click()

    def regimens(rc) -> list[str]:
        return [w.children[0] for w in rc.find(v.Html, tag="span").widgets if "µM" in str(w.children)]

    assert any(text.startswith("lenalidomide: held at 10 µM") for text in regimens(first))
    assert regimens(second) == []


# --- teaching demos ------------------------------------------------------------------------------
def test_the_demos_exist_with_their_explanations():
    assert list(DEMOS) == [
        "healthy",
        "vicious-cycle",
        "contact",
        "imids",
        "rankl-block",
        "imid-actions",
        "cut-the-cycle",
    ]
    for demo in DEMOS.values():
        assert demo.look_for and demo.question and demo.what_happened
        for index, arm in enumerate(demo.arms):
            settings = demo.model_settings(index)
            load_scenario(settings["scenario"], settings["overrides"])
            assert all(parse_regimen(text) for text in arm.drugs)
    assert any("natalizumab" in arm.drugs for arm in DEMOS["contact"].arms)
    assert any(dict(arm.overrides).get("culture.transwell") == 1 for arm in DEMOS["contact"].arms)
    assert {start for arm in DEMOS["imids"].arms for start, _ in arm.drug_starts()} == {20.0}
    left_out = [parse_regimen(text).without for arm in DEMOS["imid-actions"].arms for text in arm.drugs]
    assert left_out == [(), ("osteoclast_formation",), ("stroma_contact_response",), ("mm_ccl3_secretion",)]
    cuts = [dict(arm.overrides) for arm in DEMOS["cut-the-cycle"].arms]
    assert cuts[0] == {} and cuts[-1] == {"mm.initial_count": 0}
    assert {"mm.ccl3_secretion": 0.0} in cuts and {"stroma.contact_il6_fold": 1.0} in cuts


def test_unknown_demo_names_the_closest():
    with pytest.raises(ParameterError, match="did you mean 'vicious-cycle'"):
        find_demo("vicius-cycle")


SHORT = Demo(
    name="short",
    title="A short demo",
    scenario="demos/myeloma_marrow",
    days=2,
    arms=(
        Arm("no drug", (("grid.width", 60), ("grid.height", 60))),
        Arm("denosumab from day 1", (("grid.width", 60), ("grid.height", 60)), ("denosumab@day1",)),
    ),
    look_for="look",
    question="ask",
    what_happened="this",
)


def test_a_demo_arm_runs_headless_with_snapshots_and_files(tmp_path):
    result = run_arm(SHORT, 1, tmp_path)
    assert [day for day, _ in result.snapshots] == [0.0, 1.0, 1.0, 2.0]
    assert result.timeseries["conc_denosumab_um"].iloc[-1] > 0
    assert (tmp_path / "denosumab_from_day_1" / "overview.png").stat().st_size > 10_000
    with Image.open(tmp_path / "denosumab_from_day_1" / "overview.png") as picture:
        run = json.loads(picture.text["Description"])
    assert run["drugs"] == ["denosumab=120mg/28d@day1"] and run["parameters"]["grid.width"] == 60 and run["days"] == 2
    assert len(pd.read_csv(tmp_path / "denosumab_from_day_1" / "timeseries.csv")) == 3
    figure = demo_figure(SHORT, [result, result])
    assert len(figure.axes) == 2 * 4 + 4
    text = about_text(SHORT, [result])
    assert "**Question to ask.** ask" in text and "| denosumab from day 1 |" in text


def test_run_demo_writes_the_figure_and_notes_and_resumes_only_the_arm_it_had_not_kept(tmp_path):
    first = run_demo(SHORT, tmp_path, LocalEngine(2, run_arm_job))
    assert [r.arm.label for r in first] == ["no drug", "denosumab from day 1"]
    assert Image.open(tmp_path / "demo.png").format == "PNG"
    assert (tmp_path / "about.md").read_text(encoding="utf-8").startswith("# A short demo")
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["git_commit"] and manifest["versions"]["mesa"] and manifest["demo"] == SHORT.name
    first_drugs, second_drugs = (arm["drugs"] for arm in manifest["arms"].values())
    assert second_drugs[len(first_drugs) :] == ["denosumab@day1"] or "denosumab" in second_drugs[-1]
    assert all(arm["seed"] == 1 and arm["parameters"]["grid.width"] for arm in manifest["arms"].values())
    kept, lost = (tmp_path / arm.slug for arm in SHORT.arms)
    (lost / "result.npz").unlink()  # as if interrupted before the second arm was kept
    written = {path.name: path.stat().st_mtime_ns for path in kept.iterdir()}
    assert sorted(written) == ["overview.png", "result.npz", "timeseries.csv"]
    again = run_demo(SHORT, tmp_path, LocalEngine(1, run_arm_job))
    assert {path.name: path.stat().st_mtime_ns for path in kept.iterdir()} == written, "the kept arm was not rerun"
    assert again[0].seconds == first[0].seconds, "the kept arm's result is read back, not recomputed"
    assert (lost / "result.npz").is_file()
    for before, after in zip(first, again, strict=True):
        pd.testing.assert_frame_equal(after.timeseries, before.timeseries, check_exact=True)
        for (day_before, image_before), (day_after, image_after) in zip(before.snapshots, after.snapshots, strict=True):
            assert day_after == day_before
            np.testing.assert_array_equal(image_after, image_before)
    assert (tmp_path / "about.md").read_text(encoding="utf-8") == about_text(SHORT, again)


def test_app_refuses_a_port_out_of_range_before_starting_anything(capsys):
    from niche_abm.cli import main

    assert main(["app", "--port", "70000"]) == 2
    error = capsys.readouterr().err
    assert "--port" in error and "[0, 65535]" in error


def test_demo_arm_folders_keep_the_dose_unit_readable():
    from niche_abm.demos import DEMOS

    slugs = [arm.slug for arm in DEMOS["imids"].arms]
    assert "lenalidomide_10_um_from_day_20" in slugs
    assert all(re.fullmatch(r"[a-z0-9_]+", slug) for slug in slugs)


def test_a_step_waits_while_the_page_reads_the_model():
    """Mesa's controller steps in its own thread while the page renders: an hour cannot start while a view holds
    the model's lock (a frame read mid-hour once found half-moved cells), and starts as soon as it is released."""
    model = AppModel("demos/myeloma_marrow", overrides={**SMALL, "mm.initial_count": 50})
    with model.lock:
        stepping = threading.Thread(target=model.step)
        stepping.start()
        stepping.join(timeout=0.5)
        assert stepping.is_alive() and model.hour == 0
    stepping.join(timeout=30)
    assert not stepping.is_alive() and model.hour == 1
