"""BIDS: participants.tsv and phenotype/<tool>.tsv with JSON sidecars.

Writing (painmech → BIDS)
    :func:`write_bids` writes ``participants.tsv`` from the subjects table,
    one ``phenotype/<tool>.tsv`` per instrument from the observations (one
    column per measure, site, side and trial) and, optionally, the computed
    metrics to ``phenotype/<tool>.tsv`` with ``"Derivative": true`` on every
    column. Visits are sessions: ``session_id`` ``"ses-1"`` is visit 1. Every
    column is described (LongName, Description, Units, Levels, Minimum /
    Maximum from the registry's hard limits, TermURL when given).

Reading (BIDS → painmech)
    :func:`read_tsv` reads any BIDS table with its sidecar and checks the
    values against the declared ranges and levels (missing-value codes such
    as -9999 only when declared, see :mod:`painmech.io._bids_table`).
    :func:`read_phenotype_observations` turns one phenotype file into
    validated observations — painmech's own column names are understood,
    foreign files need a column mapping — and :func:`read_bids` reads a whole
    dataset written by :func:`write_bids`.

Column names are ``<id>[_<site>][_<side>][_<trial>]``, with ``<id>`` a
registered measure (observations) or metric (derivatives); the trial is
always written for observations and never for metrics.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from painmech.exceptions import InputFormatError
from painmech.io._bids_table import BidsTable, read_tsv
from painmech.io._bids_write import (
    FROM_BIDS,
    bids_unit,
    column_name,
    parse_column,
    write_bids,
)
from painmech.io._interop import FieldMap, validate_long
from painmech.registry import (
    normalize_unit,
    validate_subjects,
)

__all__ = [
    "BidsData",
    "BidsTable",
    "FieldMap",
    "bids_unit",
    "column_name",
    "parse_column",
    "read_bids",
    "read_participants",
    "read_phenotype_observations",
    "read_tsv",
    "session_visits",
    "write_bids",
]

_SESSION = re.compile(r"^ses-(\d+)$")


def _unit_id(text: str) -> str:
    return FROM_BIDS.get(text, None) or normalize_unit(text)


def session_visits(labels: pd.Series, sessions: Mapping[str, int] | None = None
                   ) -> pd.Series:
    """Visit numbers of BIDS session labels: ``"ses-3"`` → 3, others via ``sessions``."""
    labels = labels.astype(str)
    if sessions is not None:
        visit = labels.map(dict(sessions))
    else:
        visit = pd.to_numeric(labels.str.extract(_SESSION, expand=False), errors="coerce")
    if visit.isna().any():
        bad = sorted(set(labels[visit.isna()]))
        raise InputFormatError(f"session label(s) {', '.join(bad)} are not 'ses-<number>'; "
                               "pass sessions={label: visit}")
    return visit.astype("int64")


# --- reading ------------------------------------------------------------------------------


def read_participants(path: str | Path, *, rename: Mapping[str, str] | None = None,
                      values: Mapping[str, Mapping[str, str]] | None = None,
                      fill: Mapping[str, str] | None = None, missing=None) -> pd.DataFrame:
    """Read ``participants.tsv`` into a validated painmech subjects table.

    Parameters
    ----------
    path : path-like
        ``participants.tsv`` or the dataset folder.
    rename : mapping, optional
        Dataset column → painmech column (e.g. ``{"gender": "sex",
        "diagnosis": "condition"}``).
    values : mapping of column to mapping, optional
        Recoding of values after renaming (e.g. ``{"condition": {"CONTROL":
        "healthy"}}``); values not in the mapping are kept as they are and
        validated.
    fill : mapping of column to value, optional
        Columns painmech needs that the file lacks, with one value for every
        participant (e.g. ``{"condition": "healthy"}`` for a control sample).
        Refused for a column the file has.
    missing : iterable of numbers, optional
        Declared missing-value codes (see :func:`read_tsv`).
    """
    path = Path(path)
    table = read_tsv(path / "participants.tsv" if path.is_dir() else path, missing=missing)
    data = table.data.rename(columns=dict(rename or {}))
    clash = [c for c in (fill or {}) if c in data]
    if clash:
        raise InputFormatError(f"{table.path}: fill would overwrite column(s) "
                               f"{', '.join(clash)}")
    data = data.assign(**dict(fill or {}))
    for col, recode in (values or {}).items():
        data[col] = data[col].astype(object).replace(dict(recode))
    data["subject"] = data["participant_id"].str.replace(r"^sub-", "", regex=True)
    return validate_subjects(data, file=str(table.path)).raise_if_problems()


def _column_maps(table: BidsTable, columns: Mapping[str, FieldMap] | None) -> dict:
    if columns is not None:
        missing = [c for c in columns if c not in table.data]
        if missing:
            raise InputFormatError(f"{table.path}: mapped column(s) not in the file: "
                                   f"{', '.join(missing)}")
        return dict(columns)
    skip = {"participant_id", "session_id", "_row", *table.derivative_columns}
    out, bad = {}, []
    for col in table.data.columns:  # one iteration per column
        if col in skip:
            continue
        parsed = parse_column(col)
        units = table.columns.get(col, {}).get("Units")
        if parsed is None or not units:
            bad.append(col)
            continue
        out[col] = FieldMap(parsed["measure"], _unit_id(units), parsed["site"], parsed["side"],
                            parsed["trial"])
    if bad:
        raise InputFormatError(
            f"{table.path}: column(s) {', '.join(bad)} are not painmech measure columns with "
            "Units; pass columns={name: FieldMap(...)} to choose and describe columns")
    return out


def _visits(table: BidsTable, sessions, visit: int) -> pd.Series:
    if "session_id" in table.data:
        return session_visits(table.data["session_id"], sessions)
    return pd.Series(visit, index=table.data.index, dtype="int64")


def read_phenotype_observations(path: str | Path, *,
                                columns: Mapping[str, FieldMap] | None = None,
                                sessions: Mapping[str, int] | None = None, visit: int = 0,
                                missing=None, subjects: pd.DataFrame | None = None,
                                warn: bool = True) -> pd.DataFrame:
    """Read one phenotype TSV into validated observations.

    Parameters
    ----------
    path : path-like
        ``phenotype/<tool>.tsv``.
    columns : mapping of column name to :class:`FieldMap`, optional
        Which columns to read and what they hold; without it every column
        except identifiers and derivatives must be a painmech column name
        with ``Units`` in the sidecar.
    sessions : mapping of session label to visit, optional
        Needed when labels are not ``ses-<number>``.
    visit : int
        Visit of every row when the file has no ``session_id`` column.
    missing : iterable of numbers, optional
        Declared missing-value codes (see :func:`read_tsv`).
    subjects : pandas.DataFrame, optional
        Validated subjects; every participant must be in it.
    warn : bool
        Warn about values outside the usual range.
    """
    table = read_tsv(path, missing=missing)
    maps = _column_maps(table, columns)
    data = table.data.assign(_visit=_visits(table, sessions, visit),
                             _subject=table.data["participant_id"].str.replace(r"^sub-", "",
                                                                               regex=True))
    long = data.melt(id_vars=["_row", "_subject", "_visit"], value_vars=list(maps),
                     var_name="_column", value_name="value").dropna(subset=["value"])
    long = long.sort_values(["_row", "_column"], kind="stable")
    spec = pd.DataFrame([{"_column": c, "measure": m.measure, "unit": m.unit, "site": m.site,
                          "side": m.side, "trial": m.trial or 1} for c, m in maps.items()])
    long = long.merge(spec, on="_column", how="left")
    obs = pd.DataFrame({"subject": long["_subject"].to_numpy(), "visit": long["_visit"],
                        "measure": long["measure"], "site": long["site"], "side": long["side"],
                        "trial": long["trial"], "value": long["value"], "unit": long["unit"]})
    return validate_long(obs, file=str(table.path), source_row=long["_row"].to_numpy(),
                         source_column=long["_column"].to_numpy(), subjects=subjects,
                         warn=warn, id_columns={"subject": "participant_id",
                                                "visit": "session_id"})


def _read_metrics(table: BidsTable, sessions) -> pd.DataFrame:
    cols = table.derivative_columns
    parsed = {c: parse_column(c, kind="metric") for c in cols}
    bad = [c for c, p in parsed.items() if p is None or "Units" not in table.columns[c]]
    if bad:
        raise InputFormatError(f"{table.path}: derivative column(s) {', '.join(bad)} are not "
                               "registered painmech metrics with Units")
    data = table.data.assign(visit=_visits(table, sessions, 0),
                             subject=table.data["participant_id"].str.replace(r"^sub-", "",
                                                                              regex=True))
    long = data.melt(id_vars=["subject", "visit"], value_vars=cols, var_name="_column",
                     value_name="value").dropna(subset=["value"])
    spec = pd.DataFrame([{"_column": c, **p, "unit": _unit_id(table.columns[c]["Units"])}
                         for c, p in parsed.items()])
    long = long.merge(spec, on="_column", how="left")
    return long.assign(n_trials=pd.array([pd.NA] * len(long), dtype="Int64"), method="")[
        ["subject", "visit", "metric", "site", "side", "value", "unit", "n_trials", "method"]]


@dataclass
class BidsData:
    """Tables read by :func:`read_bids` (``None`` when the dataset has none)."""

    subjects: pd.DataFrame | None
    observations: pd.DataFrame | None
    metrics: pd.DataFrame | None


def read_bids(root: str | Path, *, sessions: Mapping[str, int] | None = None, missing=None,
              warn: bool = True) -> BidsData:
    """Read a dataset written by :func:`write_bids` back into painmech tables.

    Non-derivative phenotype columns become observations, derivative columns
    metrics (``n_trials`` and ``method`` are not stored in BIDS and come back
    empty; missing metric values are not written and do not come back).
    """
    root = Path(root)
    subjects = read_participants(root, missing=missing) if (
        root / "participants.tsv").is_file() else None
    obs, met = [], []
    for path in sorted((root / "phenotype").glob("*.tsv")):  # one iteration per file
        table = read_tsv(path, missing=missing)
        if table.derivative_columns:
            met.append(_read_metrics(table, sessions))
        if set(table.data.columns) - {"participant_id", "session_id", "_row",
                                      *table.derivative_columns}:
            obs.append(read_phenotype_observations(path, sessions=sessions, missing=missing,
                                                   subjects=subjects, warn=warn))
    observations = pd.concat(obs, ignore_index=True) if obs else None
    metrics = pd.concat(met, ignore_index=True) if met else None
    return BidsData(subjects, observations, metrics)
