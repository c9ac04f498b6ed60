"""The claims check recovers the effects built into a synthetic cohort and says
inconclusive / not_testable for the ones it does not contain."""

import numpy as np
import pandas as pd
import pytest
from synth import make_cohort

from painmech.cohort import CLAIM_COLUMNS, CLAIMS, VERDICTS, check_claims, claims_table
from painmech.cohort._claims import _verdict

EXPECTED = {
    # effects put into synth.py
    "ppt_local_lower": "supported", "ppt_remote_lower": "supported",
    "ppt_tracks_pain": "supported", "ppt_normalises": "supported",
    "ppt_no_prognosis": "supported", "ts_raised": "supported", "ts_severity": "supported",
    "ts_normalises": "supported", "cpm_impaired": "supported", "cpm_duration": "supported",
    "cpm_severity": "supported", "cold_neck": "supported", "cold_catastrophising": "supported",
    "cold_predicts_whiplash": "supported",
    # measured but without an effect
    "inflammation_higher": "inconclusive", "cold_stress": "inconclusive",
    "gm_dlpfc_lower": "inconclusive", "gm_thalamus_lower": "inconclusive",
    "gm_duration": "inconclusive",
    # not measured
    "pfc_pag_reduced": "not_testable", "smudging_present": "not_testable",
    "smudging_intensity": "not_testable", "homeostatic_lost": "not_testable",
    "fc_affective_shift": "not_testable", "tpd_worse": "not_testable",
    "graphaesthesia_worse": "not_testable", "body_perception_acuity": "not_testable",
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
    nt = claims[claims["verdict"] == "not_testable"]
    assert nt["reason"].str.startswith("not measured").all()
    ppt = claims.set_index("claim").loc["ppt_local_lower"]
    assert ppt["site"] == "lumbar" and ppt["scale"] == "log10"
    assert ppt["effect_type"] == "hedges_g" and ppt["n_detail"] == "120 vs 80"


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


@pytest.mark.parametrize(("lo", "hi", "null", "sign", "verdict"), [
    (0.1, 0.5, 0.0, 1, "supported"),
    (-0.5, -0.1, 0.0, 1, "contradicted"),
    (-0.5, -0.1, 0.0, -1, "supported"),
    (-0.1, 0.3, 0.0, 1, "inconclusive"),
    (0.0, 0.3, 0.0, 1, "inconclusive"),     # touching the null is not excluding it
    (0.55, 0.8, 0.5, 1, "supported"),       # AUC
    (np.nan, 0.3, 0.0, 1, "inconclusive"),
])
def test_verdict_rule(lo, hi, null, sign, verdict):
    assert _verdict(lo, hi, null, sign)[0] == verdict


def test_claims_table_is_the_pre_specification():
    tab = claims_table()
    assert tab["claim"].is_unique and len(tab) == len(CLAIMS)
    assert tab["section"].between(1, 10).all()
    assert set(tab["section"]) == set(range(1, 11))
    assert tab.loc[tab["claim"] == "cpm_impaired", "metrics"].iloc[0].startswith(
        "cpm_effect_pct (−), cpm_effect (−)")
