"""Public readers for subjects and observations files."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from painmech._utils._checks import problem_frame
from painmech.exceptions import InputFormatError
from painmech.io._tabular import read_table
from painmech.registry import Validated, validate_observations, validate_subjects

__all__ = ["WideColumn", "read_observations", "read_subjects", "check_files", "FileCheck"]


@dataclass(frozen=True)
class WideColumn:
    """What one column of a wide file holds.

    Attributes
    ----------
    measure : str
        Raw measure id.
    unit : str
        Unit the column is written in.
    site, side : str
        Body site and side (``"none"`` for measures without).
    trial : int
        Trial or item number.
    """

    measure: str
    unit: str
    site: str = "none"
    side: str = "none"
    trial: int = 1


def _wide_to_long(table: pd.DataFrame, mapping: Mapping[str, WideColumn], path) -> pd.DataFrame:
    ids = [c for c in ("subject", "visit", "date") if c in table.columns]
    missing = [c for c in mapping if c not in table.columns]
    if missing:
        raise InputFormatError(f"{path}: mapped column(s) not in the file: {', '.join(missing)}")
    unmapped = [c for c in table.columns if c not in mapping and c not in ids and c != "_row"]
    if unmapped:
        raise InputFormatError(
            f"{path}: column(s) {', '.join(unmapped)} are neither identifiers nor mapped; "
            "map them or drop them before reading (values are never dropped silently)"
        )
    long = table.melt(id_vars=["_row", *ids], value_vars=list(mapping), var_name="_column",
                      value_name="value")
    spec = pd.DataFrame(
        [{"_column": c, "measure": w.measure, "unit": w.unit, "site": w.site, "side": w.side,
          "trial": str(w.trial)} for c, w in mapping.items()]
    )
    long = long.merge(spec, on="_column", how="left")
    # a blank cell in a wide file means "not measured", which is not a value
    long = long.loc[long["value"].astype("string").fillna("").str.strip().ne("")]
    return long.sort_values(["_row", "_column"], kind="stable").reset_index(drop=True)


def read_subjects(path: str | Path, *, sep=None, decimal=None, encoding=None,
                  sheet: str | int = 0) -> pd.DataFrame:
    """Read and validate a subjects file (``subject, sex, age, condition[, group]``).

    Raises
    ------
    ValidationError
        With the problem table (file, row, column, value, reason) when any row
        is invalid; nothing is returned partially.
    """
    table, fmt = read_table(path, sep=sep, decimal=decimal, encoding=encoding, sheet=sheet)
    table.attrs["decimal"] = fmt.decimal
    return validate_subjects(table, file=str(path)).raise_if_problems()


def read_observations(
    path: str | Path,
    *,
    subjects: pd.DataFrame | str | Path | None = None,
    wide: Mapping[str, WideColumn] | None = None,
    sep: str | None = None,
    decimal: str | None = None,
    encoding: str | None = None,
    sheet: str | int = 0,
) -> pd.DataFrame:
    """Read and validate an observations file, returning canonical units.

    Parameters
    ----------
    path : path-like
        CSV (comma or semicolon separated, decimal point or comma, UTF-8 or
        Latin-1 — all detected unless given), Excel ``.xlsx`` or Parquet.
    subjects : DataFrame or path, optional
        The subjects table; every observation's subject must be in it.
    wide : mapping of column name to :class:`WideColumn`, optional
        For wide files (one column per measure/site/side/trial, identifier
        columns ``subject`` and ``visit``). Blank cells are "not measured".
    sep, decimal, encoding, sheet
        See :func:`painmech.io.read_table`.

    Returns
    -------
    pandas.DataFrame
        ``subject, visit, measure, site, side, trial, value, unit, value_raw,
        unit_raw, flag``; ``value`` in the measure's canonical unit.

    Raises
    ------
    ValidationError
        Listing every problem with file, row, column, value and reason.
    InputFormatError
        When the file cannot be parsed at all.
    """
    result = _check_observations(path, subjects, wide, sep, decimal, encoding, sheet)
    return result.raise_if_problems()


def _check_observations(path, subjects, wide, sep, decimal, encoding, sheet) -> Validated:
    if subjects is not None and not isinstance(subjects, pd.DataFrame):
        subjects = read_subjects(subjects)
    table, fmt = read_table(path, sep=sep, decimal=decimal, encoding=encoding, sheet=sheet)
    if wide is not None:
        table = _wide_to_long(table, wide, path)
    return validate_observations(table, subjects=subjects, file=str(path), decimal=fmt.decimal)


@dataclass
class FileCheck:
    """Outcome of :func:`check_files`: tables, problems and flags of both files."""

    observations: pd.DataFrame
    subjects: pd.DataFrame | None
    problems: pd.DataFrame
    flags: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def ok(self) -> bool:
        """True when neither file has a problem."""
        return self.problems.empty


def check_files(observations: str | Path, subjects: str | Path | None = None, *,
                wide: Mapping[str, WideColumn] | None = None, sep=None, decimal=None,
                encoding=None, sheet: str | int = 0) -> FileCheck:
    """Validate an observations file (and its subjects file) without raising.

    All problems of both files are collected in one table, so a user can fix
    everything in one pass.
    """
    subj_table, subj_ref = None, None
    probs, flags = [], []
    if subjects is not None:
        table, fmt = read_table(subjects)
        table.attrs["decimal"] = fmt.decimal
        checked = validate_subjects(table, file=str(subjects))
        probs.append(checked.problems)
        flags.append(checked.flags)
        if checked.ok:
            subj_table = subj_ref = checked.data
        elif "subject" in table.columns:
            # still check observations against the pseudonyms that were listed
            subj_ref = pd.DataFrame({"subject": table["subject"].astype(str).str.strip()})
    obs = _check_observations(observations, subj_ref, wide, sep, decimal, encoding, sheet)
    probs.append(obs.problems)
    flags.append(obs.flags)
    return FileCheck(obs.data, subj_table, problem_frame(probs), problem_frame(flags))
