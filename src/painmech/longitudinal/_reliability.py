"""Measurement error of metrics from test–retest data: ICC, SEM and MDC95.

A study's own test–retest data (healthy controls measured twice, or a
retest block) give a metric's standard error of measurement (SEM) directly;
:func:`reliability_from_retest` computes it either as

* ``sem="icc"``: ``SEM = SD·sqrt(1 − ICC)`` with SD the pooled SD of all
  sessions (Weir 2005 J Strength Cond Res 19:231), or
* ``sem="sd_diff"`` (two sessions): ``SEM = SD(x₂ − x₁)/√2``, the
  within-subject SD of the paired differences (Weir 2005; it leaves a mean
  shift between the sessions out of the error).

``MDC95 = 1.96·sqrt(2)·SEM`` is the smallest change between two visits of
*one person* that exceeds measurement error with 95 % confidence (Beckerman
2001 Qual Life Res 10:571; Weir 2005).

Metrics registered with a ``log10`` transform (PPT, wind-up ratio, MEP
ratios …) have an error that grows with their level; with ``scale="auto"``
their SEM is computed on the log10 scale, where it is roughly constant, and
is then in log10 units.

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
from painmech.norms import transform_values
from painmech.registry import METRICS

__all__ = ["MDC_FACTOR", "RETEST_COLUMNS", "icc", "mdc95_from_sem", "reliability_from_retest",
           "sem_from_icc"]

#: MDC95 / SEM = 1.96 · sqrt(2) (Weir 2005).
MDC_FACTOR = 1.96 * np.sqrt(2.0)

#: Columns of :func:`reliability_from_retest`.
RETEST_COLUMNS = ["metric", "site", "side", "unit", "scale", "n", "k", "sd", "icc", "sem",
                  "mdc95", "basis", "source"]


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


def log_scaled(metrics: pd.DataFrame, scale: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Values on the scale their error is judged on, and whether each row is on log10.

    ``scale="auto"`` log10-transforms the values of metrics registered with a
    log10 transform (a value that cannot be logged becomes NaN); ``"raw"``
    keeps every value as it is.
    """
    check_option("scale", scale, ("auto", "raw"))
    if scale == "raw" or metrics.empty:
        return metrics, np.zeros(len(metrics), bool)
    logged = is_log_metric(metrics["metric"])
    t, _ = transform_values(metrics["metric"], metrics["value"])
    return metrics.assign(value=np.where(logged, t, metrics["value"].to_numpy(float))), logged


def is_log_metric(metric: pd.Series) -> np.ndarray:
    """True for rows whose metric is registered with a log10 transform."""
    codes, ids = pd.factorize(metric)
    flag = np.array([getattr(METRICS.get(str(m)), "transform", "") == "log10" for m in ids],
                    dtype=bool)
    return np.append(flag, False)[codes]  # code -1 (missing id): not log


def reliability_from_retest(
    metrics: pd.DataFrame,
    *,
    visits: Iterable[int] = (0, 1),
    kind: str = "A,1",
    subjects: Iterable[str] | None = None,
    sem: str = "icc",
    scale: str = "raw",
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
    sem : {"icc", "sd_diff"}
        ``"icc"``: SEM = pooled SD · sqrt(1 − ICC); ``"sd_diff"`` (exactly two
        visits): SEM = SD of the paired differences / √2.
    scale : {"raw", "auto"}
        ``"auto"`` works on the log10 scale for log10-transformed metrics
        (see the module docstring); ``"raw"`` on the metric's unit.

    Returns
    -------
    pandas.DataFrame
        :data:`RETEST_COLUMNS` — ``unit`` the metric's unit, ``scale``
        (``"log10"`` or ``"raw"``: the scale of ``sd``, ``sem`` and
        ``mdc95``), ``n`` people with every session, ``k`` sessions, ``sd``
        the pooled SD of all sessions (ddof = 1), ``icc``, ``sem``, ``mdc95``,
        ``basis`` (how the SEM was computed) and ``source``
        (``"study retest (n=…)"``).
    """
    check_columns(metrics, ["subject", "visit", "metric", "site", "side", "value"], "metrics")
    check_option("sem", sem, ("icc", "sd_diff"))
    visits = sorted(set(int(v) for v in visits))
    if len(visits) < 2:
        raise ValueError(f"need at least two visits for test-retest, got {visits}")
    if sem == "sd_diff" and len(visits) != 2:
        raise ValueError(f"sem='sd_diff' needs exactly two visits, got {visits}")
    m = metrics[metrics["visit"].isin(visits)]
    if subjects is not None:
        m = m[m["subject"].astype(str).isin([str(s) for s in subjects])]
    m, logged = log_scaled(m, scale)
    log_metrics = set(m.loc[logged, "metric"]) if len(m) else set()
    units = (m.groupby("metric")["unit"].first() if "unit" in m.columns
             else pd.Series(dtype=object))
    wide = m.pivot_table(index=["metric", "site", "side", "subject"], columns="visit",
                         values="value", aggfunc="mean")
    wide = wide.reindex(columns=visits).dropna()
    rows = []
    for (metric, site, side), block in wide.groupby(level=[0, 1, 2], sort=True):
        x = block.to_numpy(float)
        value = icc(x, kind)
        sd = float(np.std(x, ddof=1)) if x.size > 1 else np.nan
        if sem == "icc":
            err = float(sem_from_icc(sd, value))
            how = f"SEM = pooled SD × √(1 − ICC({kind}))"
        else:
            err = float(np.std(x[:, 1] - x[:, 0], ddof=1) / np.sqrt(2.0)) if len(x) > 1 \
                else np.nan
            how = "SEM = SD of the differences / √2"
        on_log = metric in log_metrics
        rows.append({"metric": metric, "site": site, "side": side,
                     "unit": units.get(metric, ""), "scale": "log10" if on_log else "raw",
                     "n": len(x), "k": x.shape[1], "sd": sd, "icc": value, "sem": err,
                     "mdc95": float(mdc95_from_sem(err)),
                     "basis": f"visits {visits[0]}–{visits[-1]}: {how}"
                              + (" on log10 values" if on_log else ""),
                     "source": f"study retest (n={len(x)})"})
    return pd.DataFrame(rows, columns=RETEST_COLUMNS)
