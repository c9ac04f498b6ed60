"""The metrics table: its columns, a row builder, and input checks.

The metrics table (design.md §3) has one row per subject, visit, metric, site
and side::

    subject, visit, metric, site, side, value, unit, n_trials, method, censored

``censored`` is ``""`` (not censored), ``"left"`` (at or below a lower cut-off
or detection limit) or ``"right"`` (at an upper cut-off).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from painmech._utils._checks import problem_frame
from painmech.exceptions import ValidationError
from painmech.registry import MEASURES, METRICS, NO_SITE, SIDES, site_role

__all__ = [
    "KEY",
    "METRIC_COLUMNS",
    "STR",
    "as_str",
    "check_metrics",
    "check_observations",
    "concat_metrics",
    "empty_metrics",
    "metric_rows",
    "site_roles",
    "text_where",
    "trial_summary",
]

#: Identifying columns of one metric row.
KEY = ["subject", "visit", "metric", "site", "side"]
#: Every column of the metrics table, in order.
METRIC_COLUMNS = [*KEY, "value", "unit", "n_trials", "method", "censored"]
_OBS_REQUIRED = ["subject", "visit", "measure", "site", "side", "trial", "value", "unit"]
_GROUP = ["subject", "visit", "measure", "site", "side"]


def empty_metrics() -> pd.DataFrame:
    """A metrics table with no rows and the right column types."""
    return pd.DataFrame({
        "subject": pd.Series(dtype=object), "visit": pd.Series(dtype="int64"),
        "metric": pd.Series(dtype=object), "site": pd.Series(dtype=object),
        "side": pd.Series(dtype=object), "value": pd.Series(dtype=float),
        "unit": pd.Series(dtype=object), "n_trials": pd.Series(dtype="int64"),
        "method": pd.Series(dtype=object), "censored": pd.Series(dtype=object),
    })


def concat_metrics(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate metrics fragments (empty ones are skipped)."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return empty_metrics()
    return pd.concat(parts, ignore_index=True)


#: pandas' default string dtype (Arrow-backed, NaN as missing value).
STR = pd.StringDtype("pyarrow", na_value=np.nan)


def as_str(values, n: int | None = None):
    """Strings as a pandas ``str`` array, each distinct string converted once.

    Equal to what pandas infers from an object array of strings, but cheaper
    for long columns with few distinct values: a scalar is repeated by
    ``take``, an array is factorised and its distinct values are taken back
    by code, and a column that already has the ``str`` dtype is used as it is.

    Parameters
    ----------
    values : str, array-like or pandas.Series
        The strings (a scalar is repeated ``n`` times).
    n : int, optional
        Length of the result when ``values`` is a scalar.

    Returns
    -------
    pandas.api.extensions.ExtensionArray or numpy.ndarray
        A ``str`` array; values that are not all strings (or missing cells)
        come back as an object array, left to pandas' own inference.
    """
    if isinstance(values, str):
        return pd.array([values], dtype=STR).take(np.zeros(n, dtype=np.intp))
    if isinstance(values, pd.Series | pd.Index) and values.dtype == STR:
        return values.array
    arr = np.asarray(values, dtype=object)
    codes, distinct = pd.factorize(arr)
    if (len(codes) and codes.min() < 0) or not all(isinstance(v, str) for v in distinct):
        return arr
    return pd.array(distinct, dtype=STR).take(codes)


def site_roles(site: pd.Series, condition_code: np.ndarray, conditions) -> pd.Series:
    """:func:`painmech.registry.site_role` of every row, computed per distinct pair.

    Parameters
    ----------
    site : pandas.Series of str
        Site id of every row.
    condition_code : numpy.ndarray of int
        Position of each row's condition in ``conditions`` (-1: no condition,
        treated as a missing value).
    conditions : array-like
        The distinct conditions.

    Returns
    -------
    pandas.Series of str
        ``local``, ``remote`` or ``none`` per row (default ``RangeIndex``).
    """
    conds = pd.Index(conditions).append(pd.Index([np.nan]))
    code = np.where(condition_code < 0, len(conds) - 1, condition_code)
    site_code, sites = pd.factorize(site, use_na_sentinel=False)
    # hashing the pair codes is cheaper than sorting them (np.unique)
    pair_of_row, pairs = pd.factorize(site_code * len(conds) + code)
    roles = site_role(pd.Series(sites.take(pairs // len(conds))),
                      pd.Series(conds.take(pairs % len(conds))))
    return pd.Series(roles.astype(str).array.take(pair_of_row), name="site_role")


def text_where(mask, make, other: str) -> np.ndarray:
    """``np.where(mask, make(mask), other)`` with the strings built only where needed.

    Parameters
    ----------
    mask : array-like of bool
        Rows that get a built text.
    make : callable
        ``make(mask)`` returns the texts of the masked rows, in order (e.g. a
        string concatenation over the selected rows of a table).
    other : str
        Text of every other row.

    Returns
    -------
    numpy.ndarray of object
    """
    mask = np.asarray(mask, dtype=bool)
    out = np.full(len(mask), other, dtype=object)
    if mask.any():
        out[mask] = np.asarray(make(mask), dtype=object)
    return out


def metric_rows(keys: pd.DataFrame, metric: str, value, n_trials, method,
                censored="") -> pd.DataFrame:
    """Build metrics rows for one metric.

    Parameters
    ----------
    keys : pandas.DataFrame
        Columns ``subject, visit, site, side`` (one row per output row).
    metric : str
        Registered metric id; its unit is taken from the registry.
    value, n_trials, method, censored : array-like or scalar
        Aligned with ``keys``.
    """
    n = len(keys)

    def text(v):
        return as_str(v, n) if isinstance(v, str) else as_str(
            v if isinstance(v, pd.Series) else np.broadcast_to(np.asarray(v, dtype=object), (n,)))

    out = pd.DataFrame({
        "subject": as_str(keys["subject"]),
        "visit": keys["visit"].to_numpy(dtype="int64"),
        "metric": as_str(metric, n),
        "site": text(keys["site"]),
        "side": text(keys["side"]),
        "value": np.broadcast_to(np.asarray(value, dtype=float), (n,)).copy(),
        "unit": as_str(METRICS[metric].unit, n),
        "n_trials": np.broadcast_to(np.asarray(n_trials, dtype="int64"), (n,)).copy(),
        "method": text(method),
        "censored": text(censored),
    })
    return out


def trial_summary(obs: pd.DataFrame, measure: str, offset: float = 0.0) -> pd.DataFrame:
    """Summarise the trials of one measure per subject, visit, site and side.

    Parameters
    ----------
    obs : pandas.DataFrame
        Observations (canonical units).
    measure : str
        The raw measure to summarise.
    offset : float
        Added to every value before the logarithm of the geometric mean.

    Returns
    -------
    pandas.DataFrame
        ``subject, visit, site, side`` plus ``n`` (trials), ``mean``, ``sum``,
        ``min``, ``max``, ``log_mean`` (mean of log10(value + offset)),
        ``first`` and ``last`` (values of the lowest and highest trial number).
    """
    sel = obs.loc[obs["measure"].eq(measure), ["subject", "visit", "site", "side", "trial",
                                               "value"]]
    # groupby keeps the row order inside each group, so a stable sort by trial alone
    # orders every group's trials (first/last, and the order of the sums)
    sel = sel.sort_values("trial", kind="stable")
    with np.errstate(divide="ignore", invalid="ignore"):
        sel = sel.assign(_log=np.log10(sel["value"].to_numpy(dtype=float) + offset))
    grouped = sel.groupby(["subject", "visit", "site", "side"], sort=True, observed=True)
    out = grouped.agg(n=("value", "size"), mean=("value", "mean"), sum=("value", "sum"),
                      min=("value", "min"), max=("value", "max"), log_mean=("_log", "mean"),
                      first=("value", "first"), last=("value", "last"))
    return out.reset_index()


def _by_code(codes: np.ndarray, per_distinct: list[bool]) -> np.ndarray:
    """Per-row flags from one flag per distinct value (False for code -1)."""
    return np.append(np.asarray(per_distinct, dtype=bool), False)[codes]


def _duplicated_keys(obs: pd.DataFrame, known: dict[str, np.ndarray]) -> np.ndarray:
    """``obs.duplicated(subset=[*_GROUP, "trial"])`` on one combined integer key.

    ``known`` holds codes already computed (``pd.factorize``, -1 = missing);
    the other key columns are factorised here. When the combined key could
    overflow int64, pandas' own ``duplicated`` is used.
    """
    codes, size = np.zeros(len(obs), dtype=np.int64), 1
    for col in [*_GROUP, "trial"]:
        code = known[col] if col in known else pd.factorize(obs[col])[0]
        n = int(code.max()) + 2 if len(code) else 1  # room for -1 (missing)
        if size * n >= 2**62:
            return obs.duplicated(subset=[*_GROUP, "trial"], keep="first").to_numpy()
        codes, size = codes * n + (code + 1), size * n
    return pd.Series(codes).duplicated(keep="first").to_numpy()


def check_observations(obs: pd.DataFrame) -> None:
    """Refuse observations that are not validated, canonical and unique.

    Raises
    ------
    ValidationError
        With a problem table naming rows (``row`` = index + 2, as if read from
        a file with a header) whose measure is unknown, whose unit is not the
        measure's canonical unit, or whose key is duplicated.
    """
    missing = [c for c in _OBS_REQUIRED if c not in obs.columns]
    if missing:
        raise ValidationError(problem_frame([pd.DataFrame({
            "file": "<observations>", "row": 1, "column": missing, "value": "",
            "reason": "required column is missing"})]))
    rows = np.arange(len(obs)) + 2
    # each distinct measure, unit and side is checked once; rows look the answer up
    # by code (code -1 = missing cell, which fails every check)
    m_code, m_ids = pd.factorize(obs["measure"])
    u_code, u_ids = pd.factorize(obs["unit"])
    unknown = ~_by_code(m_code, [m in MEASURES for m in m_ids])
    canon = [MEASURES[m].unit if m in MEASURES else None for m in m_ids]
    unit_ok = np.array([[u == c for u in u_ids] + [False] for c in [*canon, None]],
                       dtype=bool)
    bad_unit = ~unknown & ~unit_ok[m_code, u_code]
    s_code, s_ids = pd.factorize(obs["side"])
    bad_side = ~_by_code(s_code, [s in SIDES for s in s_ids])
    dup = _duplicated_keys(obs, {"measure": m_code, "side": s_code})
    parts = [
        pd.DataFrame({"file": "<observations>", "row": rows[unknown], "column": "measure",
                      "value": obs["measure"][unknown].astype(object).to_numpy(),
                      "reason": "unknown measure"}),
        pd.DataFrame({"file": "<observations>", "row": rows[bad_unit], "column": "unit",
                      "value": obs["unit"][bad_unit].to_numpy(),
                      "reason": "not the measure's canonical unit; read files with "
                                "painmech.io.read_observations or convert with "
                                "painmech.registry.validate_observations"}),
        pd.DataFrame({"file": "<observations>", "row": rows[dup], "column": "trial",
                      "value": obs["trial"].to_numpy()[dup],
                      "reason": "duplicate key (subject, visit, measure, site, side, trial)"}),
        pd.DataFrame({"file": "<observations>", "row": rows[bad_side], "column": "side",
                      "value": obs["side"][bad_side].to_numpy(), "reason": "unknown side"}),
    ]
    problems = problem_frame(parts)
    if not problems.empty:
        raise ValidationError(problems)


def check_metrics(data: pd.DataFrame, file: str = "<metrics>") -> pd.DataFrame:
    """Validate a metrics table (e.g. read back from CSV) and return it typed.

    Parameters
    ----------
    data : pandas.DataFrame
        At least ``subject, visit, metric, site, side, value``; ``unit``,
        ``n_trials``, ``method`` and ``censored`` are filled in when absent.
        Cells may be text. A ``_row`` column gives source row numbers.
    file : str
        Name used in the problem table.

    Returns
    -------
    pandas.DataFrame
        The metrics table with the columns of :data:`METRIC_COLUMNS` (plus any
        extra columns) and proper dtypes.

    Raises
    ------
    ValidationError
        Listing unknown metrics, units that differ from the registry, and
        values or visits that are not numbers.
    """
    required = ["subject", "visit", "metric", "site", "side", "value"]
    missing = [c for c in required if c not in data.columns]
    if missing:
        raise ValidationError(problem_frame([pd.DataFrame({
            "file": file, "row": 1, "column": missing, "value": "",
            "reason": "required column is missing"})]))
    rows = (data["_row"].astype("int64").to_numpy() if "_row" in data.columns
            else np.arange(len(data)) + 2)
    out = data.drop(columns=[c for c in ("_row",) if c in data.columns]).copy()
    text = {c: out[c].astype("string").fillna("").str.strip().astype(object)
            for c in ("subject", "metric", "site", "side")}
    value = pd.to_numeric(out["value"].astype("string").replace("", pd.NA),
                          errors="coerce").to_numpy(dtype=float)
    value_text = out["value"].astype("string").fillna("").str.strip()
    visit = pd.to_numeric(out["visit"], errors="coerce").to_numpy(dtype=float)
    unknown = ~text["metric"].isin(list(METRICS)).to_numpy()
    bad_value = np.isnan(value) & value_text.ne("").to_numpy() & \
        ~value_text.str.casefold().isin(["nan", "na"]).to_numpy()
    bad_visit = ~np.isfinite(visit) | (np.floor(visit) != visit) | (visit < 0)
    parts = [
        pd.DataFrame({"file": file, "row": rows[unknown], "column": "metric",
                      "value": text["metric"].to_numpy()[unknown], "reason": "unknown metric"}),
        pd.DataFrame({"file": file, "row": rows[bad_value], "column": "value",
                      "value": value_text.to_numpy()[bad_value], "reason": "not a number"}),
        pd.DataFrame({"file": file, "row": rows[bad_visit], "column": "visit",
                      "value": out["visit"].astype(str).to_numpy()[bad_visit],
                      "reason": "visit must be a whole number ≥ 0"}),
    ]
    expected_unit = text["metric"].map({m.id: m.unit for m in METRICS.values()})
    if "unit" in out.columns:
        unit = out["unit"].astype("string").fillna("").str.strip().astype(object)
        wrong = ~unknown & unit.ne("").to_numpy() & (unit.to_numpy() != expected_unit.to_numpy())
        parts.append(pd.DataFrame({
            "file": file, "row": rows[wrong], "column": "unit", "value": unit.to_numpy()[wrong],
            "reason": "unit differs from the metric's registered unit"}))
    problems = problem_frame(parts)
    if not problems.empty:
        raise ValidationError(problems)
    for col, series in text.items():
        out[col] = series.to_numpy()
    out["site"] = out["site"].where(out["site"].ne(""), NO_SITE)
    out["side"] = out["side"].where(out["side"].ne(""), NO_SITE)
    out["visit"] = visit.astype("int64")
    out["value"] = value
    out["unit"] = expected_unit.to_numpy(dtype=object)
    n_trials = (pd.to_numeric(out["n_trials"], errors="coerce") if "n_trials" in out.columns
                else pd.Series(np.nan, index=out.index))
    out["n_trials"] = n_trials.fillna(0).to_numpy(dtype="int64")
    for col in ("method", "censored"):
        src = out[col] if col in out.columns else pd.Series("", index=out.index)
        out[col] = src.astype("string").fillna("").astype(object).to_numpy()
    extra = [c for c in out.columns if c not in METRIC_COLUMNS]
    return out[METRIC_COLUMNS + extra].reset_index(drop=True)
