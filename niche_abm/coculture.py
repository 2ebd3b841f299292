"""The in-vitro co-culture experiment: PreOBs alone, with MM cells in contact, or across a transwell.

As in Giuliani et al. 2001 and Bolzoni et al. 2013 (GEO GSE37302): a well with no
bone and no vessels holds a layer of stromal cells (PreOBs) and, in the co-culture
arms, as many MM cells, seeded at random among them (contact) or in a transwell
insert that shares the medium but prevents contact. Each arm runs for 48 h with
or without a drug at its in-vitro concentration (lenalidomide 10 µM,
pomalidomide 1 µM: estimates, see the drug table).

Reported per arm: stromal RANKL, OPG and IL-6 output (molecules/h per PreOB) and
the medium concentrations of RANKL and OPG (pM) and of CCL3, IL-6 and DKK1 (pg/mL),
the medium RANKL/OPG ratio, the MM count and mean MM CD49d (relative to untreated),
and the osteoclastogenic potential of the conditioned medium: osteoclasts formed
per 1,000 precursors plated at confluence on bone in that medium for 48 h,
computed with the model's own RANK-occupancy and fusion rules (every precursor has
bone and partners, so only the medium and any drug carried over in it decide).

The CAM-DR arm set (Damiano et al. 1999; Hideshima et al. 2001): melphalan,
dexamethasone and bortezomib, each at its Drug.in_vitro_um, with stromal contact
and across a transwell. MM survival is the MM count under the drug over the count
in the untreated arm of the same setting with the same seed (``mm_survival``).
"Without stroma" is the transwell rather than MM cells alone: it keeps the same
well, the same crowding and the stroma's baseline IL-6 in the shared medium, so
the contact arm differs from it only by what contact brings (adhesion, with its
lower death and the drug's adhesion protection, and the contact-triggered IL-6
rise), which is what cell-adhesion-mediated drug resistance names.

``run_all`` cultures every well (arm and seed) as one job of an engine
(:mod:`niche_abm.engines`: local processes or Dask) and keeps each well's
measurements as it finishes, so an interrupted co-culture is continued with
``run.py coculture --resume`` and only the missing wells are cultured.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from niche_abm.cells import MyelomaCell, StromalCell
from niche_abm.cells import stroma as stroma_rules
from niche_abm.cells.precursor import fusion_rate
from niche_abm.drugs import DRUGS
from niche_abm.drugs.regimen import Treatment
from niche_abm.engines import Engine
from niche_abm.experiment import DEFAULTS, RunDescription
from niche_abm.folders import atomic_text
from niche_abm.io import provenance
from niche_abm.jobs import JobFailed, describe_lost, run_jobs
from niche_abm.params import Parameters
from niche_abm.stats import describe, mean_interval
from niche_abm.units import pm_to_pg_per_ml
from niche_abm.world.fields import free_rankl, rank_occupancy
from niche_abm.world.signals import BY_NAME as SIGNALS

WELL = {
    "culture.well": 1,
    "grid.width": 100,
    "grid.height": 100,
    "stroma.density": 0.3,
    "stroma.renewal_rate": 0.0,
}
"""A 1 x 1 mm patch of a well: PreOBs on 30% of sites (a sub-confluent layer)."""

ASSAY_PRECURSORS = 1000
ASSAY_HOURS = 48


@dataclass(frozen=True)
class Arm:
    """One arm of the co-culture: MM cells or not, contact or transwell, drugs in the medium.

    control names the untreated arm of the same setting that this arm's MM survival is relative to
    (the CAM-DR arms); None for the other arms.
    """

    name: str
    with_mm: bool
    transwell: bool = False
    drugs: tuple[str, ...] = ()
    control: str | None = None

    def settings(self, overrides: dict | None = None) -> dict[str, Any]:
        """The well's parameters by dotted name: WELL, the transwell, overrides and, with MM, one MM cell per
        PreOB."""
        well = {**WELL, "culture.transwell": int(self.transwell), **(overrides or {})}
        n_stroma = round(well["stroma.density"] * well["grid.width"] * well["grid.height"])
        return {"mm.initial_count": n_stroma if self.with_mm else 0, **well}


CONTACT = Arm("PreOB + MM, contact", with_mm=True)
TRANSWELL = Arm("PreOB + MM, transwell", with_mm=True, transwell=True)

CAM_DR_DRUGS = ("melphalan", "dexamethasone", "bortezomib")
"""Cytotoxic drugs of the CAM-DR arm set: strong adhesion protection (melphalan, dexamethasone) and
bortezomib, which overcomes most of it."""


def cam_dr_arm(drug: str, setting: Arm) -> Arm:
    """A drug at its in-vitro concentration (Drug.in_vitro_um, µM) added to an untreated MM setting."""
    um = DRUGS[drug].in_vitro_um
    return Arm(
        f"{setting.name} + {drug} {um:g} µM",
        with_mm=True,
        transwell=setting.transwell,
        drugs=(f"{drug}={um}uM",),
        control=setting.name,
    )


CAM_DR_ARMS = tuple(cam_dr_arm(drug, setting) for drug in CAM_DR_DRUGS for setting in (CONTACT, TRANSWELL))

ARMS = (
    Arm("PreOB alone", with_mm=False),
    CONTACT,
    TRANSWELL,
    Arm("PreOB + MM, contact + anti-CD49d", with_mm=True, drugs=("natalizumab=0.07uM",)),
    Arm("PreOB alone + LEN 10 µM", with_mm=False, drugs=("lenalidomide=10uM",)),
    Arm("PreOB + MM, contact + LEN 10 µM", with_mm=True, drugs=("lenalidomide=10uM",)),
    Arm("PreOB + MM, transwell + LEN 10 µM", with_mm=True, transwell=True, drugs=("lenalidomide=10uM",)),
    Arm("PreOB alone + POM 1 µM", with_mm=False, drugs=("pomalidomide=1uM",)),
    Arm("PreOB + MM, contact + POM 1 µM", with_mm=True, drugs=("pomalidomide=1uM",)),
    Arm("PreOB + MM, transwell + POM 1 µM", with_mm=True, transwell=True, drugs=("pomalidomide=1uM",)),
    *CAM_DR_ARMS,
)


def description(arm: Arm, seed: int, hours: int = 48, overrides: dict | None = None) -> RunDescription:
    """The run of one well of an arm: the table's defaults with the well's settings, the arm's drugs, `hours` h."""
    return RunDescription(DEFAULTS, arm.settings(overrides), arm.drugs, seed, hours / 24)


