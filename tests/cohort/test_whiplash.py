"""Whiplash tools at their published cut-offs (Sterling 2011; Ritchie 2013)."""

import numpy as np
import pandas as pd
import pytest

from painmech.cohort import cold_pain_threshold_rule, whiplash_prediction_rule, whiplash_prognosis


def test_cold_rule_cutoff_is_inclusive_at_13_degrees():
    out = cold_pain_threshold_rule([12.99, 13.0, 20.0, np.nan, 0.0])
    assert out.tolist()[:3] == [False, True, True]
    assert out.isna().tolist() == [False, False, False, True, False]


@pytest.mark.parametrize(("age", "ndi", "h", "expected"), [
    (35, 40, 6, "moderate_severe"),      # every cut-off met exactly (≥)
    (34.9, 40, 6, "unclassified"),       # too young for the severe arm, NDI > 32
    (35, 39.9, 6, "unclassified"),
    (35, 40, 5, "unclassified"),
    (34, 32, 9, "full_recovery"),        # age < 35 and NDI ≤ 32
    (34, 32.1, 0, "unclassified"),
    (35, 10, 0, "unclassified"),         # age 35 is not "< 35"
    (np.nan, 10, 0, "not_assessable"),
    (50, 60, np.nan, "not_assessable"),  # hyperarousal decides the severe arm
    (30, 20, np.nan, "full_recovery"),   # ... but not the recovery arm
])
def test_clinical_prediction_rule(age, ndi, h, expected):
    assert whiplash_prediction_rule([age], [ndi], [h]).iloc[0] == expected


def test_rule_keeps_series_index():
    out = whiplash_prediction_rule(pd.Series([40.0], index=[7]), [45.0], [7.0])
    assert out.index.tolist() == [7] and out.iloc[0] == "moderate_severe"


def test_whiplash_prognosis_table(cohort):
    subjects, metrics, _ = cohort
    tab = whiplash_prognosis(metrics, subjects)
    assert len(tab) == (subjects["condition"] == "whiplash").sum()
    assert set(tab["cpr_class"]) <= {"moderate_severe", "full_recovery", "unclassified",
                                     "not_assessable"}
    assert (tab["cold_rule"] == (tab["cpt"] >= 13)).all()
