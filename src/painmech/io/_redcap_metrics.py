"""Derived metrics in a REDCap project: fields, records, and reading them back.

Each distinct (metric, site, side) of a metrics table becomes one REDCap
field ``m_<metric>[_<site>][_<l|r|m|b>]`` (the ``m_`` keeps derived fields
apart from the raw-measure fields of the same id, e.g. ``ppt_lumbar_l``) on the
instrument ``painmech_metrics``, validated as ``number``, with the unit in the
field note and ``painmech: metric=…; unit=…; site=…; side=…`` in the field
annotation. A missing value is an empty cell (REDCap has no "computed but
missing"); ``n_trials`` and ``method`` are not written.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from painmech._utils._checks import check_columns
from painmech.exceptions import InputFormatError
from painmech.io._interop import check_exportable, format_numbers
from painmech.io._redcap_dictionary import (
    annotation_parts,
    comma_fields,
    read_csv_export,
    read_redcap_dictionary,
)
from painmech.io._redcap_export import (
    _SIDE_LABEL,
    _SIDE_SHORT,
    _UNIT_WORD,
    DICTIONARY_COLUMNS,
    _event_name,
    _snake,
)
from painmech.registry import METRICS, NO_SITE, SIDES, SITES, UNIT_LABELS

__all__ = ["METRICS_FORM", "read_redcap_metrics", "redcap_metric_dictionary",
           "redcap_metric_fields", "redcap_metric_records"]

METRICS_FORM = "painmech_metrics"
_KEY = ["metric", "site", "side"]
_RESERVED = ";="  # separators of the field annotation


def redcap_metric_fields(metrics: pd.DataFrame, *, form: str = METRICS_FORM) -> pd.DataFrame:
    """One REDCap field per (metric, site, side): ``field_name, form, metric, site, side, unit``.

    Raises
    ------
    InputFormatError
        When a metric is not registered, a side is unknown, a site or side
        holds ``;`` or ``=`` (the annotation could not be read back), one
        (metric, site, side) has two units, or two keys would get the same
        field name.
    """
    check_columns(metrics, ["metric", "site", "side", "unit"], "metrics")
    key = metrics[[*_KEY, "unit"]].astype(str).drop_duplicates()
    unknown = sorted(set(key["metric"]) - set(METRICS))
    if unknown:
        raise InputFormatError(f"metric(s) not in the registry: {', '.join(unknown)}")
    bad_side = sorted(set(key["side"]) - set(SIDES))
    if bad_side:
        raise InputFormatError(f"side(s) {', '.join(bad_side)} unknown; use one of "
                               f"{', '.join(SIDES)}")
    reserved = key["site"].str.contains(f"[{_RESERVED}]", regex=True)
    if reserved.any():
        raise InputFormatError(f"site {key.loc[reserved, 'site'].iloc[0]!r} holds ';' or '=', "
                               "which the REDCap field annotation cannot carry")
    two_units = key.duplicated(_KEY, keep=False)
    if two_units.any():
        first = key.loc[two_units].iloc[0]
        raise InputFormatError(f"{first['metric']} (site {first['site']}, side "
                               f"{first['side']}) comes in more than one unit; convert first")
    key = key.sort_values(_KEY, kind="stable").reset_index(drop=True)
    site = _snake(key["site"].where(key["site"].ne(NO_SITE), ""))
    side = key["side"].map(_SIDE_SHORT).fillna("")
    name = ("m_" + key["metric"] + ("_" + site).where(site.ne(""), "")
            + ("_" + side).where(side.ne(""), ""))
    dup = name.duplicated(keep=False)
    if dup.any():
        clash = key.loc[dup].head(2)
        raise InputFormatError(
            f"REDCap field name {name[dup].iloc[0]!r} would hold both "
            + " and ".join(f"{r.metric} site {r.site!r} side {r.side}"
                           for r in clash.itertuples()) + "; rename one of the sites")
    return key.assign(field_name=name, form=form)[
        ["field_name", "form", "metric", "site", "side", "unit"]]


def redcap_metric_dictionary(fields: pd.DataFrame, *, lang: str = "en") -> pd.DataFrame:
    """Dictionary rows (REDCap's 18 column titles) of the metric fields."""
    attr = "label_de" if lang == "de" else "label_en"
    label = fields["metric"].map({m.id: getattr(m, attr) for m in METRICS.values()})
    site = fields["site"].map({s.id: getattr(s, attr) for s in SITES.values()}).fillna(
        fields["site"]).where(fields["site"].ne(NO_SITE), "")
    side = fields["side"].map(_SIDE_LABEL[lang]).fillna("")
    detail = (site + (", " + side).where(site.ne("") & side.ne(""), side.where(site.eq(""),
                                                                               "")))
    body = pd.DataFrame({c: "" for c in DICTIONARY_COLUMNS}, index=fields.index)
    body[DICTIONARY_COLUMNS[0]] = fields["field_name"]
    body[DICTIONARY_COLUMNS[1]] = fields["form"]
    body[DICTIONARY_COLUMNS[3]] = "text"
    body[DICTIONARY_COLUMNS[4]] = label + (" — " + detail).where(detail.ne(""), "")
    body[DICTIONARY_COLUMNS[6]] = (_UNIT_WORD[lang] + ": "
                                   + fields["unit"].map(UNIT_LABELS).fillna(fields["unit"]))
    body[DICTIONARY_COLUMNS[7]] = "number"
    body[DICTIONARY_COLUMNS[17]] = ("painmech: metric=" + fields["metric"] + "; unit="
                                    + fields["unit"] + "; site=" + fields["site"] + "; side="
                                    + fields["side"])
    return body.astype(object).reset_index(drop=True)


def redcap_metric_records(metrics: pd.DataFrame, fields: pd.DataFrame, *,
                          record_id: str = "record_id", arm: int = 1) -> pd.DataFrame:
    """Metrics as REDCap record rows: ``record_id, redcap_event_name`` and one column per field.

    Raises
    ------
    InputFormatError
        What :func:`painmech.io._interop.check_exportable` refuses (infinite
        values, fractional visits, two rows for one cell).
    """
    check_columns(metrics, ["subject", "visit", *_KEY, "value", "unit"], "metrics")
    check_exportable(metrics, "metrics", "REDCap events are 'visit_<n>_arm_<arm>'")
    table = metrics.assign(visit=pd.to_numeric(metrics["visit"]).astype("int64"),
                           **{c: metrics[c].astype(str) for c in ("subject", *_KEY)})
    merged = table.merge(fields[["field_name", *_KEY]], on=_KEY, how="left")
    merged["text"] = format_numbers(merged["value"], positional=True)
    wide = merged.pivot(index=["subject", "visit"], columns="field_name", values="text")
    wide = wide.reindex(columns=list(fields["field_name"])).fillna("").reset_index()
    wide.columns.name = None
    out = wide.drop(columns="visit").rename(columns={"subject": record_id})
    out.insert(1, "redcap_event_name", _event_name(wide["visit"].astype("int64"), arm))
    return out.astype(object)


def read_redcap_metrics(path: str | Path, dictionary, *, events=None, record_id=None,
                        visit: int = 0, sep: str = ",") -> pd.DataFrame:
    """Read the metric fields (``painmech: metric=…`` annotations) of a record export.

    Parameters
    ----------
    path : path-like
        Record export (raw values).
    dictionary : DataFrame or path
        The project's data dictionary (UI download or API metadata).
    events : mapping of str to int or None, optional
        Unique event name → visit (see :func:`painmech.io.redcap.event_visits`).
    record_id : str, optional
        Column holding the pseudonym (default: the first column).
    visit : int
        Visit of every row when the export has no events.
    sep : str
        Field separator of the export.

    Returns
    -------
    pandas.DataFrame
        ``subject, visit, metric, site, side, value, unit, n_trials, method``
        (``n_trials`` and ``method`` empty: REDCap does not hold them); empty
        cells give no row.

    Raises
    ------
    InputFormatError
        When a cell is not a number (row and column named), an event is not
        mapped, or the dictionary holds no metric fields.
    """
    dd = dictionary if isinstance(dictionary, pd.DataFrame) else read_redcap_dictionary(
        dictionary, sep=sep)
    notes = dd.set_index("field_name")["field_annotation"].astype(str)
    notes = notes[notes.str.contains(r"painmech:\s*metric=", regex=True)]
    if notes.empty:
        raise InputFormatError(f"{path}: the dictionary has no painmech metric fields")
    spec = pd.DataFrame([{"_column": f, **annotation_parts(t)} for f, t in notes.items()])
    table = read_csv_export(path, sep)
    rid = record_id or table.columns[0]
    missing = sorted(set(spec["_column"]) - set(table.columns))
    if missing:
        raise InputFormatError(f"{path}: metric field(s) not in the export: "
                               f"{', '.join(missing)}")
    if "redcap_event_name" in table.columns:
        unknown = sorted(set(table["redcap_event_name"]) - set(events or {}))
        if unknown:
            raise InputFormatError(f"{path}: event(s) not in the events mapping: "
                                   f"{', '.join(unknown)}")
        visits = table["redcap_event_name"].map(dict(events))
    else:
        visits = pd.Series(visit, index=table.index)
    long = table.assign(_row=np.arange(len(table)) + 2, _visit=visits).dropna(
        subset=["_visit"]).melt(id_vars=["_row", rid, "_visit"], value_vars=list(
            spec["_column"]), var_name="_column", value_name="text")
    long = long.loc[long["text"].str.strip().ne("")].merge(spec, on="_column")
    text = long["text"].str.strip()
    comma = long["_column"].isin(comma_fields(dd))
    value = pd.to_numeric(text.where(~comma, text.str.replace(",", ".", regex=False)),
                          errors="coerce")
    if value.isna().any():
        bad = long.loc[value.isna()].iloc[0]
        raise InputFormatError(f"{path}, row {bad['_row']}, column {bad['_column']!r}: "
                               f"{bad['text']!r} is not a number", row=int(bad["_row"]),
                               column=bad["_column"], value=bad["text"])
    return pd.DataFrame({
        "subject": long[rid].to_numpy(), "visit": long["_visit"].astype("int64").to_numpy(),
        "metric": long["metric"].to_numpy(), "site": long["site"].to_numpy(),
        "side": long["side"].to_numpy(), "value": value.astype("float64").to_numpy(),
        "unit": long["unit"].to_numpy(),
        "n_trials": pd.array([pd.NA] * len(long), dtype="Int64"), "method": ""})
