"""painmech → REDCap: data dictionary, record export table and event table.

The dictionary follows the 18-column CSV layout that REDCap's "Data
Dictionary" page downloads and accepts (the column titles below are REDCap's
own, as in the REDCapR test projects under ``tests/data/redcap``). Every field
carries a machine-readable note in *Field Annotation* (``painmech: measure=ppt;
unit=kPa; site=lumbar; side=left; trial=1``) so that
:func:`painmech.io.redcap.mapping_from_dictionary` can read the records back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from painmech._utils._checks import check_columns, check_option
from painmech.exceptions import InputFormatError, UnitError
from painmech.io._interop import format_numbers
from painmech.registry import MEASURES, NO_SITE, SITES, UNIT_LABELS, get_measure

__all__ = [
    "DICTIONARY_COLUMNS",
    "redcap_dictionary",
    "redcap_events",
    "redcap_fields",
    "redcap_records",
    "record_id_row",
]

#: The 18 column titles of a REDCap data dictionary, in REDCap's order.
DICTIONARY_COLUMNS: tuple[str, ...] = (
    "Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
    "Choices, Calculations, OR Slider Labels", "Field Note",
    "Text Validation Type OR Show Slider Number", "Text Validation Min",
    "Text Validation Max", "Identifier?", "Branching Logic (Show field only if...)",
    "Required Field?", "Custom Alignment", "Question Number (surveys only)",
    "Matrix Group Name", "Matrix Ranking?", "Field Annotation",
)

_SIDE_SHORT = {"left": "l", "right": "r", "midline": "m", "bilateral": "b"}
_SIDE_LABEL = {
    "en": {"left": "left", "right": "right", "midline": "midline", "bilateral": "bilateral"},
    "de": {"left": "links", "right": "rechts", "midline": "mittig", "bilateral": "beidseits"},
}
_TRIAL_WORD = {"en": "trial", "de": "Durchgang"}
_RECORD_LABEL = {"en": "Pseudonym (record ID)", "de": "Pseudonym (Datensatz-ID)"}
_UNIT_WORD = {"en": "Unit", "de": "Einheit"}
_ABOVE = {"en": "must be above", "de": "muss größer sein als"}
_KEY = ["measure", "site", "side", "trial"]


def _snake(text: pd.Series) -> pd.Series:
    return text.str.lower().str.replace(r"[^a-z0-9]+", "_", regex=True).str.strip("_")


def redcap_fields(data: pd.DataFrame, *, form: str | Mapping[str, str] | None = None
                  ) -> pd.DataFrame:
    """Define the REDCap fields of a painmech instrument set.

    Parameters
    ----------
    data : pandas.DataFrame
        An observations table, or any table with ``measure`` and optionally
        ``site, side, trial`` (defaults ``"none"``, ``"none"``, 1): one field
        per distinct (measure, site, side, trial).
    form : str or mapping of measure id to form name, optional
        REDCap instrument (form) of each field; by default one instrument per
        measure, named after it.

    Returns
    -------
    pandas.DataFrame
        ``field_name, form, measure, site, side, trial, unit`` — ``unit`` is
        the measure's canonical unit. Field names are lower-case
        ``<measure>[_<site>][_<l|r|m|b>][_<trial>]`` (the trial is left out
        when every trial of that measure/site/side is 1).
    """
    check_columns(data, ["measure"], "the instrument set")
    key = pd.DataFrame({
        "measure": data["measure"].astype(str),
        "site": data["site"].astype(str) if "site" in data else NO_SITE,
        "side": data["side"].astype(str) if "side" in data else NO_SITE,
        "trial": data["trial"].astype("int64") if "trial" in data else 1,
    }).drop_duplicates().sort_values(_KEY, kind="stable").reset_index(drop=True)
    unknown = sorted(set(key["measure"]) - set(MEASURES))
    if unknown:
        get_measure(unknown[0])  # raises with a "did you mean" hint
    if isinstance(form, str):
        forms = pd.Series(form, index=key.index)
    elif form is None:
        forms = key["measure"]
    else:
        forms = key["measure"].map(dict(form))
        if forms.isna().any():
            missing = sorted(set(key["measure"][forms.isna()]))
            raise ValueError(f"form: no instrument given for measure(s) {', '.join(missing)}")
    multi = key.groupby(["measure", "site", "side"])["trial"].transform("max").gt(1)
    side = key["side"].map(_SIDE_SHORT).fillna("")
    site = _snake(key["site"].where(key["site"].ne(NO_SITE), ""))
    name = (key["measure"] + ("_" + site).where(site.ne(""), "")
            + ("_" + side).where(side.ne(""), "")
            + ("_" + key["trial"].astype(str)).where(multi, ""))
    dup = name.duplicated(keep=False)
    if dup.any():
        raise InputFormatError("REDCap field names would collide after lower-casing the site "
                               f"ids: {', '.join(sorted(set(name[dup])))}")
    unit = key["measure"].map({m.id: m.unit for m in MEASURES.values()})
    out = key.assign(field_name=name, form=_snake(forms.astype(str)), unit=unit)
    # REDCap wants the fields of one instrument next to each other
    rank = out["form"].map({f: i for i, f in enumerate(pd.unique(out["form"]))})
    out = out.assign(_rank=rank).sort_values(["_rank", *_KEY], kind="stable")
    return out[["field_name", "form", *_KEY, "unit"]].reset_index(drop=True)


def _labels(fields: pd.DataFrame, lang: str) -> pd.Series:
    attr = "label_de" if lang == "de" else "label_en"
    measure = fields["measure"].map({m.id: getattr(m, attr) for m in MEASURES.values()})
    site = fields["site"].map({s.id: getattr(s, attr) for s in SITES.values()})
    site = site.fillna(fields["site"]).where(fields["site"].ne(NO_SITE), "")
    side = fields["side"].map(_SIDE_LABEL[lang]).fillna("")
    trial = (_TRIAL_WORD[lang] + " " + fields["trial"].astype(str)).where(
        fields.groupby(["measure", "site", "side"])["trial"].transform("max").gt(1), "")
    parts = pd.concat([site, side, trial], axis=1)
    detail = parts.apply(lambda r: ", ".join(p for p in r if p), axis=1) if len(parts) else ""
    label = measure.str.slice(0, 1).str.upper() + measure.str.slice(1)
    return label + (" — " + detail).where(pd.Series(detail, index=fields.index).ne(""), "")


def redcap_dictionary(fields: pd.DataFrame, *, record_id: str = "record_id",
                      lang: str = "en") -> pd.DataFrame:
    """Build a REDCap data dictionary (18 columns) for an instrument set.

    Parameters
    ----------
    fields : pandas.DataFrame
        Output of :func:`redcap_fields`.
    record_id : str
        Name of the record-ID field (REDCap requires it to be the first
        field); it holds the subject pseudonym.
    lang : {"en", "de"}
        Language of field labels and notes.

    Returns
    -------
    pandas.DataFrame
        One row per field with REDCap's column titles
        (:data:`DICTIONARY_COLUMNS`). Whole-number measures get the
        ``integer`` validation, 0/1 flags the ``yesno`` field type, all others
        ``number``; *Text Validation Min/Max* are the registry's hard limits
        in the canonical unit (REDCap treats them as inclusive soft limits;
        a measure whose lower limit is excluded says so in the field note);
        the unit is written in *Field Note*.
    """
    check_option("lang", lang, ("en", "de"))
    check_columns(fields, ["field_name", "form", *_KEY, "unit"], "fields")
    meas = fields["measure"].map(MEASURES)
    lo = meas.map(lambda m: m.hard[0]).astype(float)
    hi = meas.map(lambda m: m.hard[1]).astype(float)
    integer = meas.map(lambda m: m.integer).astype(bool)
    lo_open = meas.map(lambda m: m.lo_open).astype(bool)
    is_flag = fields["unit"].eq("flag")
    ftype = np.where(is_flag, "yesno", "text")
    validation = np.where(is_flag, "", np.where(integer, "integer", "number"))
    unit_label = fields["unit"].map(UNIT_LABELS).fillna(fields["unit"])
    note = (_UNIT_WORD[lang] + ": " + unit_label
            + (f"; {_ABOVE[lang]} " + format_numbers(lo)).where(lo_open, ""))
    annotation = ("painmech: measure=" + fields["measure"] + "; unit=" + fields["unit"]
                  + "; site=" + fields["site"] + "; side=" + fields["side"]
                  + "; trial=" + fields["trial"].astype(str))
    body = pd.DataFrame({c: "" for c in DICTIONARY_COLUMNS}, index=fields.index)
    body[DICTIONARY_COLUMNS[0]] = fields["field_name"]
    body[DICTIONARY_COLUMNS[1]] = fields["form"]
    body[DICTIONARY_COLUMNS[3]] = ftype
    body[DICTIONARY_COLUMNS[4]] = _labels(fields, lang)
    body[DICTIONARY_COLUMNS[6]] = note.where(~is_flag, "")
    body[DICTIONARY_COLUMNS[7]] = validation
    body[DICTIONARY_COLUMNS[8]] = format_numbers(lo).where(~is_flag, "")
    body[DICTIONARY_COLUMNS[9]] = format_numbers(hi).where(~is_flag, "")
    body[DICTIONARY_COLUMNS[17]] = annotation
    first = record_id_row(record_id, fields["form"].iloc[0] if len(fields) else "painmech",
                          lang)
    return pd.concat([first, body], ignore_index=True).astype(object)


def record_id_row(record_id: str, form: str, lang: str) -> pd.DataFrame:
    """The dictionary's first row: the record-ID field holding the pseudonym."""
    first = {c: "" for c in DICTIONARY_COLUMNS}
    first.update({DICTIONARY_COLUMNS[0]: record_id, DICTIONARY_COLUMNS[1]: form,
                  DICTIONARY_COLUMNS[3]: "text", DICTIONARY_COLUMNS[4]: _RECORD_LABEL[lang]})
    return pd.DataFrame([first])


