"""Teaching demos: a scenario, the ways to run it (arms), and what to tell the class.

Each demo runs on a small marrow from ``scenarios/demos/`` (1 x 1 mm, 100 x 100
sites, so a headless run takes seconds) with one or more arms: a label,
parameter overrides and drug regimens on top of the scenario (a drug started
mid-run is a regimen with a start day). Its explanation has three parts, as the
Info tab of a classroom model: what to look for, a question to ask, and what
happened, in plain words.

In the app a demo loads one arm at a time; ``python run.py demo NAME`` runs all
arms side by side, each arm one job of an engine (:mod:`niche_abm.engines`: two
local processes by default, or Dask), and writes, into results/demos/NAME/:
``demo.png`` (the marrow of every arm at four days, and the time courses),
``about.md`` (the explanation and the measured numbers) and, per arm,
``<arm>/timeseries.csv`` and ``<arm>/overview.png`` (with the field maps) and
``<arm>/result.npz`` (the pictures of demo.png and the arm's wall time). An arm
is finished when its result.npz exists, written whole after the other files, so
an interrupted demo keeps its finished arms and ``--resume`` runs only the rest.
"""

from __future__ import annotations

import difflib
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from niche_abm.cycle import Arrow, arrows
from niche_abm.drugs.regimen import parse_regimen
from niche_abm.engines import Engine
from niche_abm.experiment import RunDescription
from niche_abm.folders import atomic_text, atomic_write
from niche_abm.io import png_metadata, provenance
from niche_abm.jobs import JobFailed, describe_lost, run_jobs
from niche_abm.params import ParameterError
from niche_abm.plots import compose_rgb, extent_mm, legend_handles, overview_figure, plot_time_courses

SEED = 1
SNAPSHOTS = 4
"""Marrow pictures per arm in demo.png, evenly spaced from day 0 to the last day."""
RETRIES = 1
"""How often an arm whose run failed or whose worker died is tried again."""
RESULT = "result.npz"
"""The file, in an arm's folder, that marks the arm finished (written last)."""


@dataclass(frozen=True)
class Arm:
    """One way to run a demo: a label and what it changes on top of the demo's scenario.

    Attributes:
        label: short name on screen and in figures.
        overrides: parameter overrides by dotted name.
        drugs: regimens in the command-line syntax; a start day gives the drug mid-run.
    """

    label: str
    overrides: tuple[tuple[str, Any], ...] = ()
    drugs: tuple[str, ...] = ()

    @property
    def slug(self) -> str:
        """The label as a folder name."""
        return re.sub(r"[^a-z0-9]+", "_", self.label.lower().replace("µ", "u")).strip("_")

    def drug_starts(self) -> list[tuple[float, str]]:
        """(start day, drug name) of each regimen of the arm."""
        return [(regimen.start_day, regimen.drug.name) for regimen in map(parse_regimen, self.drugs)]


@dataclass(frozen=True)
class Demo:
    """A guided demo.

    Attributes:
        name: command-line name (``python run.py demo NAME``).
        title: one line on screen.
        scenario: scenario name (``demos/myeloma_marrow``) the arms build on.
        days: simulated days of a headless run.
        arms: the ways to run it; the app loads the first unless told otherwise.
        look_for: what to watch on the screen.
        question: a question to ask the class.
        what_happened: the outcome and its reason, in plain words (numbers from ``python run.py demo NAME``).
    """

    name: str
    title: str
    scenario: str
    days: int
    arms: tuple[Arm, ...]
    look_for: str
    question: str
    what_happened: str

    def model_settings(self, arm: int = 0) -> dict[str, Any]:
        """Scenario, overrides, drugs, seed and title of one arm (keyword arguments of the app's model)."""
        chosen = self.arms[arm]
        return {
            "scenario": self.scenario,
            "seed": SEED,
            "overrides": dict(chosen.overrides),
            "drugs": chosen.drugs,
            "title": f"{self.title}: {chosen.label}",
        }


MYELOMA = "demos/myeloma_marrow"
DRUG_DAY = 20
TAUGHT_ARROWS = ("ccl3", "stroma_contact", "osteoclast_support", "stromal_il6")
"""The arrows of the vicious cycle the demo 'cut-the-cycle' cuts, one an arm (niche_abm.cycle)."""


