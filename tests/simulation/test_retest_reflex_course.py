"""Day-to-day variation, withdrawal reflex and tender points, relief and new pain.

Each test fails on the simulator before this work: healthy people measured
twice had a lumbar PPT retest ICC of 0.996 and a TSP/WUR ICC of about 0;
``nwr`` and ``palpation`` were unknown instruments; grey matter did not change
after relief (``gm_reverses`` "absent"); nobody healthy developed pain.
"""

from __future__ import annotations

import numpy as np
import pytest

from painmech.cohort import CLAIMS, check_claims
from painmech.registry import validate_observations
from painmech.simulation import MECHANISM_PARAMS, pipeline_metrics, simulate_cohort
from painmech.simulation._course import ONSET
from painmech.simulation._reflex import PALPATION_KPA
from painmech.simulation._retest import metric_retest_iccs
from painmech.simulation._transduction import CENTRAL_EXP

_BY_ID = {c.id: c for c in CLAIMS}


def _claim(res, claim_id):
    c = check_claims(res.subjects, pipeline_metrics(res), claims=[_BY_ID[claim_id]])
    return c.set_index("claim").loc[claim_id]


@pytest.fixture(scope="module")
def iccs():
    return metric_retest_iccs(n=300, seed=21)


def test_healthy_ppt_retest_matches_published_reliability(iccs):
    # Mailloux 2021 / Balaguier 2016: low-back PPT ICC 0.80-0.99; Balaguier 2016:
    # individual SEM 36.7-77.5 kPa. The old simulator gave ICC 0.996.
    assert 0.80 <= iccs["retest_ppt_lumbar"] <= 0.99
    assert 36.7 <= iccs["retest_ppt_lumbar_sem"] <= 77.5


def test_temporal_summation_has_stable_differences_between_healthy_people(iccs):
    # Mailloux 2021 (TSP, one series: 0.667-0.942 after Spearman-Brown) and Geber 2011
    # (wind-up ratio r = 0.67, 95 % CI 0.50-0.79 by Fisher z with n = 60); both were
    # about 0 before (rating noise only). The interval of 300 people is about ±0.07.
    assert iccs["retest_tsp"] > 0.55
    assert 0.40 < iccs["retest_wur"] < 0.79


@pytest.mark.parametrize("key", ["retest_cpt_lumbar", "retest_hpt_lumbar", "retest_mpt_lumbar",
                                 "retest_mdt_lumbar", "retest_wdt_lumbar"])
def test_dfns_thresholds_retest_inside_geber_band(iccs, key):
    # Geber et al. 2011: DFNS retest r 0.79-0.93 (all were 0.95-0.996 before, except
    # the detection thresholds); a 300-person estimate gets ±0.03 of slack
    assert 0.76 <= iccs[key] <= 0.96, iccs[key]


def test_cpm_retest_near_gehling(iccs):
    # Gehling et al. 2016: parallel CPM ICC 0.618 (n = 25, Fisher-z CI 0.29-0.81);
    # the PPT-based effect was 0.92 before
    assert 0.45 <= iccs["retest_cpm_pct"] <= 0.75


@pytest.fixture(scope="module")
def reflex_pair():
    # central gain on or off in otherwise identical healthy people; temporal summation
    # fixed at 0 so that only the central shift differs
    kw = {"n": 200, "conditions": "healthy", "seed": 31, "instruments": ("nwr", "palpation")}
    off = simulate_cohort(**kw, force={"pressure_hyperalgesia": 1.0, "temporal_summation": 0.0})
    on = simulate_cohort(**kw, force={"pressure_hyperalgesia": 1.3, "temporal_summation": 0.0})
    return off, on


def test_reflex_and_tender_points_are_valid_observations(reflex_pair):
    off, _ = reflex_pair
    obs = off.observations
    assert {"nwr_threshold", "nwr_ts_threshold", "tender_point"} <= set(obs["measure"])
    tp = obs[obs["measure"].eq("tender_point")]
    assert sorted(tp["trial"].unique()) == list(range(1, 19))  # all 18 ACR points
    assert validate_observations(obs, subjects=off.subjects, warn=False).ok
    # without the switches the measures are absent
    plain = simulate_cohort(5, "healthy", seed=1, instruments=()).observations
    assert not {"nwr_threshold", "tender_point"} & set(plain["measure"])


