"""Dissecting a drug: which of its actions an outcome needs, found by leaving each out in turn.

A drug here is a set of declared actions (``python run.py drugs``): lenalidomide lowers adhesion molecules on MM
cells, cuts their CCL3, blunts the stromal contact response and inhibits precursor fusion. Its effect on bone is
none of these: it is what the niche makes of them. A dissection gives the drug at one dose in one scenario in
these arms, replicate r with the same seed in every arm (common random numbers, compared seed by seed):

- untreated;
- the whole drug;
- the drug without each action, the others intact (``lenalidomide~mm_ccl3_secretion=10uM``; an action is one
  target of the drug or several taken together, as ``adhesion=mm_cd49d+mm_itga8+mm_icam2``);
- with ``alone``, also each action alone, every other effect of the drug left out.

For each outcome the drug's effect is whole − untreated, and the share an action carries is

    needed: (whole − without the action) / (whole − untreated)
    alone:  (the action alone − untreated) / (whole − untreated)

from the means over seeds, with a paired bootstrap interval. A needed share of 1 means the effect needs that
action entirely, 0 that the other actions give it without it; an alone share of 1 means the action gives the
whole effect by itself. Shares need not add to 1: actions that act only together are each needed and each weak
alone; actions that can stand in for each other are each strong alone and each little needed. The arms run as a sweep
(:mod:`niche_abm.sweep`: the local or Dask engine, a Parquet dataset, --resume), as a dose-response does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from niche_abm.dose_response import arm_outcomes, arms_sweep, dose_regimen, summarise, write_tables
from niche_abm.drugs.regimen import check_left_out, find_drug
from niche_abm.params import ParameterError
from niche_abm.stats import interval_columns, needed_share, paired_contrast, ratio_of_means
from niche_abm.sweep.spec import SweepSpec
from niche_abm.sweep.store import SweepStore

OUTCOMES = (
    ("bv_tv_change", "BV/TV change (percentage points)"),
    ("resorbed_mm2", "bone resorbed (mm²)"),
    ("formed_mm2", "bone formed (mm²)"),
    ("osteoclasts_formed", "osteoclasts formed"),
    ("rankl_opg_ratio", "RANKL/OPG, marrow mean"),
    ("mm_fraction", "MM share of marrow"),
)
"""The outcomes read at a run's last day (BV/TV change and the counts from day 0)."""

UNTREATED, WHOLE = "untreated", "whole drug"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,29}$")


@dataclass(frozen=True)
class Action:
    """One action of a drug, left out as a whole: a name and the targets of the drug's effects it covers."""

    name: str
    targets: tuple[str, ...]

    @property
    def label(self) -> str:
        """The label of the arm without this action."""
        return f"without {self.name}"

    @property
    def alone_label(self) -> str:
        """The label of the arm with this action alone."""
        return f"{self.name} alone"


def parse_actions(drug_name: str, text: str | None, key: str = "--actions") -> tuple[Action, ...]:
    """The actions to leave out, written ``NAME=TARGET[+TARGET...]`` and separated by commas; None: one action per
    target of the drug, named after it. ParameterError(key) naming what is wrong: an unknown target, a target in
    two actions, an action that would leave the drug no effect, a repeated or unreadable name; ParameterError
    naming the drug if it acts on one target only."""
    drug = find_drug(drug_name, "drug")
    if len(drug.targets) < 2:
        raise ParameterError("drug", f"{drug.name} acts on one target ({drug.targets[0]}): nothing to dissect")
    if text is None:
        return tuple(Action(target, (target,)) for target in drug.targets)
    actions, seen = [], set()
    for part in (p.strip() for p in text.split(",")):
        name, equals, targets = part.partition("=")
        name = name.strip()
        if not equals or not _NAME.match(name) or not targets.strip():
            expected = "expected NAME=TARGET[+TARGET...], e.g. adhesion=mm_cd49d+mm_itga8"
            raise ParameterError(key, f"got {part!r}; {expected}")
        if name in (a.name for a in actions):
            raise ParameterError(key, f"action {name!r} is named twice")
        covered = tuple(t.strip() for t in targets.split("+"))
        check_left_out(drug, covered, key)
        if seen & set(covered):
            raise ParameterError(key, f"{', '.join(sorted(seen & set(covered)))} is in two actions")
        seen |= set(covered)
        actions.append(Action(name, covered))
    return tuple(actions)


