"""One call for the cohort overview used by ``painmech cohort``."""

from __future__ import annotations

import pandas as pd

from painmech.cohort._compare import associations, group_comparison
from painmech.cohort._select import wide_values
from painmech.cohort._whiplash import cold_pain_threshold_rule, whiplash_prediction_rule

__all__ = ["cohort_summary", "whiplash_prognosis"]


def whiplash_prognosis(metrics: pd.DataFrame, subjects: pd.DataFrame) -> pd.DataFrame:
    """Apply both whiplash tools to every whiplash subject's first visit.

    The cold pain threshold is averaged over the sites measured (Sterling
    2011 tested over the neck); NDI in %, PDS hyperarousal as a score.

    Returns
    -------
    pandas.DataFrame
        ``subject, age, cpt, ndi, pds_hyperarousal, cold_rule, cpr_class``
        (see :func:`cold_pain_threshold_rule`, :func:`whiplash_prediction_rule`).
    """
    wide = wide_values(metrics, subjects, ["cpt", "ndi", "pds_hyperarousal"], transform=False)
    wide = wide[wide["condition"] == "whiplash"].reset_index(drop=True)
    for col in ("cpt", "ndi", "pds_hyperarousal"):
        if col not in wide:
            wide[col] = float("nan")
    out = wide[["subject", "age", "cpt", "ndi", "pds_hyperarousal"]].copy()
    out["cold_rule"] = cold_pain_threshold_rule(out["cpt"]).to_numpy()
    out["cpr_class"] = whiplash_prediction_rule(out["age"], out["ndi"],
                                                out["pds_hyperarousal"]).to_numpy()
    return out


def cohort_summary(
    metrics: pd.DataFrame,
    subjects: pd.DataFrame,
    *,
    n_boot: int = 2000,
    seed: int = 0,
) -> dict[str, pd.DataFrame]:
    """The standard cohort overview.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``"subjects"`` (counts by condition and sex, mean age),
        ``"comparison"`` (:func:`group_comparison`, patients vs healthy, per
        metric and site), ``"associations"`` (:func:`associations`) and, when
        the cohort holds whiplash subjects, ``"whiplash"``
        (:func:`whiplash_prognosis`).
    """
    subj = subjects.assign(subject=subjects["subject"].astype(str))
    counts = (subj.groupby("condition", as_index=False)
              .agg(n=("subject", "size"), n_female=("sex", lambda s: int((s == "female").sum())),
                   age_mean=("age", "mean")))
    out = {
        "subjects": counts,
        "comparison": group_comparison(metrics, subj, n_boot=n_boot, seed=seed),
        "associations": associations(metrics, subj),
    }
    if (subj["condition"] == "whiplash").any():
        out["whiplash"] = whiplash_prognosis(metrics, subj)
    return out
