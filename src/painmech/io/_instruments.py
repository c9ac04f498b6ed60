"""Readers for instrument tables: TMS grids, tDCS MEP series, ROI time series,
and blood-marker files with detection-limit notation.

Every reader accepts CSV (comma, semicolon or tab; decimal point or comma;
UTF-8 or Latin-1 — detected unless given), Excel and Parquet through
:func:`painmech.io.read_table`, and reports every bad cell at once in a
:class:`~painmech.exceptions.ValidationError` naming file, row, column, value
and reason. Content checks that need the whole table (grid lattice, repeated
pulses, constant ROIs) run in the metric functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from painmech._utils._checks import problem_frame
from painmech.exceptions import InputFormatError, ValidationError
from painmech.io._observations import WideColumn, _wide_to_long
from painmech.io._tabular import read_table
from painmech.measures._instrument import Checker
from painmech.registry import to_canonical, validate_observations

__all__ = ["read_blood", "read_roi_timeseries", "read_tdcs_series", "read_tms_grid"]

_TMS = ("subject", "visit", "muscle", "hemisphere", "x_cm", "y_cm", "stimulus")
_TDCS = ("subject", "visit", "timepoint", "pulse")
_LONG_ROI = ("subject", "visit", "roi", "t", "signal")
_BLOOD = ("crp", "il6", "tnf_alpha", "il1_beta")
_CENSOR_MARK = {"<": "left", "≤": "left", "<=": "left", ">": "right", "≥": "right",
                ">=": "right"}


def _decimal_text(table: pd.DataFrame, columns, decimal: str) -> pd.DataFrame:
    out = table.copy()
    for col in columns:
        if col in out.columns and not pd.api.types.is_numeric_dtype(out[col].dtype):
            text = out[col].astype("string").fillna("").str.strip()
            out[col] = text.str.replace(",", ".", regex=False) if decimal == "," else text
    return out


def _with_mep(table: pd.DataFrame, path) -> pd.DataFrame:
    if "mep_uv" in table.columns:
        return table
    if "mep_mv" in table.columns:  # converted with the registry's "mep" entry
        num = pd.to_numeric(table["mep_mv"], errors="coerce")
        uv, _, _ = to_canonical(num, pd.Series("mV", index=num.index),
                                pd.Series("mep", index=num.index))
        shown = table["mep_mv"].where(num.isna(), uv)
        return table.drop(columns="mep_mv").assign(mep_uv=shown)
    raise InputFormatError(f"{path}: needs a column 'mep_uv' (µV) or 'mep_mv' (mV)")


def _typed(path, columns, integers, numbers, sep, decimal, encoding, sheet) -> pd.DataFrame:
    table, fmt = read_table(path, sep=sep, decimal=decimal, encoding=encoding, sheet=sheet)
    table = _decimal_text(table, (*integers, *numbers, "mep_uv", "mep_mv"), fmt.decimal)
    table = _with_mep(table, path)
    chk = Checker(table, str(path), (*columns, "mep_uv"))
    out = pd.DataFrame({c: chk.text(c, lower=False) for c in columns
                        if c not in (*integers, *numbers)})
    for col in integers:
        out[col] = chk.number(col, minimum=0, integer=True)
    for col in numbers:
        out[col] = chk.number(col)
    out["mep_uv"] = chk.number("mep_uv", minimum=0.0)
    empty = out["subject"].eq("").to_numpy()
    chk.add(empty, "subject", out["subject"], "empty subject")
    chk.raise_if_problems()
    for col in integers:
        out[col] = out[col].astype("int64")
    return out[[*columns, "mep_uv"]].reset_index(drop=True)


def read_tms_grid(path: str | Path, *, sep=None, decimal=None, encoding=None,
                  sheet: str | int = 0) -> pd.DataFrame:
    """Read a TMS mapping table (one row per stimulus).

    Parameters
    ----------
    path : path-like
        Columns ``subject, visit, muscle, hemisphere, x_cm, y_cm, stimulus``
        and ``mep_uv`` (µV) or ``mep_mv`` (mV, converted to µV).
    sep, decimal, encoding, sheet
        See :func:`painmech.io.read_table`.

    Returns
    -------
    pandas.DataFrame
        The grid table for :func:`painmech.measures.tms_map_metrics`, typed
        (``visit``, ``stimulus`` int64; coordinates in cm and ``mep_uv`` float).
    """
    return _typed(path, _TMS, ("visit", "stimulus"), ("x_cm", "y_cm"), sep, decimal,
                  encoding, sheet)


def read_tdcs_series(path: str | Path, *, sep=None, decimal=None, encoding=None,
                     sheet: str | int = 0) -> pd.DataFrame:
    """Read a tDCS MEP series table (one row per TMS pulse).

    Parameters
    ----------
    path : path-like
        Columns ``subject, visit, timepoint, pulse`` and ``mep_uv`` (µV) or
        ``mep_mv`` (mV). ``timepoint`` is one of baseline, between, post0,
        post10, post20 (checked by
        :func:`painmech.measures.homeostatic_metrics`).
    sep, decimal, encoding, sheet
        See :func:`painmech.io.read_table`.

    Returns
    -------
    pandas.DataFrame
        ``subject, visit, timepoint, pulse, mep_uv`` (µV).
    """
    return _typed(path, _TDCS, ("visit", "pulse"), (), sep, decimal, encoding, sheet)


def _wide_roi(table: pd.DataFrame, path, subject: str, visit: int, decimal: str):
    roi_cols = [c for c in table.columns if c not in ("_row", "t")]
    if not roi_cols:
        raise InputFormatError(f"{path}: no ROI columns")
    text = _decimal_text(table, [*roi_cols, "t"], decimal)
    num = text[roi_cols].apply(pd.to_numeric, errors="coerce")
    bad = ~np.isfinite(num.to_numpy(dtype=float))
    if bad.any():
        r, c = np.nonzero(bad)
        raise ValidationError(problem_frame([pd.DataFrame({
            "file": str(path), "row": table["_row"].to_numpy()[r],
            "column": np.asarray(roi_cols, dtype=object)[c],
            "value": text[roi_cols].to_numpy(dtype=object)[r, c],
            "reason": "not a finite number"})]))
    t = (pd.to_numeric(text["t"], errors="coerce").to_numpy(dtype=float)
         if "t" in text.columns else np.arange(len(table), dtype=float))
    if np.isnan(t).any():
        raise InputFormatError(f"{path}: column 't' holds a value that is not a number")
    long = num.assign(t=t).melt(id_vars="t", var_name="roi", value_name="signal")
    return long.assign(subject=subject, visit=visit)[list(_LONG_ROI)]


def read_roi_timeseries(
    path: str | Path | Sequence[str | Path],
    *,
    subject: str | Sequence[str] | None = None,
    visit: int | Sequence[int] = 0,
    sep=None,
    decimal=None,
    encoding=None,
) -> pd.DataFrame:
    """Read ROI time series: a long table, or one wide file per scan.

    Parameters
    ----------
    path : path-like or sequence of path-likes
        Either a long table with columns ``subject, visit, roi, t, signal``,
        or wide files with one column per ROI (header = ROI labels), one row
        per volume and optionally a ``t`` column (otherwise ``t`` = 0, 1, …).
    subject : str or sequence of str, optional
        Subject of each wide file (default: the file name without suffix).
    visit : int or sequence of int
        Visit of each wide file (default 0).
    sep, decimal, encoding
        See :func:`painmech.io.read_table`.

    Returns
    -------
    pandas.DataFrame
        ``subject, visit, roi, t, signal`` for
        :func:`painmech.measures.connectivity_metrics`.
    """
    paths = [Path(path)] if isinstance(path, (str, Path)) else [Path(p) for p in path]
    subjects = ([p.stem for p in paths] if subject is None
                else [subject] if isinstance(subject, str) else list(subject))
    visits = [visit] * len(paths) if isinstance(visit, (int, np.integer)) else list(visit)
    if not len(subjects) == len(visits) == len(paths):
        raise ValueError(f"{len(paths)} files but {len(subjects)} subjects and "
                         f"{len(visits)} visits")
    parts = []
    for p, s, v in zip(paths, subjects, visits, strict=True):  # one scan per file
        table, fmt = read_table(p, sep=sep, decimal=decimal, encoding=encoding)
        if set(_LONG_ROI) <= set(table.columns):
            long = _decimal_text(table, ("visit", "t", "signal"), fmt.decimal)
            chk = Checker(long, str(p), _LONG_ROI)
            out = pd.DataFrame({"subject": chk.text("subject", lower=False),
                                "visit": chk.number("visit", minimum=0, integer=True),
                                "roi": chk.text("roi", lower=False), "t": chk.number("t"),
                                "signal": chk.number("signal")})
            chk.raise_if_problems()
            parts.append(out.astype({"visit": "int64"}))
        else:
            parts.append(_wide_roi(table, p, s, int(v), fmt.decimal))
    out = pd.concat(parts, ignore_index=True)
    return out.astype({"subject": object, "roi": object, "visit": "int64", "t": float,
                       "signal": float})


def _strip_censor_marks(table: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    measure = table["measure"].astype("string").fillna("").str.strip().str.casefold()
    text = table["value"].astype("string").fillna("").str.strip()
    mark = text.str.extract(r"^(<=|>=|<|>|≤|≥)\s*")[0]
    blood = measure.isin(_BLOOD).to_numpy()
    has = mark.notna().to_numpy() & blood
    censored = np.where(has, mark.map(_CENSOR_MARK).fillna("").to_numpy(dtype=object), "")
    stripped = text.str.replace(r"^(<=|>=|<|>|≤|≥)\s*", "", regex=True)
    out = table.copy()
    out["value"] = np.where(has, stripped.to_numpy(dtype=object),
                            table["value"].to_numpy(dtype=object))
    return out, censored.astype(object)


def read_blood(
    path: str | Path,
    *,
    subjects: pd.DataFrame | None = None,
    wide: Mapping[str, WideColumn] | None = None,
    sep=None,
    decimal=None,
    encoding=None,
    sheet: str | int = 0,
) -> pd.DataFrame:
    """Read blood-marker observations, keeping ``<LOD`` / ``>ULOQ`` cells as censored.

    A cell such as ``<0.3`` (or ``≤0.3``) in a ``crp``, ``il6``,
    ``tnf_alpha`` or ``il1_beta`` row means "below the detection limit of
    0.3": the value becomes 0.3 (converted to the canonical unit like any
    other) and the new ``censored`` column says ``"left"``. ``>10`` gives 10
    and ``"right"``. Other rows are read unchanged. Everything else works as
    in :func:`painmech.io.read_observations`.

    Returns
    -------
    pandas.DataFrame
        Validated observations plus ``censored`` (``""``, ``"left"``,
        ``"right"``), ready for :func:`painmech.measures.blood_metrics` or
        :func:`painmech.measures.compute_metrics`.
    """
    table, fmt = read_table(path, sep=sep, decimal=decimal, encoding=encoding, sheet=sheet)
    if wide is not None:
        table = _wide_to_long(table, wide, path)
    if "measure" not in table.columns or "value" not in table.columns:
        raise InputFormatError(f"{path}: needs the columns 'measure' and 'value'")
    table, censored = _strip_censor_marks(table)
    out = validate_observations(table, subjects=subjects, file=str(path),
                                decimal=fmt.decimal).raise_if_problems()
    return out.assign(censored=censored)
