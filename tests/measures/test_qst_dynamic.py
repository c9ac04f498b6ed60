"""Temporal summation and CPM metrics (positive CPM effect = inhibition)."""

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


def series(measure, values, subject="s1", site="forearm", side="right"):
    return [(subject, measure, site, side, i + 1, v) for i, v in enumerate(values)]


def test_temporal_summation_last_minus_first_and_ratio():
    # trials given out of order: the stimulus number decides first and last
    rows = [("s1", "tsp_rating", "lumbar", "right", t, v)
            for t, v in [(3, 35.0), (1, 20.0), (10, 50.0), (2, 30.0)]]
    m = compute_metrics(make_obs(rows))
    # last (stimulus 10) − first (stimulus 1) = 50 − 20 = 30 NRS points
    assert one(m, "tsp_diff")["value"] == pytest.approx(30.0)
    # 50 / 20 = 2.5
    assert one(m, "tsp_ratio")["value"] == pytest.approx(2.5)
    assert one(m, "tsp_diff")["n_trials"] == 4


def test_temporal_summation_ratio_undefined_for_zero_first_rating_and_single_stimulus():
    rows = series("tsp_rating", [0.0, 10.0]) + series("tsp_rating", [20.0], subject="s2")
    m = compute_metrics(make_obs(rows))
    # s1: 10 − 0 = 10; ratio 10 / 0 undefined
    assert one(m, "tsp_diff")["value"] == pytest.approx(10.0)
    ratio = one(m, "tsp_ratio")
    assert np.isnan(ratio["value"]) and "first rating is 0" in ratio["method"]
    # s2: one stimulus only
    assert np.isnan(one(m, "tsp_diff", "s2")["value"])
    assert one(m, "tsp_diff", "s2")["method"] == "needs at least 2 stimuli"


def test_cpm_pressure_parallel_effect_is_positive_for_inhibition():
    rows = (series("cpm_ppt_before", [380.0, 420.0]) + series("cpm_ppt_during", [460.0, 500.0])
            + series("cpm_cs_rating", [60.0], site="hand_dorsum", side="left"))
    m = compute_metrics(make_obs(rows))
    # before (380 + 420) / 2 = 400; during (460 + 500) / 2 = 480; 480 − 400 = +80 kPa
    eff = one(m, "cpm_effect")
    assert eff["value"] == pytest.approx(80.0)
    assert "parallel" in eff["method"]
    # 80 / 400 × 100 = +20 %
    assert one(m, "cpm_effect_pct")["value"] == pytest.approx(20.0)
    # the conditioning stimulus keeps its own site: 60 NRS points
    cs = one(m, "cpm_cs_rating")
    assert (cs["value"], cs["site"], cs["side"]) == (60.0, "hand_dorsum", "left")


def test_cpm_facilitation_gives_a_negative_effect():
    rows = series("cpm_ppt_before", [400.0]) + series("cpm_ppt_during", [340.0])
    m = compute_metrics(make_obs(rows))
    # 340 − 400 = −60 kPa (threshold fell: facilitation); −60 / 400 × 100 = −15 %
    assert one(m, "cpm_effect")["value"] == pytest.approx(-60.0)
    assert one(m, "cpm_effect_pct")["value"] == pytest.approx(-15.0)


@pytest.mark.parametrize(("design", "expected", "word"), [
    # auto: during exists -> parallel, 450 − 400 = 50
    ("auto", 50.0, "parallel"),
    ("parallel", 50.0, "parallel"),
    # sequential: after − before = 420 − 400 = 20
    ("sequential", 20.0, "sequential"),
])
def test_cpm_design_choice(design, expected, word):
    rows = (series("cpm_ppt_before", [400.0]) + series("cpm_ppt_during", [450.0])
            + series("cpm_ppt_after", [420.0]))
    m = compute_metrics(make_obs(rows), options=MetricOptions(cpm_design=design))
    eff = one(m, "cpm_effect")
    assert eff["value"] == pytest.approx(expected)
    assert word in eff["method"]


def test_cpm_auto_falls_back_to_sequential():
    rows = series("cpm_ppt_before", [400.0]) + series("cpm_ppt_after", [430.0])
    # 430 − 400 = 30 kPa from the sequential design
    assert one(compute_metrics(make_obs(rows)), "cpm_effect")["value"] == pytest.approx(30.0)


def test_cpm_percent_is_undefined_not_infinite_for_near_zero_baselines():
    rows = (series("cpm_ppt_before", [40.0]) + series("cpm_ppt_during", [60.0])
            + series("cpm_rating_before", [4.0]) + series("cpm_rating_during", [1.0]))
    m = compute_metrics(make_obs(rows))
    # absolute effects stay defined: 60 − 40 = 20 kPa; 4 − 1 = 3 NRS points
    assert one(m, "cpm_effect")["value"] == pytest.approx(20.0)
    assert one(m, "cpm_rating_effect")["value"] == pytest.approx(3.0)
    # baselines 40 kPa < 50 kPa and 4 points < 10 points -> percentages NaN with the reason
    pct = one(m, "cpm_effect_pct")
    assert np.isnan(pct["value"]) and "below 50 kPa" in pct["method"]
    rpct = one(m, "cpm_rating_effect_pct")
    assert np.isnan(rpct["value"]) and "below 10 NRS points" in rpct["method"]
    # a lower threshold makes them defined: 20 / 40 × 100 = 50 %; 3 / 4 × 100 = 75 %
    opts = MetricOptions(cpm_min_baseline_kpa=10.0, cpm_min_baseline_rating=1.0)
    m2 = compute_metrics(make_obs(rows), options=opts)
    assert one(m2, "cpm_effect_pct")["value"] == pytest.approx(50.0)
    assert one(m2, "cpm_rating_effect_pct")["value"] == pytest.approx(75.0)


def test_cpm_rating_effect_is_before_minus_during():
    rows = series("cpm_rating_before", [50.0, 60.0]) + series("cpm_rating_during", [30.0, 40.0])
    m = compute_metrics(make_obs(rows))
    # before 55, during 35: 55 − 35 = +20 (rating fell: inhibition); 20 / 55 × 100 = 36.36 %
    assert one(m, "cpm_rating_effect")["value"] == pytest.approx(20.0)
    assert one(m, "cpm_rating_effect_pct")["value"] == pytest.approx(2000.0 / 55.0)


def test_cpm_without_test_measurement_says_why():
    m = compute_metrics(make_obs(series("cpm_ppt_before", [400.0])))
    eff = one(m, "cpm_effect")
    assert np.isnan(eff["value"]) and "no auto test measurement" in eff["method"]


def test_bad_cpm_design_is_refused():
    with pytest.raises(ValueError, match="cpm_design"):
        MetricOptions(cpm_design="both")
