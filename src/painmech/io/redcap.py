"""REDCap: export instrument sets and records, import record exports.

Export (painmech → REDCap)
    :func:`redcap_fields` → :func:`redcap_dictionary` gives an 18-column data
    dictionary (validation types, hard limits as min/max, units in the field
    notes); :func:`redcap_records` the flat record table (raw values, one row
    per subject and event); :func:`redcap_events` the event table;
    :func:`write_redcap` writes all three files.

Import (REDCap → painmech)
    :func:`read_redcap_records` turns a REDCap "CSV (raw data)" record export
    into validated observations, given a mapping from REDCap field names to
    :class:`FieldMap` (measure, unit, site, side, trial). Longitudinal events
    become visits through a mapping (see :func:`event_visits`), repeat
    instances of repeating instruments or events become trials, and checkbox
    fields (``field___code`` columns) become one 0/1 value per option.

Only mapped fields are read; every other column of the export (names,
contact details, free text...) is ignored and never stored. A mapped field
that the data dictionary marks as an identifier is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from painmech._utils._checks import check_option, problem_frame
from painmech.exceptions import InputFormatError, ValidationError
from painmech.io._interop import FieldMap, check_finite, parse_int_label, validate_long
from painmech.io._redcap_dictionary import (
    API_COLUMNS,
    COMMA_VALIDATIONS,
    comma_fields,
    mapping_from_dictionary,
    read_csv_export,
    read_redcap_dictionary,
)
from painmech.io._redcap_export import (
    DICTIONARY_COLUMNS,
    record_id_row,
    redcap_dictionary,
    redcap_events,
    redcap_fields,
    redcap_records,
)
from painmech.io._redcap_metrics import (
    METRICS_FORM,
    read_redcap_metrics,
    redcap_metric_dictionary,
    redcap_metric_fields,
    redcap_metric_records,
)

__all__ = [
    "API_COLUMNS",
    "COMMA_VALIDATIONS",
    "DICTIONARY_COLUMNS",
    "FieldMap",
    "event_visits",
    "mapping_from_dictionary",
    "read_redcap_dictionary",
    "read_redcap_metrics",
    "read_redcap_records",
    "redcap_dictionary",
    "redcap_events",
    "redcap_fields",
    "redcap_metric_fields",
    "redcap_records",
    "write_redcap",
]

_EVENT = "redcap_event_name"
_REPEAT_INSTRUMENT = "redcap_repeat_instrument"
_REPEAT_INSTANCE = "redcap_repeat_instance"


def _choices(text: str) -> list[str]:
    """Raw codes of a REDCap choice list ``"1, one | 2, two"`` in their order."""
    return [part.split(",", 1)[0].strip() for part in text.split("|") if part.strip()]


def event_visits(events: pd.DataFrame, *, by: str = "order", start: int = 0
                 ) -> dict[str, int]:
    """Map REDCap unique event names to painmech visit numbers.

    Parameters
    ----------
    events : pandas.DataFrame
        REDCap's event table (``event.csv``: ``event_name, arm_num,
        unique_event_name``...), e.g. read with :func:`pandas.read_csv`.
    by : {"order", "label"}
        ``"order"``: number the events of each arm in the table's order,
        starting at ``start`` (the first event of every arm is the same
        visit). ``"label"``: take the whole number written in the event name
        (``"Visit 3"`` → 3), as :func:`redcap_events` writes them.
    start : int
        First visit number for ``by="order"``.

    Returns
    -------
    dict of str to int
        Pass it as ``events=`` to :func:`read_redcap_records`; edit it to
        merge or drop events (map an event to ``None`` to skip its rows).
    """
    check_option("by", by, ("order", "label"))
    names = events["unique_event_name"].astype(str)
    if by == "order":
        visit = events.groupby(events["arm_num"].astype(str), sort=False).cumcount() + start
    else:
        visit = parse_int_label(events["event_name"], "event_name")
    return dict(zip(names, visit.astype(int), strict=True))


def _field_columns(table: pd.DataFrame, mapping: Mapping[str, FieldMap],
                   dictionary: pd.DataFrame | None, path) -> pd.DataFrame:
    """One row per (REDCap column, mapped field) with the option's trial for checkboxes."""
    choices = {}
    if dictionary is not None:
        known = dictionary.set_index("field_name")
        ident = [f for f in mapping if f in known.index
                 and known.loc[f, "identifier"].strip().lower() == "y"]
        if ident:
            raise InputFormatError(f"{path}: mapped field(s) {', '.join(ident)} are marked as "
                                   "identifiers in the data dictionary; painmech stores "
                                   "pseudonyms only")
        boxes = known[known["field_type"].eq("checkbox")]
        choices = {f: _choices(c) for f, c in boxes["choices"].items()}
    rows, missing = [], []
    for field, spec in mapping.items():  # one iteration per mapped field
        if field in table.columns:
            rows.append((field, field, spec.trial))
            continue
        options = [c for c in table.columns if c.startswith(f"{field}___")]
        if not options:
            missing.append(field)
            continue
        if spec.trial is not None:
            raise InputFormatError(f"{path}: {field} is a checkbox; its trial is the option "
                                   "position — leave FieldMap.trial empty")
        codes = [c.split("___", 1)[1] for c in options]
        order = choices.get(field, codes)
        rows += [(c, field, order.index(code) + 1 if code in order else codes.index(code) + 1)
                 for c, code in zip(options, codes, strict=True)]
    if missing:
        raise InputFormatError(f"{path}: mapped field(s) not in the record export: "
                               f"{', '.join(missing)}")
    out = pd.DataFrame(rows, columns=["_column", "_field", "_trial"])
    return out.astype({"_trial": "Int64"})


