"""Pieces shared by the REDCap, BIDS and FHIR adapters.

* :class:`FieldMap` — what one column (REDCap field, BIDS column) of a foreign
  file holds in painmech terms.
* :func:`format_numbers` — float64 to the shortest text that reads back to the
  same float, so that writing and reading a file loses nothing.
* :func:`validate_long` — run :func:`painmech.registry.validate_observations`
  on a long table built from a wide foreign file and report every problem with
  the *source* file's row and column, not the long table's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from painmech.exceptions import InputFormatError, ValidationError
from painmech.registry import NO_SITE, SIDES, get_measure, validate_observations

__all__ = ["FieldMap", "check_exportable", "check_finite", "format_numbers", "validate_long",
           "parse_int_label"]


@dataclass(frozen=True)
class FieldMap:
    """What one column of a foreign file holds.

    Attributes
    ----------
    measure : str
        Raw measure id of the registry (e.g. ``"ppt"``).
    unit : str
        Unit the column is written in, any spelling the registry knows
        (``"kPa"``, ``"N/cm²"``, ``"nrs10"``...). Values are converted to the
        measure's canonical unit on reading.
    site, side : str
        Body site and side (``"none"`` for measures without).
    trial : int or None
        Trial or item number. ``None`` lets the format decide: the repeat
        instance of a REDCap repeating instrument, the position of a checkbox
        option, otherwise 1.
    """

    measure: str
    unit: str
    site: str = NO_SITE
    side: str = NO_SITE
    trial: int | None = None

    def __post_init__(self) -> None:  # fail at construction, not deep in a reader
        get_measure(self.measure)
        if self.trial is not None and (not isinstance(self.trial, int) or self.trial < 1):
            raise ValueError(f"FieldMap.trial must be a whole number >= 1 or None, "
                             f"got {self.trial!r}")


def format_numbers(values: pd.Series, *, positional: bool = False) -> pd.Series:
    """Write floats as the shortest text that reads back to the same float64.

    Whole numbers lose their ``.0`` (``3.0`` → ``"3"``) so that integer
    validation of the target format accepts them; missing values become ``""``.
    pandas writes a float64 as its shortest round-trip representation (as
    Python's ``repr``), so ``float(text) == value`` holds for every finite
    value; very small or large magnitudes use exponent notation (``1e-05``)
    unless ``positional`` is true (``0.00001``), for formats whose number
    validation refuses exponents (REDCap).
    """
    num = pd.to_numeric(values, errors="raise").astype("float64")
    text = num.astype("string")  # shortest round-trip repr, element-wise in C
    text = text.str.replace(r"\.0$", "", regex=True)
    if positional:
        exp = text.str.contains("e", regex=False).fillna(False)
        # only the rare tiny or huge magnitudes are rewritten, one by one
        text[exp] = [np.format_float_positional(v, unique=True, trim="-") for v in num[exp]]
    return text.fillna("").astype(object)


def check_finite(values: pd.Series, what: str) -> None:
    """Refuse infinite values, which no export format writes as a number.

    Raises
    ------
    InputFormatError
        Naming the first row position and how many values are infinite.
    """
    num = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    inf = np.isinf(num)
    if inf.any():
        raise InputFormatError(f"{what}: {int(inf.sum())} infinite value(s) (first at row "
                               f"{int(np.flatnonzero(inf)[0]) + 1}) cannot be written; a "
                               "file would read them back as text or as missing")


_METRIC_KEY = ["subject", "visit", "metric", "site", "side"]


def check_exportable(table: pd.DataFrame, what: str, visits: str) -> None:
    """Refuse a metrics/scores table that a file could only write lossily.

    Checks, in this order: values are not infinite; visits are whole numbers
    (``visits`` says how the format names them); sides are painmech sides;
    no two rows share subject, visit, metric, site and side (one value per
    cell or resource); one unit per (metric, site, side).

    Raises
    ------
    InputFormatError
        Naming the rows and the key, or the offending value.
    """
    check_finite(table["value"], what)
    visit = pd.to_numeric(table["visit"], errors="coerce")
    whole = (visit.notna() & (np.floor(visit) == visit)).to_numpy()
    if not whole.all():
        bad = table["visit"].to_numpy()[~whole][0]
        raise InputFormatError(f"{what}: visit {bad} is not a whole number; {visits}")
    unknown = sorted(set(table["side"].astype(str)) - set(SIDES))
    if unknown:
        raise InputFormatError(f"{what}: side(s) {', '.join(unknown)} cannot be written; use "
                               f"one of {', '.join(SIDES)}")
    key = table[_METRIC_KEY].astype(str)
    dup = key.duplicated(keep=False).to_numpy()
    if dup.any():
        rows = np.flatnonzero(dup)[:2]
        raise InputFormatError(
            f"{what}: rows " + " and ".join(str(r + 1) for r in rows) + " share subject, "
            "visit, metric, site and side (" + ", ".join(key.iloc[rows[0]]) + "); one value "
            "per key — aggregate or drop the repeat before exporting")
    units = table["unit"].astype(str).groupby([key["metric"], key["site"], key["side"]])
    n_units = units.nunique()
    if (n_units > 1).any():
        metric, site, side = n_units.index[(n_units > 1).to_numpy()][0]
        raise InputFormatError(f"{what}: {metric} (site {site}, side {side}) comes in more "
                               "than one unit; convert to one unit first")


_ROW_REF = re.compile(r"of row (\d+)")


def validate_long(long: pd.DataFrame, *, file: str, source_row: np.ndarray,
                  source_column: np.ndarray, subjects: pd.DataFrame | None = None,
                  warn: bool = True, id_columns: dict[str, str] | None = None
                  ) -> pd.DataFrame:
    """Validate a long observations table built from a wide foreign file.

    Parameters
    ----------
    long : pandas.DataFrame
        ``subject, visit, measure, site, side, trial, value, unit`` (text or
        numbers), one row per cell of the source file.
    file : str
        Source name for the problem table.
    source_row, source_column : array-like
        For every row of ``long``, the source row number (header = 1) and the
        source column name the value came from.
    subjects : pandas.DataFrame, optional
        Validated subjects table.
    warn : bool
        Forwarded to :func:`painmech.registry.validate_observations`.
    id_columns : dict of str to str, optional
        Source column of painmech columns that come from one source column
        for every row (e.g. ``{"subject": "record_id"}``).

    Returns
    -------
    pandas.DataFrame
        The validated observations (canonical units).

    Raises
    ------
    ValidationError
        Listing every problem with the source row and column (for problems in
        the value the column is the source column; for other problems it is
        ``"<source column> (<painmech column>)"``).
    """
    src_row = np.asarray(source_row, dtype="int64")
    src_col = np.asarray(source_column, dtype=object)
    synthetic = np.arange(len(long), dtype="int64") + 2
    table = long.assign(_row=synthetic)
    checked = validate_observations(table, subjects=subjects, file=file, warn=warn)
    if checked.ok:
        return checked.data
    raise ValidationError(_to_source(checked.problems, src_row, src_col, id_columns or {}))


def _to_source(problems: pd.DataFrame, src_row: np.ndarray, src_col: np.ndarray,
               id_columns: dict[str, str]) -> pd.DataFrame:
    out = problems.copy()
    idx = out["row"].to_numpy(dtype="int64") - 2
    inside = (idx >= 0) & (idx < len(src_row))
    safe = np.where(inside, idx, 0)
    if len(src_row) == 0:
        return out
    column = out["column"].astype(object).to_numpy()
    mapped_col = np.where(column == "value", src_col[safe],
                          src_col[safe].astype(str) + " (" + column.astype(str) + ")")
    fixed = pd.Series(column).map(id_columns).to_numpy()
    mapped_col = np.where(pd.isna(fixed), mapped_col, fixed)
    out["column"] = np.where(inside, mapped_col, column)
    out["row"] = np.where(inside, src_row[safe], out["row"].to_numpy())
    out["reason"] = out["reason"].astype(str).str.replace(
        _ROW_REF, lambda m: f"of row {src_row[int(m.group(1)) - 2]}"
        if 0 <= int(m.group(1)) - 2 < len(src_row) else m.group(0), regex=True)
    return out.sort_values(["row", "column"], kind="stable").reset_index(drop=True)


def parse_int_label(labels: pd.Series, what: str) -> pd.Series:
    """Extract the single whole number written in each label (``"Visit 3"`` → 3).

    Raises
    ------
    ValueError
        Naming the labels that hold no number or more than one.
    """
    found = labels.astype(str).str.findall(r"\d+")
    bad = found.str.len().ne(1)
    if bad.any():
        raise ValueError(f"{what}: each label must hold exactly one whole number; "
                         f"these do not: {', '.join(map(repr, labels[bad].tolist()))}")
    return found.str[0].astype("int64")
