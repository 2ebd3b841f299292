"""``calibrate``: fit parameters to observed readouts by ABC-SMC (pyABC) from a calibration file."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from niche_abm.commands.command import (
    Command,
    add_engine_arguments,
    add_out_arguments,
    add_resume_argument,
    interrupted,
    note_slow_workers,
    workers_from,
)
from niche_abm.engines import make_engine
from niche_abm.folders import check_out, check_resumable
from niche_abm.jobs import JobFailed
from niche_abm.params import ParameterError


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("calibration", help="a calibration TOML file, or the name of one in scenarios/calibrations/")
    add_out_arguments(parser, "results/calibrations/NAME", "calibration")
    add_engine_arguments(parser, workers=None)
    add_resume_argument(parser, "calibration")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run_calibrate(args: argparse.Namespace) -> int:
    """Run (or resume) a calibration into its folder; exit 130 when interrupted, 1 when a particle's runs failed after
    their retries.

    Everything is checked before a run starts: the file, the folder, and the model built at the prior's lower and
    upper ends (for what only a built model can check)."""
    from niche_abm.calibration.fit import check_same_calibration, fit
    from niche_abm.calibration.sampler import draw_accepted
    from niche_abm.calibration.simulator import Simulator
    from niche_abm.calibration.spec import load_calibration

    spec = load_calibration(args.calibration)
    out = args.out or Path("results") / "calibrations" / spec.name
    if args.resume:
        check_resumable(out, "calibration")
        if (out / "manifest.json").is_file():
            check_same_calibration(spec, out)
    else:
        check_out(out, "calibration", args.overwrite)
    _check_buildable(spec)
    workers = workers_from(args) or os.cpu_count() or 1
    engine = make_engine(args.engine, workers, args.scheduler, draw_accepted)
    if args.overwrite and out.is_dir():
        shutil.rmtree(out)  # a calibration (check_out refused any other folder)
    out.mkdir(parents=True, exist_ok=True)
    runs = spec.replicates * len(Simulator.of(spec).arms())
    print(
        f"{spec.name}: {len(spec.prior)} parameter(s) to {len(spec.data)} readout(s), {spec.population} particles "
        f"a generation ({runs} run(s) each), up to {spec.generations} generations, on {engine.name} "
        f"({engine.workers} workers) into {out}/",
        flush=True,
    )
    note_slow_workers(engine)
    try:
        summary = fit(spec, out, engine, args.resume, progress=not args.quiet)
    except KeyboardInterrupt:
        return interrupted(out, "generations")
    except JobFailed as error:
        print(
            f"calibration stopped: {error}; its finished generations are kept in {out / 'abc.db'}: mend the cause, "
            f"then continue with --resume --out {out}",
            file=sys.stderr,
        )
        return 1
    for name, posterior in summary["parameters"].items():
        low, high = posterior["ci95"]
        default = "none shared" if posterior["default"] is None else f"{posterior['default']:g}"
        print(
            f"{name}: posterior median {posterior['median']:.4g} (95% interval {low:.4g} to {high:.4g}) "
            f"{posterior['unit']}; table default {default}"
        )
        for parameter, tied in posterior.get("sets", {}).items():
            low, high = tied["ci95"]
            print(f"  sets {parameter}: median {tied['median']:.4g} (95% interval {low:.4g} to {high:.4g})")
    for name, readout in summary["readouts"].items():
        print(
            f"{name}: observed {readout['observed']:g} ± {readout['sd']:g}; "
            f"the posterior's runs: median {readout['posterior']['median']:.4g}"
        )
    print(
        f"{summary['simulations']:,} particles simulated ({summary['runs']:,} runs) in {summary['wall_time_s']:.0f} s; "
        f"figure {out / 'posterior.png'}"
    )
    return 0


def _check_buildable(spec) -> None:
    """Build the model (unrun) with every fitted parameter at its prior's low end, then at its high end, so that
    what only a built model can check (more MM cells than free marrow sites, a bone mask) is one ParameterError
    naming the file's field before any run."""
    from niche_abm.calibration.strengths import parameter_values
    from niche_abm.experiment import RunDescription

    for end in ("low", "high"):
        values = parameter_values(spec.strengths, {name: getattr(r, end) for name, r in spec.prior.items()})
        try:
            RunDescription(spec.scenario_path, spec.fixed | values, (), spec.seed, spec.days).build()
        except ParameterError as error:
            tied_to = {p: name for name, ties in spec.strengths.items() for p in ties}
            if error.key in tied_to:
                key = f"prior.{tied_to[error.key]}"
                note = f"which sets {error.key}, with every prior at its {end} end"
            else:
                section = "prior." if error.key in values else "set." if error.key in spec.fixed else ""
                key, note = f"{section}{error.key}", f"with every prior at its {end} end"
            raise error.renamed(f"{spec.name}.toml: {key}", note) from None


COMMAND = Command(
    "calibrate",
    "fit parameters to observed readouts by ABC-SMC (pyABC) from a calibration file (scenarios/calibrations/)",
    _arguments,
    run_calibrate,
)
