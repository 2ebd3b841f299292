"""The app's controls: run (Mesa's Step / Play / Pause / Reset and the speed), scenario and parameters,
demos, drugs mid-run, overlay and export.

Step, Play/Pause and Reset are Mesa's own ``ModelController`` (from
``mesa.visualization.solara_viz``): it steps the model ``hours per frame``
times per frame in a background thread, waits ``pause`` ms between frames, and
on Reset rebuilds the model from the panel's settings.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import solara
from mesa.visualization.solara_viz import ModelController, ShowSteps
from mesa.visualization.utils import force_update, update_counter

from niche_abm.app import dosing
from niche_abm.app.export import file_stem, metrics_csv, picture_png
from niche_abm.app.raster import FIELDS, NO_OVERLAY
from niche_abm.app.session import AppModel
from niche_abm.app.settings import GRID, MIN_PAUSE_MS, SLIDERS, Setup, SliderSpec, scenario_names
from niche_abm.demos import DEMOS
from niche_abm.drugs import DRUGS
from niche_abm.model import NicheModel
from niche_abm.params import ParameterError

MAX_SEED = 2**63 - 1


@solara.component
def RunControls(
    model: solara.Reactive[NicheModel],
    model_parameters: solara.Reactive[dict],
    hours_per_frame: solara.Reactive[int],
    pause_ms: solara.Reactive[int],
):
    """Mesa's Reset / Play-Pause / Step, and the speed: simulated hours per frame and the pause between frames."""
    with solara.Card("Run"):
        ModelController(
            model,
            model_parameters=model_parameters,
            play_interval=pause_ms,
            render_interval=hours_per_frame,
            use_threads=solara.use_reactive(False),
        )
        solara.Text(f"speed: {hours_per_frame.value} simulated h per frame", classes=["niche-slider-label"])
        solara.SliderInt("", hours_per_frame, min=1, max=48)
        solara.Text(f"pause between frames: {pause_ms.value} ms", classes=["niche-slider-label"])
        solara.SliderInt("", pause_ms, min=MIN_PAUSE_MS, max=500, step=10)
        ShowSteps(model.value)


@solara.component
def ModelPanel(setup: solara.Reactive[Setup], built_from: dict, on_scenario: Callable[[str], None]):
    """Scenario picker (loads at once), seed, and the main parameters with their units (applied on Reset)."""
    problem = solara.use_reactive("")
    current = setup.value
    names = scenario_names()

    def set_seed(text: str) -> None:
        try:
            seed = int(text)
        except ValueError:
            seed = -1
        if not 0 <= seed <= MAX_SEED:
            problem.set(f"seed: got {text.strip()!r}; expected an integer from 0 to 2^63 − 1")
            return
        problem.set("")
        setup.set(current.with_seed(seed))

    with solara.Card("Scenario and parameters"):
        solara.Select(
            "scenario",
            values=names,
            value=current.scenario if current.scenario in names else None,
            on_value=on_scenario,
        )
        solara.InputText("seed", value=str(current.seed), on_value=set_seed)
        if problem.value:
            solara.Warning(problem.value, dense=True)
        grid = int(current.values[GRID])
        for spec in SLIDERS:
            ParameterSlider(
                spec,
                current.values[spec.key],
                spec.high_for(grid),
                lambda v, k=spec.key: setup.set(setup.value.with_value(k, v)),
            )
        if current.model_kwargs() != built_from:
            solara.Info("Changed: press Reset to rebuild the marrow with these settings.", dense=True)


@solara.component
def ParameterSlider(spec: SliderSpec, value: float, high: float, on_value: Callable[[float], None]):
    """One main parameter: its name, value and unit above a slider."""
    shown = f"{100 * value:g}%" if spec.unit == "fraction" else f"{value:g} {spec.unit}"
    solara.Text(f"{spec.label}: {shown}", classes=["niche-slider-label"])
    if spec.whole:
        solara.SliderInt("", value=int(value), min=int(spec.low), max=int(high), step=int(spec.step), on_value=on_value)
    else:
        solara.SliderFloat("", value=float(value), min=spec.low, max=high, step=spec.step, on_value=on_value)


@solara.component
def DemoPicker(demo: tuple[str, int] | None, on_demo: Callable[[str, int], None]):
    """Choose a teaching demo and one of its arms; either choice loads it at once."""
    titles = {d.title: name for name, d in DEMOS.items()}
    chosen = DEMOS[demo[0]] if demo else None
    with solara.Card("Teaching demos"):
        solara.Select(
            "demo",
            values=list(titles),
            value=chosen.title if chosen else None,
            on_value=lambda title: on_demo(titles[title], 0),
        )
        if chosen is not None and len(chosen.arms) > 1:
            labels = [arm.label for arm in chosen.arms]
            solara.Select(
                "arm",
                values=labels,
                value=labels[demo[1]],
                on_value=lambda label: on_demo(chosen.name, labels.index(label)),
            )


