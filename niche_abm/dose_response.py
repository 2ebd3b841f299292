"""Dose-response: one drug at several doses in one scenario, replicated: a one-dimensional sweep.

Each dose is written like a regimen amount: a concentration held constant
("0.1uM", "10uM") or a dose given at the drug's default interval ("60mg",
"120mg"); "0" is the untreated arm. The doses are the arms of a sweep
(:mod:`niche_abm.sweep`) with one point and the given replicates, so a
dose-response runs on the local or the Dask engine, stores every run in the
sweep's Parquet dataset and resumes after an interruption; replicate r has the
same seed at every dose (common random numbers), so doses are compared paired.
The effect on bone loss (BV/TV change), the marrow RANKL/OPG ratio and MM burden
is reported as mean and 95% interval over replicates.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from niche_abm.drugs.regimen import MASS_MG, Regimen, clinical, find_drug, given, parse_dose
from niche_abm.folders import atomic_text
from niche_abm.io import png_metadata, provenance
from niche_abm.params import ParameterError
from niche_abm.scenario import comma_list, resolve
from niche_abm.stats import mean_interval
from niche_abm.sweep.spec import SweepSpec
from niche_abm.sweep.store import SweepStore

OUTCOMES = (
    ("bv_tv_change", "BV/TV change (percentage points)"),
    ("rankl_opg_ratio", "RANKL/OPG, marrow mean"),
    ("mm_fraction", "MM share of marrow"),
)


NO_DOSE = ("0", "0.0")
"""How a dose of none is written in --doses."""


def dose_regimen(drug_name: str, dose: str, start_day: float, option: str = "--doses") -> Regimen | None:
    """The regimen for one dose ('0' = none) from start_day: a concentration held constant, or a mass dose at
    the drug's default dosing interval; ParameterError naming the option and the dose if it cannot be given."""
    if dose.strip() in NO_DOSE:
        return None
    key = f"{option} {dose}"
    drug = find_drug(drug_name, "drug")
    amount, unit, every_h = parse_dose(dose, key)
    if every_h is not None:
        raise ParameterError(key, "a dose here is given at the drug's default interval; leave out /EVERY")
    if unit in MASS_MG:
        every_h = clinical(drug, key=key).every_h
    return given(drug, amount, unit, every_h, start_day, None, key)


KEPT_METRICS = ("bv_tv", "rankl_opg_ratio", "mm_fraction", "n_oc", "resorbed_mm2", "formed_mm2", "osteoclasts_formed")
"""Daily metrics each run stores; the outcomes are computed from them."""


def dose_sweep(
    drug_name: str,
    doses: list[str],
    scenario: str = "mm_niche",
    days: int = 60,
    replicates: int = 3,
    start_day: float = 0.0,
    overrides: dict | None = None,
    seed: int = 1,
) -> SweepSpec:
    """The sweep of a dose-response: one arm per dose (in the order given), no varied parameter.

    Raises ParameterError naming the dose that cannot be given (checked before any run).
    """
    arms = {}
    for index, dose in enumerate(doses):
        regimen = dose_regimen(drug_name, dose, start_day)
        if regimen is not None:
            regimen.check_within(days)
        arms[arm_name(index, dose)] = (regimen.text,) if regimen else ()
    description = f"{drug_name} at {', '.join(doses)} in {scenario}, {days} days"
    return arms_sweep(f"dose_response_{drug_name}", description, arms, scenario, days, replicates, overrides, seed)


def arms_sweep(
    name: str,
    description: str,
    arms: dict[str, tuple[str, ...]],
    scenario: str,
    days: int,
    replicates: int,
    overrides: dict | None,
    seed: int,
    metrics: tuple[str, ...] = KEPT_METRICS,
    arm_settings: dict[str, dict] | None = None,
) -> SweepSpec:
    """A sweep of arms (name → regimens as written on the command line; arm_settings: name → the parameters that
    arm sets for its own runs) and no varied parameter, replicate r with the same seed in every arm; it keeps
    `metrics` of every day."""
    return SweepSpec(
        name=name,
        description=description,
        scenario_path=resolve(scenario),
        days=days,
        replicates=replicates,
        seed=seed,
        metrics=metrics,
        retries=2,
        fixed=dict(overrides or {}),
        design="grid",
        samples=0,
        levels=0,
        arms=arms,
        arm_settings=dict(arm_settings or {}),
    )


def arm_name(index: int, dose: str) -> str:
    """The sweep arm of the index-th dose: its position and the dose in the letters an arm name allows."""
    return f"dose{index}_" + re.sub(r"[^A-Za-z0-9]", "_", dose)[:30]