def run_arm(arm: Arm, seed: int, hours: int = 48, overrides: dict | None = None) -> dict[str, float]:
    """Culture one arm for `hours` (h) and measure it."""
    model = description(arm, seed, hours, overrides).run().model
    return measure_well(model) | {"arm": arm.name, "seed": seed, "hours": hours}


def manifest(seeds: tuple[int, ...], hours: int) -> dict[str, Any]:
    """What reproduces a co-culture: its seeds and hours, and for every arm its run (well settings, drugs and
    every parameter value), with the versions and commit (:func:`niche_abm.io.provenance`)."""
    arms = {}
    for arm in ARMS:
        record = description(arm, seeds[0], hours).record()
        del record["seed"]  # every arm runs every seed
        arms[arm.name] = record
    return {"kind": "co-culture", "seeds": list(seeds), "hours": hours, "arms": arms, **provenance()}


def measure_well(model) -> dict[str, float]:
    """Stromal output, medium concentrations, MM count and CD49d, and the conditioned medium's osteoclastogenic
    potential."""
    p, fx = model.params, model.effects
    lattice = model.lattice
    touched = lattice.read(StromalCell, "touched_by_adherent_mm", lattice.sites_of(StromalCell))
    rankl_out, opg_out = stroma_rules.secretion(touched, p, fx["stroma_contact_response"])
    il6_out = stroma_rules.il6_secretion(touched, p, fx["stroma_contact_response"])
    mm_sites = lattice.sites_of(MyelomaCell)
    cd49d = lattice.read(MyelomaCell, "cd49d", mm_sites) * fx["mm_cd49d"]
    adherent = lattice.read(MyelomaCell, "adherent", mm_sites)
    rankl, opg = float(model.signals.map("rankl").mean()), float(model.signals.map("opg").mean())
    ccl3 = float(model.signals.map("ccl3").mean())
    return {
        "stromal_rankl_output": float(rankl_out.mean()),
        "stromal_opg_output": float(opg_out.mean()),
        "rankl_pm": rankl,
        "opg_pm": opg,
        "rankl_opg_ratio": rankl / opg,
        "mm_cd49d": float(cd49d.mean()) if len(cd49d) else float("nan"),
        "ccl3_pg_ml": pm_to_pg_per_ml(ccl3, SIGNALS["ccl3"].mass_kda),
        "adherent_mm_share": float(adherent.mean()) if len(adherent) else float("nan"),
        "osteoclasts_per_1000_precursors": osteoclastogenic_potential(rankl, opg, ccl3, model.treatment, p),
        "stromal_il6_output": float(il6_out.mean()),
        "il6_pg_ml": medium_pg_per_ml(model, "il6"),
        "dkk1_pg_ml": medium_pg_per_ml(model, "dkk1"),
        "n_mm": len(mm_sites),
    }


