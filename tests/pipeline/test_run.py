"""The one-call pipeline equals the chained steps, and per-partition runs equal it."""

import pandas as pd
import pytest

from painmech.io import partition_of
from painmech.measures import compute_metrics
from painmech.mechanisms import profile
from painmech.norms import ReferenceSet, zscore
from painmech.pipeline import control_metrics, fit_reference, profile_partition, run_profile
from painmech.simulation import simulate_cohort


@pytest.fixture(scope="module")
def cohort():
    res = simulate_cohort(84, visits=2, seed=11, instruments=())
    return res.subjects, res.observations


@pytest.fixture(scope="module")
def whole(cohort):
    subjects, obs = cohort
    return run_profile(obs, subjects)


def test_run_profile_equals_the_chained_steps(cohort, whole):
    subjects, obs = cohort
    result = whole
    # reference: the documented steps called one by one
    metrics = compute_metrics(obs, subjects)
    ref = ReferenceSet("fitted_from_input").fit(metrics, subjects)
    scores = zscore(metrics, subjects, ref)
    expected = profile(scores, subjects)
    pd.testing.assert_frame_equal(result.metrics, metrics, check_exact=True)
    pd.testing.assert_frame_equal(result.scores, scores, check_exact=True)
    pd.testing.assert_frame_equal(result.profile, expected, check_exact=True)
    assert result.reference.name == "fitted_from_input"


def test_partitions_equal_whole_table(cohort, whole):
    subjects, obs = cohort
    part = partition_of(obs["subject"], 2)
    controls = pd.concat([control_metrics(obs[part == k], subjects) for k in range(2)])
    ref = fit_reference(controls, subjects)
    pd.testing.assert_frame_equal(ref.table_, whole.reference.table_, check_exact=True)
    pieces = [profile_partition(obs[part == k], subjects, ref) for k in range(2)]
    merged = (pd.concat(pieces).sort_values(["subject", "visit"], kind="stable")
              .reset_index(drop=True))
    pd.testing.assert_frame_equal(merged, whole.profile, check_exact=True)


def test_keep_drops_intermediate_tables(cohort):
    subjects, obs = cohort
    first = obs["subject"].isin(subjects["subject"].iloc[::4])
    result = run_profile(obs[first], subjects, keep=())
    assert result.metrics is None and result.scores is None
    assert len(result.profile) == 10 * obs[first][["subject", "visit"]].drop_duplicates().shape[0]


def test_no_controls_needs_a_reference(cohort):
    subjects, obs = cohort
    sick = subjects.loc[subjects["condition"] != "healthy"]
    with pytest.raises(ValueError, match="no 'healthy' subjects"):
        run_profile(obs[obs["subject"].isin(sick["subject"])], sick)
