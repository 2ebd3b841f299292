"""The vicious cycle, measured: which of its arrows MM's bone loss and MM's own growth need.

The cycle is not a rule of the model; it is what the rules do together. A cycle
run cuts one arrow at a time, by setting the parameters that carry it to the
values that switch it off, beside the full model and the same marrow without MM
cells, replicate r on the same seed (so the same bone, vessels and stroma) in
every arm. From MM to the bone:

- ``stroma_contact``: an adherent MM cell makes the stromal cell it touches raise RANKL and lower OPG;
- ``ccl3``: MM cells secrete CCL3, which recruits and guides precursors, speeds fusion and resorption and holds
  back osteoblast differentiation;
- ``osteoblast_block``: touching MM cells block PreOB differentiation into osteoblasts;
- ``dkk1``: MM cells secrete DKK1, which lowers Wnt signalling in the osteoblast lineage.

From the niche back to MM:

- ``osteoclast_support``: osteoclasts keep MM cells alive, by contact and by the APRIL they secrete;
- ``april``: osteoclasts secrete APRIL, which keeps MM cells alive further away (the soluble half of the above);
- ``adhesion_survival``: MM cells bound to stroma die more slowly;
- ``stromal_il6``: an adherent MM cell makes the stromal cell it touches secrete more IL-6, which feeds MM;
- ``vessel_support``: MM cells near a vessel divide faster;
- ``vegf``: MM cells secrete VEGF, which sprouts vessels.

And ``adhesion`` itself (VLA-4 binding to stroma), which every contact arrow needs. For each arrow and outcome
the share of MM's effect the arrow is needed for is

    bone outcomes (BV/TV lost, bone resorbed, osteoclasts formed):  (full − cut) / (full − no MM)
    MM growth (MM cells gained since day 0):                        (full − cut) / (full − seeded)

as a ratio of means over the seeds with a paired bootstrap interval, on the last day and, from the same runs,
every tenth day (:func:`course`). Shares need not add to 1: arrows that act only together are each needed whole,
arrows that stand in for each other are each needed little. A drug given to every arm (the marrow without MM too)
shows which arrows still carry MM's effect under a treatment. The arms run as a sweep (:mod:`niche_abm.sweep`:
the local or Dask engine, a Parquet dataset, --resume), each arrow's cut as the arm's own parameter settings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch

from niche_abm.dose_response import arms_sweep, summarise, write_tables
from niche_abm.drugs.regimen import parse_regimen
from niche_abm.io import png_metadata
from niche_abm.params import ParameterError, Parameters, build_parameters
from niche_abm.scenario import comma_list, load_scenario
from niche_abm.stats import needed_share
from niche_abm.sweep.spec import SweepSpec
from niche_abm.sweep.store import SweepStore


@dataclass(frozen=True)
class Arrow:
    """One arrow of the cycle: its name, the cells it runs from and to, and the parameter values that cut it."""

    name: str
    label: str
    source: str
    target: str
    cut: tuple[tuple[str, float], ...]

    @property
    def arm(self) -> str:
        """The sweep arm that cuts it (arrows cut together: their names joined by two underscores)."""
        return f"cut_{self.name.replace(TOGETHER, '__')}"

    def describe(self) -> str:
        """The cut as parameter assignments."""
        return ", ".join(f"{name} = {value:g}" for name, value in self.cut)


def arrows(params: Parameters | None = None) -> tuple[Arrow, ...]:
    """Every arrow of the cycle, MM → bone first, then the niche → MM; each cut by the values that switch it off
    (a fold of 1, a secretion or block of 0, adherent cells dying at the free rate of `params`, default the
    table's)."""
    free_death = (params or build_parameters()).mm.death_rate_free
    return (
        Arrow(
            "stroma_contact",
            "stroma contact",
            "MM",
            "stroma",
            (("stroma.contact_rankl_fold", 1.0), ("stroma.contact_opg_fold", 1.0)),
        ),
        Arrow("ccl3", "CCL3", "MM", "osteoclasts", (("mm.ccl3_secretion", 0.0),)),
        Arrow(
            "osteoblast_block",
            "osteoblast block",
            "MM",
            "osteoblasts",
            (("stroma.mm_contact_differentiation_block", 0.0),),
        ),
        Arrow("dkk1", "DKK1", "MM", "osteoblasts", (("mm.dkk1_secretion", 0.0),)),
        Arrow(
            "osteoclast_support",
            "osteoclast support",
            "osteoclasts",
            "MM",
            (("mm.osteoclast_support_death_factor", 1.0), ("oc.april_secretion", 0.0)),
        ),
        Arrow("april", "APRIL", "osteoclasts", "MM", (("oc.april_secretion", 0.0),)),
        Arrow("adhesion_survival", "adhesion survival", "stroma", "MM", (("mm.death_rate_adherent", free_death),)),
        Arrow("stromal_il6", "stromal IL-6", "stroma", "MM", (("stroma.contact_il6_fold", 1.0),)),
        Arrow("vessel_support", "vessel support", "vessels", "MM", (("mm.vessel_support_division_fold", 1.0),)),
        Arrow("vegf", "VEGF", "MM", "vessels", (("mm.vegf_secretion", 0.0),)),
        Arrow("adhesion", "adhesion", "MM", "stroma", (("mm.adhesion_rate", 0.0),)),
    )


FULL, NO_MM = "full model", "no MM"
BONE_OUTCOMES = (
    ("bone_lost", "BV/TV lost (percentage points)"),
    ("resorbed_mm2", "bone resorbed (mm²)"),
    ("osteoclasts_formed", "osteoclasts formed"),
)
GROWTH = ("mm_gained", "MM cells gained")
OUTCOMES = (*BONE_OUTCOMES, GROWTH, ("mm_last", "MM cells at the last day"))
KEPT_METRICS = ("bv_tv", "resorbed_mm2", "osteoclasts_formed", "n_mm")
"""Daily metrics each run stores."""


TOGETHER = "+"
"""Joins the names of arrows cut together in one arm (``stroma_contact+ccl3``)."""


def parse_arrows(text: str | None) -> tuple[str, ...]:
    """The arrows given, comma-separated, each a name or names joined by + to cut together: the single arrows in
    the cycle's order, then the joint cuts as given (their names in the cycle's order); None: every single arrow.
    ParameterError('--arrows') naming an unknown arrow (with the known ones), a joint cut of fewer than two, or an
    empty or repeated entry (a joint cut repeats whatever the order of its names)."""
    known = [arrow.name for arrow in arrows()]
    if text is None:
        return tuple(known)
    entries = comma_list(text, "--arrows", f"{known[1]},{known[0]}{TOGETHER}{known[1]} (of {', '.join(known)})")
    singles, joint = [], []
    for entry in entries:
        parts = {part.strip() for part in entry.split(TOGETHER)}
        unknown = sorted(parts - set(known))
        if unknown:
            raise ParameterError("--arrows", f"unknown arrow {unknown[0]!r}; expected some of {', '.join(known)}")
        if TOGETHER in entry and len(parts) < 2:
            raise ParameterError("--arrows", f"got {entry!r}; arrows cut together are two or more different ones")
        name = TOGETHER.join(known_name for known_name in known if known_name in parts)
        if name in singles or name in joint:
            raise ParameterError("--arrows", f"{entry!r} is the cut of {name!r} again")
        (joint if len(parts) > 1 else singles).append(name)
    return tuple(name for name in known if name in singles) + tuple(joint)


def chosen_arrows(names: tuple[str, ...], params: Parameters | None = None) -> tuple[Arrow, ...]:
    """The arrows of these names (:func:`parse_arrows`), each joint cut one arrow whose cut is all of its parts'
    (drawn in no place of the cycle: its source and target are empty)."""
    single = {arrow.name: arrow for arrow in arrows(params)}
    chosen = []
    for name in names:
        parts = [single[part] for part in name.split(TOGETHER)]
        if len(parts) == 1:
            chosen.append(parts[0])
        else:
            label = " + ".join(part.label for part in parts)
            chosen.append(Arrow(name, label, "", "", tuple(pair for part in parts for pair in part.cut)))
    return tuple(chosen)


def label_of(name: str) -> str:
    """How a person reads an arrow's name, or the names of arrows cut together."""
    single = {arrow.name: arrow.label for arrow in arrows()}
    return " + ".join(single[part] for part in name.split(TOGETHER))


def cycle_sweep(
    names: tuple[str, ...],
    scenario: str = "mm_niche",
    days: int = 60,
    replicates: int = 8,
    overrides: dict | None = None,
    seed: int = 1,
    drugs: tuple[str, ...] = (),
) -> tuple[SweepSpec, dict[str, str], tuple[Arrow, ...]]:
    """The sweep of a cycle run, each arm's label (full model, no MM, each arrow cut) and the arrows it cuts, with
    their cuts in this scenario; drugs: regimens (command-line syntax) every arm is given, the no-MM arm too, to
    measure the cycle under a treatment.

    Raises ParameterError('--scenario') if the scenario (with the overrides) seeds no MM cells, and ParameterError
    naming a regimen that cannot be read or does not fit in the days.
    """
    overrides = dict(overrides or {})
    params = load_scenario(scenario, overrides).params
    if params.mm.initial_count == 0:
        raise ParameterError("--scenario", f"{scenario} seeds no MM cells: there is no cycle to cut; try mm_niche")
    regimens = tuple(parse_regimen(text) for text in drugs)
    for regimen in regimens:
        regimen.check_within(days)
    given = tuple(regimen.text for regimen in regimens)
    chosen = chosen_arrows(names, params)
    arms = {"full": given, "no_mm": given, **{arrow.arm: given for arrow in chosen}}
    settings = {"no_mm": {"mm.initial_count": 0}, **{arrow.arm: dict(arrow.cut) for arrow in chosen}}
    labels = {"full": FULL, "no_mm": NO_MM, **{arrow.arm: arrow.label for arrow in chosen}}
    treated = f" under {', '.join(given)}" if given else ""
    description = f"the vicious cycle in {scenario}{treated}, {days} days, each arrow cut in turn: " + "; ".join(
        f"{arrow.name} ({arrow.describe()})" for arrow in chosen
    )
    spec = arms_sweep("cycle", description, arms, scenario, days, replicates, overrides, seed, KEPT_METRICS, settings)
    return spec, labels, chosen


def outcomes(store: SweepStore, labels: dict[str, str], days: Sequence[int] | None = None) -> pd.DataFrame:
    """One row per finished run and day: its arm's label, replicate, seed, the day and the outcomes then (BV/TV
    lost and MM cells gained since day 0, bone resorbed and osteoclasts formed so far); days: the days to read
    (those a run reached), None for its last day only."""
    runs = store.runs_table()
    rows = []
    for run in runs[runs["status"] == "done"].itertuples():
        frame = pd.read_parquet(store.run_path(run.arm, run.run))
        first = frame.iloc[0]
        read = frame.iloc[[-1]] if days is None else frame[frame["day"].isin(days)]
        for _, then in read.iterrows():
            rows.append(
                {
                    "arm": labels[run.arm],
                    "replicate": run.replicate,
                    "seed": run.seed,
                    "day": int(then["day"]),
                    "bone_lost": float(first["bv_tv"] - then["bv_tv"]),
                    "resorbed_mm2": float(then["resorbed_mm2"]),
                    "osteoclasts_formed": float(then["osteoclasts_formed"]),
                    "mm_gained": float(then["n_mm"] - first["n_mm"]),
                    "mm_last": float(then["n_mm"]),
                }
            )
    return pd.DataFrame(rows)


def course_days(days: int, every: int = 10) -> list[int]:
    """The days a cycle's course is read on: every `every` days, and the last."""
    return sorted({*range(every, days + 1, every), days})


def arm_summary(results: pd.DataFrame, chosen: tuple[Arrow, ...]) -> pd.DataFrame:
    """Mean and 95% t-interval of each outcome per arm: full model, no MM, then each arrow cut."""
    arms = [FULL, NO_MM, *(arrow.label for arrow in chosen)]
    return summarise(results, [arm for arm in arms if arm in set(results["arm"])], "arm", OUTCOMES)


def shares(
    results: pd.DataFrame, chosen: tuple[Arrow, ...], measured: tuple[tuple[str, str], ...] = (*BONE_OUTCOMES, GROWTH)
) -> pd.DataFrame:
    """For each arrow and outcome (`measured`), over the seeds finished in the arms it needs, on one day: MM's
    effect (full − no MM for the bone outcomes; the MM cells gained in the full model for growth) and what cutting
    the arrow loses (full − cut), each with its paired t-interval, and the share of the effect the arrow is needed
    for (their ratio of means, paired bootstrap interval). effect_clear: the effect's interval excludes 0."""
    table = results.pivot_table(index="replicate", columns="arm", values=[name for name, _ in measured])
    rows = []
    for arrow in chosen:
        for outcome, label in measured:
            needed = [FULL, arrow.label] + ([NO_MM] if outcome != GROWTH[0] else [])
            arms = table[outcome].reindex(columns=needed).dropna()
            full, cut = arms[FULL].to_numpy(), arms[arrow.label].to_numpy()
            baseline = arms[NO_MM].to_numpy() if outcome != GROWTH[0] else np.zeros_like(full)
            row = {"arrow": arrow.name, "cut": arrow.describe(), "outcome": outcome, "label": label, "seeds": len(arms)}
            rows.append(row | needed_share(full, cut, baseline))
    return pd.DataFrame(rows)


COURSE = (("bone_lost", "bone loss (BV/TV lost)"), ("mm_gained", "growth (MM cells gained)"))
"""The outcomes whose shares a cycle follows over time."""


def course(results_by_day: pd.DataFrame, chosen: tuple[Arrow, ...]) -> pd.DataFrame:
    """The shares of MM's bone loss and of its growth each arrow is needed for, day by day (:func:`shares` of each
    day's outcomes, with a day column)."""
    frames = [
        shares(results_by_day[results_by_day["day"] == day], chosen, COURSE).assign(day=day)
        for day in sorted(results_by_day["day"].unique())
        if day > 0
    ]
    return pd.concat(frames, ignore_index=True)


def course_figure(by_day: pd.DataFrame, title: str) -> Figure:
    """Each arrow's needed share of MM's bone loss (left) and of MM's growth (right) by day, with its 95% paired
    bootstrap band; a day on which MM's effect is not clear (its interval includes 0) is left out."""
    fig = Figure(figsize=(13, 4.8), layout="constrained")
    fig.suptitle(title)
    palette = matplotlib.colormaps["tab20"]
    names = [*(arrow.name for arrow in arrows()), *dict.fromkeys(by_day["arrow"])]
    colours = {name: palette(index % palette.N) for index, name in enumerate(dict.fromkeys(names))}
    for ax, (outcome, label) in zip(fig.subplots(1, 2), COURSE, strict=True):
        rows = by_day[(by_day["outcome"] == outcome) & by_day["effect_clear"]]
        for name, group in rows.groupby("arrow", sort=False):
            ax.plot(group["day"], group["share"], marker="o", ms=3, color=colours[name], label=label_of(name))
            band = group["share_ci_low"], group["share_ci_high"]
            ax.fill_between(group["day"], *band, color=colours[name], alpha=0.15)
        ax.axhline(0, color="black", lw=0.8)
        ax.axhline(1, color="black", lw=0.8, ls="--")
        ax.set_ylim(-0.4, 1.2)
        ax.set_xlabel("day")
        ax.set_ylabel("share the arrow is needed for")
        ax.set_title(f"share of MM's {label}")
        ax.grid(alpha=0.3)
    fig.axes[-1].legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    return fig


NODES = {
    "MM": (0.0, 0.0),
    "stroma": (-2.4, 1.5),
    "osteoclasts": (2.4, 1.5),
    "osteoblasts": (2.4, -1.5),
    "vessels": (-2.4, -1.5),
    "bone": (4.3, 0.0),
}
NODE_COLOURS = {
    "MM": "#bf59f2",
    "stroma": "#8fbf5a",
    "osteoclasts": "#e0533d",
    "osteoblasts": "#3d8fe0",
    "vessels": "#d98880",
    "bone": "#e8dcc0",
}
SHARE_BARS = (
    ("bone_lost", "BV/TV lost", "#b5651d"),
    ("resorbed_mm2", "bone resorbed", "#e0a96d"),
    ("mm_gained", "MM growth", "#8e44ad"),
)


def figure(share_table: pd.DataFrame, title: str) -> Figure:
    """Left: the cycle, one arrow per pair of cells, as wide as the largest share its arrows carry, labelled with
    each arrow's needed shares of MM's bone loss and of MM's growth. Right: the shares as bars with their
    intervals. A share of an effect MM does not clearly have (its interval includes 0) is neither drawn nor
    written ("–")."""
    fig = Figure(figsize=(17, 7.2), layout="constrained")
    fig.suptitle(title)
    cycle, bars = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.5, 1]})
    clear = share_table[share_table["effect_clear"]]
    chosen = list(dict.fromkeys(share_table["arrow"]))
    share = clear.set_index(["arrow", "outcome"])["share"].reindex(
        pd.MultiIndex.from_product([chosen, [o for o, _, _ in SHARE_BARS]])
    )
    _draw_cycle(cycle, chosen, share)
    places = np.arange(len(chosen))[::-1].astype(float)
    for k, (outcome, label, colour) in enumerate(SHARE_BARS):
        rows = clear[clear["outcome"] == outcome].set_index("arrow").reindex(chosen)
        low = (rows["share"] - rows["share_ci_low"]).clip(lower=0).fillna(0)
        high = (rows["share_ci_high"] - rows["share"]).clip(lower=0).fillna(0)
        shown = rows["share"].fillna(0)
        y = places + 0.27 - 0.27 * k
        bars.barh(y, shown, height=0.26, xerr=[low, high], color=colour, capsize=2, label=label)
    bars.set_yticks(places, [label_of(name) for name in chosen])
    bars.set_xlim(-0.4, 1.5)
    bars.axvline(0, color="black", lw=0.8)
    bars.axvline(1, color="black", lw=0.8, ls="--")
    seeds = int(share_table["seeds"].min())
    unclear = [label for outcome, label, _ in SHARE_BARS if outcome not in set(clear["outcome"])]
    note = f"; no clear effect of MM on {', '.join(unclear)}" if unclear else ""
    bars.set_xlabel("share of MM's effect the arrow is needed for (1 = all of it)")
    bars.set_title(f"needed shares: mean and 95% paired bootstrap interval, {seeds} seeds{note}", fontsize=10)
    bars.grid(axis="x", alpha=0.3)
    bars.legend(fontsize=8, loc="center right")
    return fig


