"""Mesa's DataCollector holds the same daily metrics as model.timeseries()."""

from __future__ import annotations

import pandas as pd

from niche_abm import NicheModel, load_scenario
from niche_abm.drugs.regimen import parse_regimen

SMALL = {"grid.width": 40, "grid.height": 40, "mm.initial_count": 24}
"""0.16 mm² at mm_niche's MM density (600 cells on 4 mm²)."""


def test_datacollector_rows_equal_the_timeseries_day_by_day():
    model = NicheModel(load_scenario("mm_niche", SMALL), seed=2, drugs=(parse_regimen("denosumab"),))
    series = model.run(3)
    model.run(5 / 24)  # five more hours: no new day, no new row
    collected = model.datacollector.get_model_vars_dataframe()
    assert list(collected["day"]) == [0.0, 1.0, 2.0, 3.0]
    assert set(series.columns) - set(collected.columns) == {"tb_th_um", "tb_sp_um", "tb_n_per_mm"}
    assert "conc_denosumab_um" in collected.columns
    pd.testing.assert_frame_equal(collected, series[collected.columns], check_exact=True)


def test_a_drug_first_given_mid_run_is_only_in_the_timeseries():
    model = NicheModel(load_scenario("mm_niche", SMALL), seed=2)
    model.run(1)
    model.start_drug(parse_regimen("zoledronic-acid"))
    series = model.run(1)
    collected = model.datacollector.get_model_vars_dataframe()
    assert "conc_zoledronic-acid_um" in series.columns and "conc_zoledronic-acid_um" not in collected.columns
    pd.testing.assert_frame_equal(collected, series[collected.columns], check_exact=True)
