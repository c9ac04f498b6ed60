"""Blood inflammation markers: CRP, IL-6, TNF-α, IL-1β and hs-CRP categories.

Values below an assay's detection limit are *left-censored*, not zero: the
true concentration is somewhere between 0 and the limit. painmech keeps such a
value at the limit and marks the metric ``censored = "left"`` so that later
steps (z-scores, group statistics) can treat it as an upper bound. Two ways in:

* the observations carry a ``censored`` column (``"left"``/``"right"``/``""``),
  as written by :func:`painmech.io.read_blood` for cells such as ``<0.3`` or
  ``>10`` (the number is kept, the sign becomes the flag); or
* ``lod={"il6": 1.5, "crp": (0.03, "mg/dL")}`` gives each marker's detection
  limit (canonical unit, or a ``(value, unit)`` pair converted with the
  registry); every value at or below it becomes ``lod`` with ``censored =
  "left"``.

A reported 0 without either is refused: no assay measures a concentration of
exactly zero, and a zero would become ``-inf`` on the log scale used for
z-scores.

Replicate assays (trials) are averaged. If any replicate is left-censored the
mean is an upper bound, so the metric is left-censored too.

hs-CRP categories (Pearson et al. 2003 Circulation 107:499): 0 = < 1 mg/L
(low), 1 = 1–3 mg/L (average), 2 = > 3 mg/L (high). A censored CRP gets a
category only when the censoring leaves no doubt (``<0.5`` → 0, ``>5`` → 2);
otherwise NaN with the reason in ``method``. Above 10 mg/L the statement
advises repeating the test because of a likely acute-phase reaction; the
``method`` text says so.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from painmech._utils._checks import problem_frame
from painmech.exceptions import UnitError, ValidationError
from painmech.measures._table import empty_metrics, metric_rows
from painmech.registry import MEASURES, to_canonical
from painmech.registry._metrics_neuro import CRP_CATEGORY_CUTS_MG_L

__all__ = ["BLOOD_MEASURES", "blood_metrics"]

#: Raw measures handled here (canonical units mg/L for CRP, pg/mL otherwise).
BLOOD_MEASURES: tuple[str, ...] = ("crp", "il6", "tnf_alpha", "il1_beta")
#: Pearson et al. 2003: CRP above this (mg/L) suggests acute inflammation.
_CRP_ACUTE_MG_L = 10.0
_KEY = ["subject", "visit", "measure"]


def _lod_table(lod: Mapping[str, object] | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for measure, spec in (lod or {}).items():
        if measure not in BLOOD_MEASURES:
            raise ValueError(f"lod given for {measure!r}; blood markers are "
                             f"{', '.join(BLOOD_MEASURES)}")
        value, unit = spec if isinstance(spec, tuple) else (spec, MEASURES[measure].unit)
        conv, _, reason = to_canonical(pd.Series([float(value)]), pd.Series([unit]),
                                       pd.Series([measure]))
        if reason.iloc[0]:
            raise UnitError(f"lod for {measure}: {reason.iloc[0]}")
        if not conv.iloc[0] > 0:
            raise ValueError(f"lod for {measure} must be > 0, got {value!r}")
        out[measure] = float(conv.iloc[0])
    return out


def _canonical(rows: pd.DataFrame) -> pd.DataFrame:
    canon = rows["measure"].map({m: MEASURES[m].unit for m in BLOOD_MEASURES})
    if rows["unit"].astype(object).eq(canon).all():
        return rows
    value, unit, reason = to_canonical(rows["value"], rows["unit"], rows["measure"])
    bad = reason.ne("").to_numpy()
    if bad.any():
        raise ValidationError(problem_frame([pd.DataFrame({
            "file": "<observations>", "row": np.flatnonzero(bad) + 2, "column": "unit",
            "value": rows["unit"].to_numpy()[bad], "reason": reason.to_numpy()[bad]})]))
    return rows.assign(value=value.to_numpy(), unit=unit.to_numpy())


def _censor_flags(rows: pd.DataFrame, lod: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    value = rows["value"].to_numpy(dtype=float)
    if "censored" in rows.columns:
        flag = rows["censored"].astype("string").fillna("").str.strip().str.casefold()
        flag = flag.replace({"<": "left", ">": "right", "none": "", "nan": ""})
        unknown = ~flag.isin(["", "left", "right"]).to_numpy()
        if unknown.any():
            raise ValidationError(problem_frame([pd.DataFrame({
                "file": "<observations>", "row": np.flatnonzero(unknown) + 2,
                "column": "censored", "value": flag.to_numpy()[unknown],
                "reason": "censored must be '', 'left' or 'right'"})]))
        flag = flag.to_numpy(dtype=object)
    else:
        flag = np.full(len(rows), "", dtype=object)
    limit = rows["measure"].map(lod).to_numpy(dtype=float)
    below = np.isfinite(limit) & (value <= limit) & (flag != "right")
    flag = np.where(below, "left", flag)
    value = np.where(below, limit, value)
    zero = (value <= 0) & (flag == "")
    if zero.any():
        raise ValidationError(problem_frame([pd.DataFrame({
            "file": "<observations>", "row": np.flatnonzero(zero) + 2, "column": "value",
            "value": value[zero].astype(str),
            "reason": "a concentration of 0 is below the detection limit, not a value; pass "
                      "lod= or mark the row censored='left' (files: write e.g. '<0.3')"})]))
    return value, flag


def blood_metrics(observations: pd.DataFrame, *,
                  lod: Mapping[str, float | tuple[float, str]] | None = None) -> pd.DataFrame:
    """Inflammation-marker metrics with left-censoring at the detection limit.

    Parameters
    ----------
    observations : pandas.DataFrame
        Observations with ``subject, visit, measure, trial, value, unit``
        (other measures are ignored). Units are converted to mg/L (CRP) and
        pg/mL (cytokines) through the registry when they are not canonical. An
        optional ``censored`` column (``"left"``, ``"right"`` or ``""``) marks
        values beyond the assay's range.
    lod : mapping, optional
        Detection limit per marker, in the canonical unit or as ``(value,
        unit)``; values at or below it become the limit, left-censored.

    Returns
    -------
    pandas.DataFrame
        Metrics table (site and side ``"none"``): ``crp`` (mg/L), ``il6``,
        ``tnf_alpha``, ``il1_beta`` (pg/mL) — the mean of the replicate
        assays, ``censored`` ``"left"`` if any replicate was below the limit —
        and ``crp_category`` (0, 1, 2; Pearson et al. 2003).

    Raises
    ------
    ValidationError
        For zero values without a detection limit, unknown ``censored`` flags
        or units that cannot be converted.
    """
    limits = _lod_table(lod)
    rows = observations.loc[observations["measure"].isin(BLOOD_MEASURES)]
    if rows.empty:
        return empty_metrics()
    rows = _canonical(rows.reset_index(drop=True))
    value, flag = _censor_flags(rows, limits)
    work = pd.DataFrame({"subject": rows["subject"].to_numpy(dtype=object),
                         "visit": rows["visit"].to_numpy(dtype="int64"),
                         "measure": rows["measure"].to_numpy(dtype=object), "value": value,
                         "left": flag == "left", "right": flag == "right"})
    agg = (work.groupby(_KEY, sort=True)
           .agg(value=("value", "mean"), n=("value", "size"), left=("left", "any"),
                right=("right", "any")).reset_index())
    both = agg["left"] & agg["right"]
    cens = np.where(both, "", np.where(agg["left"], "left", np.where(agg["right"], "right", "")))
    val = np.where(both, np.nan, agg["value"].to_numpy())
    method = np.select(
        [both, agg["left"], agg["right"]],
        ["replicates censored in both directions: no value",
         "mean of replicates; at least one below the detection limit (kept at the limit)",
         "mean of replicates; at least one above the assay range (kept at the limit)"],
        "mean of replicates")
    keys = agg[["subject", "visit"]].assign(site="none", side="none")
    parts = [metric_rows(keys.loc[agg["measure"].eq(m)], m, val[agg["measure"].eq(m)],
                         agg.loc[agg["measure"].eq(m), "n"], method[agg["measure"].eq(m)],
                         cens[agg["measure"].eq(m)]) for m in BLOOD_MEASURES]
    crp = agg["measure"].eq("crp").to_numpy()
    parts.append(_crp_category(keys.loc[crp], val[crp], cens[crp], agg.loc[crp, "n"]))
    out = pd.concat([p for p in parts if len(p)], ignore_index=True)
    return out.sort_values(["subject", "visit", "metric"], kind="stable").reset_index(drop=True)


def _crp_category(keys: pd.DataFrame, crp: np.ndarray, cens: np.ndarray, n) -> pd.DataFrame:
    low, high = CRP_CATEGORY_CUTS_MG_L
    exact = np.where(crp < low, 0.0, np.where(crp <= high, 1.0, 2.0))
    # left-censored: the true value is ≤ crp; right-censored: ≥ crp
    cat = np.select(
        [np.isnan(crp), cens == "left", cens == "right"],
        [np.nan, np.where(crp < low, 0.0, np.nan), np.where(crp > high, 2.0, np.nan)],
        exact)
    method = np.where(np.isnan(cat) & ~np.isnan(crp),
                      "censored CRP leaves the category open",
                      "Pearson 2003: < 1 low, 1–3 average, > 3 mg/L high")
    method = np.where(~np.isnan(crp) & (crp > _CRP_ACUTE_MG_L) & (cens != "left"),
                      "> 10 mg/L: likely acute-phase reaction, repeat the test "
                      "(Pearson 2003)", method)
    return metric_rows(keys, "crp_category", cat, n, method)