def _cycle_arrows(names: tuple[str, ...]) -> tuple[Arrow, ...]:
    """The arrows of the vicious cycle a demo cuts, in the order named."""
    known = {arrow.name: arrow for arrow in arrows()}
    return tuple(known[name] for name in names)


DEMOS: dict[str, Demo] = {
    demo.name: demo
    for demo in (
        Demo(
            name="healthy",
            title="1. Healthy remodelling",
            scenario="demos/healthy_marrow",
            days=90,
            arms=(Arm("healthy marrow"),),
            look_for=(
                "Red osteoclasts appear on the bone surface and eat small pits into it (rust = bone removed). "
                "A few days later blue osteoblasts gather in the same pits and slowly fill them again. "
                "Watch the BV/TV curve: it dips a little and stays almost flat."
            ),
            question=(
                "Why do osteoblasts come to exactly the places where osteoclasts have been? "
                "What would happen to the skeleton if they came a little less often?"
            ),
            what_happened=(
                "Osteoclasts resorb bone in small packets, and the resorbed surface calls osteoblasts in to refill "
                "it (coupling). Resorbing is fast, refilling slow, so at any moment some pits are still open and "
                "BV/TV sits a little below its start. In 90 days this 1 mm² piece resorbed 0.0103 mm² (about 5% "
                "of its bone, some 19% a year, within adult turnover) and had refilled 0.0097 mm², so "
                "BV/TV ended at 21.9% (21.73% at its lowest). "
                "RANKL/OPG stays at its healthy, low level the whole time."
            ),
        ),
        Demo(
            name="vicious-cycle",
            title="2. The vicious cycle",
            scenario=MYELOMA,
            days=60,
            arms=(Arm("myeloma"), Arm("no myeloma (same marrow)", (("mm.initial_count", 0),))),
            look_for=(
                "Purple MM cells sit beside green stromal cells and stick to them. Switch the overlay to RANKL/OPG: "
                "it glows around the MM foci. Osteoclasts gather there and the bone next to the MM cells turns "
                "rust (lost). The MM curve climbs while BV/TV falls."
            ),
            question=(
                "The MM cells never touch the bone. How do they make it disappear, and why does losing bone "
                "help the MM cells grow?"
            ),
            what_happened=(
                "MM cells that stick to stroma make the stroma release more RANKL and less OPG, and the MM cells "
                "release CCL3, which calls osteoclast precursors. More osteoclasts form and resorb bone, and "
                "osteoclasts in turn keep the MM cells near them alive, by touch and through the APRIL they secrete "
                "(demo 7). In 60 days BV/TV fell from 22.0% to 19.9% (no myeloma: 21.9%), the MM cells grew from "
                "300 to 974 and RANKL/OPG rose 1.8-fold (0.015 to 0.027)."
            ),
        ),
        Demo(
            name="contact",
            title="3. Contact matters",
            scenario=MYELOMA,
            days=60,
            arms=(
                Arm("contact"),
                Arm("anti-CD49d (natalizumab)", drugs=("natalizumab",)),
                Arm("transwell (no contact)", (("culture.transwell", 1),)),
            ),
            look_for=(
                "Run the three arms one after the other (arm picker). With contact, RANKL/OPG rises around the "
                "MM foci. Anti-CD49d blocks only the VLA-4 share of adhesion, at its clinical dose only partly, so "
                "many MM cells still hold on to stroma; in the transwell they share the medium but never touch it. "
                "Compare the MM curve and the RANKL/OPG overlay."
            ),
            question=(
                "The MM cells and their secreted factors are the same in all three arms. "
                "Why does it matter whether they touch the stroma?"
            ),
            what_happened=(
                "The stromal RANKL rise needs touch (Giuliani et al. 2001). In the transwell RANKL/OPG stayed at "
                "its healthy level (0.015 against 0.027 with contact), and the MM cells, without the protection "
                "of adhesion and the IL-6 that touched stroma makes, grew more slowly (300 to 729, against "
                "974): half of the bone loss was spared (BV/TV 20.9% against 19.9%); the rest came from the "
                "osteoclasts that the MM cells' CCL3 still calls in. Anti-CD49d did not show the point in this "
                "run: at its clinical dose it blocks only part of the binding, and here the MM cells ended about "
                "as numerous as with contact (941), RANKL/OPG rose as much (0.027) and about as much bone was lost "
                "(20.0%)."
            ),
        ),
        Demo(
            name="imids",
            title="4. IMiDs restore the balance",
            scenario=MYELOMA,
            days=60,
            arms=(
                Arm(f"lenalidomide 10 µM from day {DRUG_DAY}", drugs=(f"lenalidomide=10uM@day{DRUG_DAY}",)),
                Arm(f"pomalidomide 1 µM from day {DRUG_DAY}", drugs=(f"pomalidomide=1uM@day{DRUG_DAY}",)),
                Arm("no drug"),
            ),
            look_for=(
                f"Let the vicious cycle run until day {DRUG_DAY}, when the drug starts (dashed line in the plots). "
                "Then watch the RANKL/OPG overlay fade around the MM foci, the RANKL/OPG curve bend down and "
                "BV/TV stop falling as fast."
            ),
            question=(
                "Lenalidomide does not touch the bone or the osteoclasts' RANKL directly. "
                "Which links of the vicious cycle does it cut?"
            ),
            what_happened=(
                "IMiDs lower CD49d on MM cells (less adhesion), cut their CCL3, blunt the stroma's response to "
                "contact and slow osteoclast formation (Bolzoni et al. 2013). Within a day of the start RANKL/OPG "
                "fell back towards the healthy level (0.021 to 0.017 with lenalidomide) and the bone loss slowed: "
                "BV/TV at day 60 was 21.3% with lenalidomide and 21.5% with pomalidomide against 19.9% without. "
                "The MM cells kept growing (747 with lenalidomide, 865 with pomalidomide, against 974 without), "
                "and RANKL/OPG crept up again with them (0.019 at day 60). They are held here at co-culture "
                "concentrations, above what a patient's blood reaches."
            ),
        ),
        Demo(
            name="rankl-block",
            title="5. Blocking RANKL",
            scenario=MYELOMA,
            days=60,
            arms=(
                Arm(f"denosumab from day {DRUG_DAY}", drugs=(f"denosumab=120mg/4w@day{DRUG_DAY}",)),
                Arm(f"OPG-Fc from day {DRUG_DAY}", drugs=(f"opg-fc=210mg/1w@day{DRUG_DAY}",)),
                Arm("no drug"),
            ),
            look_for=(
                f"At day {DRUG_DAY} the antibody is injected (dashed line). Switch the overlay to free RANKL: it "
                "goes dark although the stroma still makes RANKL. Osteoclasts stop forming, the last ones die, "
                "and the BV/TV curve flattens, while the MM cells keep growing almost as fast."
            ),
            question="Denosumab saves the bone. Why does it slow the myeloma so much less?",
            what_happened=(
                "Denosumab and OPG-Fc catch RANKL before it reaches RANK on osteoclast precursors, so no new "
                "osteoclasts form and the old ones lose their survival signal: bone loss stops within a week "
                "(BV/TV 21.8% when it started, 21.76% at its lowest on day 24, 21.9% at day 60 with denosumab, "
                "21.7% with OPG-Fc, 19.9% without). The MM cells grew on, a tenth more slowly (864 with either "
                "drug against 974 without): osteoclasts keep alive the MM cells near them, by touch (at most one "
                "MM cell in seven lies within 50 µm of one here) and through the APRIL they secrete, and with the "
                "osteoclasts gone that support goes too. But the tumour's main supports, the IL-6 of touched "
                "stroma, adhesion and the vessels, are untouched: blocking RANKL breaks the bone side of the "
                "cycle and takes only the osteoclasts' share of the tumour's support."
            ),
        ),
        Demo(
            name="imid-actions",
            title="6. What lenalidomide needs",
            scenario=MYELOMA,
            days=60,
            arms=(
                Arm(f"lenalidomide 10 µM from day {DRUG_DAY}", drugs=(f"lenalidomide=10uM@day{DRUG_DAY}",)),
                Arm(
                    "without its fusion block",
                    drugs=(f"lenalidomide~osteoclast_formation=10uM@day{DRUG_DAY}",),
                ),
                Arm(
                    "without blunting the stroma's response",
                    drugs=(f"lenalidomide~stroma_contact_response=10uM@day{DRUG_DAY}",),
                ),
                Arm("without its CCL3 cut", drugs=(f"lenalidomide~mm_ccl3_secretion=10uM@day{DRUG_DAY}",)),
                Arm("no drug"),
            ),
            look_for=(
                f"Each arm gives lenalidomide from day {DRUG_DAY} with one of its actions switched off (the drug "
                "panel's 'leave out' does the same by hand). Compare BV/TV at day 60 across the arms, and the "
                "RANKL/OPG overlay in the arm without the blunted stromal response."
            ),
            question=(
                "If lenalidomide could keep only one of its actions, which one would you keep? Why does switching "
                "off any one of them cost so little bone?"
            ),
            what_happened=(
                "With the whole drug from day 20, BV/TV at day 60 was 21.3% against 19.9% without it. Switched off "
                "one at a time, its actions cost little: 21.2% without the fusion block, 21.1% without the blunted "
                "stromal response (whose arm alone has RANKL/OPG back at the untreated 0.027) and 21.5% without the "
                "CCL3 cut, within one seed's noise of the whole drug. The actions stand in for one another: over "
                "16 seeds each alone gives about half of the drug's effect, and each left out costs at most two "
                "fifths of it (python run.py dissect lenalidomide, in the README). Its cut of CD49d is left out "
                "of the arms because it changes nothing: MM cells next to stroma still stick at the lowered "
                "adhesion rate."
            ),
        ),
        Demo(
            name="cut-the-cycle",
            title="7. Cut the cycle",
            scenario=MYELOMA,
            days=60,
            arms=(
                Arm("myeloma, every arrow"),
                *(Arm(f"cut: {arrow.label}", arrow.cut) for arrow in _cycle_arrows(TAUGHT_ARROWS)),
                Arm("no myeloma (same marrow)", (("mm.initial_count", 0),)),
            ),
            look_for=(
                "Each arm cuts one arrow of the vicious cycle and leaves the others: MM's CCL3, the stroma's "
                "RANKL/OPG response to touch, the osteoclasts' support of the MM cells near them (by touch and "
                "through their APRIL), and the IL-6 touched stroma make for MM. Compare the osteoclasts and the "
                "rust-coloured lost bone beside the MM foci, and the BV/TV and MM curves, arm by arm."
            ),
            question=(
                "Which arrows does the bone loss need, and which ones does the tumour's growth need? Does cutting "
                "an arrow that destroys bone slow the tumour?"
            ),
            what_happened=(
                "BV/TV at day 60 was 19.9% with every arrow and 21.9% with no myeloma. Cutting MM's CCL3 kept "
                "21.1%: half as much bone was resorbed (0.011 against 0.022 mm²) and osteoblasts, no longer held "
                "back by CCL3, refilled twice as much. Cutting the stroma's response to touch kept 21.1%, with "
                "RANKL/OPG back at its healthy 0.015 and half as much bone resorbed. Cutting the osteoclasts' "
                "support (touch and APRIL) kept 20.65% and slowed the tumour (845 MM cells at day 60 against "
                "974). Cutting the touched stroma's IL-6 slowed it most (806) and spared no bone (20.0%). One "
                "marrow varies: over 16 seeds (python run.py cycle, in the README) CCL3 and the contact response "
                "are each needed for most of MM's bone loss, the IL-6 arrow for a third of its growth and the "
                "osteoclasts' support for a fifth of it, and cutting CCL3 or the contact response slows the "
                "tumour a little too, through the osteoclasts' APRIL: bone loss feeds MM back."
            ),
        ),
    )
}