def _draw_cycle(ax, chosen: list[str], share: pd.Series) -> None:
    """The cells as circles and the chosen arrows between them (share: by arrow and outcome, NaN where the effect
    is not clear)."""
    for name, (x, y) in NODES.items():
        ax.add_patch(Circle((x, y), 0.5, color=NODE_COLOURS[name], alpha=0.95, zorder=3))
        ax.text(x, y, name, ha="center", va="center", fontsize=10, zorder=4, weight="bold")
    _arrow(ax, "osteoclasts", "bone", 0.0, 2.0, "#999999", "resorb")
    _arrow(ax, "osteoblasts", "bone", 0.0, 2.0, "#999999", "form")
    pairs: dict[tuple[str, str], list[Arrow]] = {}
    for arrow in arrows():
        if arrow.name in chosen:
            pairs.setdefault((arrow.source, arrow.target), []).append(arrow)

    def text(value: float) -> str:
        return "–" if np.isnan(value) else f"{value:+.2f}"

    for (source, target), group in pairs.items():
        values = [share[a.name, outcome] for a in group for outcome in ("bone_lost", "mm_gained")]
        lines = [
            f"{a.label}: bone {text(share[a.name, 'bone_lost'])}, MM {text(share[a.name, 'mm_gained'])}" for a in group
        ]
        largest = float(np.nanmax(np.abs(values))) if not np.all(np.isnan(values)) else 0.0
        colour = "#6a1b9a" if source == "MM" else "#2e7d32"
        _arrow(ax, source, target, 0.3, 1.0 + 9.0 * min(largest, 1.2), colour, "\n".join(lines))
    ax.set_xlim(-3.1, 4.9)
    ax.set_ylim(-2.2, 2.2)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(
        "each arrow's share of MM's bone loss (bone) and of MM's growth (MM) it is needed for;\n"
        "purple: MM acts on its niche, green: the niche acts on MM; width: the larger share",
        fontsize=9,
    )


