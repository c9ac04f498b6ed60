"""Dynamic pain tests: temporal summation and conditioned pain modulation.

Sign convention of CPM in painmech (evidence.md §4; labs differ, so it is
stated on every row's metric definition): **positive = inhibition** — the
test threshold rises or the test rating falls under conditioning.

* ``cpm_effect`` = PPT during (parallel) or after (sequential) − PPT before, kPa
* ``cpm_effect_pct`` = ``cpm_effect`` / PPT before × 100
* ``cpm_rating_effect`` = rating before − rating during, NRS 0–100
* ``cpm_rating_effect_pct`` = ``cpm_rating_effect`` / rating before × 100

The percentages are NaN, with the reason in ``method``, when the baseline is
below the thresholds of :class:`~painmech.measures.MetricOptions` — a
percentage of a near-zero baseline is not a meaningful number (it is not
infinite either).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from painmech.measures._options import MetricOptions
from painmech.measures._table import concat_metrics, metric_rows, trial_summary

__all__ = ["DYNAMIC_MEASURES", "dynamic_metrics"]

#: Raw measures consumed by :func:`dynamic_metrics`.
DYNAMIC_MEASURES = ("tsp_rating", "cpm_ppt_before", "cpm_ppt_during", "cpm_ppt_after",
                    "cpm_rating_before", "cpm_rating_during", "cpm_cs_rating")

_SITE_KEY = ["subject", "visit", "site", "side"]


def _temporal_summation(obs: pd.DataFrame) -> list[pd.DataFrame]:
    s = trial_summary(obs, "tsp_rating")
    first, last = s["first"].to_numpy(), s["last"].to_numpy()
    short = s["n"].to_numpy() < 2
    diff = np.where(short, np.nan, last - first)
    method_diff = np.where(short, "needs at least 2 stimuli", "last − first rating")
    zero = first == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(short | zero, np.nan, last / first)
    method_ratio = np.where(zero, "undefined: first rating is 0", "last / first rating")
    method_ratio = np.where(short, "needs at least 2 stimuli", method_ratio)
    return [metric_rows(s, "tsp_diff", diff, s["n"], method_diff),
            metric_rows(s, "tsp_ratio", ratio, s["n"], method_ratio)]


def _pct(effect, baseline, minimum, unit, base_method):
    low = ~(baseline >= minimum)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(low, np.nan, effect / baseline * 100.0)
    method = np.where(low, f"undefined: baseline below {minimum:g} {unit}",
                      base_method + " / before × 100")
    return pct, method


def _cpm_pressure(obs: pd.DataFrame, options: MetricOptions) -> list[pd.DataFrame]:
    before = trial_summary(obs, "cpm_ppt_before")
    during = trial_summary(obs, "cpm_ppt_during")[[*_SITE_KEY, "n", "mean"]]
    after = trial_summary(obs, "cpm_ppt_after")[[*_SITE_KEY, "n", "mean"]]
    both = (before[[*_SITE_KEY, "n", "mean"]]
            .merge(during, on=_SITE_KEY, how="left", suffixes=("", "_during"))
            .merge(after, on=_SITE_KEY, how="left", suffixes=("", "_after")))
    has_during = both["mean_during"].notna().to_numpy()
    has_after = both["mean_after"].notna().to_numpy()
    if options.cpm_design == "parallel":
        use_during, use_after = has_during, np.zeros(len(both), bool)
    elif options.cpm_design == "sequential":
        use_during, use_after = np.zeros(len(both), bool), has_after
    else:
        use_during, use_after = has_during, ~has_during & has_after
    test = np.where(use_during, both["mean_during"], np.where(use_after, both["mean_after"],
                                                               np.nan))
    n_test = np.where(use_during, both["n_during"], np.where(use_after, both["n_after"], 0))
    n = both["n"].to_numpy() + np.nan_to_num(n_test).astype("int64")
    base = both["mean"].to_numpy()
    effect = test - base
    label = np.where(use_during, "during − before (parallel)",
                     np.where(use_after, "after − before (sequential)",
                              f"no {options.cpm_design} test measurement"))
    pct, pct_method = _pct(effect, base, options.cpm_min_baseline_kpa, "kPa", label)
    missing = ~(use_during | use_after)
    pct_method = np.where(missing, label, pct_method)
    return [metric_rows(both, "cpm_effect", effect, n, label),
            metric_rows(both, "cpm_effect_pct", pct, n, pct_method)]


def _cpm_rating(obs: pd.DataFrame, options: MetricOptions) -> list[pd.DataFrame]:
    before = trial_summary(obs, "cpm_rating_before")[[*_SITE_KEY, "n", "mean"]]
    during = trial_summary(obs, "cpm_rating_during")[[*_SITE_KEY, "n", "mean"]]
    both = before.merge(during, on=_SITE_KEY, how="left", suffixes=("", "_during"))
    base = both["mean"].to_numpy()
    effect = base - both["mean_during"].to_numpy()
    missing = both["mean_during"].isna().to_numpy()
    label = np.where(missing, "no rating during conditioning", "before − during")
    n = both["n"].to_numpy() + both["n_during"].fillna(0).to_numpy(dtype="int64")
    pct, pct_method = _pct(effect, base, options.cpm_min_baseline_rating, "NRS points",
                           "(before − during)")
    pct_method = np.where(missing, label, pct_method)
    return [metric_rows(both, "cpm_rating_effect", effect, n, label),
            metric_rows(both, "cpm_rating_effect_pct", pct, n, pct_method)]


def dynamic_metrics(obs: pd.DataFrame, options: MetricOptions) -> pd.DataFrame:
    """Temporal summation and CPM metrics from validated observations.

    Parameters
    ----------
    obs : pandas.DataFrame
        Observations of :data:`DYNAMIC_MEASURES` (NRS 0–100 ratings, kPa).
        ``tsp_rating`` rows carry the stimulus number in ``trial``.
    options : MetricOptions
        ``cpm_design`` and the near-zero baseline thresholds are used here.

    Returns
    -------
    pandas.DataFrame
        Metrics rows ``tsp_diff, tsp_ratio, cpm_effect, cpm_effect_pct,
        cpm_rating_effect, cpm_rating_effect_pct, cpm_cs_rating``. A CPM test
        is keyed by the site and side of its *test* stimulus; the
        conditioning-stimulus rating keeps its own site and side.
    """
    present = set(pd.unique(obs["measure"]))
    parts: list[pd.DataFrame] = []
    if "tsp_rating" in present:
        parts += _temporal_summation(obs)
    if "cpm_ppt_before" in present:
        parts += _cpm_pressure(obs, options)
    if "cpm_rating_before" in present:
        parts += _cpm_rating(obs, options)
    if "cpm_cs_rating" in present:
        s = trial_summary(obs, "cpm_cs_rating")
        parts.append(metric_rows(s, "cpm_cs_rating", s["mean"], s["n"], "mean of ratings"))
    return concat_metrics(parts)
