"""Claims on the withdrawal reflex and on palpation tenderness, on crafted cohorts."""

import numpy as np
import pandas as pd
import pytest

from painmech.cohort import CLAIMS, check_claims

BY_ID = {c.id: c for c in CLAIMS}


def _rows(ids, visit, metric, values):
    return pd.DataFrame({"subject": ids, "visit": visit, "metric": metric, "site": "none",
                         "side": "none", "value": np.asarray(values, float)})


def _subjects(conditions, rng):
    n = len(conditions)
    return pd.DataFrame({"subject": [f"s{i:05d}" for i in range(n)],
                         "sex": rng.choice(["female", "male"], n),
                         "age": rng.uniform(20, 65, n), "condition": conditions})


def test_reflex_summation_threshold_lower_in_back_pain():
    # 50 controls and 50 chronic LBP; log10 threshold 1.0 vs 0.8 (10 vs 6.3 mA), SD 0.1:
    # d ≈ 2 → supported; the claim works on the log10 scale of the registry
    rng = np.random.default_rng(8)
    subj = _subjects(np.repeat(["healthy", "chronic_lbp"], 50), rng)
    logs = np.r_[rng.normal(1.0, 0.1, 50), rng.normal(0.8, 0.1, 50)]
    metrics = _rows(subj["subject"], 0, "nwr_ts_threshold", 10**logs)
    row = check_claims(subj, metrics, claims=[BY_ID["nwr_ts_lower"]]).iloc[0]
    assert row["metric"] == "nwr_ts_threshold" and row["scale"] == "log10"
    assert row["verdict"] == "supported" and row["ci_high"] < -1.0


def test_tender_points_track_pain_within_a_person():
    # 40 recurrent LBP patients over 3 visits: 2 extra tender points per NRS point
    rng = np.random.default_rng(9)
    subj = _subjects(np.full(40, "recurrent_lbp"), rng)
    ids = subj["subject"]
    pain = rng.uniform(0, 8, (40, 3))
    base = rng.integers(0, 5, 40)[:, None]
    count = np.clip(base + np.round(pain / 2), 0, 18)
    metrics = pd.concat([_rows(ids, v, m, x[:, v]) for v in range(3)
                         for m, x in (("pain_intensity", pain),
                                      ("tender_point_count", count))], ignore_index=True)
    row = check_claims(subj, metrics, claims=[BY_ID["tenderness_tracks_pain"]]).iloc[0]
    assert row["effect_type"] == "standardised_within_person_slope"
    assert row["verdict"] == "supported" and row["ci_low"] > 0.5


def test_tenderness_without_prognostic_value_in_a_large_cohort():
    # 3000 LBP patients, tender points unrelated to whether pain persists. AUC SE about
    # sqrt((1/12)(1/1500 + 1/1500)) = 0.0105 (Hanley & McNeil 1982 at AUC 0.5), 95 %
    # half-width 0.021 < 0.0562: the interval lies inside the margin → the claim of no
    # prognostic value is supported
    rng = np.random.default_rng(10)
    subj = _subjects(np.full(3000, "chronic_lbp"), rng)
    ids = subj["subject"]
    persists = rng.random(3000) < 0.5
    metrics = pd.concat([
        _rows(ids, 0, "tender_point_count", rng.integers(0, 19, 3000)),
        _rows(ids, 0, "pain_intensity", 6.0),
        _rows(ids, 12, "pain_intensity", np.where(persists, 6.0, 2.0)),
    ], ignore_index=True)
    row = check_claims(subj, metrics, claims=[BY_ID["tenderness_no_prognosis"]]).iloc[0]
    assert row["verdict"] == "supported", row["reason"]
    assert row["ci_high"] - row["ci_low"] == pytest.approx(2 * 1.96 * 0.0105, abs=0.004)
    # "P(event has the higher count)": the count's direction of gain orients the AUC
    assert "higher tender_point_count" in row["test"]
