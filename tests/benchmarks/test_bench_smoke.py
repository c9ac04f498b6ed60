"""Smoke test of the benchmark helpers (no timings asserted)."""

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(BENCH))
    try:
        import _profile_cases
        import _synth

        yield _synth, _profile_cases
    finally:
        sys.path.remove(str(BENCH))


@pytest.mark.slow
def test_groupby_baseline_gives_the_pipeline_result(bench):
    synth, cases = bench
    subjects, obs = synth.template(14, seed=3)
    # at most 30 observations per subject-visit (8 PPT + 4 CPM + 2 CPT + 3 TSP + 2 blood
    # + 2 TPD + 3 imaging + 6 clinical); the simulator leaves some out at some visits
    per_visit = obs.groupby(["subject", "visit"]).size()
    assert 25 <= per_visit.mean() <= 30
    tiled_subj, tiled = synth.tile(subjects, obs, range(2))
    assert len(tiled) == 2 * len(obs) and tiled_subj["subject"].is_unique
    res = cases.run_profile(obs, subjects)
    base = cases.groupby_apply(obs, subjects, res.reference)
    key = ["subject", "visit", "mechanism"]
    pd.testing.assert_frame_equal(base.sort_values(key).reset_index(drop=True),
                                  res.profile.sort_values(key).reset_index(drop=True))
    counts = cases.numpy_floor(obs)
    assert len(counts) == len(per_visit) and np.all(counts >= 0)
