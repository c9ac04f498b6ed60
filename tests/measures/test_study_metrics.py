"""study_metrics: one call gives exactly the families' own outputs, stacked."""

import pandas as pd
from pandas.testing import assert_frame_equal

from painmech.measures import (
    METRIC_COLUMNS,
    compute_metrics,
    connectivity_metrics,
    homeostatic_metrics,
    study_metrics,
    tms_map_metrics,
)
from painmech.simulation import simulate_cohort


def test_study_metrics_equals_the_families_stacked():
    sim = simulate_cohort(6, ["healthy", "chronic_lbp"], seed=3)
    expected = pd.concat([compute_metrics(sim.observations, sim.subjects),
                          tms_map_metrics(sim.tms), homeostatic_metrics(sim.tdcs),
                          connectivity_metrics(sim.roi)], ignore_index=True)
    got = study_metrics(sim.observations, sim.subjects, tms=sim.tms, tdcs=sim.tdcs,
                        roi=sim.roi)
    assert_frame_equal(got, expected)


def test_missing_or_empty_instrument_tables_add_nothing():
    sim = simulate_cohort(4, "healthy", seed=1, instruments=())
    only_obs = compute_metrics(sim.observations, sim.subjects)
    assert_frame_equal(study_metrics(sim.observations, sim.subjects, tms=sim.tms), only_obs)
    assert list(study_metrics(sim.observations.iloc[:0]).columns) == list(METRIC_COLUMNS)
