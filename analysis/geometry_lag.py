"""How much do the fields err when their porous geometry follows the bone only every few hours?

The fields' operator is factorised for one marrow mask and re-used until
``fields.geometry_refresh_h`` hours have passed (``Signals.age``). Between
refreshes, sites that osteoclasts resorb or osteoblasts fill keep the porosity
of the last refresh. This measures that error without letting it change the
run: one model runs as its parameters say, and beside it "shadow" copies of its
fields, started from the same concentrations, get exactly the same secretion
and uptake every hour but follow the bone at other cadences (1 h, the exact
reference; then 24 h and 48 h). Each hour it compares every cadence with the
hourly one:

- each field's relative error over the grid, ``|c - c_1h|_2 / |c_1h|_2``;
- RANK occupancy where the osteoclast precursors are (what drives fusion): the
  largest absolute difference over the precursors, and that difference as a
  share of the occupancy there.

Scenario ``mm_advanced`` (the fastest bone loss of the scenarios) at its own
200 x 200 sites, seeds 1-3, 20 days. Prints, per cadence, the median, 95th
percentile and largest error over the hours and seeds (about 40 s)::

    python -m analysis.geometry_lag

Whether that error moves what the validation reads is the second question:
``--readouts`` runs T5's protocol (``mm_niche``, 1 mm², 60 days, its seeds 1-8)
with the geometry following the bone every hour and every 24 h, and prints
T5's near/far osteoclast ratio, the bone lost (BV/TV, points) and the
osteoclasts formed under each, with the paired differences over seeds (about
30 s on 2 cores)::

    python -m analysis.geometry_lag --readouts
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from analysis.seeded_arms import SeededJob, run_arms
from niche_abm.cells.precursor import OsteoclastPrecursor
from niche_abm.model import NicheModel
from niche_abm.scenario import load_scenario
from niche_abm.validation.common import interval, simulate
from niche_abm.validation.t05_oc_near_mm import near_far_ratio, seed_counts
from niche_abm.world.signals import Signals

CADENCES_H = (24, 48)
"""Refresh cadences compared with an hourly refresh, h."""
SCENARIO = "mm_advanced"


def shadow(model: NicheModel) -> Signals:
    """A copy of a model's fields (same parameters, geometry and concentrations), driven from outside."""
    copy = Signals(model.params, model.bone.marrow)
    for name, field in model.signals.fields.items():
        copy.fields[name].concentration[...] = field.concentration
    copy._derived = {name: values.copy() for name, values in model.signals.derived.items()}
    return copy


def run_seed(seed: int, days: int) -> dict[int, dict[str, list[float]]]:
    """Per cadence, the hourly errors against the hourly refresh (lists over the hours)."""
    model = NicheModel(load_scenario(SCENARIO), seed=seed)
    exact = shadow(model)
    lagged = {h: shadow(model) for h in CADENCES_H}
    errors = {h: {"occupancy_abs": [], "occupancy_rel": []} for h in CADENCES_H}
    update = model.signals.update

    def update_all(*args, **kwargs) -> None:
        update(*args, **kwargs)
        for signals in (exact, *lagged.values()):
            signals.update(*args, **kwargs)

    model.signals.update = update_all
    for hour in range(1, days * 24 + 1):
        model.step()
        marrow = model.bone.marrow
        exact.follow_bone(marrow)
        for h, signals in lagged.items():
            if hour % h == 0:
                signals.follow_bone(marrow)
        sites = model.lattice.sites_of(OsteoclastPrecursor)
        reference = exact.at("rank_occupancy", sites)
        for h, signals in lagged.items():
            for name, field in signals.fields.items():
                truth = exact.fields[name].concentration
                norm = np.linalg.norm(truth)
                errors[h].setdefault(name, []).append(
                    np.linalg.norm(field.concentration - truth) / norm if norm else 0.0
                )
            difference = np.abs(signals.at("rank_occupancy", sites) - reference)
            errors[h]["occupancy_abs"].append(float(difference.max(initial=0.0)))
            errors[h]["occupancy_rel"].append(float((difference / np.maximum(reference, 1e-12)).max(initial=0.0)))
    return errors