def dissection_sweep(
    drug_name: str,
    dose: str,
    actions: tuple[Action, ...],
    scenario: str = "mm_niche",
    days: int = 60,
    replicates: int = 8,
    start_day: float = 0.0,
    overrides: dict | None = None,
    seed: int = 1,
    alone: bool = False,
) -> tuple[SweepSpec, dict[str, str]]:
    """The sweep of a dissection and each arm's label (arm name → label: untreated, whole drug, without ACTION
    and, with alone, ACTION alone).

    Raises ParameterError naming the dose if it cannot be given or is none.
    """
    regimen = dose_regimen(drug_name, dose, start_day, "--dose")
    if regimen is None:
        raise ParameterError("--dose", "got 0; a dissection needs a dose of the drug, e.g. 10uM or 25mg")
    regimen.check_within(days)
    if alone and len(actions) == 2 and set(actions[0].targets) | set(actions[1].targets) == set(regimen.drug.targets):
        raise ParameterError(
            "--alone",
            f"{actions[0].name} alone is the drug without {actions[1].name}, and the other way round; "
            "leave out --alone",
        )
    arms = {"untreated": (), "whole": (regimen.text,)}
    labels = {"untreated": UNTREATED, "whole": WHOLE}
    for action in actions:
        arms[f"without_{action.name}"] = (replace(regimen, without=action.targets).text,)
        labels[f"without_{action.name}"] = action.label
        if alone:
            others = tuple(t for t in regimen.drug.targets if t not in action.targets)
            arms[f"alone_{action.name}"] = (replace(regimen, without=others).text if others else regimen.text,)
            labels[f"alone_{action.name}"] = action.alone_label
    description = f"{drug_name} at {dose} in {scenario}, {days} days, without each of: " + "; ".join(
        f"{a.name} ({' + '.join(a.targets)})" for a in actions
    )
    spec = arms_sweep(f"dissection_{drug_name}", description, arms, scenario, days, replicates, overrides, seed)
    return spec, labels


def outcomes(store: SweepStore, labels: dict[str, str]) -> pd.DataFrame:
    """One row per finished run: its arm's label, replicate, seed and the outcomes at its last day."""
    return arm_outcomes(store, labels, "arm")


def arm_summary(results: pd.DataFrame, actions: tuple[Action, ...]) -> pd.DataFrame:
    """Mean and 95% t-interval of each outcome per arm: untreated, whole drug, each action left out, then each
    action alone (if run)."""
    arms = [UNTREATED, WHOLE, *(a.label for a in actions), *(a.alone_label for a in actions)]
    return summarise(results, [arm for arm in arms if arm in set(results["arm"])], "arm", OUTCOMES)


def shares(results: pd.DataFrame, actions: tuple[Action, ...]) -> pd.DataFrame:
    """For each outcome and action, over the seeds finished in every arm it needs: the drug's effect (whole −
    untreated) and what leaving the action out loses (whole − without), each with its paired t-interval; the
    share of the effect the action is needed for (their ratio of means, paired bootstrap interval); and, where the
    action was also given alone, its effect alone (alone − untreated) and its alone share. effect_clear: the
    effect's interval excludes 0 (a share of an effect that is not clear means little)."""
    table = results.pivot_table(index="replicate", columns="arm", values=[o for o, _ in OUTCOMES])
    rows = []
    for action in actions:
        for outcome, label in OUTCOMES:
            alone = action.alone_label in table[outcome].columns
            needed = [UNTREATED, WHOLE, action.label, *([action.alone_label] if alone else [])]
            arms = table[outcome].reindex(columns=needed).dropna()
            untreated, whole, without = (arms[c].to_numpy() for c in (UNTREATED, WHOLE, action.label))
            row = {"action": action.name, "targets": "+".join(action.targets), "outcome": outcome, "label": label}
            row |= {"seeds": len(arms)} | needed_share(whole, without, untreated)
            if alone:
                only = arms[action.alone_label].to_numpy()
                row |= interval_columns("alone", paired_contrast(only, untreated))
                row |= interval_columns("alone_share", ratio_of_means(only - untreated, whole - untreated))
            rows.append(row)
    return pd.DataFrame(rows)


