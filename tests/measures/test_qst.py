"""DFNS QST metrics: every expected value is a hand calculation in a comment."""

import numpy as np
import pandas as pd
import pytest

from painmech.measures import MetricOptions, compute_metrics
from painmech.registry import MEASURES


def make_obs(rows):
    """rows: (subject, measure, site, side, trial, value) at visit 1, canonical units."""
    df = pd.DataFrame(rows, columns=["subject", "measure", "site", "side", "trial", "value"])
    df.insert(1, "visit", 1)
    df["unit"] = df["measure"].map({m.id: m.unit for m in MEASURES.values()})
    return df.astype({"visit": "int64", "trial": "int64", "value": float})


def one(metrics, metric, site=None, side=None, subject="s1"):
    sel = metrics.loc[metrics["metric"].eq(metric) & metrics["subject"].eq(subject)]
    if site is not None:
        sel = sel.loc[sel["site"].eq(site)]
    if side is not None:
        sel = sel.loc[sel["side"].eq(side)]
    assert len(sel) == 1, sel
    return sel.iloc[0]


def trials(measure, values, site="hand_dorsum", side="right", subject="s1"):
    return [(subject, measure, site, side, i + 1, v) for i, v in enumerate(values)]


def test_thermal_detection_thresholds_are_differences_from_32_degrees():
    obs = make_obs(trials("cdt", [30.5, 30.0, 29.5]) + trials("wdt", [33.5, 34.0, 34.5])
                   + trials("tsl", [3.0, 4.0, 5.0]) + trials("phs", [0, 1, 1]))
    m = compute_metrics(obs)
    # cdt: mean(30.5, 30.0, 29.5) = 30.0 °C; 30.0 − 32 = −2.0 (negative by convention)
    assert one(m, "cdt")["value"] == pytest.approx(-2.0)
    # wdt: mean(33.5, 34.0, 34.5) = 34.0 °C; 34.0 − 32 = +2.0
    assert one(m, "wdt")["value"] == pytest.approx(2.0)
    # tsl: mean of the limens (3 + 4 + 5) / 3 = 4.0 °C
    assert one(m, "tsl")["value"] == pytest.approx(4.0)
    assert one(m, "tsl")["unit"] == "delta_degC"
    # phs: 0 + 1 + 1 = 2 paradoxical heat sensations over 3 TSL trials
    phs = one(m, "phs")
    assert (phs["value"], phs["n_trials"], phs["unit"]) == (2.0, 3, "count")


def test_cold_and_heat_pain_thresholds_and_censoring():
    obs = make_obs(trials("cpt", [10.0, 12.0, 14.0]) + trials("hpt", [44.0, 45.0, 46.0])
                   + trials("cpt", [0.0, 0.0, 3.0], subject="s2")
                   + trials("hpt", [50.0, 48.0, 50.0], subject="s2"))
    m = compute_metrics(obs)
    # cpt: (10 + 12 + 14) / 3 = 12.0 °C, no trial at the 0 °C cut-off
    assert one(m, "cpt")["value"] == pytest.approx(12.0)
    assert one(m, "cpt")["censored"] == ""
    # hpt: (44 + 45 + 46) / 3 = 45.0 °C
    assert one(m, "hpt")["value"] == pytest.approx(45.0)
    # s2 cpt: (0 + 0 + 3) / 3 = 1.0 °C with 2 trials at the cut-off -> left-censored
    cpt = one(m, "cpt", subject="s2")
    assert cpt["value"] == pytest.approx(1.0)
    assert cpt["censored"] == "left"
    assert "2 of 3" in cpt["method"]
    # s2 hpt: (50 + 48 + 50) / 3 = 49.333 °C with 2 trials at 50 °C -> right-censored
    hpt = one(m, "hpt", subject="s2")
    assert hpt["value"] == pytest.approx(148.0 / 3.0)
    assert hpt["censored"] == "right"


def test_mechanical_thresholds_are_geometric_means():
    obs = make_obs(trials("mdt", [2.0, 8.0, 32.0]) + trials("mpt", [16.0, 64.0]))
    m = compute_metrics(obs)
    # mdt: (2 × 8 × 32)^(1/3) = 512^(1/3) = 8 mN
    assert one(m, "mdt")["value"] == pytest.approx(8.0)
    # mpt: (16 × 64)^(1/2) = 1024^(1/2) = 32 mN
    assert one(m, "mpt")["value"] == pytest.approx(32.0)


def test_mps_geometric_mean_with_offset_and_dma_mean():
    obs = make_obs(trials("mps", [0.0, 9.9]) + trials("dma", [0.0, 10.0, 20.0])
                   + trials("mps", [0.0, 0.0, 0.0], subject="s2"))
    m = compute_metrics(obs)
    # mps: ((0 + 0.1) × (9.9 + 0.1))^(1/2) = (0.1 × 10)^(1/2) = 1.0
    mps = one(m, "mps")
    assert mps["value"] == pytest.approx(1.0)
    assert "0.1" in mps["method"]
    # all zero ratings: (0.1 × 0.1 × 0.1)^(1/3) = 0.1, finite on the log scale
    assert one(m, "mps", subject="s2")["value"] == pytest.approx(0.1)
    # dma: (0 + 10 + 20) / 3 = 10 (arithmetic mean)
    assert one(m, "dma")["value"] == pytest.approx(10.0)
    # a different offset: ((0 + 1) × (9.9 + 1))^(1/2) = 10.9^(1/2)
    m1 = compute_metrics(obs, options=MetricOptions(mps_offset=1.0))
    assert one(m1, "mps")["value"] == pytest.approx(np.sqrt(10.9))