def find_demo(name: str) -> Demo:
    """The demo of this name; raises ParameterError with the closest name."""
    if name in DEMOS:
        return DEMOS[name]
    close = difflib.get_close_matches(name, DEMOS, n=1, cutoff=0.4)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ParameterError("demo", f"no demo named {name!r}{hint}; known: {', '.join(DEMOS)}")


def demo_list() -> str:
    """Every demo: name, title, arms and the command that runs it."""
    lines = []
    for demo in DEMOS.values():
        arms = "; ".join(arm.label for arm in demo.arms)
        lines.append(f"{demo.name:14s} {demo.title} ({demo.days} days; {arms})")
        lines.append(f"{'':14s} python run.py demo {demo.name}")
    return "\n".join(lines)


# --- headless runs ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ArmResult:
    """One arm's run: its daily metrics, the marrow at the snapshot days and its wall time."""

    arm: Arm
    timeseries: pd.DataFrame
    snapshots: tuple[tuple[float, np.ndarray], ...]
    seconds: float


def snapshot_days(days: int) -> list[int]:
    """The days shown in demo.png: SNAPSHOTS evenly spaced from 0 to days."""
    return [int(round(d)) for d in np.linspace(0, days, SNAPSHOTS)]


def arm_description(demo: Demo, index: int) -> RunDescription:
    """The run of one arm: the demo's scenario with the arm's overrides and drugs, its days and snapshots."""
    arm = demo.arms[index]
    return RunDescription(
        demo.scenario, dict(arm.overrides), arm.drugs, SEED, demo.days, tuple(snapshot_days(demo.days))
    )


