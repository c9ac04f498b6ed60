"""Pick one value per subject (and visit) out of the long metrics table.

Cohort analyses compare people, not rows: a metric measured at several sites
and sides must become one number per subject and visit. The rules here are
explicit and documented so that every analysis states what it averaged:

* values are put on the registry's z-scale transform first (``log10`` for
  thresholds such as PPT, ``none`` otherwise; metrics not in the registry are
  used untransformed);
* then averaged over the selected sites and over sides;
* sites are selected by id or by their role for the subject's condition
  (``"local"``, ``"remote"``; :func:`painmech.registry.site_role`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from painmech._utils._checks import check_columns, check_option
from painmech.exceptions import UnknownMeasureError
from painmech.registry import get_measure, get_metric, site_role

__all__ = ["SUBJECT_COLUMNS", "METRIC_COLUMNS", "transform_of", "subject_values", "wide_values"]

SUBJECT_COLUMNS = ("subject", "sex", "age", "condition")
METRIC_COLUMNS = ("subject", "visit", "metric", "site", "side", "value")


def transform_of(metric: str) -> str:
    """The z-scale transform the registry states for a metric (or raw measure).

    Returns ``"none"`` for ids the registry does not know.
    """
    for getter in (get_metric, get_measure):
        try:
            return getter(metric).transform
        except UnknownMeasureError:
            continue
    return "none"


def _apply_transform(values: pd.Series, transform: str) -> pd.Series:
    if transform == "log10":
        v = values.to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(v > 0, np.log10(np.where(v > 0, v, 1.0)), np.nan)
        return pd.Series(out, index=values.index)
    return values.astype(float)


def subject_values(
    metrics: pd.DataFrame,
    subjects: pd.DataFrame,
    metric: str,
    *,
    sites: Iterable[str] | str | None = None,
    visit: int | str | None = "baseline",
    transform: bool = True,
) -> pd.DataFrame:
    """One value of a metric per subject and visit.

    Parameters
    ----------
    metrics : pandas.DataFrame
        Metrics table (``subject, visit, metric, site, side, value``).
    subjects : pandas.DataFrame
        Subjects table (``subject, sex, age, condition``).
    metric : str
        Metric id.
    sites : iterable of str, {"local", "remote"} or None
        Site ids to keep; ``"local"``/``"remote"`` select by the site's role for
        each subject's condition; ``None`` keeps every site.
    visit : "baseline", "all", int or None
        ``"baseline"`` keeps each subject's first visit with this metric; an
        int keeps that visit; ``"all"`` or ``None`` keeps every visit.
    transform : bool
        Apply the registry transform before averaging.

    Returns
    -------
    pandas.DataFrame
        Columns ``subject, visit, value`` (value on the transformed scale when
        ``transform``), plus the subject columns ``sex, age, condition``.
    """
    check_columns(metrics, METRIC_COLUMNS, "metrics")
    check_columns(subjects, SUBJECT_COLUMNS, "subjects")
    rows = metrics.loc[metrics["metric"] == metric, ["subject", "visit", "site", "value"]]
    rows = rows.assign(subject=rows["subject"].astype(str))
    if isinstance(sites, str):
        check_option("sites", sites, ("local", "remote"))
        cond = rows["subject"].map(subjects.set_index(subjects["subject"].astype(str))
                                   ["condition"].astype(str).to_dict())
        role = site_role(rows["site"].astype(str), cond.fillna("healthy"))
        rows = rows[(role == sites).to_numpy()]
    elif sites is not None:
        rows = rows[rows["site"].isin(list(sites))]
    value = _apply_transform(rows["value"], transform_of(metric) if transform else "none")
    rows = rows.assign(value=value).dropna(subset=["value"])
    out = rows.groupby(["subject", "visit"], as_index=False, sort=True)["value"].mean()
    if visit == "baseline":
        first = out.groupby("subject")["visit"].transform("min")
        out = out[out["visit"] == first]
    elif isinstance(visit, int | np.integer):
        out = out[out["visit"] == visit]
    elif visit not in ("all", None):
        raise ValueError(f"Invalid value for the 'visit' parameter: {visit!r}. "
                         "Allowed values are 'baseline', 'all', None or an int.")
    subj = subjects.loc[:, list(SUBJECT_COLUMNS)].assign(subject=subjects["subject"].astype(str))
    return out.merge(subj, on="subject", how="inner").reset_index(drop=True)


def wide_values(
    metrics: pd.DataFrame,
    subjects: pd.DataFrame,
    metric_ids: Iterable[str],
    *,
    visit: int | str | None = "baseline",
    transform: bool = True,
) -> pd.DataFrame:
    """Several metrics side by side, one row per subject and visit.

    Returns a frame with ``subject, visit, sex, age, condition`` and one
    column per metric id found in ``metrics`` (sites and sides averaged as in
    :func:`subject_values`). With ``visit="baseline"`` the first visit *of the
    subject* (over all metrics) is used.
    """
    ids = [m for m in metric_ids if (metrics["metric"] == m).any()]
    frames = [
        subject_values(metrics, subjects, m, visit="all", transform=transform)
        .set_index(["subject", "visit"])["value"].rename(m)
        for m in ids
    ]
    subj = subjects.loc[:, list(SUBJECT_COLUMNS)].assign(subject=subjects["subject"].astype(str))
    if not frames:
        return subj.assign(visit=pd.Series(dtype="int64"))[:0]
    wide = pd.concat(frames, axis=1).reset_index()
    if visit == "baseline":
        first = wide.groupby("subject")["visit"].transform("min")
        wide = wide[wide["visit"] == first]
    elif isinstance(visit, int | np.integer):
        wide = wide[wide["visit"] == visit]
    return wide.merge(subj, on="subject", how="inner").reset_index(drop=True)
