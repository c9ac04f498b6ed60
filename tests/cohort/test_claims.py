"""The claims check recovers the effects built into a synthetic cohort and says
inconclusive / absent / not_testable for the ones it does not contain."""

import numpy as np
import pandas as pd
import pytest
from synth import make_cohort

from painmech.cohort import CLAIM_COLUMNS, CLAIMS, VERDICTS, check_claims, claims_table
from painmech.cohort._claims_verdict import verdict

EXPECTED = {
    # effects put into synth.py
    "ppt_local_lower": "supported", "ppt_remote_lower": "supported",
    "ppt_tracks_pain": "supported", "ppt_normalises": "supported",
    "ts_raised": "supported", "ts_severity": "supported",
    "ts_normalises": "supported", "cpm_impaired": "supported", "cpm_duration": "supported",
    "cpm_severity": "supported", "cold_neck": "supported", "cold_catastrophising": "supported",
    # put in, but too few people for the family-wise level 1 - 0.05/19 = 0.9974: 60
    # whiplash patients give AUC 0.74 (0.50-0.89) with a minimal detectable effect of
    # ±0.29 around 0.5; "no prognostic value" needs the interval inside 0.5 ± 0.056
    "cold_predicts_whiplash": "inconclusive", "ppt_no_prognosis": "inconclusive",
    # measured but without an effect, at n = 60-200 (minimal detectable effects 0.48-0.67)
    "inflammation_higher": "inconclusive", "cold_stress": "inconclusive",
    "gm_dlpfc_lower": "inconclusive", "gm_thalamus_lower": "inconclusive",
    "gm_duration": "inconclusive",
    # synth.py draws grey matter once per person: no change after relief in anybody,
    # so no interval can be formed
    "gm_reverses": "not_testable",
    # not measured, or no design (nobody pain-free at baseline develops pain)
    "pfc_pag_reduced": "not_testable", "smudging_present": "not_testable",
    "smudging_intensity": "not_testable", "homeostatic_lost": "not_testable",
    "fc_affective_shift": "not_testable", "tpd_worse": "not_testable",
    "graphaesthesia_worse": "not_testable", "body_perception_acuity": "not_testable",
    "tenderness_tracks_pain": "not_testable", "tenderness_no_prognosis": "not_testable",
    "nwr_ts_lower": "not_testable", "cpm_precedes_neck_pain": "not_testable",
    "fc_nac_predicts_persistence": "not_testable",
}


@pytest.fixture(scope="module")
def claims(cohort):
    subjects, metrics, _ = cohort
    return check_claims(subjects, metrics, n_boot=1000, seed=0)


def test_every_claim_has_an_expected_verdict(claims):
    assert set(EXPECTED) == {c.id for c in CLAIMS}
    assert list(claims.columns) == CLAIM_COLUMNS


def test_claims_table_recovers_known_effects(claims):
    got = claims.set_index("claim")["verdict"].to_dict()
    wrong = {k: (got[k], v) for k, v in EXPECTED.items() if got[k] != v}
    assert not wrong, wrong


def test_claims_rows_are_complete(claims):
    assert claims["verdict"].isin(VERDICTS).all()
    testable = claims[claims["verdict"] != "not_testable"]
    assert testable[["effect", "ci_low", "ci_high", "p", "p_holm"]].notna().all().all()
    assert (testable["ci_low"] <= testable["effect"]).all()
    assert (testable["effect"] <= testable["ci_high"]).all()
    assert (testable["p_holm"] >= testable["p"]).all()
    assert (testable["n"] >= 10).all()
    assert claims["statement_de"].str.len().gt(20).all()
    nt = claims[claims["verdict"] == "not_testable"].set_index("claim")
    design = nt.index.isin(["cpm_precedes_neck_pain", "gm_reverses"])
    assert nt.loc[~design, "reason"].str.startswith("not measured").all()
    assert "0 events" in nt.loc["cpm_precedes_neck_pain", "reason"]
    assert "same in every subject" in nt.loc["gm_reverses", "reason"]
    ppt = claims.set_index("claim").loc["ppt_local_lower"]
    assert ppt["site"] == "lumbar" and ppt["scale"] == "log10"
    assert ppt["effect_type"] == "hedges_g_adjusted" and ppt["n_detail"] == "120 vs 80"
    assert ppt["adjusted_for"] == "age, sex"
    # one family: m = 20 testable claims, every interval at 1 - 0.05/20
    assert testable["ci_level"].eq(1 - 0.05 / 19).all() and len(testable) == 19
    assert (testable["mde"] > 0).all()
    assert claims.loc[claims["verdict"] == "inconclusive", "reason"].str.contains(
        "minimal detectable effect").all()


