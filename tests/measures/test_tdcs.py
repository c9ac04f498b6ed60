"""Homeostatic-plasticity metrics from tDCS MEP series."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from painmech.exceptions import ValidationError
from painmech.measures._tdcs import homeostatic_metrics


def _series(blocks, subject="s1", visit=0):
    return pd.DataFrame([
        {"subject": subject, "visit": visit, "timepoint": tp, "pulse": i, "mep_uv": v}
        for tp, values in blocks.items() for i, v in enumerate(values, start=1)])


def _value(m, metric, subject="s1"):
    sel = m.loc[m["metric"].eq(metric) & m["subject"].eq(subject), "value"]
    assert len(sel) == 1
    return float(sel.iloc[0])


HAND = {"baseline": [100, 200, 150], "between": [300, 300], "post0": [50, 60, 70],
        "post10": [60, 70], "post20": [80]}


def test_means_sds_and_ratios():
    m = homeostatic_metrics(_series(HAND))
    # baseline mean (100+200+150)/3 = 150, SD sqrt(((-50)²+50²+0²)/2) = 50
    assert _value(m, "mep_baseline") == 150.0
    assert _value(m, "mep_baseline_sd") == pytest.approx(50.0)
    assert _value(m, "mep_between") == 300.0
    assert _value(m, "mep_ratio_between") == pytest.approx(2.0)  # 300 / 150
    assert _value(m, "mep_ratio_post0") == pytest.approx(0.4)  # 60 / 150
    assert _value(m, "mep_ratio_post10") == pytest.approx(65 / 150)
    assert _value(m, "mep_ratio_post20") == pytest.approx(80 / 150)
    assert np.isnan(_value(m, "mep_post20_sd"))  # one pulse has no SD
    assert set(m["unit"][m["metric"].str.startswith("mep_ratio")]) == {"ratio"}


def test_every_timepoint_mean_and_sd_by_hand():
    m = homeostatic_metrics(_series(HAND))
    # between: (300 + 300) / 2 = 300, SD 0 (identical pulses)
    assert _value(m, "mep_between_sd") == 0.0
    # post0: (50 + 60 + 70) / 3 = 60; SD sqrt(((-10)² + 0² + 10²) / 2) = sqrt(100) = 10
    assert _value(m, "mep_post0") == pytest.approx(60.0)
    assert _value(m, "mep_post0_sd") == pytest.approx(10.0)
    # post10: (60 + 70) / 2 = 65; SD sqrt(((-5)² + 5²) / 1) = sqrt(50) = 7.0711
    assert _value(m, "mep_post10") == pytest.approx(65.0)
    assert _value(m, "mep_post10_sd") == pytest.approx(np.sqrt(50.0))
    # post20: a single pulse of 80
    assert _value(m, "mep_post20") == 80.0
    assert set(m["unit"][m["metric"].str.fullmatch(r"mep_[a-z0-9]+(_sd)?")]) == {"uV"}


def test_homeostatic_z_matches_scipy_welch():
    m = homeostatic_metrics(_series(HAND))
    post = np.log([50, 60, 70, 60, 70, 80])
    base = np.log([100, 200, 150])
    # reference: scipy's Welch test on the log MEPs, t converted to z with the
    # same one-sided tail probability
    res = stats.ttest_ind(post, base, equal_var=False)
    df = res.df
    z = np.sign(res.statistic) * stats.norm.isf(stats.t.sf(abs(res.statistic), df))
    assert _value(m, "homeostatic_z") == pytest.approx(z)
    assert _value(m, "homeostatic_z") < 0  # a decrease: homeostatic
    ci = res.confidence_interval(0.95)
    assert np.exp(ci.high) < 1  # whole CI of the ratio below 1
    assert _value(m, "homeostatic_class") == -1.0
    assert m.loc[m["metric"].eq("homeostatic_z"), "n_trials"].item() == 9


def test_classes_use_variability_not_sign(rng):
    # s_up: clear increase (non-homeostatic); s_noisy: lower mean but very
    # variable MEPs (indeterminate although the ratio is < 1)
    base = np.exp(rng.normal(np.log(200), 0.1, 15))
    up = _series({"baseline": base, "post10": base * 2.0}, subject="s_up")
    noisy_post = np.exp(rng.normal(np.log(180), 1.0, 15))
    noisy = _series({"baseline": base, "post10": noisy_post}, subject="s_noisy")
    m = homeostatic_metrics(pd.concat([up, noisy]), post=("post10",))
    assert _value(m, "homeostatic_class", "s_up") == 1.0
    assert _value(m, "homeostatic_z", "s_up") > 1.96
    assert _value(m, "homeostatic_class", "s_noisy") == 0.0
    assert abs(_value(m, "homeostatic_z", "s_noisy")) < 1.96


def test_too_few_pulses_is_indeterminate():
    m = homeostatic_metrics(_series({"baseline": [100.0], "post0": [50.0, 60.0]}))
    assert _value(m, "homeostatic_class") == 0.0
    assert np.isnan(_value(m, "homeostatic_z"))
    assert "fewer than 2 pulses" in m.loc[m["metric"].eq("homeostatic_class"), "method"].item()


def test_missing_baseline_gives_nan_ratio():
    m = homeostatic_metrics(_series({"post0": [50.0, 60.0]}))
    assert np.isnan(_value(m, "mep_ratio_post0"))
    assert m.loc[m["metric"].eq("mep_ratio_post0"), "method"].item() == "no baseline MEPs"


def test_timepoint_spellings_are_accepted():
    s = _series({"Baseline": [100.0, 110.0], "post_10": [90.0, 95.0], "Post 20": [80.0]})
    m = homeostatic_metrics(s)
    assert {"mep_baseline", "mep_post10", "mep_post20"} <= set(m["metric"])


def test_bad_rows_are_listed():
    s = _series({"baseline": [100.0, 0.0], "later": [50.0]})
    with pytest.raises(ValidationError, match="must be > 0") as err:
        homeostatic_metrics(s)
    assert set(err.value.problems["column"]) == {"mep_uv", "timepoint"}


def test_duplicate_pulse_is_refused():
    s = pd.concat([_series({"baseline": [100.0]}), _series({"baseline": [120.0]})])
    with pytest.raises(ValidationError, match="pulse number repeated"):
        homeostatic_metrics(s)


def test_bad_post_parameter():
    with pytest.raises(ValueError, match="post must name"):
        homeostatic_metrics(_series(HAND), post=("between",))