def outcomes(store: SweepStore, doses: list[str]) -> pd.DataFrame:
    """One row per finished run: dose (as given), replicate, seed and the outcomes at its last day."""
    return arm_outcomes(store, {arm_name(index, dose): dose for index, dose in enumerate(doses)}, "dose")


def arm_outcomes(store: SweepStore, labels: dict[str, str], column: str) -> pd.DataFrame:
    """One row per finished run: its arm's label (labels: arm name → label) in `column`, replicate, seed and the
    outcomes at its last day."""
    runs = store.runs_table()
    rows = []
    for run in runs[runs["status"] == "done"].itertuples():
        frame = pd.read_parquet(store.run_path(run.arm, run.run))
        last = frame.iloc[-1]
        rows.append(
            {
                column: labels[run.arm],
                "replicate": run.replicate,
                "seed": run.seed,
                "bv_tv_change": float(last["bv_tv"] - frame["bv_tv"].iloc[0]),
                "rankl_opg_ratio": float(last["rankl_opg_ratio"]),
                "mm_fraction": float(last["mm_fraction"]),
                "n_oc_mean": float(frame["n_oc"].mean()),
                "resorbed_mm2": float(last["resorbed_mm2"]),
                "formed_mm2": float(last["formed_mm2"]),
                "osteoclasts_formed": float(last["osteoclasts_formed"]),
            }
        )
    return pd.DataFrame(rows)


def summarise(
    results: pd.DataFrame, labels: list[str], column: str = "dose", outcomes: tuple = OUTCOMES
) -> pd.DataFrame:
    """Mean and 95% t-interval of each outcome per label of `column` (a dose, an arm), in the order given (NaN
    bounds with one seed)."""
    rows = []
    for label in labels:
        group = results[results[column] == label]
        row = {column: label, "replicates": len(group)}
        for outcome, _ in outcomes:
            mean, low, high = mean_interval(group[outcome])
            row |= {outcome: mean, f"{outcome}_ci_low": low, f"{outcome}_ci_high": high}
        rows.append(row)
    return pd.DataFrame(rows)


def figure(summary: pd.DataFrame, drug_name: str, scenario: str, days: int) -> Figure:
    """One panel per outcome: mean and 95% interval at each dose."""
    fig = Figure(figsize=(13, 4), layout="constrained")
    fig.suptitle(f"{drug_name} in {scenario}: day {days}, mean and 95% interval over seeds")
    positions = np.arange(len(summary))
    for ax, (column, label) in zip(fig.subplots(1, len(OUTCOMES)), OUTCOMES, strict=True):
        low = summary[column] - summary[f"{column}_ci_low"]
        high = summary[f"{column}_ci_high"] - summary[column]
        ax.errorbar(positions, summary[column], yerr=[low, high], marker="o", capsize=4)
        ax.set_xticks(positions, summary["dose"])
        ax.set_xlabel("dose")
        ax.set_title(label)
        ax.grid(alpha=0.3)
    return fig


def write(out_dir: Path, results: pd.DataFrame, summary: pd.DataFrame, fig: Figure) -> None:
    """Write runs.csv, summary.csv and dose_response.png into out_dir."""
    write_tables(out_dir, {"runs": results, "summary": summary}, fig, "dose_response.png")


def write_tables(out_dir: Path, tables: dict[str, pd.DataFrame], fig: Figure, figure_name: str) -> None:
    """Write each table as NAME.csv, manifest.json (the versions and commit of these tables, with the manifest of
    the runs they come from, OUT/runs/manifest.json: every parameter, seed and arm) and the figure (with the
    run's PNG metadata) into out_dir, the figure last: its file marks the folder's kind of output
    (niche_abm.folders.MARKERS)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        table.to_csv(out_dir / f"{name}.csv", index=False)
    runs = out_dir / "runs" / "manifest.json"
    record = {"tables": [f"{name}.csv" for name in tables], "figure": figure_name, **provenance()}
    if runs.is_file():
        record["runs"] = json.loads(runs.read_text(encoding="utf-8"))
    atomic_text(out_dir / "manifest.json", json.dumps(record, indent=2) + "\n")
    fig.savefig(out_dir / figure_name, dpi=110, metadata=png_metadata())


def parse_doses(text: str) -> list[str]:
    """Comma-separated doses; ParameterError('--doses') for none, an empty one or one given twice (an arm counted
    twice would look like a replicate)."""
    doses = comma_list(text, "--doses", "0,1uM,10uM or 0,60mg,120mg")
    if sum(dose in NO_DOSE for dose in doses) > 1:
        raise ParameterError("--doses", f"got {text!r}: no drug is given twice (as {' and '.join(NO_DOSE)})")
    return doses
