"""The app's page: one model per browser tab, the marrow picture with its overlay, live time courses,
and the controls around them.

Solara renders ``Page`` once per browser tab (kernel), so the model built here
with ``use_memo`` belongs to that tab alone; a model built at module level
would be shared by every visitor. Run it with ``python run.py app``.
"""

from __future__ import annotations

import solara

from niche_abm.app.controls import DemoPicker, DrugPanel, ExportPanel, ModelPanel, OverlayPicker, RunControls
from niche_abm.app.raster import NO_OVERLAY
from niche_abm.app.session import AppModel
from niche_abm.app.settings import MIN_PAUSE_MS, Setup, scenario_setup
from niche_abm.app.views import CSS, DemoExplanation, MarrowView, StatusLine, TimeCourses
from niche_abm.demos import DEMOS
from niche_abm.params import ParameterError
from niche_abm.scenario import load_scenario

DEFAULT_SCENARIO = "mm_niche"
TITLE = "niche_abm: the myeloma bone-marrow niche"


def demo_setup(name: str, arm: int) -> Setup:
    """The setup of one arm of a demo: its scenario's sliders, its fixed overrides and drugs."""
    settings = DEMOS[name].model_settings(arm)
    base = scenario_setup(settings["scenario"], settings["seed"])
    on_sliders = {key: value for key, value in settings["overrides"].items() if key in base.values}
    fixed = {key: value for key, value in settings["overrides"].items() if key not in base.values}
    values = {**base.values, **on_sliders}
    return Setup(base.scenario, values, base.seed, fixed, settings["drugs"], settings["title"])


@solara.component
def Page():
    """The whole app for one browser tab."""
    first_setup = solara.use_memo(lambda: scenario_setup(DEFAULT_SCENARIO), [])
    first_model = solara.use_memo(lambda: AppModel(**first_setup.model_kwargs()), [])
    setup = solara.use_reactive(first_setup)
    model = solara.use_reactive(first_model)
    model_parameters = solara.use_reactive(setup.value.model_kwargs())
    demo = solara.use_reactive(None)
    overlay = solara.use_reactive(NO_OVERLAY)
    opacity = solara.use_reactive(0.6)
    hours_per_frame = solara.use_reactive(2)
    pause_ms = solara.use_reactive(MIN_PAUSE_MS)
    problem = solara.use_reactive("")

    def rebuild(new_setup: Setup) -> bool:
        try:
            built = AppModel(**new_setup.model_kwargs())
        except ParameterError as error:
            problem.set(f"Could not build the marrow: {error}")
            return False
        problem.set("")
        setup.set(new_setup)
        model.set(built)
        return True

    def on_scenario(name: str) -> None:
        if rebuild(scenario_setup(name, setup.value.seed)):
            demo.set(None)

    def on_demo(name: str, arm: int) -> None:
        if rebuild(demo_setup(name, arm)):
            demo.set((name, arm))

    solara.Style(CSS)
    solara.Title(TITLE)
    with solara.AppBar():
        solara.AppBarTitle(TITLE)
    with solara.Sidebar():
        DemoPicker(demo.value, on_demo)
        RunControls(model, model_parameters, hours_per_frame, pause_ms)
        ModelPanel(setup, model.value.built_from, on_scenario)
        ExportPanel(model.value, overlay.value, opacity.value)

    current = model.value
    if problem.value:
        solara.Error(problem.value)
    StatusLine(current)
    if demo.value is not None:
        DemoExplanation(DEMOS[demo.value[0]], demo.value[1])
    else:
        solara.Text(f"{current.title}: {load_scenario(setup.value.scenario).description}")
    with solara.Columns([5, 6]):
        with solara.Column():
            OverlayPicker(overlay, opacity)
            MarrowView(current, overlay.value, opacity.value)
        with solara.Column():
            TimeCourses(current)
            DrugPanel(current)
