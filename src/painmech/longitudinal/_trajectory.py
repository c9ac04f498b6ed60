"""Trajectories over visits and normalisation of abnormal metrics with recovery."""

from __future__ import annotations

import numpy as np
import pandas as pd

from painmech._utils._checks import check_columns

__all__ = ["TRAJECTORY_COLUMNS", "NORMALISATION_COLUMNS", "pain_status", "trajectories",
           "normalisation"]

TRAJECTORY_COLUMNS = ["subject", "metric", "site", "side", "n_visits", "first_visit",
                      "last_visit", "first_value", "last_value", "change", "slope_per_visit",
                      "min", "max"]
NORMALISATION_COLUMNS = ["subject", "metric", "site", "side", "abnormal_visit", "z_abnormal",
                         "pain_free_visit", "z_pain_free", "normalised_visit", "status"]

_KEYS = ["subject", "metric", "site", "side"]
_PAIN_METRICS = ("pain_state", "pain_intensity")


def trajectories(metrics: pd.DataFrame, value: str = "value") -> pd.DataFrame:
    """Summarise each subject's course of every metric (site and side) over visits.

    Parameters
    ----------
    metrics : pandas.DataFrame
        Metrics (or scores) table with ``subject, visit, metric, site, side``
        and the column named by ``value``.
    value : str
        Column to follow (``"value"`` for the metric, ``"z"`` for z-scores).

    Returns
    -------
    pandas.DataFrame
        ``n_visits, first_visit, last_visit, first_value, last_value, change``
        (last − first), ``slope_per_visit`` (least-squares slope of the value
        on the visit number; NaN with one visit), ``min, max``.
    """
    check_columns(metrics, [*_KEYS, "visit", value], "metrics")
    m = metrics[[*_KEYS, "visit", value]].dropna(subset=[value])
    m = m.groupby([*_KEYS, "visit"], as_index=False)[value].mean().sort_values([*_KEYS,
                                                                                 "visit"])
    g = m.groupby(_KEYS, sort=True)
    t = m["visit"].astype(float)
    y = m[value].astype(float)
    tc = t - g["visit"].transform("mean")
    yc = y - g[value].transform("mean")
    sxy = (tc * yc).groupby([m[k] for k in _KEYS]).sum()
    sxx = (tc * tc).groupby([m[k] for k in _KEYS]).sum()
    out = g.agg(n_visits=("visit", "size"), first_visit=("visit", "first"),
                last_visit=("visit", "last"), first_value=(value, "first"),
                last_value=(value, "last"), min=(value, "min"), max=(value, "max"))
    with np.errstate(divide="ignore", invalid="ignore"):
        out["slope_per_visit"] = np.where(sxx.to_numpy() > 0, sxy.to_numpy() / sxx.to_numpy(),
                                          np.nan)
    out["change"] = out["last_value"] - out["first_value"]
    return out.reset_index()[TRAJECTORY_COLUMNS]


def pain_status(metrics: pd.DataFrame) -> pd.DataFrame:
    """Whether each subject was in pain at each visit.

    Uses the ``pain_state`` metric (1 = in pain, 0 = pain-free) where present,
    otherwise ``pain_intensity > 0`` (NRS 0–10; 0 means no pain).

    Returns
    -------
    pandas.DataFrame
        ``subject, visit, in_pain`` (bool).
    """
    check_columns(metrics, ["subject", "visit", "metric", "value"], "metrics")
    rows = metrics[metrics["metric"].isin(list(_PAIN_METRICS))]
    wide = rows.pivot_table(index=["subject", "visit"], columns="metric", values="value",
                            aggfunc="mean")
    state = wide["pain_state"] if "pain_state" in wide else pd.Series(np.nan, wide.index)
    inten = (wide["pain_intensity"] if "pain_intensity" in wide
             else pd.Series(np.nan, wide.index))
    in_pain = np.where(state.notna(), state > 0.5, inten > 0)
    known = state.notna() | inten.notna()
    out = pd.DataFrame({"in_pain": in_pain.astype(bool)}, index=wide.index)[known.to_numpy()]
    return out.reset_index()


