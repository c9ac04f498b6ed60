"""Prognostic tools for acute whiplash-associated disorders (WAD).

Two published rules, implemented exactly as printed; neither is a diagnosis
or a treatment recommendation, and both were derived in Australian inception
cohorts assessed within weeks of the injury.

Cold pain threshold rule
    Sterling M, Hendrikz J, Kenardy J (2011) Similar factors predict disability
    and posttraumatic stress disorder trajectories after whiplash injury.
    Pain 152:1272–1278. A cold pain threshold of **13 °C or warmer** (i.e. cold
    becomes painful early) measured over the neck went with membership of the
    chronic moderate/severe disability trajectory, odds ratio **26.3**
    (95 % CI 5.0–139.1), n = 155. (Figures as recorded in the project's
    evidence base; the search corpora available when this was written did not
    hold the paper's text, so the numbers rest on that record.)

Clinical prediction rule (CPR)
    Ritchie C, Hendrikz J, Kenardy J, Sterling M (2013) Derivation of a
    clinical prediction rule to identify both chronic moderate/severe
    disability and full recovery following whiplash injury. Pain
    154:2198–2206 (PPV 71 % for both arms; cold pain threshold was a candidate
    but was not retained). Moderate/severe arm: **age ≥ 35 years, initial
    NDI ≥ 40 % and PDS hyperarousal ≥ 6** — confirmed in the Ritchie 2013
    abstract and in Sterling's 2014 J Physiother review. Full-recovery arm:
    **age < 35 years and initial NDI ≤ 32 %** (the abstract says "younger,
    lower initial disability"; the cut-offs as reported in the 2014 review and
    the 2015 JOSPT validation by Ritchie et al.).
    Outcome classes by NDI % used by this group (Sterling 2003 Pain
    104:509): recovered < 8, mild 10–28, moderate/severe > 30.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "CPT_RULE_DEGC",
    "CPR_CUTOFFS",
    "cold_pain_threshold_rule",
    "whiplash_prediction_rule",
]

#: Cold pain threshold at or above which the rule flags risk, in °C (Sterling 2011).
CPT_RULE_DEGC = 13.0

#: Cut-offs of the Ritchie 2013 clinical prediction rule.
CPR_CUTOFFS = {
    "moderate_severe_age_min": 35.0,        # years, age ≥ 35
    "moderate_severe_ndi_min": 40.0,        # percent, NDI ≥ 40
    "moderate_severe_hyperarousal_min": 6.0,  # PDS hyperarousal ≥ 6
    "full_recovery_age_below": 35.0,        # years, age < 35
    "full_recovery_ndi_max": 32.0,          # percent, NDI ≤ 32
}


def cold_pain_threshold_rule(cpt_degc) -> pd.Series:
    """Flag cold hyperalgesia by the Sterling 2011 cut-off (CPT ≥ 13 °C).

    Parameters
    ----------
    cpt_degc : array-like or pandas.Series of float
        Cold pain threshold in °C (absolute thermode temperature; higher =
        pain at a warmer temperature = more sensitive). Values at the 0 °C
        safety cut-off are simply below 13 °C.

    Returns
    -------
    pandas.Series of boolean (nullable)
        True where CPT ≥ 13 °C, False below, ``<NA>`` where the value is missing.
    """
    s = pd.Series(cpt_degc, dtype="Float64")
    flag = s >= CPT_RULE_DEGC
    return flag.astype("boolean")


def whiplash_prediction_rule(age, ndi, hyperarousal) -> pd.Series:
    """Classify acute whiplash patients with the Ritchie 2013 prediction rule.

    Parameters
    ----------
    age : array-like of float
        Age in years.
    ndi : array-like of float
        Initial Neck Disability Index in percent (0–100 %).
    hyperarousal : array-like of float
        Initial PDS hyperarousal subscale score (0–15).

    Returns
    -------
    pandas.Series of str
        ``"moderate_severe"`` when age ≥ 35, NDI ≥ 40 % and hyperarousal ≥ 6;
        ``"full_recovery"`` when age < 35 and NDI ≤ 32 %;
        ``"unclassified"`` otherwise (the rule is silent: the patient falls in
        neither arm); ``"not_assessable"`` when a needed input is missing
        (hyperarousal is needed only to decide the moderate/severe arm).
    """
    a = np.asarray(age, float)
    n = np.asarray(ndi, float)
    h = np.asarray(hyperarousal, float)
    a, n, h = np.broadcast_arrays(a, n, h)
    c = CPR_CUTOFFS
    severe = (a >= c["moderate_severe_age_min"]) & (n >= c["moderate_severe_ndi_min"]) & (
        h >= c["moderate_severe_hyperarousal_min"])
    recover = (a < c["full_recovery_age_below"]) & (n <= c["full_recovery_ndi_max"])
    out = np.full(a.shape, "unclassified", dtype=object)
    out[recover] = "full_recovery"
    out[severe] = "moderate_severe"
    # Missing inputs: age or NDI missing -> nothing can be decided; a missing
    # hyperarousal score only matters when age and NDI meet the severe arm.
    undecided = np.isnan(a) | np.isnan(n) | (
        np.isnan(h) & (a >= c["moderate_severe_age_min"]) & (n >= c["moderate_severe_ndi_min"]))
    out[undecided] = "not_assessable"
    index = age.index if isinstance(age, pd.Series) else None
    return pd.Series(out, index=index, name="cpr_class", dtype=object)
