"""Two-point discrimination, graphaesthesia and FreBAQ (hand calculations)."""

import numpy as np
import pandas as pd
import pytest

from painmech.measures import MetricOptions, compute_metrics
from painmech.registry import MEASURES


def make_obs(rows):
    df = pd.DataFrame(rows, columns=["subject", "measure", "site", "side", "trial", "value"])
    df.insert(1, "visit", 1)
    df["unit"] = df["measure"].map({m.id: m.unit for m in MEASURES.values()})
    return df.astype({"visit": "int64", "trial": "int64", "value": float})


def one(metrics, metric, subject="s1"):
    sel = metrics.loc[metrics["metric"].eq(metric) & metrics["subject"].eq(subject)]
    assert len(sel) == 1, sel
    return sel.iloc[0]


def items(values, subject="s1", measure="frebaq_item"):
    return [(subject, measure, "none", "none", i + 1, v) for i, v in enumerate(values)
            if v is not None]


def test_two_point_discrimination_mean():
    rows = [("s1", "tpd", "lumbar", "left", t, v) for t, v in [(1, 40.0), (2, 50.0), (3, 60.0)]]
    # (40 + 50 + 60) / 3 = 50 mm
    row = one(compute_metrics(make_obs(rows)), "tpd")
    assert (row["value"], row["unit"], row["n_trials"]) == (50.0, "mm", 3)


def test_two_point_discrimination_per_orientation_site_and_side():
    rows = [("s1", "tpd_vertical", "lumbar", "left", t, v)
            for t, v in [(1, 45.0), (2, 55.0)]]
    rows += [("s1", "tpd_horizontal", "lumbar", "left", t, v)
             for t, v in [(1, 58.0), (2, 62.0), (3, 66.0)]]
    rows += [("s1", "tpd_horizontal", "lumbar", "right", 1, 70.0)]
    rows += [("s1", "tpd_vertical", "cervical", "left", t, v) for t, v in [(1, 30.0), (2, 34.0)]]
    rows += [("s1", "tpd", "lumbar", "left", 1, 44.0)]  # orientation not stated: kept apart
    m = compute_metrics(make_obs(rows)).set_index(["metric", "site", "side"])
    # hand calculations: (45 + 55) / 2 = 50; (58 + 62 + 66) / 3 = 62; one trial 70;
    # (30 + 34) / 2 = 32; the unstated orientation stays its own metric (44)
    expected = {("tpd_vertical", "lumbar", "left"): (50.0, 2),
                ("tpd_horizontal", "lumbar", "left"): (62.0, 3),
                ("tpd_horizontal", "lumbar", "right"): (70.0, 1),
                ("tpd_vertical", "cervical", "left"): (32.0, 2),
                ("tpd", "lumbar", "left"): (44.0, 1)}
    assert len(m) == len(expected)
    for key, (value, n) in expected.items():
        assert m.loc[key, "value"] == pytest.approx(value)
        assert (m.loc[key, "unit"], m.loc[key, "n_trials"]) == ("mm", n)


def test_graphaesthesia_errors_count_and_rate():
    flags = [1, 0, 0, 1, 1, 0, 0, 0, 0, 0]
    rows = [("s1", "graphesthesia_error", "lumbar", "midline", i + 1, f)
            for i, f in enumerate(flags)]
    m = compute_metrics(make_obs(rows))
    # 1 + 1 + 1 = 3 errors over 10 figures; rate 3 / 10 = 0.3
    assert one(m, "graphesthesia_errors")["value"] == 3.0
    assert one(m, "graphesthesia_error_rate")["value"] == pytest.approx(0.3)


def test_frebaq_total_complete_prorated_and_refused():
    complete = [0, 1, 2, 3, 4, 0, 1, 2, 3]
    one_missing = [2, 2, 2, 2, None, 2, 2, 2, 1]
    two_missing = [4, 4, None, 4, None, 4, 4, 4, 4]
    rows = items(complete) + items(one_missing, "s2") + items(two_missing, "s3")
    m = compute_metrics(make_obs(rows))
    # 0+1+2+3+4+0+1+2+3 = 16 of 36
    assert one(m, "frebaq_total")["value"] == 16.0
    # s2: 8 answered items sum to 15 -> 15 × 9 / 8 = 16.875
    s2 = one(m, "frebaq_total", "s2")
    assert s2["value"] == pytest.approx(16.875)
    assert "prorated from 8 of 9" in s2["method"]
    # s3: 2 missing > 1 allowed -> not scored
    s3 = one(m, "frebaq_total", "s3")
    assert np.isnan(s3["value"]) and "2 of 9 items missing" in s3["method"]
    # allowing 2 missing: 7 answered items sum 28 -> 28 × 9 / 7 = 36
    m2 = compute_metrics(make_obs(rows), options=MetricOptions(frebaq_max_missing=2))
    assert one(m2, "frebaq_total", "s3")["value"] == pytest.approx(36.0)
