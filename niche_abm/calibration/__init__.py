"""Calibration: fit parameters to observed readouts by ABC-SMC (pyABC), reproducibly, on a local or Dask engine.

- :mod:`~niche_abm.calibration.spec`: the calibration file (scenario, prior ranges, observed readouts);
- :mod:`~niche_abm.calibration.readouts`: what a run reports for comparison with data;
- :mod:`~niche_abm.calibration.simulator`: the model pyABC calls;
- :mod:`~niche_abm.calibration.sampler`: seeded generations on an engine of :mod:`niche_abm.engines`;
- :mod:`~niche_abm.calibration.fit`: the run, its resume and its outputs; :mod:`~niche_abm.calibration.figure`.
"""