def _visits(table: pd.DataFrame, events, visit: int, path) -> pd.Series:
    if _EVENT not in table.columns:
        return pd.Series(visit, index=table.index, dtype="Int64")
    if events is None:
        raise InputFormatError(f"{path}: the export is longitudinal ({_EVENT} column); pass "
                               "events= (e.g. event_visits(event_table)) to map events to "
                               "visits")
    names = table[_EVENT]
    unknown = sorted(set(names) - set(events))
    if unknown:
        raise InputFormatError(f"{path}: event(s) not in the events mapping: "
                               f"{', '.join(unknown)} (map them to a visit, or to None to "
                               "skip them)")
    return names.map(dict(events)).astype("Int64")


def read_redcap_records(
    path: str | Path,
    mapping: Mapping[str, FieldMap],
    *,
    events: Mapping[str, int | None] | None = None,
    dictionary: pd.DataFrame | str | Path | None = None,
    record_id: str | None = None,
    visit: int = 0,
    checkbox_all_zero: str = "missing",
    subjects: pd.DataFrame | None = None,
    sep: str = ",",
    warn: bool = True,
) -> pd.DataFrame:
    """Read a REDCap record export (raw values) into validated observations.

    Parameters
    ----------
    path : path-like
        CSV export with raw (coded) values, as REDCap's "CSV / Microsoft
        Excel (raw data)" export writes it.
    mapping : mapping of str to :class:`FieldMap`
        REDCap field name → what it holds. For a checkbox field give the
        field name (``meds``); each option column ``meds___<code>`` becomes
        one 0/1 value with trial = the option's position in the dictionary's
        choice list (or in the export's column order without dictionary).
    events : mapping of str to int or None, optional
        Unique event name → visit (``None`` skips the event). Required when
        the export has a ``redcap_event_name`` column; see
        :func:`event_visits`.
    dictionary : DataFrame or path, optional
        The project's data dictionary (Data Dictionary page download or API
        metadata export, see :func:`read_redcap_dictionary`): gives the
        checkbox option order, refuses mapped fields marked as identifiers,
        and names the fields validated with a decimal comma
        (``number_comma_decimal``, ``number_1dp_comma_decimal`` …
        ``number_4dp_comma_decimal``), whose cells ("36,5") are read with
        their comma. Without it a decimal comma is refused.
    record_id : str, optional
        Column holding the subject pseudonym; REDCap's record-ID field is the
        first column of every export (the default).
    visit : int
        Visit of every row when the project is not longitudinal.
    checkbox_all_zero : {"missing", "zero"}
        REDCap exports an unanswered checkbox as all options 0, exactly like
        an answer with nothing ticked. ``"missing"`` (default, as the REDCapR
        test project's expected results describe) drops a checkbox whose
        options are all 0 in a row; ``"zero"`` keeps the zeros.
    subjects : pandas.DataFrame, optional
        Validated subjects table; every record must be in it.
    sep : str
        Field separator chosen at export (REDCap offers ``,``, ``;``, tab...).
    warn : bool
        Warn about values outside the usual range (they are kept and flagged).

    Returns
    -------
    pandas.DataFrame
        Observations as :func:`painmech.registry.validate_observations`
        returns them (canonical units, ``value_raw``, ``unit_raw``, ``flag``).
        Blank cells are "not measured" and give no row.

    Raises
    ------
    InputFormatError
        Mapped fields missing, events unmapped, identifier fields mapped, or a
        trial that is both fixed and given by a repeat instance.
    ValidationError
        Every bad value, with the export's row number and REDCap column.
    """
    check_option("checkbox_all_zero", checkbox_all_zero, ("missing", "zero"))
    if dictionary is not None and not isinstance(dictionary, pd.DataFrame):
        dictionary = read_redcap_dictionary(dictionary, sep=sep)
    table = read_csv_export(path, sep)
    table.insert(0, "_row", np.arange(len(table), dtype="int64") + 2)
    rid = record_id or table.columns[1]
    if rid not in table.columns:
        raise InputFormatError(f"{path}: record-ID column {rid!r} not in the export")
    cols = _field_columns(table, mapping, dictionary, path)
    table["_visit"] = _visits(table, events, visit, path)
    instance = (table[_REPEAT_INSTANCE].str.strip() if _REPEAT_INSTANCE in table.columns
                else pd.Series("", index=table.index))
    table["_instance"] = instance
    table = table.loc[table["_visit"].notna()]
    long = table.melt(id_vars=["_row", rid, "_visit", "_instance"],
                      value_vars=list(cols["_column"]), var_name="_column", value_name="value")
    long = long.merge(cols, on="_column", how="left")
    long = long.loc[long["value"].str.strip().ne("")]
    if checkbox_all_zero == "missing":
        is_box = long["_column"].ne(long["_field"])
        zero = long["value"].str.strip().eq("0") & is_box
        all_zero = zero.groupby([long["_row"], long["_field"]]).transform("all")
        long = long.loc[~(all_zero & is_box)]
    spec = pd.DataFrame([{"_field": f, "measure": m.measure, "unit": m.unit, "site": m.site,
                          "side": m.side} for f, m in mapping.items()])
    long = long.merge(spec, on="_field", how="left")
    repeated = long["_instance"].ne("")
    fixed = long["_trial"].notna()
    clash = repeated & fixed & long["_column"].eq(long["_field"])
    if clash.any():
        bad = sorted(set(long.loc[clash, "_field"]))
        raise InputFormatError(f"{path}: field(s) {', '.join(bad)} have a fixed trial but are "
                               "in repeated instances (whose number is the trial)")
    trial = long["_trial"].astype(object).where(fixed, long["_instance"].where(repeated, "1"))
    long = long.sort_values(["_row", "_column"], kind="stable")
    trial = trial.loc[long.index]
    value, marks, keep = _decimal_marks(long, dictionary, str(path))
    long, value, trial = long.loc[keep], value.loc[keep], trial.loc[keep]
    obs = pd.DataFrame({"subject": long[rid].to_numpy(), "visit": long["_visit"].to_numpy(),
                        "measure": long["measure"].to_numpy(), "site": long["site"].to_numpy(),
                        "side": long["side"].to_numpy(), "trial": trial.astype(str).to_numpy(),
                        "value": value.to_numpy(), "unit": long["unit"].to_numpy()})
    try:
        out = validate_long(obs, file=str(path), source_row=long["_row"].to_numpy(),
                            source_column=long["_column"].to_numpy(), subjects=subjects,
                            warn=warn, id_columns={"subject": rid, "visit": _EVENT})
    except ValidationError as err:
        raise ValidationError(problem_frame([err.problems, marks])) from None
    if len(marks):
        raise ValidationError(marks)
    return out