def figure(summary: pd.DataFrame, share_table: pd.DataFrame, title: str) -> Figure:
    """Top row: each outcome per arm (mean and 95% interval over seeds). Bottom row: the share of the drug's
    effect each action is needed for and, if given alone, gives alone (paired bootstrap intervals, drawn within
    −0.5 to 1.5); an outcome the drug does not clearly change (its interval includes 0) has no shares drawn."""
    fig = Figure(figsize=(3.3 * len(OUTCOMES), 7.6), layout="constrained")
    fig.suptitle(title)
    top, bottom = fig.subplots(2, len(OUTCOMES))
    arms = summary["arm"].tolist()
    colours = ["#777777" if a == UNTREATED else "#1f77b4" if a == WHOLE else _colour(a) for a in arms]
    positions = np.arange(len(arms))[::-1]
    for ax, (column, label) in zip(top, OUTCOMES, strict=True):
        low = summary[column] - summary[f"{column}_ci_low"]
        high = summary[f"{column}_ci_high"] - summary[column]
        ax.barh(positions, summary[column], xerr=[low, high], color=colours, capsize=3)
        ax.set_yticks(positions, arms if ax is top[0] else [""] * len(arms))
        ax.set_title(f"{label}\n(n = {int(summary['replicates'].min())} seeds per arm)", fontsize=9)
        ax.grid(axis="x", alpha=0.3)
    kinds = [("share", "needed", "#ff7f0e")] + ([("alone_share", "alone", "#2ca02c")] if "alone" in share_table else [])
    for ax, (column, label) in zip(bottom, OUTCOMES, strict=True):
        rows = share_table[share_table["outcome"] == column]
        places = np.arange(len(rows))[::-1].astype(float)
        ax.set_yticks(places, rows["action"].tolist() if ax is bottom[0] else [""] * len(rows))
        ax.set_title(f"share of the drug's effect on\n{label.split(' (')[0]}", fontsize=9)
        ax.set_xlim(-0.5, 1.5)
        ax.axvline(0, color="black", lw=0.8)
        ax.axvline(1, color="black", lw=0.8, ls="--")
        ax.grid(axis="x", alpha=0.3)
        if len(rows) and not rows["effect_clear"].iloc[0]:
            ax.text(0.5, 0.5, "no clear effect\nof the drug", transform=ax.transAxes, ha="center", va="center")
            continue
        height = 0.8 / len(kinds)
        for k, (share, name, colour) in enumerate(kinds):
            y = places + 0.4 - height * (k + 0.5)
            low = (rows[share] - rows[f"{share}_ci_low"]).clip(lower=0)
            high = (rows[f"{share}_ci_high"] - rows[share]).clip(lower=0)
            ax.barh(y, rows[share], height=height, xerr=[low, high], color=colour, capsize=2, label=name)
        if ax is bottom[-1]:
            ax.legend(fontsize=8, loc="lower right")
    return fig


def _colour(arm: str) -> str:
    """An arm's bar colour: orange for an action left out, green for an action alone."""
    return "#2ca02c" if arm.endswith(" alone") else "#ff7f0e"


def write(out_dir: Path, results: pd.DataFrame, summary: pd.DataFrame, share_table: pd.DataFrame, fig: Figure):
    """Write runs.csv, summary.csv, shares.csv and dissection.png into out_dir."""
    write_tables(out_dir, {"runs": results, "summary": summary, "shares": share_table}, fig, "dissection.png")
