"""Reliable change between visits (Jacobson & Truax 1991).

The reliable change index of a subject's change from the first visit is

    RCI = (x_t − x_0) / S_diff,   S_diff = sqrt(2 · SEM²) = sqrt(2) · SEM

(Jacobson NS, Truax P 1991 J Consult Clin Psychol 59:12). A change is
*reliable* when |RCI| > 1.96, i.e. when |x_t − x_0| > MDC95 = 1.96·√2·SEM.
Changes are judged on the metric's own scale (the unit of its SEM), not on
the log scale used for z-scores.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from painmech._utils._checks import check_columns
from painmech.exceptions import UnknownMeasureError
from painmech.registry import get_measure, get_metric

__all__ = ["CHANGE_COLUMNS", "gain_of", "rci", "reliable_change"]

CHANGE_COLUMNS = ["subject", "metric", "site", "side", "baseline_visit", "visit",
                  "baseline_value", "value", "change", "sem", "mdc95", "rci", "reliable",
                  "status", "basis"]

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


def reliable_change(metrics: pd.DataFrame, reliability: pd.DataFrame) -> pd.DataFrame:
    """Reliable change of every metric from each subject's first visit.

    Parameters
    ----------
    metrics : pandas.DataFrame
        Metrics table over visits (``subject, visit, metric, site, side, value``).
    reliability : pandas.DataFrame
        ``metric, sem`` and optionally ``site`` (``"any"`` or missing = all
        sites), ``side`` and ``basis`` — e.g. from
        :func:`painmech.longitudinal.reliability_for` or
        :func:`painmech.longitudinal.reliability_from_retest`.

    Returns
    -------
    pandas.DataFrame
        One row per subject, metric, site, side and later visit:
        ``baseline_visit, visit, baseline_value, value, change`` (later −
        first, metric unit), ``sem, mdc95, rci``, ``reliable`` (|RCI| > 1.96)
        and ``status``: ``reliable_worsening`` / ``reliable_improvement`` when
        the registry gives the metric a direction (worsening = change towards
        more pain-sensitive / more abnormal), ``reliable_increase`` /
        ``reliable_decrease`` when it does not, ``no_reliable_change``, or
        ``no_reliability_data`` when no SEM is known.
    """
    check_columns(metrics, ["subject", "visit", "metric", "site", "side", "value"], "metrics")
    check_columns(reliability, ["metric", "sem"], "reliability")
    keys = ["subject", "metric", "site", "side"]
    m = metrics[[*keys, "visit", "value"]].dropna(subset=["value"])
    m = m.groupby([*keys, "visit"], as_index=False)["value"].mean()
    first_visit = m.groupby(keys)["visit"].transform("min")
    base = m[m["visit"] == first_visit].rename(columns={"visit": "baseline_visit",
                                                       "value": "baseline_value"})
    later = m[m["visit"] > first_visit].merge(base, on=keys, how="inner")
    rel = reliability.copy()
    if "site" not in rel:
        rel["site"] = "any"
    rel["basis"] = rel["basis"] if "basis" in rel else "given"
    rel = rel[["metric", "site", "sem", "basis"] + (["side"] if "side" in rel else [])]
    on_side = "side" in rel
    exact = later.merge(rel[rel["site"] != "any"], on=["metric", "site"]
                        + (["side"] if on_side else []), how="left")
    generic = later.merge(rel[rel["site"] == "any"].drop(columns=["site"]
                                                         + (["side"] if on_side else [])),
                          on="metric", how="left", suffixes=("", "_any"))
    out = exact.copy()
    use_generic = out["sem"].isna().to_numpy()
    out.loc[use_generic, "sem"] = generic.loc[use_generic, "sem"].to_numpy()
    out.loc[use_generic, "basis"] = generic.loc[use_generic, "basis"].to_numpy()
    out["change"] = out["value"] - out["baseline_value"]
    out["mdc95"] = _Z95 * np.sqrt(2.0) * out["sem"]
    out["rci"] = rci(out["baseline_value"], out["value"], out["sem"])
    out["reliable"] = (np.abs(out["rci"]) > _Z95).fillna(False).astype(bool)
    gain = out["metric"].map({g: gain_of(g) for g in pd.unique(out["metric"])}).to_numpy()
    signed = np.sign(out["change"].to_numpy(float)) * gain
    status = np.where(gain == 0,
                      np.where(out["change"] > 0, "reliable_increase", "reliable_decrease"),
                      np.where(signed > 0, "reliable_worsening", "reliable_improvement"))
    status = np.where(out["reliable"], status, "no_reliable_change")
    status = np.where(out["sem"].isna(), "no_reliability_data", status)
    out["status"] = status
    out["basis"] = out["basis"].fillna("")
    return out[CHANGE_COLUMNS].sort_values(keys + ["visit"]).reset_index(drop=True)