def test_reflex_threshold_falls_by_the_central_shift(reflex_pair):
    off, on = reflex_pair
    # same people, same draws: every threshold is divided by c = g_cs ** CENTRAL_EXP
    # (hand value 1.3 ** 3.3 = 2.377); values are rounded to 0.01 mA
    for m in ("nwr_threshold", "nwr_ts_threshold"):
        a = off.observations.query(f"measure == '{m}'")["value"].to_numpy()
        b = on.observations.query(f"measure == '{m}'")["value"].to_numpy()
        assert np.median(a / b) == pytest.approx(1.3 ** CENTRAL_EXP, rel=0.01)
    # the train threshold is below the single one (NMDA wind-up of the dorsal horn)
    obs = off.observations
    single = obs.query("measure == 'nwr_threshold'").groupby("subject")["value"].mean()
    train = obs.query("measure == 'nwr_ts_threshold'").groupby("subject")["value"].mean()
    assert (train < single).mean() > 0.9


def test_tender_points_follow_pressure_sensitivity(reflex_pair):
    off, on = reflex_pair

    def count(res):
        return res.observations.query("measure == 'tender_point'").groupby("subject")[
            "value"].sum()

    # palpation at 4 kgf/cm² = 392.3 kPa (hand: 4 × 9.80665 N / 1e-4 m² = 392,266 Pa)
    assert PALPATION_KPA == pytest.approx(392.266, rel=1e-4)
    assert count(on).mean() > count(off).mean() + 3.0


def test_reflex_and_tenderness_claims_become_testable():
    res = simulate_cohort(400, {"healthy": 1, "chronic_lbp": 1}, seed=13, instruments=("nwr",))
    row = _claim(res, "nwr_ts_lower")
    assert row["verdict"] == "supported" and row["effect"] < 0
    rec = simulate_cohort(400, "recurrent_lbp", visits=3, seed=14, instruments=("palpation",))
    assert _claim(rec, "tenderness_tracks_pain")["verdict"] == "supported"
    sub = simulate_cohort(300, "subacute_lbp", visits=(0.0, 12.0), seed=15,
                          instruments=("palpation",))
    assert _claim(sub, "tenderness_no_prognosis")["verdict"] != "not_testable"


def test_grey_matter_recovers_after_relief():
    # Seminowicz 2011: DLPFC thicker after effective treatment. Chronic LBP followed for
    # 12 months: those with >= 30 % relief gain grey matter (was "absent", change ~0)
    kw = {"n": 800, "conditions": "chronic_lbp", "visits": (0.0, 12.0), "seed": 11,
          "instruments": ()}
    row = _claim(simulate_cohort(**kw), "gm_reverses")
    assert row["verdict"] == "supported" and row["ci_low"] > 0
    # without the grey-matter mechanism there is nothing to recover
    off = _claim(simulate_cohort(**kw, force={
        "grey_matter": MECHANISM_PARAMS["grey_matter"].healthy}), "gm_reverses")
    assert off["verdict"] != "supported"


def test_onset_course_gives_new_pain_linked_to_cpm():
    res = simulate_cohort(2000, "healthy", visits=(0.0, 12.0), seed=12, instruments=(),
                          onset=True)
    state = res.observations.query("measure == 'pain_state'").pivot(
        index="subject", columns="visit", values="value")
    assert state[0].sum() == 0
    # 12-month incidence ONSET p_12m = 0.10; binomial SE sqrt(0.1 * 0.9 / 2000) = 0.0067
    assert state[1].mean() == pytest.approx(ONSET["p_12m"], abs=3 * 0.0067)
    row = _claim(res, "cpm_precedes_neck_pain")
    assert row["verdict"] == "supported", row.to_dict()
    # nobody develops pain without the option
    plain = simulate_cohort(300, "healthy", visits=(0.0, 12.0), seed=12, instruments=())
    assert plain.observations.query("measure == 'pain_state'")["value"].sum() == 0


@pytest.mark.parametrize("bad", [1.5, 0.0, -0.1, "yes", float("nan")])
def test_onset_must_be_an_incidence(bad):
    with pytest.raises(ValueError, match="onset must be True/False or a 12-month incidence"):
        simulate_cohort(3, "healthy", instruments=(), onset=bad)
