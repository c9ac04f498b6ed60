"""Prognosis claims are scored in the claimed direction, and the new course claims
(CPM before new pain, mPFC–NAc connectivity and persistence, grey matter after
relief) are testable on data with the design.

Every expected AUC is counted by hand from the crafted values; the intervals
follow DeLong et al. 1988 Biometrics 44:837 on the logit scale, worked out in the
comments.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from painmech.cohort import CLAIMS, auc_delong, check_claims

BY_ID = {c.id: c for c in CLAIMS}

#: 30 people with the outcome and 30 without; every value of the pattern
#: (2, 4, …, 12) vs (5, 7, …, 15) repeated 5 times. Counting the pairs in which the
#: first group is higher: 2 → 0, 4 → 0, 6 → 1, 8 → 2, 10 → 3, 12 → 4 of the 6 values of
#: the second group, 10 of 36 pairs, so P(first > second) = 10/36 = 0.27778.
LOW = np.repeat([2.0, 4.0, 6.0, 8.0, 10.0, 12.0], 5)
HIGH = np.repeat([5.0, 7.0, 9.0, 11.0, 13.0, 15.0], 5)
# DeLong: placement values of the first group 0, 0, 1/6, 2/6, 3/6, 4/6 (×5), of the
# second the same set; sum of squared deviations from 10/36 = 5 × 0.370370 = 1.851852,
# variance (ddof 1) 1.851852 / 29 = 0.063857 each; var(AUC) = 2 × 0.063857 / 30 =
# 0.0042571, SE = 0.065247. Logit scale: logit(10/36) = ln(10/26) = -0.955511,
# SE 0.065247 / (10/36 × 26/36) = 0.325230; 95 % = ±1.959964 × 0.325230 = ±0.637438:
# (-1.592950, -0.318073) → expit → (0.168969, 0.421145).
AUC_LOW = 10 / 36
CI_LOW = (0.168969, 0.421145)


def _rows(subjects, visit, metric, values, site="none", side="none"):
    return pd.DataFrame({"subject": subjects, "visit": visit, "metric": metric, "site": site,
                         "side": side, "value": np.asarray(values, float)})


def _subjects(n, condition):
    ids = [f"{condition[:3]}{i:03d}" for i in range(n)]
    return pd.DataFrame({"subject": ids, "sex": np.tile(["female", "male"], n // 2),
                         "age": np.linspace(20, 60, n), "condition": condition})


def test_auc_delong_hand_values_and_scipy():
    r = auc_delong(LOW, HIGH)
    assert r["auc"] == pytest.approx(AUC_LOW, abs=1e-12)
    assert r["se"] == pytest.approx(0.065247, abs=1e-6)
    # scipy.stats.mannwhitneyu: U of the first sample / (n1 n0) is the same AUC
    u = stats.mannwhitneyu(LOW, HIGH).statistic
    assert r["auc"] == pytest.approx(u / (30 * 30), rel=1e-12)
    # the unrepeated pattern: variance (ddof 1) 0.370370 / 5 = 0.074074 per group,
    # var(AUC) = 2 × 0.074074 / 6 = 0.024691, SE = 0.157135
    small = auc_delong(LOW[::5], HIGH[::5])
    assert small["se"] == pytest.approx(0.157135, abs=1e-6)
    # ties count half: pairs (1, 1) tie, (1, 2) lower, (3, 1) and (3, 2) higher:
    # (0.5 + 0 + 1 + 1) / 4 = 0.625
    assert auc_delong([1.0, 3.0], [1.0, 2.0])["auc"] == pytest.approx(0.625)


def _whiplash(cpt_severe, cpt_recovered):
    """Whiplash patients: baseline CPT, NDI at visit 0 and 6 (severe: > 30 %)."""
    n1, n0 = len(cpt_severe), len(cpt_recovered)
    subj = _subjects(n1 + n0, "whiplash")
    ids = subj["subject"]
    ndi_last = np.r_[np.full(n1, 45.0), np.full(n0, 10.0)]
    metrics = pd.concat([
        _rows(ids, 0, "cpt", np.r_[cpt_severe, cpt_recovered], "cervical"),
        _rows(ids, 0, "ndi", 35.0), _rows(ids, 6, "ndi", ndi_last),
    ], ignore_index=True)
    return subj, metrics


def test_reversed_prognosis_is_contradicted():
    # the severe course goes with *lower* (less sensitive) cold pain thresholds: the
    # claim (higher CPT predicts the severe course) is reversed. P(severe has the higher
    # CPT) = 10/36 with the 95 % interval (0.1690, 0.4211) worked out above, entirely
    # below 0.5 and beyond the margin 0.5 - 0.056: contradicted. The cross-validated
    # logistic AUC used before was above 0.5 for this cohort and read "supported".
    subj, metrics = _whiplash(LOW, HIGH)
    row = check_claims(subj, metrics, claims=[BY_ID["cold_predicts_whiplash"]]).iloc[0]
    assert row["effect"] == pytest.approx(AUC_LOW, abs=1e-9)
    assert row["ci_level"] == 0.95
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(CI_LOW, abs=1e-5)
    assert row["verdict"] == "contradicted", row["reason"]
    assert row["effect_type"] == "auc_claimed_direction" and row["n_detail"] == \
        "30 events / 30 non-events"


def test_prognosis_in_the_claimed_direction_is_supported():
    # the same values swapped: P(severe has the higher CPT) = 1 - 10/36 = 26/36, interval
    # (1 - 0.421151, 1 - 0.169012) by the symmetry of the logit
    subj, metrics = _whiplash(HIGH, LOW)
    row = check_claims(subj, metrics, claims=[BY_ID["cold_predicts_whiplash"]]).iloc[0]
    assert row["effect"] == pytest.approx(26 / 36, abs=1e-9)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(
        (1 - CI_LOW[1], 1 - CI_LOW[0]), abs=1e-5)
    assert row["verdict"] == "supported"


def test_complete_separation_of_few_people_is_not_certainty():
    # 5 severe (CPT 20-24 °C) vs 5 recovered (10-14 °C): every severe patient is higher,
    # AUC 1 and DeLong SE 0. The AUC is moved half a pair inward, 1 - 0.5/25 = 0.98, with
    # the Hanley & McNeil 1982 variance: Q1 = 0.98/1.02 = 0.960784, Q2 = 2·0.9604/1.98 =
    # 0.970101, var = (0.0196 + 4·0.000384 + 4·0.009701) / 25 = 0.0023976, SE 0.048966;
    # logit 3.891820 ± 1.959964 × 0.048966/(0.98·0.02) = ±4.896492 → (0.26802, 0.99985):
    # inconclusive (the old zero-width interval said "supported")
    subj, metrics = _whiplash(np.arange(20.0, 25.0), np.arange(10.0, 15.0))
    row = check_claims(subj, metrics, claims=[BY_ID["cold_predicts_whiplash"]]).iloc[0]
    assert row["effect"] == pytest.approx(0.98)
    assert row["ci_low"] == pytest.approx(0.26802, abs=1e-5)
    assert row["verdict"] == "inconclusive" and "complete separation" in row["test"]


def test_weaker_cpm_before_new_pain():
    # Shahidi 2015: pain-free people whose CPM is weaker develop neck pain more often.
    # 60 pain-free controls at visit 0; the 30 with CPM effects LOW (%) are in pain at
    # visit 12. The claim orients CPM by its sign (-1): AUC = P(new pain has the lower
    # CPM) = P(LOW < HIGH) = 26/36, interval as in the test above → supported
    subj = _subjects(60, "healthy")
    ids = subj["subject"]
    pain_later = np.r_[np.full(30, 4.0), np.zeros(30)]
    metrics = pd.concat([
        _rows(ids, 0, "cpm_effect_pct", np.r_[LOW, HIGH], "thenar", "left"),
        _rows(ids, 0, "pain_intensity", 0.0), _rows(ids, 12, "pain_intensity", pain_later),
    ], ignore_index=True)
    row = check_claims(subj, metrics, claims=[BY_ID["cpm_precedes_neck_pain"]]).iloc[0]
    assert row["metric"] == "cpm_effect_pct"
    assert row["effect"] == pytest.approx(26 / 36, abs=1e-9)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(
        (1 - CI_LOW[1], 1 - CI_LOW[0]), abs=1e-5)
    assert row["verdict"] == "supported"
    # everybody in pain at the first visit: nobody can have a new onset
    in_pain = metrics.assign(value=np.where(metrics["visit"].eq(0), 5.0, metrics["value"]))
    in_pain.loc[in_pain["metric"].eq("cpm_effect_pct"), "value"] = np.r_[LOW, HIGH]
    row = check_claims(subj, in_pain, claims=[BY_ID["cpm_precedes_neck_pain"]]).iloc[0]
    assert row["verdict"] == "not_testable"
    assert "0 events / 0 non-events" in row["reason"]


def test_mpfc_nac_connectivity_and_persistence():
    # Baliki 2012: stronger mPFC-NAc connectivity in those whose subacute pain persists
    # (< 20 % decrease by the last visit). Persisting: Fisher z HIGH / 10, recovering:
    # LOW / 10 → AUC = P(persisting has the higher z) = 26/36
    subj = _subjects(60, "subacute_lbp")
    ids = subj["subject"]
    last = np.r_[np.full(30, 5.5), np.full(30, 1.0)]
    metrics = pd.concat([
        _rows(ids, 0, "fc", np.r_[HIGH, LOW] / 10.0, "mpfc__nac"),
        _rows(ids, 0, "pain_intensity", 6.0), _rows(ids, 12, "pain_intensity", last),
    ], ignore_index=True)
    row = check_claims(subj, metrics, claims=[BY_ID["fc_nac_predicts_persistence"]]).iloc[0]
    assert row["effect"] == pytest.approx(26 / 36, abs=1e-9)
    assert row["verdict"] == "supported"
    assert "Löffler" in BY_ID["fc_nac_predicts_persistence"].source
    # an edge the claim does not name leaves it untestable
    other = metrics.assign(site=metrics["site"].replace("mpfc__nac", "mpfc__amygdala"))
    row = check_claims(subj, other, claims=[BY_ID["fc_nac_predicts_persistence"]]).iloc[0]
    assert row["verdict"] == "not_testable"


def test_grey_matter_rises_after_relief():
    # Seminowicz 2011: DLPFC grey matter rises after effective treatment. 12 chronic LBP
    # patients with relief (pain 6 → 3, 50 % ≥ 30 %, Dworkin 2008) and 4 without (6 → 5,
    # left out). DLPFC fraction before 0.0120, 0.0122, …, 0.0142 (SD (ddof 1) of
    # 0.0002·(0..11) = 0.0002 × 3.605551 = 0.00072111); change +0.0004 for the first six,
    # +0.0002 for the other six: mean 0.0003, SD of change 0.00010445 (ddof 1).
    # Standardised mean change 0.0003 / 0.00072111 = 0.416025; SE 0.00010445 / √12 /
    # 0.00072111 = 0.041812; t(11, 0.975) = 2.200985 → (0.324, 0.508): supported
    subj = _subjects(16, "chronic_lbp")
    ids = subj["subject"]
    before = np.r_[0.0120 + 0.0002 * np.arange(12), np.full(4, 0.0125)]
    after = before + np.r_[np.full(6, 0.0004), np.full(6, 0.0002), np.zeros(4)]
    pain_last = np.r_[np.full(12, 3.0), np.full(4, 5.0)]
    metrics = pd.concat([
        _rows(ids, 0, "gmv_dlpfc_frac", before, "dlpfc", "left"),
        _rows(ids, 6, "gmv_dlpfc_frac", after, "dlpfc", "left"),
        _rows(ids, 0, "pain_intensity", 6.0), _rows(ids, 6, "pain_intensity", pain_last),
    ], ignore_index=True)
    row = check_claims(subj, metrics, claims=[BY_ID["gm_reverses"]]).iloc[0]
    assert row["n"] == 12 and row["effect_type"] == "standardised_mean_change"
    assert row["effect"] == pytest.approx(0.416025, abs=1e-5)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(
        (0.416025 - 2.200985 * 0.041812, 0.416025 + 2.200985 * 0.041812), abs=1e-5)
    assert row["verdict"] == "supported"
    # one visit: no course, not testable, with the reason
    row = check_claims(subj, metrics[metrics["visit"].eq(0)],
                       claims=[BY_ID["gm_reverses"]]).iloc[0]
    assert row["verdict"] == "not_testable" and "pain relief" in row["reason"]