@solara.component
def DrugPanel(model: AppModel):
    """Start a drug at a dose now, or stop it; the effect shows from the next hour on."""
    drug = solara.use_reactive("lenalidomide")
    amount = solara.use_reactive(f"{dosing.default_dose('lenalidomide')[0]:g}")
    unit = solara.use_reactive(dosing.default_dose("lenalidomide")[1])
    interval = solara.use_reactive(dosing.default_interval("lenalidomide"))
    left_out = solara.use_reactive([])
    message = solara.use_reactive(("", ""))

    def choose(name: str) -> None:
        drug.set(name)
        left_out.set([])
        dose, dose_unit = dosing.default_dose(name)
        amount.set(f"{dose:g}")
        unit.set(dose_unit)
        interval.set(dosing.default_interval(name))

    def start() -> None:
        try:
            regimen = dosing.regimen_from_panel(
                drug.value, amount.value, unit.value, interval.value, tuple(left_out.value)
            )
            with model.lock:
                if model.giving(drug.value):
                    message.set(("warning", f"{drug.value} is already given; stop it first to change its dose"))
                    return
                given = model.start_drug(regimen)
        except ParameterError as error:
            message.set(("warning", f"{drug.value}: {error.message}"))
            return
        message.set(("success", f"started {given.drug.name} on day {given.start_day:.1f}"))
        force_update()

    def stop() -> None:
        with model.lock:
            stopped = model.stop_drug(drug.value)
            day = model.day
        if not stopped:
            message.set(("warning", f"{drug.value} is not being given"))
            return
        message.set(("success", f"stopped {drug.value} on day {day:.1f}"))
        force_update()

    with solara.Card("Drugs (start or stop mid-run)"):
        with solara.Row():
            solara.Select("drug", values=list(DRUGS), value=drug.value, on_value=choose)
            solara.InputText("dose", value=amount, continuous_update=True)
            solara.Select("unit", values=list(dosing.UNITS), value=unit)
            if unit.value in dosing.MASS_UNITS:
                solara.Select("given", values=list(dosing.INTERVALS), value=interval)
        solara.Text(DRUGS[drug.value].mechanism)
        if len(DRUGS[drug.value].targets) > 1:
            solara.SelectMultiple("leave out", values=left_out, all_values=list(DRUGS[drug.value].targets))
        with solara.Row():
            solara.Button("Start now", color="success", on_click=start)
            solara.Button(f"Stop {drug.value}", on_click=stop)
        kind, text = message.value
        if kind == "warning":
            solara.Warning(text, dense=True)
        elif kind == "success":
            solara.Success(text, dense=True)
        DrugStatus(model)


@solara.component
def DrugStatus(model: AppModel):
    """Every regimen of the run and its concentration now."""
    update_counter.get()
    with model.lock:
        regimens, hour = model.treatment.regimens, float(model.hour)
    if not regimens:
        solara.Text("No drug given.")
    for regimen in regimens:
        solara.Text(dosing.describe(regimen, hour))


@solara.component
def OverlayPicker(overlay: solara.Reactive[str], opacity: solara.Reactive[float]):
    """Which field to lay over the marrow, and how strongly."""
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Text("overlay:")
        solara.ToggleButtonsSingle(
            value=overlay, values=[NO_OVERLAY, *FIELDS], dense=True, style={"flex-wrap": "wrap", "height": "auto"}
        )
    if overlay.value != NO_OVERLAY:
        solara.SliderFloat(f"overlay opacity: {opacity.value:.0%}", opacity, min=0.1, max=1.0, step=0.05)


@solara.component
def ExportPanel(model: AppModel, overlay: str, opacity: float):
    """Download the picture now (PNG, with legend and colour bar) and the metrics so far (CSV)."""
    stem = file_stem(model.title)
    picture = solara.use_memo(
        lambda: functools.partial(picture_png, model, overlay, opacity, model.title),
        [model, overlay, opacity],
    )
    table = solara.use_memo(lambda: functools.partial(metrics_csv, model), [model])
    with solara.Card("Export"):
        solara.FileDownload(picture, filename=f"{stem}.png", label="Picture (PNG)", mime_type="image/png")
        solara.FileDownload(table, filename=f"{stem}_metrics.csv", label="Metrics so far (CSV)", mime_type="text/csv")