def manifest(demo: Demo) -> dict[str, Any]:
    """What reproduces a demo: every arm's run (scenario, overrides, drugs, seed, days and every parameter value),
    with the versions and commit (:func:`niche_abm.io.provenance`)."""
    arms = {arm.slug: arm_description(demo, index).record() for index, arm in enumerate(demo.arms)}
    return {"kind": "demo", "demo": demo.name, "arms": arms, **provenance()}


def run_arm(demo: Demo, index: int, out: Path) -> ArmResult:
    """Run one arm for the demo's days; write its timeseries.csv and overview.png into out/<arm>/."""
    arm = demo.arms[index]
    started = time.perf_counter()
    days = snapshot_days(demo.days)
    description = arm_description(demo, index)
    result = description.run()
    pictures = {
        day: compose_rgb(state["bone_fraction"], state["bone_template"], state["occupancy"])
        for day, state in result.snapshots.items()
    }
    snapshots = tuple((float(day), pictures[day]) for day in days)
    folder = out / arm.slug
    atomic_write(folder / "timeseries.csv", lambda tmp: result.timeseries.to_csv(tmp, index=False))
    figure = overview_figure(result.model, result.timeseries, f"{demo.title}: {arm.label}")
    atomic_write(
        folder / "overview.png",
        lambda tmp: figure.savefig(tmp, dpi=100, format="png", metadata=png_metadata(description.record())),
    )
    return ArmResult(arm, result.timeseries, snapshots, time.perf_counter() - started)


