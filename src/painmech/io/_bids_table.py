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


def _level_codes(desc: dict) -> np.ndarray | None:
    """Numeric codes of a column's declared Levels (``None`` unless all are numbers)."""
    levels = desc.get("Levels") if isinstance(desc.get("Levels"), dict) else None
    if not levels:
        return None
    codes = pd.to_numeric(pd.Series(list(levels)), errors="coerce").dropna()
    return codes.to_numpy(dtype="float64") if len(codes) == len(levels) else None


def _check_numbers(names: list[str], cells: np.ndarray, num: np.ndarray, descs: list[dict],
                   file: str) -> pd.DataFrame:
    """Problems of the numeric columns: outside Minimum/Maximum or Levels, sentinels.

    ``cells`` (stripped text) and ``num`` (float, NaN when missing) are
    rows × columns arrays of the columns ``names`` described by ``descs``.
    Rules in order, a later one replacing an earlier reason: below the
    minimum, above the maximum, not a declared level; a cell shaped like a
    missing-value code (-999, -9999, …) gets that reason if it has none and
    a hint to declare it. Problems come column by column, rows ascending.
    """
    present = ~np.isnan(num)
    reason = np.full(num.shape, "", dtype=object)
    lo = np.array([_limit(d, "Minimum", "MinValue") for d in descs], dtype="float64")
    hi = np.array([_limit(d, "Maximum", "MaxValue") for d in descs], dtype="float64")
    with np.errstate(invalid="ignore"):
        below, above = present & (num < lo), present & (num > hi)
    reason = np.where(below, np.array([f"below the declared minimum {v:g}" for v in lo],
                                      dtype=object), reason)
    reason = np.where(above, np.array([f"above the declared maximum {v:g}" for v in hi],
                                      dtype=object), reason)
    for j, desc in enumerate(descs):  # only columns with numeric Levels
        codes = _level_codes(desc)
        if codes is not None:
            off = present[:, j] & ~np.isin(num[:, j], codes)
            reason[off, j] = "not one of the declared levels " + ", ".join(desc["Levels"])
    flat = pd.Series(cells.ravel(), dtype=object)
    sentinel = present & flat.str.match(_SENTINEL).fillna(False).to_numpy(
        dtype=bool).reshape(cells.shape)
    reason = np.where(sentinel & (reason == ""), "value looks like a missing-value code", reason)
    reason = np.where(sentinel, reason + "; if the dataset uses it for missing values, pass "
                      "missing=[" + cells.astype(object) + "]", reason)
    col, row = np.nonzero((reason != "").T)
    return pd.DataFrame({"file": file, "row": row.astype("int64") + 2,
                         "column": np.asarray(names, dtype=object)[col],
                         "value": cells[row, col], "reason": reason[row, col]})


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
    codes = np.array([float(m) for m in (missing or [])], dtype="float64")
    # every cell at once: strip, mark n/a, parse numbers; a column with a cell
    # that is neither missing nor a number stays text
    names = [c for c in text.columns if c not in _ID_COLUMNS]
    cells = np.char.strip(text[names].to_numpy(dtype=str)) if names else \
        np.empty((len(text), 0), dtype=str)
    is_na = (cells == NA) | (cells == "")
    num = pd.to_numeric(pd.Series(np.where(is_na, "nan", cells).ravel(), dtype=object),
                        errors="coerce").to_numpy(dtype="float64").reshape(cells.shape)
    numeric = ~(np.isnan(num) & ~is_na).any(axis=0)
    is_code = ~np.isnan(num) & np.isin(num, codes) & numeric
    n_codes = int(is_code.sum())
    num = np.where(is_code, np.nan, num)
    nums = [c for c, ok in zip(names, numeric, strict=True) if ok]
    descs = [described[c] if isinstance(described.get(c), dict) else {} for c in nums]
    problems = problem_frame([_check_numbers(nums, cells[:, numeric], num[:, numeric], descs,
                                             str(path))])
    if not problems.empty:
        raise ValidationError(problems)
    out = {"_row": rows}
    position = {c: j for j, c in enumerate(names)}
    for col in text.columns:  # assembling the result, one entry per column
        if col in _ID_COLUMNS:
            out[col] = text[col].str.strip().astype(str)
        elif numeric[position[col]]:
            out[col] = pd.Series(num[:, position[col]], index=text.index, dtype="float64")
        else:
            j = position[col]
            out[col] = pd.Series(np.where(is_na[:, j], None, cells[:, j]), index=text.index,
                                 dtype=object).astype(str)
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
