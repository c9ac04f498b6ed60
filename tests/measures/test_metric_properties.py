"""Property tests over the metrics (Hypothesis): invariances the metric rules must keep.

- the order of observation rows does not matter;
- one subject's metrics do not depend on which other subjects share the table
  (what makes subject partitions and Dask runs exact);
- a PPT entered in N/cm² gives the metric of the same value in kPa (×10,
  registry conversion; 5–150 N/cm² keeps inside the usual range), and the PPT
  metric is the mean of its trials (DFNS: Rolke et al. 2006, mean of three
  series).
"""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from painmech.measures import compute_metrics
from painmech.registry import validate_observations
from painmech.simulation import simulate_cohort

_SIM = simulate_cohort(6, ["healthy", "chronic_lbp", "whiplash"], visits=2, seed=11,
                       instruments=())
_KEY = ["subject", "visit", "metric", "site", "side"]


def _sorted(frame):
    return frame.sort_values(_KEY, kind="stable").reset_index(drop=True)


_EXPECTED = _sorted(compute_metrics(_SIM.observations, _SIM.subjects))


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_row_order_does_not_change_any_metric(seed):
    order = np.random.default_rng(seed).permutation(len(_SIM.observations))
    shuffled = _SIM.observations.iloc[order].reset_index(drop=True)
    assert_frame_equal(_sorted(compute_metrics(shuffled, _SIM.subjects)), _EXPECTED)


@settings(max_examples=15, deadline=None)
@given(keep=st.sets(st.sampled_from(sorted(_SIM.subjects["subject"])), min_size=1))
def test_a_subjects_metrics_do_not_depend_on_the_other_subjects(keep):
    obs = _SIM.observations[_SIM.observations["subject"].isin(keep)]
    subj = _SIM.subjects[_SIM.subjects["subject"].isin(keep)]
    part = _sorted(compute_metrics(obs, subj))
    expected = _EXPECTED[_EXPECTED["subject"].isin(keep)].reset_index(drop=True)
    assert_frame_equal(part, expected)


@settings(max_examples=40, deadline=None)
@given(trials=st.lists(st.floats(5.0, 150.0, allow_nan=False), min_size=1, max_size=5))
def test_ppt_in_newton_per_cm2_equals_kpa_and_is_the_trial_mean(trials):
    def obs(values, unit):
        return pd.DataFrame({"subject": "p1", "visit": 0, "measure": "ppt", "site": "lumbar",
                             "side": "left", "trial": range(1, len(values) + 1),
                             "value": values, "unit": unit})

    subjects = pd.DataFrame({"subject": ["p1"], "sex": ["female"], "age": [40.0],
                             "condition": ["chronic_lbp"]})
    newton = validate_observations(obs(trials, "N/cm²")).data
    kpa = validate_observations(obs([10.0 * t for t in trials], "kPa")).data
    m_newton = compute_metrics(newton, subjects)
    m_kpa = compute_metrics(kpa, subjects)
    assert_frame_equal(m_newton, m_kpa, rtol=1e-12)
    ppt = m_kpa[(m_kpa["metric"] == "ppt") & (m_kpa["side"] == "left")]
    assert len(ppt) == 1
    np.testing.assert_allclose(ppt["value"].iloc[0], 10.0 * np.mean(trials), rtol=1e-12)
    assert ppt["n_trials"].iloc[0] == len(trials)