def normalisation(scores: pd.DataFrame, pain: pd.DataFrame | None = None,
                  threshold: float | None = None) -> pd.DataFrame:
    """Detect abnormal metrics that returned into the reference band as pain resolved.

    Parameters
    ----------
    scores : pandas.DataFrame
        Scores table over visits (``subject, visit, metric, site, side, z``).
    pain : pandas.DataFrame, optional
        ``subject, visit, in_pain`` (see :func:`pain_status`); by default
        derived from the pain_state / pain_intensity rows of ``scores``.
    threshold : float, optional
        Half-width of the reference band in z units. Default: each row's
        ``z_limit`` (the Crawford–Howell limit of :func:`painmech.norms.zscore`,
        which allows for the reference's own uncertainty), or 1.96 (the DFNS
        band) where the scores carry none.

    Returns
    -------
    pandas.DataFrame
        For every subject × metric × site × side that was abnormal (|z| above
        the limit) at a visit in pain: ``abnormal_visit`` (the first such
        visit), ``z_abnormal``, ``pain_free_visit`` (first later pain-free
        visit), ``z_pain_free``, ``normalised_visit`` (first later visit with
        |z| within the limit) and ``status``:

        * ``normalised_with_recovery`` — back in the band at the first
          pain-free visit;
        * ``abnormal_after_recovery`` — still outside the band then;
        * ``normalised_in_pain`` — back in the band although still in pain
          (or never reported pain-free);
        * ``still_in_pain`` — no later pain-free visit and not normalised;
        * ``no_score_when_pain_free`` — pain-free visit without a z-score.
    """
    check_columns(scores, [*_KEYS, "visit", "z"], "scores")
    pain = pain_status(scores) if pain is None else pain
    z = scores[~scores["metric"].isin(list(_PAIN_METRICS))].dropna(subset=["z"])
    if threshold is not None or "z_limit" not in z:
        z = z.assign(z_limit=1.96 if threshold is None else float(threshold))
    z = z.assign(z_limit=z["z_limit"].fillna(1.96))
    z = z.groupby([*_KEYS, "visit"], as_index=False)[["z", "z_limit"]].mean()
    z = z.merge(pain[["subject", "visit", "in_pain"]], on=["subject", "visit"], how="left")
    z["abnormal"] = z["z"].abs() > z["z_limit"]
    z = z.sort_values([*_KEYS, "visit"])
    start = (z[z["abnormal"] & (z["in_pain"] == True)]  # noqa: E712  (NA-safe)
             .groupby(_KEYS, as_index=False).first()[[*_KEYS, "visit", "z"]]
             .rename(columns={"visit": "abnormal_visit", "z": "z_abnormal"}))
    after = z.merge(start, on=_KEYS)
    after = after[after["visit"] > after["abnormal_visit"]]
    norm = (after[~after["abnormal"]].groupby(_KEYS)["visit"].min()
            .rename("normalised_visit"))
    free_pain = pain[~pain["in_pain"].astype(bool)]
    free = start.merge(free_pain[["subject", "visit"]], on="subject")
    free = (free[free["visit"] > free["abnormal_visit"]].groupby(_KEYS)["visit"].min()
            .rename("pain_free_visit"))
    out = start.set_index(_KEYS).join(free).join(norm).reset_index()
    zf = out[[*_KEYS, "pain_free_visit"]].merge(
        z[[*_KEYS, "visit", "z", "abnormal"]].rename(columns={"visit": "pain_free_visit",
                                                             "z": "z_pain_free"}),
        on=[*_KEYS, "pain_free_visit"], how="left")
    out["z_pain_free"] = zf["z_pain_free"].to_numpy()
    has_free = out["pain_free_visit"].notna()
    normal_free = zf["abnormal"].eq(False).to_numpy()
    status = np.select(
        [has_free & out["z_pain_free"].isna(),
         has_free & normal_free,
         has_free,
         out["normalised_visit"].notna()],
        ["no_score_when_pain_free", "normalised_with_recovery", "abnormal_after_recovery",
         "normalised_in_pain"],
        "still_in_pain")
    out["status"] = status
    for c in ("pain_free_visit", "normalised_visit"):
        out[c] = out[c].astype("Int64")
    return out[NORMALISATION_COLUMNS].reset_index(drop=True)