def _decimal_marks(long: pd.DataFrame, dictionary: pd.DataFrame | None,
                   file: str) -> tuple[pd.Series, pd.DataFrame, np.ndarray]:
    """Cell texts with the decimal comma of comma-validated fields turned into a point.

    A comma-decimal field (``number_comma_decimal``, ``number_1dp_comma_decimal``
    …) never holds a point in a REDCap export; one that does (``1.234`` could
    be a thousands separator) is a problem. Without the dictionary a comma
    cannot be told from a typo, and the problem says to pass the dictionary.
    Returns the texts, the problem table and a mask of the cells without
    these problems.
    """
    value = long["value"].astype(str)
    if dictionary is not None:
        valid = dictionary.set_index("field_name")["validation"].astype(str).str.strip()
        comma = long["_field"].isin(comma_fields(dictionary)).to_numpy()
        bad = comma & value.str.contains(".", regex=False).to_numpy()
        reason = ("holds '.' but the dictionary validates the field as "
                  + long["_field"].map(valid).to_numpy()[bad].astype(object)
                  + " (decimal comma)")
        value = value.where(~comma, value.str.replace(",", ".", regex=False))
    else:
        bad = value.str.contains(",", regex=False).to_numpy()
        reason = ("decimal comma in a field of unknown validation; pass the project's data "
                  "dictionary (dictionary=) so that fields validated as "
                  "number_*comma_decimal are read with their comma")
    problems = pd.DataFrame({"file": file, "row": long["_row"].to_numpy()[bad],
                             "column": long["_column"].to_numpy()[bad],
                             "value": long["value"].to_numpy()[bad], "reason": reason})
    return value, problem_frame([problems]), ~bad


