"""Checks shared by the instrument-table metrics (TMS grids, tDCS series, ROI series).

Instrument tables come from :mod:`painmech.io` readers or are built in Python.
Either way every problem is collected into one problem table (``file, row,
column, value, reason``) and raised together as a
:class:`~painmech.exceptions.ValidationError`. ``row`` is taken from a ``_row``
column when present (spreadsheet row of the source file), otherwise it is the
position + 2, as if the table had been read from a file with a header.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from painmech._utils._checks import problem_frame
from painmech.exceptions import ValidationError

__all__ = ["Checker", "HEMISPHERES", "IDENTIFIER"]

#: Spellings of a hemisphere (English, German, FreeSurfer) and their side id.
HEMISPHERES: dict[str, str] = {
    "left": "left", "l": "left", "lh": "left", "links": "left", "li": "left",
    "right": "right", "r": "right", "rh": "right", "rechts": "right", "re": "right",
}
#: Identifier pattern for muscles and ROI labels (used in ``site`` ids).
IDENTIFIER = re.compile(r"^[a-z0-9][a-z0-9_]*$")


class Checker:
    """Collect problems of one instrument table and raise them together.

    Parameters
    ----------
    data : pandas.DataFrame
        The table to check.
    what : str
        Name used in the ``file`` column of the problem table.
    required : iterable of str
        Columns that must be present (checked immediately).
    """

    def __init__(self, data: pd.DataFrame, what: str, required: Iterable[str]) -> None:
        self.data = data
        self.what = what
        self.parts: list[pd.DataFrame] = []
        missing = [c for c in required if c not in data.columns]
        if missing:
            raise ValidationError(problem_frame([pd.DataFrame({
                "file": what, "row": 1, "column": missing, "value": "",
                "reason": f"required column is missing (columns present: "
                          f"{', '.join(map(str, data.columns))})"})]))
        if "_row" in data.columns:
            self.rows = data["_row"].to_numpy(dtype="int64")
        else:
            self.rows = np.arange(len(data), dtype="int64") + 2

    def add(self, mask, column: str, values, reason) -> None:
        """Record a problem for every row where ``mask`` is true."""
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            vals = np.asarray(values, dtype=object)
            reason = np.asarray(reason, dtype=object)
            self.parts.append(pd.DataFrame({
                "file": self.what, "row": self.rows[mask], "column": column,
                "value": vals[mask] if vals.ndim else vals,
                "reason": reason[mask] if reason.ndim else reason}))

    def per_unique(self, column: str, func, missing: object = "") -> pd.Series:
        """Apply ``func`` to the distinct stripped texts of a column, spread back."""
        # string work is done once per distinct value, then spread back by code
        codes, uniques = pd.factorize(self.data[column], use_na_sentinel=True)
        text = pd.Series(uniques, dtype=object).astype("string").str.strip()
        done = np.append(func(text).to_numpy(dtype=object), missing)
        return pd.Series(done[codes], index=self.data.index, dtype=object)

    def text(self, column: str, *, lower: bool = True) -> pd.Series:
        """A column as stripped text (lower-cased unless ``lower=False``)."""
        return self.per_unique(column, lambda t: t.str.casefold() if lower else t)

    def identifier(self, column: str) -> pd.Series:
        """A column of identifiers (``a-z0-9_``, lower case); blanks are problems."""
        raw = self.text(column)
        folded = self.per_unique(
            column, lambda t: t.str.casefold().str.replace(r"[\s\-\.]+", "_", regex=True))
        ok = self.per_unique(
            column, lambda t: t.str.casefold().str.replace(r"[\s\-\.]+", "_", regex=True)
            .str.match(IDENTIFIER).fillna(False), missing=False)
        bad = ~ok.to_numpy(dtype=bool)
        self.add(bad, column, raw, "must be an identifier of letters, digits and '_'")
        return folded

    def mapped(self, column: str, table: Mapping[str, str], allowed: str) -> pd.Series:
        """A column translated through ``table``; unknown spellings are problems."""
        out = self.per_unique(column, lambda t: t.str.casefold().map(dict(table)),
                               missing=np.nan)
        unknown = out.isna().to_numpy()
        if unknown.any():
            self.add(unknown, column, self.text(column), f"unknown value; use {allowed}")
        return out

    def number(self, column: str, *, minimum: float | None = None, strict: bool = False,
               integer: bool = False) -> np.ndarray:
        """A numeric column; non-numbers, infinities and values below ``minimum`` are
        problems (``strict``: the minimum itself is too).
        """
        raw = self.data[column]
        if pd.api.types.is_numeric_dtype(raw.dtype):
            num = raw.to_numpy(dtype=float)
        else:
            num = pd.to_numeric(self.text(column, lower=False),
                                errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(num)
        frac = ~bad & (np.floor(num) != num) if integer else np.zeros(len(num), bool)
        low = np.zeros(len(num), bool)
        if minimum is not None:
            low = ~bad & ~frac & ((num <= minimum) if strict else (num < minimum))
        if bad.any() or frac.any() or low.any():
            shown = raw.astype("string").fillna("").to_numpy(dtype=object)
            self.add(bad, column, shown, "not a finite number")
            self.add(frac, column, shown, "must be a whole number")
            op = ">" if strict else "≥"
            self.add(low, column, shown, f"must be {op} {minimum:g}" if minimum is not None
                     else "")
        return num

    def raise_if_problems(self) -> None:
        """Raise :class:`ValidationError` with every problem recorded so far."""
        problems = problem_frame(self.parts)
        if not problems.empty:
            raise ValidationError(problems)