@dataclass(frozen=True)
class ArmJob:
    """One arm of a demo for a worker: the demo, the arm's place in it and the demo's folder."""

    index: int
    demo: Demo
    out: str


def run_arm_job(job: ArmJob) -> ArmResult:
    """Run one arm on a worker (run_arm)."""
    return run_arm(job.demo, job.index, Path(job.out))


def keep_arm(result: ArmResult, out: Path) -> None:
    """Mark an arm finished: its pictures and wall time in out/<arm>/result.npz, written whole."""
    days = np.array([day for day, _ in result.snapshots])
    images = np.stack([image for _, image in result.snapshots])

    def write(path: Path) -> None:
        with path.open("wb") as handle:
            np.savez(handle, days=days, images=images, seconds=result.seconds)

    atomic_write(out / result.arm.slug / RESULT, write)


def kept_arm(demo: Demo, index: int, out: Path) -> ArmResult | None:
    """An arm finished by an earlier session (its result.npz and timeseries.csv in out/<arm>/), or None."""
    arm = demo.arms[index]
    folder = out / arm.slug
    if not (folder / RESULT).is_file():
        return None
    with np.load(folder / RESULT) as kept:
        snapshots = tuple((float(day), image) for day, image in zip(kept["days"], kept["images"], strict=True))
        seconds = float(kept["seconds"])
    timeseries = pd.read_csv(folder / "timeseries.csv")
    return ArmResult(arm, timeseries, snapshots, seconds)


