"""Run (or resume) a calibration with pyABC's ABC-SMC and write its posterior.

pyABC (Schälte et al. 2022 Bioinformatics 38:4489) fits by approximate Bayesian computation with sequential Monte
Carlo: generation after generation, particles (parameter values) drawn from the prior, then perturbed from the
last generation's accepted ones, are kept when their simulated readouts lie within a shrinking tolerance of the
observed ones (here the median distance of the generation before). The distance is Euclidean over the readouts,
each in units of its observed spread: √Σ ((simulated − observed) / sd)². The accepted particles of the last
generation, with their importance weights, are the posterior sample.

Folder (``--out``), each file written whole:

- ``manifest.json``: the calibration as read, its fingerprint, root seed, versions and commit (written first);
- ``abc.db``: pyABC's record of every finished generation (SQLite), which ``--resume`` continues from;
- ``populations.parquet``: every accepted particle of every generation: its weight, distance, parameter values
  (natural scale) and readouts;
- ``calibration.json``: the posterior summary (per parameter: weighted mean, median, 95% interval and the
  table's default; per readout: observed and the posterior's; per generation: tolerance, simulations,
  acceptance rate and effective sample size; the particles simulated, the model runs (particles x replicates)
  and the wall time from pyABC's record, its start to the last generation's end, a pause between a stop and
  ``--resume`` included);
- ``posterior.png``: the marginal posteriors by generation against the prior range and the table default,
  the readouts against the data, and the tolerance by generation.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from niche_abm.calibration.sampler import EngineSampler
from niche_abm.calibration.simulator import Simulator, particle_name
from niche_abm.calibration.spec import CalibrationSpec
from niche_abm.calibration.strengths import table_strength
from niche_abm.engines import Engine, interrupts_deferred
from niche_abm.folders import atomic_text, atomic_write
from niche_abm.io import provenance
from niche_abm.params import BY_NAME, ParameterError
from niche_abm.scenario import load_scenario

DATABASE = "abc.db"
QUANTILES = (0.025, 0.5, 0.975)


def database_url(out: Path) -> str:
    return f"sqlite:///{(Path(out) / DATABASE).resolve()}"


def write_manifest(spec: CalibrationSpec, out: Path, engine: str) -> None:
    """The calibration's manifest (before any run): what it fits to what, every parameter value its runs start
    from (the scenario with the calibration's fixed overrides; each particle then sets its prior's parameters), its
    seed, versions and commit."""
    record = provenance()
    manifest = {
        "calibration": spec.as_dict(),
        "fingerprint": spec.fingerprint(),
        "seed": spec.seed,
        "engine": engine,
        "base_parameters": load_scenario(spec.scenario_path, spec.fixed).params.as_dict(),
        **record,
        "versions": record["versions"] | {"pyabc": _pyabc_version()},
    }
    atomic_text(Path(out) / "manifest.json", json.dumps(manifest, indent=2) + "\n")


def check_same_calibration(spec: CalibrationSpec, out: Path) -> None:
    """ParameterError('--resume') unless the folder's manifest records a calibration that draws the same particles."""
    try:
        recorded = json.loads((Path(out) / "manifest.json").read_text(encoding="utf-8"))["fingerprint"]
    except (OSError, ValueError, KeyError):
        raise ParameterError("--resume", f"{out} has no readable manifest.json to continue from") from None
    if recorded != spec.fingerprint():
        raise ParameterError(
            "--resume",
            f"{out} holds another calibration (its prior, data, scenario, [set], days, seed or population differ); "
            "choose another --out, or --overwrite",
        )


def fit(spec: CalibrationSpec, out: Path, engine: Engine, resume: bool, progress: bool = True) -> dict[str, Any]:
    """Run the calibration's remaining generations on engine (closed at the end), then write its outputs. A new
    calibration writes its manifest first, just before pyABC's database (which marks the folder as a calibration).

    A KeyboardInterrupt (Ctrl-C, SIGTERM) stops it between or within generations; every finished generation is
    in abc.db and ``resume`` continues with the same particles the uninterrupted calibration would have drawn."""
    try:
        # Ctrl-C stops it where the sampler hands out or gathers jobs, never halfway through a write to abc.db
        with interrupts_deferred():
            abc = _abc_smc(spec, EngineSampler(engine, spec.seed, spec.retries, progress))
            if resume and (Path(out) / DATABASE).is_file():
                history = abc.load(database_url(out), 1)
            else:
                write_manifest(spec, out, engine.name)
                history = abc.new(database_url(out), {name: s.value for name, s in spec.data.items()})
            remaining = spec.generations - (history.max_t + 1)
            if remaining > 0 and not _acceptance_fell(spec, history):
                history = abc.run(
                    minimum_epsilon=spec.min_epsilon,
                    max_nr_populations=remaining,
                    min_acceptance_rate=spec.min_acceptance,
                )
    finally:
        engine.close()
    return write_outputs(spec, out, history)