def write_redcap(observations: pd.DataFrame | None, directory: str | Path, *,
                 metrics: pd.DataFrame | None = None,
                 form: str | Mapping[str, str] | None = None, record_id: str = "record_id",
                 lang: str = "en") -> dict[str, Path]:
    """Write observations and/or metrics as a REDCap project: dictionary, records, events.

    Files written to ``directory``: ``dictionary.csv`` (18 columns),
    ``data.csv`` (flat record export, raw values) and ``event.csv``.
    Metrics go to the ``painmech_metrics`` instrument, one field per (metric,
    site, side) named ``m_<metric>[_<site>][_<l|r|m|b>]`` (see
    :mod:`painmech.io._redcap_metrics`).

    Returns
    -------
    dict of str to pathlib.Path
        ``{"dictionary": ..., "records": ..., "events": ...}``.

    Raises
    ------
    InputFormatError, UnitError
        When the tables hold what the REDCap files cannot carry (duplicate
        keys, fractional visits, infinite values, colliding field names,
        values outside the canonical unit); nothing is written then.

    Examples
    --------
    Round trip::

        paths = write_redcap(obs, "out", metrics=met)
        dd = read_redcap_dictionary(paths["dictionary"])
        events = event_visits(pd.read_csv(paths["events"]), by="label")
        back = read_redcap_records(paths["records"], mapping_from_dictionary(dd),
                                   events=events)
        back_metrics = read_redcap_metrics(paths["records"], dd, events=events)
    """
    if observations is None and metrics is None:
        raise ValueError("write_redcap: give observations, metrics or both")
    parts, dicts, visits = [], [], []
    if observations is not None:
        check_finite(observations["value"], "observations")
        fields = redcap_fields(observations, form=form)
        dicts.append(redcap_dictionary(fields, record_id=record_id, lang=lang))
        parts.append(redcap_records(observations, fields, record_id=record_id))
        visits.append(observations["visit"])
    if metrics is not None:
        mfields = redcap_metric_fields(metrics)
        body = redcap_metric_dictionary(mfields, lang=lang)
        dicts.append(body if dicts else pd.concat(
            [record_id_row(record_id, METRICS_FORM, lang), body], ignore_index=True))
        parts.append(redcap_metric_records(metrics, mfields, record_id=record_id))
        visits.append(metrics["visit"])
    records = parts[0]
    if len(parts) == 2:
        records = records.merge(parts[1], on=[record_id, "redcap_event_name"], how="outer")
        records = records.fillna("").astype(object)
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"dictionary": out / "dictionary.csv", "records": out / "data.csv",
             "events": out / "event.csv"}
    pd.concat(dicts, ignore_index=True).to_csv(paths["dictionary"], index=False)
    records.to_csv(paths["records"], index=False)
    redcap_events(pd.concat(visits, ignore_index=True)).to_csv(paths["events"], index=False)
    return paths
