"""Dose-response: one drug at several doses in one scenario, replicated over seeds.

Each dose is written like a regimen amount: a concentration held constant
("0.1uM", "10uM") or a dose given at the drug's default interval ("60mg",
"120mg"); "0" is the untreated arm. For each dose and seed the scenario runs for
`days`, and the effect on bone loss (BV/TV change), the marrow RANKL/OPG ratio and
MM burden is reported as mean and 95% interval over seeds.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from niche_abm.drugs.regimen import Regimen, parse_regimen
from niche_abm.experiment import RunDescription
from niche_abm.params import ParameterError
from niche_abm.stats import mean_interval

OUTCOMES = (
    ("bv_tv_change", "BV/TV change (percentage points)"),
    ("rankl_opg_ratio", "RANKL/OPG, marrow mean"),
    ("mm_fraction", "MM share of marrow"),
)


def dose_regimen(drug_name: str, dose: str, start_day: float) -> Regimen | None:
    """The regimen for one dose ('0' = none); a mass dose keeps the drug's default dosing interval."""
    if dose.strip() in ("0", "0.0"):
        return None
    regimen = parse_regimen(f"{drug_name}={dose}@day{start_day:g}")
    if regimen.dose_mg is None:
        return regimen
    every_h = parse_regimen(drug_name).every_h
    return replace(regimen, every_h=every_h)


def _run_one(job: tuple[str, RunDescription]) -> dict[str, float]:
    """One dose's run: the outcomes at its last day, labelled by the dose as given and the seed."""
    dose, description = job
    frame = description.run().timeseries
    last = frame.iloc[-1]
    return {
        "dose": dose,
        "seed": description.seed,
        "bv_tv_change": float(last["bv_tv"] - frame["bv_tv"].iloc[0]),
        "rankl_opg_ratio": float(last["rankl_opg_ratio"]),
        "mm_fraction": float(last["mm_fraction"]),
        "n_oc_mean": float(frame["n_oc"].mean()),
        "resorbed_mm2": float(last["resorbed_mm2"]),
    }


def run_dose_response(
    drug_name: str,
    doses: list[str],
    scenario: str = "mm_niche",
    days: int = 60,
    seeds: tuple[int, ...] = (1, 2, 3),
    start_day: float = 0.0,
    overrides: dict | None = None,
    workers: int = 2,
) -> pd.DataFrame:
    """Every dose x seed; one row each. Inputs are checked before any run starts."""
    regimens = {dose: dose_regimen(drug_name, dose, start_day) for dose in doses}
    jobs = [
        (dose, RunDescription(scenario, overrides or {}, (regimen,) if regimen else (), seed, days))
        for dose, regimen in regimens.items()
        for seed in seeds
    ]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        rows = list(pool.map(_run_one, jobs))
    return pd.DataFrame(rows)


def summarise(results: pd.DataFrame, doses: list[str]) -> pd.DataFrame:
    """Mean and 95% t-interval of each outcome per dose, in the order given (NaN bounds with one seed)."""
    rows = []
    for dose in doses:
        group = results[results["dose"] == dose]
        row = {"dose": dose, "replicates": len(group)}
        for column, _ in OUTCOMES:
            mean, low, high = mean_interval(group[column])
            row |= {column: mean, f"{column}_ci_low": low, f"{column}_ci_high": high}
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
    out_dir.mkdir(parents=True, exist_ok=True)
    results.to_csv(out_dir / "runs.csv", index=False)
    summary.to_csv(out_dir / "summary.csv", index=False)
    fig.savefig(out_dir / "dose_response.png", dpi=110)


def parse_doses(text: str) -> list[str]:
    """Comma-separated doses; raises ParameterError if empty."""
    doses = [d.strip() for d in text.split(",") if d.strip()]
    if not doses:
        raise ParameterError("--doses", "expected a comma-separated list, e.g. 0,1uM,10uM or 0,60mg,120mg")
    return doses
