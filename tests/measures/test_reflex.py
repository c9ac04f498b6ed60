"""Nociceptive withdrawal reflex thresholds and the tender-point count (hand
calculations; protocol facts: Neziri et al. 2010 Eur J Pain 14:134, Wolfe et al.
1990 Arthritis Rheum 33:160)."""

import numpy as np
import pandas as pd
import pytest

from painmech.measures import compute_metrics
from painmech.registry import METRICS, validate_observations


def _obs(rows):
    return pd.DataFrame(rows, columns=["subject", "visit", "measure", "site", "side", "trial",
                                       "value", "unit"])


def _validated(rows):
    return validate_observations(_obs(rows), warn=False)


def test_withdrawal_reflex_thresholds_are_trial_means_in_ma():
    rows = [("s1", 0, "nwr_threshold", "none", "none", t, v, "mA")
            for t, v in [(1, 10.5), (2, 12.0), (3, 9.0)]]
    rows += [("s1", 0, "nwr_ts_threshold", "none", "none", t, v, "milliampere")
             for t, v in [(1, 6.0), (2, 7.5)]]
    v = _validated(rows)
    assert v.problems.empty
    m = compute_metrics(v.data).set_index("metric")
    # (10.5 + 12.0 + 9.0) / 3 = 10.5 mA; (6.0 + 7.5) / 2 = 6.75 mA
    assert m.loc["nwr_threshold", ["value", "unit", "n_trials"]].tolist() == [10.5, "mA", 3]
    assert m.loc["nwr_ts_threshold", "value"] == pytest.approx(6.75)
    # registry: a lower current is the gain side, both measures inform temporal summation
    for metric in ("nwr_threshold", "nwr_ts_threshold"):
        assert METRICS[metric].gain == -1 and METRICS[metric].transform == "log10"
        assert METRICS[metric].mechanisms == ("temporal_summation",)


@pytest.mark.parametrize(("value", "reason"), [(0.0, "outside"), (150.0, "outside")])
def test_withdrawal_reflex_threshold_outside_the_hard_limits_is_rejected(value, reason):
    v = validate_observations(_obs([("s1", 0, "nwr_threshold", "none", "none", 1, value, "mA")]),
                              warn=False)
    assert v.data.empty and len(v.problems) == 1
    problem = v.problems.iloc[0]
    assert problem["column"] == "value" and reason in problem["reason"]


def test_tender_point_count_needs_all_18_points():
    # s1: 18 points, every third painful (3, 6, …, 18) → 6; s2: only 10 points recorded
    rows = [("s1", 0, "tender_point", "none", "none", t, float(t % 3 == 0), "0/1")
            for t in range(1, 19)]
    rows += [("s2", 0, "tender_point", "none", "none", t, 1.0, "flag") for t in range(1, 11)]
    v = _validated(rows)
    assert v.problems.empty
    m = compute_metrics(v.data).set_index("subject")
    assert (m["metric"] == "tender_point_count").all()
    assert m.loc["s1", "value"] == 6.0 and m.loc["s1", "n_trials"] == 18
    assert m.loc["s1", "method"] == "sum of 18 points"
    assert np.isnan(m.loc["s2", "value"])
    assert m.loc["s2", "method"] == "not scored: 8 of 18 points missing (at most 0 allowed)"
    assert METRICS["tender_point_count"].mechanisms == ("pressure_hyperalgesia",)
    assert METRICS["tender_point_count"].score_kind == "count"


def test_tender_point_beyond_18_or_not_0_1_is_rejected():
    rows = [("s1", 0, "tender_point", "none", "none", 19, 1.0, "flag"),
            ("s1", 0, "tender_point", "none", "none", 2, 0.5, "flag")]
    v = validate_observations(_obs(rows), warn=False)
    assert v.data.empty
    assert set(v.problems["column"]) == {"trial", "value"}
