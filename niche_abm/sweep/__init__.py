"""Batch experiments: sweep files, designs, engines (local or Dask), a resumable Parquet store, summaries."""

from niche_abm.sweep.engines import DaskEngine, LocalEngine, make_engine
from niche_abm.sweep.runner import SweepReport, prepare, run_sweep
from niche_abm.sweep.spec import SweepSpec, load_sweep

__all__ = ["DaskEngine", "LocalEngine", "SweepReport", "SweepSpec", "load_sweep", "make_engine", "prepare", "run_sweep"]
