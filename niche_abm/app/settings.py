"""What a run in the app is built from: the scenario, the main parameters on sliders, the seed, a demo's extras.

The sliders show the parameters a class or a researcher most often turns, each
with its unit from the parameter table; their starting values are the chosen
scenario's. A :class:`Setup` gathers everything the model is (re)built from,
so Reset always rebuilds exactly what the panel shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from niche_abm.params import BY_NAME
from niche_abm.scenario import SCENARIO_DIR, list_scenarios, load_scenario

GRID = "grid.width"
"""The grid slider sets width and height together (a square section)."""

MM_SHARE_OF_GRID = 0.15
"""The MM slider reaches at most this share of the grid's sites, so seeding always finds room."""


MIN_PAUSE_MS = 100
"""Shortest pause between frames while playing, ms. Mesa's controller redraws the page after every frame from its
stepping thread; with no pause it asked for a redraw every ~10 ms while a 200 x 200 frame took ~90 ms to draw on a
slow machine, so a click (Pause) re-rendered the page while every pass saw new state, until Reacton gave up ("Too many
renders triggered": the page showed the traceback; 2 of 3 runs of tests/test_app_browser.py under load, 2026-12-02).
A pause longer than the drawing lets a pass finish between frames."""


@dataclass(frozen=True)
class SliderSpec:
    """One main parameter on a slider: its dotted name, what the slider says, its range and step."""

    key: str
    label: str
    low: float
    high: float
    step: float

    @property
    def unit(self) -> str:
        return BY_NAME[self.key].unit

    @property
    def whole(self) -> bool:
        """Whether the parameter takes whole numbers."""
        return isinstance(BY_NAME[self.key].default, int)

    def high_for(self, grid_sites: int) -> float:
        """The slider's top for a grid of this many sites per side."""
        if self.key == "mm.initial_count":
            return min(self.high, self.step * int(MM_SHARE_OF_GRID * grid_sites**2 // self.step))
        return self.high


SLIDERS = (
    SliderSpec(GRID, "grid size (each way; a site is 10 µm)", 60, 400, 20),
    SliderSpec("bone.bv_tv", "bone volume at start (BV/TV)", 0.1, 0.4, 0.01),
    SliderSpec("mm.initial_count", "MM cells at start", 0, 6000, 10),
    SliderSpec("mm.initial_foci", "MM foci at start", 1, 20, 1),
    SliderSpec("mm.adhesion_rate", "MM adhesion to stroma (CD49d/VCAM-1)", 0.0, 2.0, 0.05),
    SliderSpec("stroma.contact_rankl_fold", "stromal RANKL on MM contact", 1.0, 10.0, 0.5),
    SliderSpec("stroma.contact_opg_fold", "stromal OPG on MM contact", 0.0, 1.0, 0.05),
    SliderSpec("mm.ccl3_secretion", "CCL3 secretion per MM cell", 0, 2000, 50),
    SliderSpec("mm.division_rate_adherent", "division of adherent MM cells", 0.0, 0.05, 0.0001),
    SliderSpec("ocp.recruitment_rate", "osteoclast precursor recruitment", 0.0, 0.3, 0.01),
    SliderSpec("oc.lifespan_h", "osteoclast lifespan", 48, 720, 24),
    SliderSpec("ob.formation_rate", "bone formation per osteoblast", 0.0, 0.01, 0.0005),
)


def scenario_names() -> list[str]:
    """The scenarios the picker offers: those of scenarios/ and the demo marrows of scenarios/demos/."""
    demos = [f"demos/{path.stem}" for path in sorted((SCENARIO_DIR / "demos").glob("*.toml"))]
    return [name for name, _ in list_scenarios()] + demos


def scenario_values(scenario: str) -> dict[str, float]:
    """The slider values a scenario starts from."""
    params = load_scenario(scenario).params
    return {spec.key: params[spec.key] for spec in SLIDERS}


@dataclass(frozen=True)
class Setup:
    """Everything a run is built from.

    Attributes:
        scenario: scenario name or path.
        values: slider values by dotted name (GRID sets width and height).
        seed: the model's seed.
        fixed: overrides not on a slider (a demo arm's, e.g. ``culture.transwell``).
        drugs: regimens given from the start (a demo arm's, e.g. ``lenalidomide=10uM@day20``).
        title: what the run is called on screen and in exports.
    """

    scenario: str
    values: Mapping[str, float]
    seed: int = 1
    fixed: Mapping[str, Any] = field(default_factory=dict)
    drugs: tuple[str, ...] = ()
    title: str = ""

    def overrides(self) -> dict[str, Any]:
        """The parameter overrides: the demo's fixed ones, then the sliders (the grid both ways)."""
        sliders = dict(self.values)
        sliders["grid.height"] = sliders[GRID]
        return {**self.fixed, **sliders}

    def model_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :class:`niche_abm.app.session.AppModel`."""
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "overrides": self.overrides(),
            "drugs": self.drugs,
            "title": self.title or self.scenario,
        }

    def with_value(self, key: str, value: float) -> Setup:
        """This setup with one slider moved (the MM count kept within what the grid holds)."""
        values = {**self.values, key: value}
        mm = next(spec for spec in SLIDERS if spec.key == "mm.initial_count")
        values[mm.key] = min(values[mm.key], mm.high_for(int(values[GRID])))
        return replace(self, values=values)

    def with_seed(self, seed: int) -> Setup:
        """This setup with another seed."""
        return replace(self, seed=seed)


def scenario_setup(scenario: str, seed: int = 1) -> Setup:
    """The setup of a scenario as its file gives it."""
    return Setup(scenario, scenario_values(scenario), seed, title=scenario)