READOUT_CADENCES_H = (1, 24)
"""Refresh cadences whose validation readouts are compared, h."""


def measure_readouts(job: SeededJob) -> tuple[int, dict[str, float]]:
    """T5's counts, the bone lost and the osteoclasts formed in one mm_niche run at one refresh cadence (job.arm)."""
    overrides = {"fields.geometry_refresh_h": job.arm}
    series = simulate("mm_niche", job.seed, overrides=overrides).series
    lost = series["bv_tv"].iloc[0] - series["bv_tv"].iloc[-1]  # BV/TV is in percent
    return job.arm, seed_counts(job.seed, overrides) | {
        "bone_lost": lost,
        "formed": series["osteoclasts_formed"].iloc[-1],
    }


def readouts(argv: list[str]) -> None:
    """T5's ratio, bone lost and osteoclasts formed with an hourly and a daily geometry refresh, paired by seed
    (argv: the engine options)."""
    results = run_arms(__doc__, READOUT_CADENCES_H, measure_readouts, argv=argv)
    by_cadence = {h: [c for arm, c in results if arm == h] for h in READOUT_CADENCES_H}
    print("mm_niche, 1 mm², seeds 1-8, 60 days: validation readouts by geometry refresh cadence")
    for h, counts in by_cadence.items():
        ratio = near_far_ratio(counts)[2]
        lost = interval([c["bone_lost"] for c in counts])
        formed = interval([c["formed"] for c in counts])
        print(
            f"{h:>3} h: T5 near/far {ratio:.2f}x; bone lost {lost[0]:.2f} [{lost[1]:.2f}, {lost[2]:.2f}] points; "
            f"osteoclasts formed {formed[0]:.0f} [{formed[1]:.0f}, {formed[2]:.0f}]"
        )
    hourly, daily = (by_cadence[h] for h in READOUT_CADENCES_H)
    for key, label in (("bone_lost", "bone lost, points"), ("formed", "osteoclasts formed")):
        diff = interval([d[key] - h[key] for d, h in zip(daily, hourly, strict=True)])
        print(f"daily - hourly, paired by seed: {label} {diff[0]:+.3g} [{diff[1]:+.3g}, {diff[2]:+.3g}]")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if "--readouts" in argv:
        readouts([a for a in argv if a != "--readouts"])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--readouts",
        action="store_true",
        help="instead, T5's readouts with an hourly and a daily refresh (mm_niche, 1 mm², seeds 1-8, 60 days); "
        "takes --workers, --engine and --scheduler",
    )
    parser.add_argument("--seeds", type=int, default=3, help="seeds 1..SEEDS of the field-error runs (default 3)")
    parser.add_argument("--days", type=int, default=20, help="days of the field-error runs (default 20)")
    args = parser.parse_args(argv)
    pooled: dict[int, dict[str, list[float]]] = {h: {} for h in CADENCES_H}
    for seed in range(1, args.seeds + 1):
        for h, series in run_seed(seed, args.days).items():
            for key, values in series.items():
                pooled[h].setdefault(key, []).extend(values)
    print(f"{SCENARIO}, 200 x 200 sites, seeds 1-{args.seeds}, {args.days} days: error against an hourly refresh")
    print(f"{'cadence':>8} {'quantity':>28} {'median':>10} {'95th pct':>10} {'largest':>10}")
    for h, series in pooled.items():
        for key, values in series.items():
            label = {"occupancy_abs": "RANK occupancy at OCPs, abs", "occupancy_rel": "RANK occupancy, relative"}.get(
                key, f"{key} field, relative L2"
            )
            q = np.quantile(values, [0.5, 0.95, 1.0])
            print(f"{h:>6} h {label:>28} {q[0]:>10.2e} {q[1]:>10.2e} {q[2]:>10.2e}")


if __name__ == "__main__":
    main()
