"""Measurement error of metrics: ICC, SEM and MDC95.

Two routes give a metric's standard error of measurement (SEM):

1. a study's own test–retest data: :func:`reliability_from_retest` computes
   the intraclass correlation and ``SEM = SD·sqrt(1 − ICC)`` (Weir 2005
   J Strength Cond Res 19:231), with SD the pooled SD of all sessions;
2. published figures: :data:`CITED_RELIABILITY`, one table with the source
   of every number; :func:`reliability_for` turns them into one SEM per
   metric and site.

In both cases ``MDC95 = 1.96·sqrt(2)·SEM`` — the smallest change between two
visits that exceeds measurement error with 95 % confidence (Beckerman 2001
Qual Life Res 10:571; Weir 2005).

ICC forms follow McGraw & Wong (1996) Psychol Methods 1:30, equal to Shrout
& Fleiss (1979) Psychol Bull 86:420: ``"1"`` = ICC(1,1) one-way random;
``"A,1"`` = ICC(2,1) two-way, absolute agreement (the usual choice for
test–retest, Koo & Li 2016 J Chiropr Med 15:155); ``"C,1"`` = ICC(3,1)
consistency.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from painmech._utils._checks import check_columns, check_option
from painmech.registry import to_canonical

__all__ = ["CITED_RELIABILITY", "MDC_FACTOR", "icc", "reliability_from_retest",
           "reliability_for", "sem_from_icc", "mdc95_from_sem"]

#: MDC95 / SEM = 1.96 · sqrt(2) (Weir 2005).
MDC_FACTOR = 1.96 * np.sqrt(2.0)

_REL_COLS = ["metric", "site", "statistic", "low", "high", "unit", "convert_as", "population",
             "source"]

#: Published reliability figures (evidence.md). ``site`` "any" applies to every
#: site; ``unit`` is the unit as published, ``convert_as`` the raw measure whose
#: registry conversion brings it to the metric's unit ("" when none is needed).
CITED_RELIABILITY = pd.DataFrame([
    ("ppt", "lumbar", "mdc95", 28.7, 50.6, "kPa", "", "low back, healthy and LBP samples",
     "Mailloux et al. 2021 PLoS One"),
    ("ppt", "lumbar", "sem", 36.7, 77.5, "kPa", "", "low back",
     "Balaguier et al. 2016 BMC Musculoskelet Disord"),
    ("ppt", "lumbar", "icc", 0.80, 0.99, "", "", "low back",
     "Mailloux et al. 2021 PLoS One; Balaguier et al. 2016 BMC Musculoskelet Disord"),
    ("ppt", "any", "sem", 0.21, 0.21, "kgf/cm2", "ppt", "healthy, n = 50 (CPM test stimulus)",
     "Kennedy et al. 2020 J Pain 21:708"),
    ("tsp_diff", "lumbar", "mdc95", 0.33, 0.57, "nrs10", "tsp_rating", "low back",
     "Mailloux et al. 2021 PLoS One"),
    ("cpm_rating_effect", "any", "icc", 0.62, 0.62, "", "", "parallel CPM design",
     "PMC4974731"),
    ("cpm_rating_effect", "any", "mdc95", 20.0, 20.0, "nrs100", "", "parallel CPM design "
     "(smallest real difference)", "PMC4974731"),
    ("mep_ratio_post10", "any", "icc", 0.43, 0.67, "", "", "tDCS homeostatic protocol "
     "(range over timepoints, best 10 min after)",
     "Thapa & Schabrun 2018 Neural Plast 6207508"),
    ("tpd", "lumbar", "icc", 0.79, 0.86, "", "", "low back, intra-rater",
     "Catley et al. 2013 Rheumatology 52:1454"),
    ("tpd", "cervical", "sem", 3.7, 3.7, "mm", "", "neck", "Harvie et al. 2017"),
    ("frebaq_total", "any", "sem", 2.16, 2.16, "score", "", "Chinese FreBAQ, LBP",
     "Hu et al. 2022 Eur Spine J"),
    ("frebaq_total", "any", "mdc95", 5.99, 5.99, "score", "", "Chinese FreBAQ, LBP",
     "Hu et al. 2022 Eur Spine J"),
], columns=_REL_COLS)


def sem_from_icc(sd, icc_value):
    """SEM = SD · sqrt(1 − ICC); ICC is clipped to [0, 1] first."""
    return np.asarray(sd, float) * np.sqrt(1.0 - np.clip(np.asarray(icc_value, float), 0, 1))


def mdc95_from_sem(sem):
    """MDC95 = 1.96 · sqrt(2) · SEM (same unit as SEM)."""
    return MDC_FACTOR * np.asarray(sem, float)


def _mean_squares(x: np.ndarray):
    n, k = x.shape
    grand = x.mean()
    ssr = k * ((x.mean(axis=1) - grand) ** 2).sum()
    ssc = n * ((x.mean(axis=0) - grand) ** 2).sum()
    sse = ((x - grand) ** 2).sum() - ssr - ssc
    msr, msc = ssr / (n - 1), ssc / (k - 1)
    mse = sse / ((n - 1) * (k - 1))
    msw = (ssc + sse) / (n * (k - 1))
    return msr, msc, mse, msw


def icc(x, kind: str = "A,1") -> float:
    """Single-measure intraclass correlation of an n × k table.

    Parameters
    ----------
    x : array-like, shape (n_subjects, k_sessions)
        Complete data (rows with a missing value are dropped).
    kind : {"A,1", "C,1", "1"}
        Absolute agreement, consistency, or one-way (see module docstring).

    Returns
    -------
    float
        The ICC (may be negative when between-subject variance is tiny).
    """
    check_option("kind", kind, ("A,1", "C,1", "1"))
    x = np.asarray(x, float)
    x = x[np.isfinite(x).all(axis=1)]
    n, k = x.shape
    if n < 2 or k < 2:
        return float("nan")
    msr, msc, mse, msw = _mean_squares(x)
    if kind == "1":
        num, den = msr - msw, msr + (k - 1) * msw
    elif kind == "C,1":
        num, den = msr - mse, msr + (k - 1) * mse
    else:
        num, den = msr - mse, msr + (k - 1) * mse + k * (msc - mse) / n
    return float(num / den) if den > 0 else float("nan")  # constant data: undefined


def reliability_from_retest(
    metrics: pd.DataFrame,
    *,
    visits: Iterable[int] = (0, 1),
    kind: str = "A,1",
    subjects: Iterable[str] | None = None,
) -> pd.DataFrame:
    """ICC, SEM and MDC95 of every metric from repeated sessions of stable people.

    Parameters
    ----------
    metrics : pandas.DataFrame
        Metrics table; the chosen visits must be test–retest sessions of
        people whose state did not change (e.g. healthy controls or a
        retest within days).
    visits : iterable of int
        The sessions compared (at least two).
    kind : {"A,1", "C,1", "1"}
        ICC form.
    subjects : iterable of str, optional
        Restrict to these subjects.

    Returns
    -------
    pandas.DataFrame
        ``metric, site, side, unit, n, k, sd, icc, sem, mdc95, basis, source``
        — sd is the pooled SD of all sessions (ddof = 1), sem = sd·sqrt(1 − icc)
        in the metric's unit, ``basis = "study"``.
    """
    check_columns(metrics, ["subject", "visit", "metric", "site", "side", "value"], "metrics")
    visits = sorted(set(int(v) for v in visits))
    if len(visits) < 2:
        raise ValueError(f"need at least two visits for test-retest, got {visits}")
    m = metrics[metrics["visit"].isin(visits)]
    if subjects is not None:
        m = m[m["subject"].astype(str).isin([str(s) for s in subjects])]
    has_unit = "unit" in m.columns
    wide = m.pivot_table(index=["metric", "site", "side", "subject"], columns="visit",
                         values="value", aggfunc="mean")
    wide = wide.reindex(columns=visits).dropna()
    rows = []
    for (metric, site, side), block in wide.groupby(level=[0, 1, 2], sort=True):
        x = block.to_numpy(float)
        value = icc(x, kind)
        sd = float(np.std(x, ddof=1)) if x.size > 1 else np.nan
        sem = float(sem_from_icc(sd, value))
        unit = (m.loc[m["metric"] == metric, "unit"].iloc[0] if has_unit else "")
        rows.append({"metric": metric, "site": site, "side": side, "unit": unit,
                     "n": len(x), "k": x.shape[1], "sd": sd, "icc": value, "sem": sem,
                     "mdc95": float(mdc95_from_sem(sem)), "basis": "study",
                     "source": f"study test-retest, visits {visits}, ICC({kind})"})
    cols = ["metric", "site", "side", "unit", "n", "k", "sd", "icc", "sem", "mdc95", "basis",
            "source"]
    return pd.DataFrame(rows, columns=cols)


def _cited_in_metric_unit(table: pd.DataFrame) -> pd.DataFrame:
    t = table.copy()
    conv = t["convert_as"].astype(str) != ""
    for col in ("low", "high"):
        if conv.any():
            val, unit, _ = to_canonical(t.loc[conv, col], t.loc[conv, "unit"],
                                        t.loc[conv, "convert_as"])
            t.loc[conv, col] = val.to_numpy()
    if conv.any():
        _, unit, _ = to_canonical(t.loc[conv, "low"], t.loc[conv, "unit"],
                                  t.loc[conv, "convert_as"])
        t.loc[conv, "unit"] = unit.astype(str).to_numpy()
    return t


def reliability_for(
    metrics: pd.DataFrame,
    *,
    cited: pd.DataFrame | None = None,
    bound: str = "conservative",
) -> pd.DataFrame:
    """One SEM and MDC95 per metric and site from the published figures.

    For each (metric, site) present in ``metrics`` the most specific cited
    row is used (exact site before ``"any"``), in this order of statistics:
    MDC95 (SEM = MDC95 / (1.96·√2)), SEM, ICC (SEM = SD·√(1 − ICC), with SD
    the SD of the metric at each subject's first visit in ``metrics``).

    Parameters
    ----------
    metrics : pandas.DataFrame
        Metrics table (for the metric/site pairs and, for ICC-only metrics,
        the SD).
    cited : pandas.DataFrame, optional
        Table like :data:`CITED_RELIABILITY` (the default).
    bound : {"conservative", "liberal"}
        Use the end of a published range that gives the larger SEM
        (conservative: fewer changes called real) or the smaller.

    Returns
    -------
    pandas.DataFrame
        ``metric, site, sem, mdc95, unit, basis, source`` (``basis`` is
        ``"cited mdc95"``, ``"cited sem"`` or ``"cited icc + sample sd"``).
        Metric/site pairs without any cited figure are absent.
    """
    check_option("bound", bound, ("conservative", "liberal"))
    cited = _cited_in_metric_unit(CITED_RELIABILITY if cited is None else cited)
    pairs = metrics[["metric", "site"]].drop_duplicates()
    pairs = pairs[pairs["metric"].isin(cited["metric"])]
    first = metrics[metrics["visit"] == metrics.groupby("subject")["visit"].transform("min")]
    sds = first.groupby(["metric", "site"])["value"].std()
    units = (metrics.groupby("metric")["unit"].first() if "unit" in metrics.columns
             else pd.Series(dtype=object))
    cons = bound == "conservative"
    rows = []
    for metric, site in pairs.itertuples(index=False):
        c = cited[(cited["metric"] == metric) & cited["site"].isin([site, "any"])]
        c = c.assign(exact=(c["site"] == site)).sort_values("exact", ascending=False,
                                                            kind="stable")
        for stat in ("mdc95", "sem", "icc"):
            hit = c[c["statistic"] == stat]
            if hit.empty:
                continue
            r = hit.iloc[0]
            if stat == "icc":
                sd = sds.get((metric, site), np.nan)
                value = r["low"] if cons else r["high"]
                sem = float(sem_from_icc(sd, value))
                basis, unit = "cited icc + sample sd", units.get(metric, "")
            else:
                value = r["high"] if cons else r["low"]
                sem = value / MDC_FACTOR if stat == "mdc95" else value
                basis, unit = f"cited {stat}", r["unit"]
            if not np.isfinite(sem):
                continue
            rows.append({"metric": metric, "site": site, "sem": float(sem),
                         "mdc95": float(mdc95_from_sem(sem)), "unit": unit, "basis": basis,
                         "source": r["source"]})
            break
    return pd.DataFrame(rows, columns=["metric", "site", "sem", "mdc95", "unit", "basis",
                                       "source"])
