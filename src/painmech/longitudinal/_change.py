"""Reliable change between visits (Jacobson & Truax 1991).

The reliable change index of a subject's change from the first visit is

    RCI = (x_t − x_0) / S_diff,   S_diff = sqrt(2 · SEM²) = sqrt(2) · SEM

(Jacobson NS, Truax P 1991 J Consult Clin Psychol 59:12). A change is
*reliable* when |RCI| > 1.96, i.e. when |x_t − x_0| > MDC95 = 1.96·√2·SEM.
The SEM must describe the error of one person's value (individual level;
:func:`painmech.longitudinal.reliability_for`). A SEM given on the log10 scale
(``scale = "log10"``) judges the change on that scale, ``log10(x_t / x_0)``:
for metrics whose error grows with their level (PPT) the reliable change is a
ratio, not a fixed number of kPa.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from painmech._utils._checks import check_columns
from painmech.exceptions import UnknownMeasureError
from painmech.registry import get_measure, get_metric

__all__ = ["CHANGE_COLUMNS", "gain_of", "rci", "reliable_change"]

CHANGE_COLUMNS = ["subject", "metric", "site", "side", "baseline_visit", "visit",
                  "baseline_value", "value", "change", "scale", "sem", "mdc95", "rci",
                  "reliable", "reliable_below", "reliable_above", "status", "basis", "source"]

_Z95 = 1.959963984540054  # scipy.stats.norm.ppf(0.975)


def gain_of(metric: str) -> int:
    """The registry's direction of gain of a metric (0 when unknown)."""
    for getter in (get_metric, get_measure):
        try:
            return int(getter(metric).gain)
        except UnknownMeasureError:
            continue
    return 0


def rci(x0, x1, sem):
    """Jacobson–Truax reliable change index (x1 − x0) / (√2 · SEM).

    Parameters
    ----------
    x0, x1 : array-like of float
        Values at the first and the later visit (same unit as ``sem``).
    sem : array-like of float
        Standard error of measurement.

    Returns
    -------
    numpy.ndarray
        RCI; NaN where the SEM is missing or not positive.
    """
    sem = np.asarray(sem, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sem > 0, (np.asarray(x1, float) - np.asarray(x0, float))
                        / (np.sqrt(2.0) * sem), np.nan)


def _reliability_lookup(later: pd.DataFrame, reliability: pd.DataFrame) -> pd.DataFrame:
    """The SEM row of each later value: exact site and side, then site, then any site."""
    check_columns(reliability, ["metric", "sem"], "reliability")
    rel = reliability.copy()
    for col, default in (("site", "any"), ("side", "any"), ("scale", "raw"), ("basis", "given"),
                         ("source", "given")):
        rel[col] = rel[col].fillna(default).astype(str) if col in rel else default
    rel = rel[["metric", "site", "side", "sem", "scale", "basis", "source"]]
    rel = rel[pd.to_numeric(rel["sem"], errors="coerce").gt(0)]
    found = pd.DataFrame(index=later.index, columns=["sem", "scale", "basis", "source"])
    found["sem"] = np.nan
    for keys, mask in ((["metric", "site", "side"], rel["site"].ne("any") & rel["side"].ne("any")),
                       (["metric", "site"], rel["site"].ne("any") & rel["side"].eq("any")),
                       (["metric"], rel["site"].eq("any"))):
        cand = rel[mask].drop_duplicates(keys)[[*keys, "sem", "scale", "basis", "source"]]
        hit = later[keys].merge(cand, on=keys, how="left").set_axis(later.index)
        take = found["sem"].isna() & hit["sem"].notna()
        found.loc[take] = hit.loc[take, ["sem", "scale", "basis", "source"]]
    return found