def medium_pg_per_ml(model, name: str) -> float:
    """Mean concentration of a secreted factor over the well, pg/mL."""
    return pm_to_pg_per_ml(float(model.signals.map(name).mean()), SIGNALS[name].mass_kda)


def osteoclastogenic_potential(
    rankl_pm: float, opg_pm: float, ccl3_pm: float, treatment: Treatment, p: Parameters
) -> float:
    """Osteoclasts formed from 1,000 precursors on bone in this medium for 48 h (the model's fusion rule).

    Each precursor fuses at fusion_rate(RANK occupancy, CCL3) with ocp.fusion_partners others, so
    1000 · (1 − exp(−rate · 48 h)) / (partners + 1) osteoclasts form; drugs in the medium act as in vivo.
    """
    fx = treatment.multipliers(0.0)
    free = float(free_rankl(rankl_pm, opg_pm, p.binding.opg_rankl_kd_pm)) * fx["free_rankl"]
    occupancy = rank_occupancy(np.array([free]), p.binding.rank_rankl_kd_pm)
    sensed_ccl3 = np.array([ccl3_pm * fx["ccl3_signalling"]])
    rate = fusion_rate(occupancy, sensed_ccl3, p)[0]
    rate *= fx["osteoclast_formation"]
    fused = ASSAY_PRECURSORS * -np.expm1(-rate * ASSAY_HOURS)
    return float(fused / (p.ocp.fusion_partners + 1))


RETRIES = 1
"""How often a well whose run failed or whose worker died is cultured again."""


@dataclass(frozen=True)
class WellJob:
    """One well for a worker: an arm of ARMS (by its place), a seed and the culture time (h)."""

    index: int
    arm: int
    seed: int
    hours: int

    @property
    def name(self) -> str:
        """The file name its measurements are kept under."""
        return f"arm{self.arm:02d}-seed{self.seed}-{self.hours}h.json"


def culture(job: WellJob) -> dict[str, float]:
    """Culture one well on a worker (run_arm)."""
    return run_arm(ARMS[job.arm], job.seed, job.hours)


def run_all(engine: Engine, wells: Path, seeds: tuple[int, ...] = (1, 2, 3), hours: int = 48) -> pd.DataFrame:
    """Every arm for every seed, each well a job of engine (closed at the end): one row each, in the order of
    ARMS, with the MM survival of the CAM-DR arms.

    Each well's measurements are kept as a JSON file in the folder `wells` as it finishes (written whole), and
    wells already there are not cultured again. Raises KeyboardInterrupt when interrupted and JobFailed when a
    well failed after its retries; the wells that finished are kept either way.
    """
    jobs = [WellJob(len(seeds) * a + s, a, seed, hours) for a in range(len(ARMS)) for s, seed in enumerate(seeds)]
    rows = {job.index: json.loads((wells / job.name).read_text()) for job in jobs if (wells / job.name).is_file()}
    failures = []

    def keep(job: WellJob, row: dict[str, float], attempts: int) -> None:
        atomic_text(wells / job.name, json.dumps(row))
        rows[job.index] = row

    def give_up(job: WellJob, error: BaseException, attempts: int) -> None:
        failures.append(f"{ARMS[job.arm].name}, seed {job.seed}, failed {attempts} times: {describe_lost(error)}")

    session = run_jobs([job for job in jobs if job.index not in rows], engine, keep, give_up, RETRIES)
    if session.interrupted:
        raise KeyboardInterrupt
    if failures:
        raise JobFailed("; ".join(failures))
    return with_survival(pd.DataFrame([rows[job.index] for job in jobs]))