def test_wind_up_ratio_and_rule_for_zero_single_ratings():
    obs = make_obs(trials("wur_single", [10.0, 20.0]) + trials("wur_train", [30.0, 45.0])
                   + trials("wur_single", [0.0, 0.0], subject="s2")
                   + trials("wur_train", [10.0], subject="s2"))
    m = compute_metrics(obs)
    # s1: mean train (30 + 45) / 2 = 37.5; mean single (10 + 20) / 2 = 15; 37.5 / 15 = 2.5
    wur = one(m, "wur")
    assert wur["value"] == pytest.approx(2.5)
    assert wur["n_trials"] == 4
    # s2: mean single 0 -> undefined, not infinite
    s2 = one(m, "wur", subject="s2")
    assert np.isnan(s2["value"])
    assert "single-stimulus rating is 0" in s2["method"]
    # with offset 1: (10 + 1) / (0 + 1) = 11
    m1 = compute_metrics(obs, options=MetricOptions(wur_offset=1.0))
    assert one(m1, "wur", subject="s2")["value"] == pytest.approx(11.0)
    # s1 with offset 1: (37.5 + 1) / (15 + 1) = 2.40625
    assert one(m1, "wur")["value"] == pytest.approx(38.5 / 16.0)


def test_wind_up_with_missing_train_says_why():
    m = compute_metrics(make_obs(trials("wur_single", [10.0])))
    row = one(m, "wur")
    assert np.isnan(row["value"]) and row["method"] == "no train ratings"


def test_vdt_and_ppt_means_and_side_difference():
    obs = make_obs(trials("vdt", [7.5, 7.0, 6.5])
                   + trials("ppt", [300.0, 330.0, 360.0], site="lumbar", side="left")
                   + trials("ppt", [200.0, 220.0, 240.0], site="lumbar", side="right"))
    m = compute_metrics(obs)
    # vdt: (7.5 + 7.0 + 6.5) / 3 = 7.0 /8
    assert one(m, "vdt")["value"] == pytest.approx(7.0)
    # ppt left: (300 + 330 + 360) / 3 = 330 kPa; right: (200 + 220 + 240) / 3 = 220 kPa
    assert one(m, "ppt", "lumbar", "left")["value"] == pytest.approx(330.0)
    assert one(m, "ppt", "lumbar", "right")["value"] == pytest.approx(220.0)
    # side difference: |330 − 220| / ((330 + 220) / 2) × 100 = 110 / 275 × 100 = 40 %
    diff = one(m, "ppt_side_diff", "lumbar", "bilateral")
    assert diff["value"] == pytest.approx(40.0)
    assert (diff["unit"], diff["n_trials"]) == ("percent", 6)


def test_cpt_relative_comparisons_side_and_trunk_minus_hand():
    obs = make_obs(trials("cpt", [10.0, 12.0, 14.0], site="lumbar", side="left")
                   + trials("cpt", [6.0, 8.0, 10.0], site="lumbar", side="right")
                   + trials("cpt", [8.0, 9.0, 10.0], site="hand_dorsum", side="left"))
    m = compute_metrics(obs)
    # lumbar left 12 °C, right 8 °C: |12 − 8| = 4 °C
    assert one(m, "cpt_side_diff", "lumbar", "bilateral")["value"] == pytest.approx(4.0)
    # trunk − hand, left side: 12 − 9 = +3 °C (trunk more cold-sensitive)
    th = one(m, "cpt_trunk_hand_diff", "lumbar", "left")
    assert th["value"] == pytest.approx(3.0)
    # no right-hand CPT -> no trunk-hand difference on the right
    assert m.loc[m["metric"].eq("cpt_trunk_hand_diff")].shape[0] == 1


def test_cpt_side_difference_with_a_censored_side_is_marked_as_bound():
    obs = make_obs(trials("cpt", [0.0, 0.0, 0.0], site="lumbar", side="left")
                   + trials("cpt", [6.0, 8.0, 10.0], site="lumbar", side="right"))
    row = one(compute_metrics(obs), "cpt_side_diff")
    # |0 − 8| = 8 °C, but the left side is at the cut-off
    assert row["value"] == pytest.approx(8.0)
    assert "bound" in row["method"]


def test_qst_is_computed_for_many_subjects_at_once(rng):
    n = 300
    subjects = np.repeat([f"s{i:03d}" for i in range(n)], 3)
    values = rng.lognormal(np.log(300.0), 0.2, size=3 * n)
    obs = pd.DataFrame({"subject": subjects, "visit": 1, "measure": "ppt", "site": "thenar",
                        "side": "right", "trial": np.tile([1, 2, 3], n), "value": values,
                        "unit": "kPa"})
    m = compute_metrics(obs)
    expected = pd.Series(values).groupby(subjects).mean()  # pandas as the reference
    got = m.set_index("subject")["value"]
    np.testing.assert_allclose(got.loc[expected.index].to_numpy(), expected.to_numpy())