def _acceptance_fell(spec: CalibrationSpec, history) -> bool:
    """Whether the last finished generation accepted fewer of its particles than spec.min_acceptance (pyABC stops
    there within a run; a resumed calibration stops there too)."""
    if history.max_t < 0:
        return False
    samples = history.get_all_populations().set_index("t").loc[history.max_t, "samples"]
    return spec.population / samples < spec.min_acceptance


def _abc_smc(spec: CalibrationSpec, sampler: EngineSampler):
    """pyABC's ABC-SMC of the calibration: uniform priors (in log10 for a log range), the spread-weighted Euclidean
    distance, the model :class:`Simulator`, pyABC's defaults otherwise (median tolerance, multivariate normal
    perturbation)."""
    import pyabc

    logging.getLogger("ABC").setLevel(logging.WARNING)
    prior = pyabc.Distribution(
        **{
            particle_name(name, r.scale): pyabc.RV("uniform", r.bounds()[0], r.bounds()[1] - r.bounds()[0])
            for name, r in spec.prior.items()
        }
    )
    distance = pyabc.PNormDistance(p=2, fixed_weights={name: 1.0 / s.sd for name, s in spec.data.items()})
    return pyabc.ABCSMC(Simulator.of(spec), prior, distance, population_size=spec.population, sampler=sampler)


def populations(spec: CalibrationSpec, history) -> pd.DataFrame:
    """Every accepted particle of every generation: generation, weight, distance, parameters, readouts."""
    simulator = Simulator.of(spec)
    rows = []
    for t in range(history.max_t + 1):
        for particle in history.get_population(t).particles:
            drawn = dict(particle.parameter)
            rows.append(
                {"generation": t, "weight": particle.weight, "distance": particle.distance}
                | simulator.fitted(drawn)
                | simulator.values(drawn)
                | {f"readout.{k}": float(v) for k, v in particle.sum_stat.items()}
            )
    return pd.DataFrame(rows)


def summarize(spec: CalibrationSpec, table: pd.DataFrame, history) -> dict[str, Any]:
    """The posterior of the last generation, the readouts it predicts, and each generation's tolerance and effort."""
    from pyabc.weighted_statistics import effective_sample_size, weighted_quantile

    last = table[table["generation"] == table["generation"].max()]
    weights = last["weight"].to_numpy() / last["weight"].sum()

    def described(values: np.ndarray) -> dict[str, Any]:
        low, median, high = (float(weighted_quantile(values, weights, alpha=q)) for q in QUANTILES)
        return {"mean": float(np.sum(weights * values)), "median": median, "ci95": [low, high]}

    scenario = load_scenario(spec.scenario_path, spec.fixed).params.as_dict()
    parameters = {}
    for name in spec.prior:
        prior = spec.as_dict()["prior"][name]
        if name in spec.strengths:
            ties = spec.strengths[name]
            parameters[name] = (
                {"default": table_strength(ties, scenario), "unit": "strength", "prior": prior}
                | described(last[name].to_numpy())
                | {"sets": {p: tie.as_dict() | described(last[p].to_numpy()) for p, tie in ties.items()}}
            )
        else:
            parameters[name] = {
                "default": BY_NAME[name].default,
                "unit": BY_NAME[name].unit,
                "prior": prior,
            } | described(last[name].to_numpy())
    readouts = {
        name: {
            "observed": s.value,
            "sd": s.sd,
            "source": s.source,
            "posterior": described(last[f"readout.{name}"].to_numpy()),
        }
        | ({"drugs": list(s.drugs), "relative": s.relative} if s.drugs else {})
        for name, s in spec.data.items()
    }
    generations = []
    populations_table = history.get_all_populations()
    for _, row in populations_table.iterrows():
        t = int(row["t"])
        if t < 0:
            continue
        w = table.loc[table["generation"] == t, "weight"].to_numpy()
        generations.append(
            {
                "generation": t,
                "epsilon": float(row["epsilon"]),
                "simulations": int(row["samples"]),
                "acceptance_rate": spec.population / int(row["samples"]),
                "effective_sample_size": float(effective_sample_size(w / w.sum())),
            }
        )
    return {
        "calibration": spec.name,
        "description": spec.description,
        "parameters": parameters,
        "readouts": readouts,
        "generations": generations,
        "simulations": int(history.total_nr_simulations),
        "runs": int(history.total_nr_simulations) * spec.replicates * len(Simulator.of(spec).arms()),
        "wall_time_s": (populations_table["population_end_time"].max() - history.get_abc().start_time).total_seconds(),
    }


def write_outputs(spec: CalibrationSpec, out: Path, history) -> dict[str, Any]:
    """populations.parquet, posterior.png, then calibration.json (the marker of a finished calibration)."""
    from niche_abm.calibration.figure import draw_posterior

    out = Path(out)
    table = populations(spec, history)
    atomic_write(out / "populations.parquet", lambda tmp: table.to_parquet(tmp, index=False))
    summary = summarize(spec, table, history)
    atomic_write(out / "posterior.png", lambda tmp: draw_posterior(spec, table, summary, tmp))
    atomic_text(out / "calibration.json", json.dumps(summary, indent=2) + "\n")
    return summary


def _pyabc_version() -> str:
    from importlib import metadata

    return metadata.version("pyabc")