def run_demo(demo: Demo, out: Path, engine: Engine) -> list[ArmResult]:
    """Run every arm of a demo not yet finished in out (each a job of engine, which is closed at the end) and
    write demo.png and about.md into out.

    Raises KeyboardInterrupt when interrupted and JobFailed when an arm failed after its retries; the arms that
    finished are kept either way.
    """
    out.mkdir(parents=True, exist_ok=True)
    results = {index: kept_arm(demo, index, out) for index in range(len(demo.arms))}
    failures = []

    def keep(job: ArmJob, result: ArmResult, attempts: int) -> None:
        keep_arm(result, out)
        results[job.index] = result

    def give_up(job: ArmJob, error: BaseException, attempts: int) -> None:
        failures.append(f"arm {demo.arms[job.index].label!r} failed {attempts} times: {describe_lost(error)}")

    jobs = [ArmJob(index, demo, str(out.resolve())) for index, result in results.items() if result is None]
    session = run_jobs(jobs, engine, keep, give_up, RETRIES)
    if session.interrupted:
        raise KeyboardInterrupt
    if failures:
        raise JobFailed("; ".join(failures))
    finished = [results[index] for index in range(len(demo.arms))]
    figure = demo_figure(demo, finished)
    atomic_write(out / "demo.png", lambda tmp: figure.savefig(tmp, dpi=100, format="png", metadata=png_metadata()))
    atomic_text(out / "about.md", about_text(demo, finished))
    atomic_text(out / "manifest.json", json.dumps(manifest(demo), indent=2) + "\n")
    return finished


def demo_figure(demo: Demo, results: list[ArmResult]) -> Figure:
    """The marrow of every arm at the snapshot days (one row an arm), and the arms' time courses below."""
    fig = Figure(figsize=(15, 3.3 * len(results) + 3.6), layout="constrained")
    fig.suptitle(demo.title, fontsize=14)
    top, bottom = fig.subfigures(2, 1, height_ratios=[3.3 * len(results), 3.6])
    axes = top.subplots(len(results), SNAPSHOTS, squeeze=False)
    for row, result in zip(axes, results, strict=True):
        for ax, (day, image) in zip(row, result.snapshots, strict=True):
            grid = (image.shape[1], image.shape[0])
            ax.imshow(image, origin="lower", extent=extent_mm(grid), interpolation="nearest")
            ax.set_title(f"{result.arm.label}, day {day:g}", fontsize=10)
            ax.set_xticks([])
            ax.set_yticks([])
    top.legend(handles=legend_handles(), loc="outside right upper", fontsize=8)
    course_axes = bottom.subplots(1, 4)
    plot_time_courses(course_axes, {result.arm.label: result.timeseries for result in results})
    starts: dict[float, list[str]] = {}
    for result in results:
        for day, name in result.arm.drug_starts():
            starts.setdefault(day, []).append(name)
    for ax in course_axes:
        for day, names in starts.items():
            ax.axvline(day, color="0.4", linestyle=":", linewidth=1)
            label = " / ".join(dict.fromkeys(names))
            ax.annotate(label, (day, 0.02), xycoords=("data", "axes fraction"), fontsize=7, rotation=90, va="bottom")
    return fig


def summary_table(results: list[ArmResult]) -> pd.DataFrame:
    """Per arm: BV/TV, MM cells and RANKL/OPG at the start and the end, peak osteoclasts, resorbed and formed bone."""
    rows = {}
    for result in results:
        first, last = result.timeseries.iloc[0], result.timeseries.iloc[-1]
        rows[result.arm.label] = {
            "BV/TV start (%)": first["bv_tv"],
            "BV/TV end (%)": last["bv_tv"],
            "MM cells start": first["n_mm"],
            "MM cells end": last["n_mm"],
            "osteoclasts (peak)": result.timeseries["n_oc"].max(),
            "RANKL/OPG start": first["rankl_opg_ratio"],
            "RANKL/OPG end": last["rankl_opg_ratio"],
            "resorbed (mm²)": last["resorbed_mm2"],
            "formed (mm²)": last["formed_mm2"],
            "run (s)": result.seconds,
        }
    return pd.DataFrame(rows).T


def about_text(demo: Demo, results: list[ArmResult]) -> str:
    """The demo's explanation and the measured numbers, as Markdown for a handout or slide notes."""
    table = summary_table(results)
    header = "| arm | " + " | ".join(table.columns) + " |"
    lines = [header, "|" + "---|" * (len(table.columns) + 1)]
    for label, row in table.iterrows():
        cells = [f"{value:.4g}" for value in row]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(
        [
            f"# {demo.title}",
            "",
            f"`python run.py demo {demo.name}` ({demo.days} days, seed {SEED}, scenario `{demo.scenario}`).",
            "",
            "![demo](demo.png)",
            "",
            f"**What to look for.** {demo.look_for}",
            "",
            f"**Question to ask.** {demo.question}",
            "",
            f"**What happened.** {demo.what_happened}",
            "",
            "Measured in this run:",
            "",
            *lines,
            "",
        ]
    )