def test_reversed_effect_is_contradicted():
    subjects, metrics, _ = make_cohort(seed=3, crp_effect=-0.4)
    out = check_claims(subjects, metrics, n_boot=500).set_index("claim")
    assert out.loc["inflammation_higher", "verdict"] == "contradicted"
    assert out.loc["inflammation_higher", "ci_high"] < 0


def test_single_visit_makes_course_claims_not_testable(cohort):
    subjects, metrics, _ = cohort
    out = check_claims(subjects, metrics[metrics["visit"] == 0], n_boot=200).set_index("claim")
    for c in ("ppt_tracks_pain", "ppt_normalises", "ts_normalises", "ppt_no_prognosis",
              "cold_predicts_whiplash"):
        assert out.loc[c, "verdict"] == "not_testable", c
    assert "fewer than 10" in out.loc["ppt_tracks_pain", "reason"]
    assert "follow-up" in out.loc["ppt_no_prognosis", "reason"]
    assert out.loc["ppt_local_lower", "verdict"] == "supported"


def test_small_cohort_is_not_testable():
    subjects, metrics, _ = make_cohort(seed=1, n_healthy=6, n_lbp=8, n_whiplash=4)
    out = check_claims(subjects, metrics, n_boot=100)
    assert (out["verdict"] == "not_testable").all()
    assert out["p_holm"].isna().all()


def test_results_are_reproducible(cohort):
    subjects, metrics, _ = cohort
    a = check_claims(subjects, metrics, n_boot=300, seed=5)
    b = check_claims(subjects, metrics, n_boot=300, seed=5)
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize(("lo", "hi", "null", "sign", "expected"), [
    # SESOI 0.2 (d) unless stated
    (0.1, 0.5, 0.0, 1, "supported"),
    (-0.5, -0.1, 0.0, 1, "contradicted"),
    (-0.5, -0.1, 0.0, -1, "supported"),
    (-0.1, 0.3, 0.0, 1, "inconclusive"),
    (0.0, 0.3, 0.0, 1, "inconclusive"),     # touching the null is not excluding it
    (0.55, 0.8, 0.5, 1, "supported"),       # AUC
    (np.nan, 0.3, 0.0, 1, "inconclusive"),
    (-0.15, 0.12, 0.0, 1, "absent"),        # inside ±0.2
    (0.05, 0.15, 0.0, 1, "absent"),         # excludes 0, but smaller than the SESOI
    (-0.15, -0.05, 0.0, -1, "absent"),
    (-0.2, 0.1, 0.0, 1, "inconclusive"),    # reaching the margin is not inside it
    (0.2, 0.4, 0.0, -1, "contradicted"),
])
def test_verdict_rule(lo, hi, null, sign, expected):
    assert verdict(lo, hi, null, sign, 0.2)[0] == expected


@pytest.mark.parametrize(("lo", "hi", "expected"), [
    # a claim of *no* effect (no_prognosis), AUC margin 0.5 ± 0.0562
    (0.47, 0.54, "supported"),              # inside the margin: no relevant effect
    (0.58, 0.75, "contradicted"),           # prognostic in the sensitivity direction
    (0.20, 0.45, "contradicted"),           # prognostic in the other direction
    (0.40, 0.62, "inconclusive"),
])
def test_verdict_rule_for_claims_of_no_effect(lo, hi, expected):
    assert verdict(lo, hi, 0.5, 0, 0.0562)[0] == expected


def test_claims_table_is_the_pre_specification():
    tab = claims_table()
    assert tab["claim"].is_unique and len(tab) == len(CLAIMS)
    assert tab["section"].between(1, 10).all()
    assert set(tab["section"]) == set(range(1, 11))
    assert tab.loc[tab["claim"] == "cpm_impaired", "metrics"].iloc[0].startswith(
        "cpm_effect_pct (−), cpm_effect (−)")
    # every claim states its smallest effect of interest and where it comes from
    assert tab["sesoi"].gt(0).all() and tab["sesoi_source"].str.len().gt(10).all()
    by_kind = tab.groupby("kind")["sesoi"].first()
    # d = 0.2 (Cohen 1988); r = 0.2 / sqrt(0.2² + 4) = 0.099504; AUC = Φ(0.2/√2) - 0.5
    # = Φ(0.141421) - 0.5 = 0.556231 - 0.5 (scipy.stats.norm.cdf)
    assert by_kind["difference"] == 0.2 and by_kind["recovery"] == 0.2
    assert by_kind["association"] == pytest.approx(0.099504, abs=1e-6)
    assert by_kind["prognosis"] == pytest.approx(0.056231, abs=1e-6)