def _event_name(visits: pd.Series, arm: int) -> pd.Series:
    return "visit_" + visits.astype(str) + f"_arm_{arm}"


def redcap_events(visits, *, arm: int = 1) -> pd.DataFrame:
    """Event table (REDCap's ``event.csv`` layout) with one event per painmech visit.

    Event *v* is named ``"Visit v"`` with the unique name ``visit_v_arm_<arm>``,
    as REDCap derives unique names from event names. Read it back with
    ``event_visits(table, by="label")``.
    """
    v = pd.Series(sorted(set(pd.Series(visits).astype("int64"))), dtype="int64")
    return pd.DataFrame({"event_name": "Visit " + v.astype(str), "arm_num": arm,
                         "unique_event_name": _event_name(v, arm), "custom_event_label": "",
                         "event_id": ""})


def redcap_records(observations: pd.DataFrame, fields: pd.DataFrame, *,
                   record_id: str = "record_id", arm: int = 1) -> pd.DataFrame:
    """Write observations as a REDCap record export (flat, raw values).

    Parameters
    ----------
    observations : pandas.DataFrame
        Validated observations in canonical units.
    fields : pandas.DataFrame
        Output of :func:`redcap_fields` covering every observation.
    record_id : str
        Name of the record-ID column (the subject pseudonym).
    arm : int
        Arm number used in the event names.

    Returns
    -------
    pandas.DataFrame
        Text cells: ``record_id, redcap_event_name`` and one column per field;
        one row per subject and visit; empty cells where nothing was measured.
        Numbers are written so that they read back to the same float64.

    Raises
    ------
    UnitError
        If a value is not in its measure's canonical unit.
    """
    check_columns(observations, ["subject", "visit", "measure", "value", "unit"],
                  "observations")
    obs = observations.assign(
        site=observations["site"] if "site" in observations else NO_SITE,
        side=observations["side"] if "side" in observations else NO_SITE,
        trial=observations["trial"].astype("int64") if "trial" in observations else 1)
    canon = obs["measure"].map({m.id: m.unit for m in MEASURES.values()})
    wrong = obs["unit"].astype(str).ne(canon)
    if wrong.any():
        first = obs.loc[wrong].iloc[0]
        raise UnitError(f"{int(wrong.sum())} observation(s) are not in the canonical unit "
                        f"(e.g. {first['measure']} in {first['unit']!r}, expected "
                        f"{canon[wrong].iloc[0]!r}); validate them first")
    merged = obs.merge(fields[["field_name", *_KEY]], on=_KEY, how="left")
    if merged["field_name"].isna().any():
        raise ValueError("fields does not cover every observation; build it with "
                         "redcap_fields(observations)")
    merged["text"] = format_numbers(merged["value"], positional=True)
    wide = merged.pivot(index=["subject", "visit"], columns="field_name", values="text")
    wide = wide.reindex(columns=list(fields["field_name"])).fillna("").reset_index()
    wide.columns.name = None
    events = _event_name(wide["visit"].astype("int64"), arm)
    out = wide.drop(columns="visit").rename(columns={"subject": record_id})
    out.insert(1, "redcap_event_name", events)
    if record_id in set(fields["field_name"]) or re.search(r"___", " ".join(out.columns)):
        raise InputFormatError(f"field names clash with {record_id!r} or REDCap's '___' "
                               "checkbox separator")
    return out.astype(object)
