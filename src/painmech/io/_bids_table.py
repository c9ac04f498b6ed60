"""Generic BIDS tabular files: ``*.tsv`` with an optional JSON sidecar.

BIDS tabular files (participants.tsv, phenotype/<tool>.tsv) are tab-separated,
UTF-8, with ``n/a`` for a missing value; the JSON sidecar of the same stem
describes columns (LongName, Description, Levels, Units, TermURL, Minimum /
Maximum — older datasets write MinValue / MaxValue —, Derivative) and, for
phenotype files, the tool as a whole (``MeasurementToolMetadata``).

Some datasets also code missing values with a sentinel number such as -9999
(OpenNeuro ds000030 does). A sentinel is read as missing **only** when the
caller declares it (``missing=[-9999]``); an undeclared sentinel, or any
number outside a column's declared range or levels, is an error that names
file, row, column and value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from painmech._utils._checks import problem_frame
from painmech.exceptions import InputFormatError, ValidationError

__all__ = ["BidsTable", "read_tsv", "write_tsv"]

NA = "n/a"
_ID_COLUMNS = ("participant_id", "session_id")
# negative runs of 9s with at least three digits: -999, -9999, -99999
_SENTINEL = r"^-9{3,}(\.0+)?$"


@dataclass
class BidsTable:
    """A BIDS tabular file and its sidecar.

    Attributes
    ----------
    data : pandas.DataFrame
        ``participant_id`` (and ``session_id`` if present) as text, every
        other column as float64 when all its cells are numbers, else as text;
        ``n/a`` and declared missing codes are ``NaN``/``NA``. A ``_row``
        column holds the file's line number (header = 1).
    columns : dict
        Column descriptions from the sidecar (empty without sidecar).
    tool : dict
        ``MeasurementToolMetadata`` of a phenotype sidecar (``Description``,
        ``TermURL``), empty when absent.
    path : pathlib.Path
        The TSV file.
    described_but_absent : list of str
        Columns the sidecar describes that the TSV does not have.
    n_missing_codes : int
        Cells read as missing because they held a declared missing code.
    """

    data: pd.DataFrame
    columns: dict
    tool: dict
    path: Path
    described_but_absent: list = field(default_factory=list)
    n_missing_codes: int = 0

    @property
    def derivative_columns(self) -> list[str]:
        """Columns whose sidecar says ``"Derivative": true`` (computed values)."""
        return [c for c, d in self.columns.items()
                if isinstance(d, dict) and d.get("Derivative") is True and c in self.data]


def _limit(desc: dict, new: str, old: str) -> float:
    value = desc.get(new, desc.get(old))
    try:
        return float(value)
    except (TypeError, ValueError):
        return np.nan


def _check_column(name: str, text: pd.Series, num: pd.Series, desc: dict, rows: pd.Series,
                  file: str) -> pd.DataFrame:
    """Problems of one numeric column: outside Minimum/Maximum or Levels, sentinels."""
    lo, hi = _limit(desc, "Minimum", "MinValue"), _limit(desc, "Maximum", "MaxValue")
    levels = desc.get("Levels") if isinstance(desc.get("Levels"), dict) else None
    present = num.notna()
    reason = pd.Series("", index=num.index, dtype=object)
    if not np.isnan(lo):
        reason[present & (num < lo)] = f"below the declared minimum {lo:g}"
    if not np.isnan(hi):
        reason[present & (num > hi)] = f"above the declared maximum {hi:g}"
    if levels:
        codes = pd.to_numeric(pd.Series(list(levels)), errors="coerce").dropna()
        if len(codes) == len(levels):
            reason[present & ~num.isin(codes.to_numpy())] = (
                f"not one of the declared levels {', '.join(levels)}")
    sentinel = present & text.str.match(_SENTINEL)
    reason[sentinel & reason.eq("")] = "value looks like a missing-value code"
    reason[sentinel] = reason[sentinel] + (
        "; if the dataset uses it for missing values, pass missing=[" + text[sentinel] + "]")
    bad = reason.ne("")
    return pd.DataFrame({"file": file, "row": rows[bad].to_numpy(), "column": name,
                         "value": text[bad].to_numpy(), "reason": reason[bad].to_numpy()})


def read_tsv(path: str | Path, *, missing=None) -> BidsTable:
    """Read a BIDS TSV file and its sidecar (same stem, ``.json``) if present.

    Parameters
    ----------
    path : path-like
        The ``.tsv`` file.
    missing : iterable of numbers, optional
        Missing-value codes used by the dataset besides ``n/a`` (e.g.
        ``[-9999]``). Cells equal to one of them become missing and are
        counted in :attr:`BidsTable.n_missing_codes`.

    Raises
    ------
    ValidationError
        When a number lies outside its column's declared Minimum/Maximum or
        Levels, or looks like an undeclared missing-value code.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFormatError(f"{path}: no such file")
    try:
        text = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, index_col=False,
                           encoding="utf-8")
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise InputFormatError(f"{path}: cannot parse as a BIDS TSV file ({err})") from None
    if "participant_id" not in text.columns:
        raise InputFormatError(f"{path}: BIDS tables need a participant_id column")
    sidecar_path = path.with_suffix(".json")
    sidecar = json.loads(sidecar_path.read_text(encoding="utf-8")) if sidecar_path.is_file() \
        else {}
    tool = sidecar.get("MeasurementToolMetadata", {})
    described = {k: v for k, v in sidecar.items() if k != "MeasurementToolMetadata"}
    rows = pd.Series(np.arange(len(text), dtype="int64") + 2, index=text.index)
    codes = {str(float(m)) for m in (missing or [])}
    out = {"_row": rows}
    probs, n_codes = [], 0
    for col in text.columns:  # one iteration per column, vectorised within
        cells = text[col].str.strip()
        if col in _ID_COLUMNS:
            out[col] = cells.astype(str)
            continue
        is_na = cells.eq(NA) | cells.eq("")
        num = pd.to_numeric(cells.where(~is_na), errors="coerce")
        if num[~is_na].isna().any():  # some cell is not a number: a text column
            out[col] = cells.where(~is_na).astype(str)
            continue
        is_code = num.notna() & num.astype(str).isin(codes)
        n_codes += int(is_code.sum())
        num = num.where(~is_code)
        desc = described.get(col, {}) if isinstance(described.get(col), dict) else {}
        probs.append(_check_column(col, cells, num, desc, rows, str(path)))
        out[col] = num.astype("float64")
    problems = problem_frame(probs)
    if not problems.empty:
        raise ValidationError(problems)
    absent = [c for c in described if c not in text.columns]
    return BidsTable(pd.DataFrame(out), described, tool, path, absent, n_codes)


def write_tsv(data: pd.DataFrame, sidecar: dict, path: str | Path) -> Path:
    """Write a BIDS TSV (``n/a`` for missing, tab-separated, UTF-8) and its sidecar."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data.to_csv(path, sep="\t", index=False, na_rep=NA, lineterminator="\n")
    path.with_suffix(".json").write_text(json.dumps(sidecar, indent=2, ensure_ascii=False)
                                         + "\n", encoding="utf-8")
    return path