def reliable_change(metrics: pd.DataFrame, reliability: pd.DataFrame) -> pd.DataFrame:
    """Reliable change of every metric from each subject's first visit.

    Parameters
    ----------
    metrics : pandas.DataFrame
        Metrics table over visits (``subject, visit, metric, site, side, value``).
    reliability : pandas.DataFrame
        ``metric, sem`` and optionally ``site``, ``side`` (``"any"`` or
        missing = all), ``scale`` (``"log10"`` or ``"raw"``, the default),
        ``basis`` and ``source`` — e.g. from
        :func:`painmech.longitudinal.reliability_for`. The most specific row
        wins: site and side, then site, then ``"any"`` site.

    Returns
    -------
    pandas.DataFrame
        :data:`CHANGE_COLUMNS`, one row per subject, metric, site, side and
        later visit: ``baseline_visit, visit, baseline_value, value``;
        ``change`` (later − first, metric unit); ``scale, sem, mdc95`` (SEM
        and MDC95 = 1.96·√2·SEM on that scale: log10 units or the metric's
        unit); ``rci`` (on that scale); ``reliable`` (boolean, |RCI| > 1.96;
        ``<NA>`` when no individual SEM is known — unknown, not "no change");
        ``reliable_below`` / ``reliable_above`` (metric unit: a later value
        outside this band around the baseline is a reliable change);
        ``status``: ``reliable_worsening`` / ``reliable_improvement`` when the
        registry gives the metric a direction (worsening = towards more
        pain-sensitive / more abnormal), ``reliable_increase`` /
        ``reliable_decrease`` when it does not, ``no_reliable_change``, or
        ``no_reliability_data`` (unknown); ``basis`` (how the SEM was
        obtained) and ``source`` (``"study retest (n=…)"``, ``"published:
        <keys>"`` or ``"unknown"``).
    """
    check_columns(metrics, ["subject", "visit", "metric", "site", "side", "value"], "metrics")
    check_columns(reliability, ["metric", "sem"], "reliability")
    keys = ["subject", "metric", "site", "side"]
    m = metrics[[*keys, "visit", "value"]].dropna(subset=["value"])
    m = m.groupby([*keys, "visit"], as_index=False)["value"].mean()
    first_visit = m.groupby(keys)["visit"].transform("min")
    base = m[m["visit"] == first_visit].rename(columns={"visit": "baseline_visit",
                                                       "value": "baseline_value"})
    out = m[m["visit"] > first_visit].merge(base, on=keys, how="inner").reset_index(drop=True)
    found = _reliability_lookup(out, reliability)
    sem = found["sem"].to_numpy(float)
    on_log = found["scale"].eq("log10").to_numpy()
    x0 = out["baseline_value"].to_numpy(float)
    x1 = out["value"].to_numpy(float)
    # log scale as for z-scores: log10 of the magnitude (cdt is negative by construction)
    with np.errstate(divide="ignore", invalid="ignore"):
        y0 = np.where(on_log, np.where(x0 != 0, np.log10(np.abs(x0)), np.nan), x0)
        y1 = np.where(on_log, np.where(x1 != 0, np.log10(np.abs(x1)), np.nan), x1)
    mdc = _Z95 * np.sqrt(2.0) * sem
    r = rci(y0, y1, sem)
    out["change"] = x1 - x0
    out["scale"] = np.where(np.isnan(sem), "", found["scale"].fillna("").to_numpy(object))
    out["sem"], out["mdc95"], out["rci"] = sem, mdc, r
    reliable = pd.array(np.abs(r) > _Z95, dtype="boolean")
    reliable[np.isnan(r)] = pd.NA
    out["reliable"] = reliable
    ratio = np.ones_like(mdc)
    np.power(10.0, mdc, out=ratio, where=on_log & np.isfinite(mdc))
    out["reliable_below"] = np.where(on_log, np.minimum(x0 / ratio, x0 * ratio), x0 - mdc)
    out["reliable_above"] = np.where(on_log, np.maximum(x0 / ratio, x0 * ratio), x0 + mdc)
    gain = out["metric"].map({g: gain_of(g) for g in pd.unique(out["metric"])}).to_numpy()
    # the direction on the judged scale: for cdt (negative) a rise towards 0 is a smaller
    # magnitude, i.e. more sensitive, as in its z-score
    step = np.where(on_log, y1 - y0, x1 - x0)
    signed = np.sign(step) * gain
    status = np.where(gain == 0,
                      np.where(step > 0, "reliable_increase", "reliable_decrease"),
                      np.where(signed > 0, "reliable_worsening", "reliable_improvement"))
    status = np.where(reliable.fillna(False).to_numpy(bool), status, "no_reliable_change")
    out["status"] = np.where(np.isnan(r), "no_reliability_data", status)
    known = ~np.isnan(sem)
    out["basis"] = np.where(known, found["basis"].fillna("").to_numpy(object), "")
    out["source"] = np.where(known, found["source"].fillna("").to_numpy(object), "unknown")
    return out[CHANGE_COLUMNS].sort_values(keys + ["visit"]).reset_index(drop=True)