def with_survival(results: pd.DataFrame) -> pd.DataFrame:
    """The runs plus mm_survival: an arm's MM count over that of its control arm with the same seed and hours
    (NaN for arms without a control). Needs each control arm run with the same seeds and hours."""
    controls = {arm.name: arm.control for arm in ARMS if arm.control}
    counts = results.set_index(["arm", "seed", "hours"])["n_mm"]

    def survival(row: pd.Series) -> float:
        control = controls.get(row["arm"])
        return row["n_mm"] / counts[(control, row["seed"], row["hours"])] if control else float("nan")

    return results.assign(mm_survival=results.apply(survival, axis=1).astype(float))


def contact_advantage(results: pd.DataFrame) -> pd.DataFrame:
    """Per CAM-DR drug and seed: MM survival with stromal contact, across a transwell, and their ratio.

    Columns drug, seed, survival_contact, survival_transwell, advantage (contact / transwell).
    """
    survival = results.set_index(["arm", "seed"])["mm_survival"]
    rows = []
    for drug in CAM_DR_DRUGS:
        contact, transwell = cam_dr_arm(drug, CONTACT).name, cam_dr_arm(drug, TRANSWELL).name
        for seed in sorted(results.loc[results["arm"] == contact, "seed"]):
            with_contact, without = survival[(contact, seed)], survival[(transwell, seed)]
            rows.append(
                {
                    "drug": drug,
                    "seed": seed,
                    "survival_contact": with_contact,
                    "survival_transwell": without,
                    "advantage": with_contact / without,
                }
            )
    return pd.DataFrame(rows)


FIGURE_MEASURES = (
    ("rankl_opg_ratio", "medium RANKL/OPG"),
    ("ccl3_pg_ml", "CCL3, pg/mL"),
    ("il6_pg_ml", "IL-6, pg/mL"),
    ("dkk1_pg_ml", "DKK1, pg/mL"),
    ("mm_cd49d", "MM CD49d (untreated = 1)"),
    ("osteoclasts_per_1000_precursors", "osteoclasts per 1,000 precursors"),
    ("mm_survival", "MM survival (untreated = 1)"),
)


def figure(results: pd.DataFrame) -> Figure:
    """One panel per measure: each arm's mean with its 95% t-interval over seeds."""
    order = [arm.name for arm in ARMS if arm.name in set(results["arm"])]
    fig = Figure(figsize=(3.2 * len(FIGURE_MEASURES), 7), layout="constrained")
    fig.suptitle(f"Co-culture arms after {int(results['hours'].iloc[0])} h: mean and 95% interval over seeds")
    positions = np.arange(len(order))
    for ax, (column, label) in zip(fig.subplots(1, len(FIGURE_MEASURES)), FIGURE_MEASURES, strict=True):
        intervals = np.array([mean_interval(results.loc[results["arm"] == arm, column]) for arm in order])
        means = intervals[:, 0]
        halves = np.nan_to_num(intervals[:, 2] - means)
        ax.barh(positions, means, xerr=halves, color=["C0" if "MM" not in a else "C1" for a in order], capsize=3)
        ax.set_yticks(positions, order if column == FIGURE_MEASURES[0][0] else [""] * len(order), fontsize=8)
        ax.invert_yaxis()
        ax.set_title(label)
        ax.grid(axis="x", alpha=0.3)
    return fig


def summarise(results: pd.DataFrame) -> pd.DataFrame:
    """Mean of each measure per arm, in the order of ARMS, and the 95% t-interval of the MM survival
    (mm_survival_ci_low, mm_survival_ci_high; NaN for arms without a control)."""
    order = [arm.name for arm in ARMS if arm.name in set(results["arm"])]
    numeric = results.drop(columns=["seed", "hours"]).groupby("arm").mean()
    survival = results.groupby("arm")["mm_survival"].apply(describe).unstack()
    numeric["mm_survival_ci_low"] = survival["ci_low"]
    numeric["mm_survival_ci_high"] = survival["ci_high"]
    return numeric.loc[order]