def _arrow(ax, source: str, target: str, bend: float, width: float, colour: str, label: str) -> None:
    """An arrow between two nodes' rims, bent by `bend` (arc3 radius), `width` points wide, labelled at its middle."""
    (x0, y0), (x1, y1) = NODES[source], NODES[target]
    patch = FancyArrowPatch(
        (x0, y0),
        (x1, y1),
        connectionstyle=f"arc3,rad={bend}",
        arrowstyle="-|>",
        mutation_scale=12 + width,
        lw=width,
        color=colour,
        alpha=0.7,
        shrinkA=34,
        shrinkB=34,
        zorder=2,
    )
    ax.add_patch(patch)
    # matplotlib's arc3 puts its control point at the chord's middle + bend x (dy, -dx); the curve's middle lies
    # half way there
    mx, my = (x0 + x1) / 2 + bend * (y1 - y0) / 2, (y0 + y1) / 2 - bend * (x1 - x0) / 2
    box = {"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85}
    ax.text(mx, my, label, fontsize=7.5, ha="center", va="center", zorder=5, bbox=box)


def write(
    out_dir: Path,
    results: pd.DataFrame,
    summary: pd.DataFrame,
    share_table: pd.DataFrame,
    by_day: pd.DataFrame,
    fig: Figure,
    course_fig: Figure,
) -> None:
    """Write runs.csv, summary.csv, shares.csv, shares_by_day.csv, cycle_course.png and, last, cycle.png into
    out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    course_fig.savefig(out_dir / "cycle_course.png", dpi=110, metadata=png_metadata())
    tables = {"runs": results, "summary": summary, "shares": share_table, "shares_by_day": by_day}
    write_tables(out_dir, tables, fig, "cycle.png")
