"""Reading REDCap data dictionaries: the UI download and the API export.

REDCap hands out the same 18 dictionary columns in two spellings:

* the **Data Dictionary page** (CSV download): REDCap's titles
  ``Variable / Field Name, Form Name, …`` (:data:`DICTIONARY_COLUMNS`);
* the **API** (``content=metadata``, as PyCap, REDCapR and redcapAPI fetch
  it): snake_case names ``field_name, form_name, section_header, …``
  (:data:`API_COLUMNS`), as CSV, as JSON (a list of objects), or — from PyCap
  — as a DataFrame indexed by ``field_name``.

Both become one table with painmech's short snake_case names
(:data:`DICT_NAMES`).

Fields validated with one of REDCap's comma-decimal types
(:data:`COMMA_VALIDATIONS`) hold numbers written with a decimal comma in
every record export ("36,5"); :func:`comma_fields` names them.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd

from painmech.exceptions import InputFormatError
from painmech.io._interop import FieldMap
from painmech.io._redcap_export import DICTIONARY_COLUMNS

__all__ = [
    "API_COLUMNS",
    "COMMA_VALIDATIONS",
    "DICT_NAMES",
    "annotation_parts",
    "comma_fields",
    "mapping_from_dictionary",
    "read_csv_export",
    "read_redcap_dictionary",
]

#: The 18 columns of the REDCap API's metadata export, in REDCap's order.
API_COLUMNS: tuple[str, ...] = (
    "field_name", "form_name", "section_header", "field_type", "field_label",
    "select_choices_or_calculations", "field_note", "text_validation_type_or_show_slider_number",
    "text_validation_min", "text_validation_max", "identifier", "branching_logic",
    "required_field", "custom_alignment", "question_number", "matrix_group_name",
    "matrix_ranking", "field_annotation",
)

#: painmech's names of the 18 columns (one per REDCap column, same order).
DICT_NAMES: tuple[str, ...] = (
    "field_name", "form_name", "section_header", "field_type", "field_label", "choices",
    "field_note", "validation", "validation_min", "validation_max", "identifier",
    "branching_logic", "required", "custom_alignment", "question_number", "matrix_group",
    "matrix_ranking", "field_annotation",
)

#: REDCap's text validations whose values are written with a decimal comma
#: (REDCap's validation list: "Number (comma as decimal)" and "Number (1–4
#: decimal places - comma as decimal)").
COMMA_VALIDATIONS: tuple[str, ...] = (
    "number_comma_decimal", "number_1dp_comma_decimal", "number_2dp_comma_decimal",
    "number_3dp_comma_decimal", "number_4dp_comma_decimal",
)


def read_csv_export(path, sep: str) -> pd.DataFrame:
    """Read a REDCap CSV export as text cells (BOM removed, empty cells as ``""``)."""
    path = Path(path)
    if not path.is_file():
        raise InputFormatError(f"{path}: no such file")
    text = path.read_bytes().decode("utf-8-sig")
    try:
        return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                           index_col=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise InputFormatError(f"{path}: cannot parse as a REDCap CSV export ({err})") from None


def _from_json(path: Path) -> pd.DataFrame:
    try:
        records = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, json.JSONDecodeError) as err:
        raise InputFormatError(f"{path}: cannot read as REDCap API metadata JSON "
                               f"({err})") from None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise InputFormatError(f"{path}: REDCap API metadata JSON must be a list of objects, "
                               "one per field")
    return pd.DataFrame(records, columns=list(API_COLUMNS) if not records else None)


def read_redcap_dictionary(source, *, sep: str = ",") -> pd.DataFrame:
    """Read a REDCap data dictionary, as downloaded from the UI or exported by the API.

    Parameters
    ----------
    source : path-like or pandas.DataFrame
        A CSV with REDCap's 18 column titles (Data Dictionary page) or with
        the API's snake_case names (``field_name, form_name, …``); a ``.json``
        file of the API's JSON export; or a DataFrame in either spelling
        (PyCap's ``export_metadata(format_type="df")``, indexed by
        ``field_name``, is accepted as it is).
    sep : str
        Field separator of a CSV.

    Returns
    -------
    pandas.DataFrame
        Text columns with painmech's names: ``field_name, form_name,
        section_header, field_type, field_label, choices, field_note,
        validation, validation_min, validation_max, identifier,
        branching_logic, required, custom_alignment, question_number,
        matrix_group, matrix_ranking, field_annotation``.

    Raises
    ------
    InputFormatError
        If the columns are neither spelling (the message names both).
    """
    if isinstance(source, pd.DataFrame):
        table, name = source, "<dictionary>"
        if table.index.name == "field_name":
            table = table.reset_index()
    else:
        path = Path(source)
        name = str(path)
        table = (_from_json(path) if path.suffix.lower() == ".json"
                 else read_csv_export(path, sep))
    columns = tuple(str(c) for c in table.columns)
    # REDCap's own order and count; the first title tells the spelling (older
    # REDCap versions word a few UI titles differently, e.g. "Identifier?")
    if len(columns) != len(DICT_NAMES) or columns[0] not in (DICTIONARY_COLUMNS[0],
                                                              API_COLUMNS[0]):
        first = columns[0] if columns else "nothing"
        raise InputFormatError(
            f"{name}: not a REDCap data dictionary: expected the 18 columns of the Data "
            f"Dictionary page ({DICTIONARY_COLUMNS[0]!r}, {DICTIONARY_COLUMNS[1]!r}, …) or of "
            f"the API metadata export ({API_COLUMNS[0]!r}, {API_COLUMNS[1]!r}, …), in "
            f"REDCap's order; got {len(columns)} column(s) starting with {first!r}")
    out = table.set_axis(list(DICT_NAMES), axis=1)
    return out.astype("string").fillna("").astype(object).reset_index(drop=True)


def comma_fields(dictionary: pd.DataFrame) -> set[str]:
    """Fields whose REDCap validation writes values with a decimal comma."""
    valid = dictionary["validation"].astype(str).str.strip().str.casefold()
    return set(dictionary.loc[valid.isin(COMMA_VALIDATIONS), "field_name"])


def mapping_from_dictionary(dictionary: pd.DataFrame) -> dict[str, FieldMap]:
    """Recover the field mapping from a dictionary written by painmech.

    Reads the ``painmech: measure=...; unit=...; site=...; side=...; trial=...``
    note in *Field Annotation*; fields without it (and the derived-metric
    fields, ``painmech: metric=...``) are skipped.
    """
    ann = dictionary.set_index("field_name")["field_annotation"].astype(str)
    ann = ann[ann.str.contains(r"painmech:\s*measure=", regex=True)]
    out = {}
    for name, text in ann.items():  # one entry per field, not per observation
        parts = annotation_parts(text)
        out[name] = FieldMap(measure=parts["measure"], unit=parts["unit"],
                             site=parts.get("site", "none"), side=parts.get("side", "none"),
                             trial=int(parts["trial"]) if "trial" in parts else None)
    return out


def annotation_parts(text: str) -> dict[str, str]:
    """``{"measure": "ppt", "unit": "kPa", ...}`` of a ``painmech: key=value; ...`` note."""
    body = text.split("painmech:", 1)[1]
    return dict(p.strip().split("=", 1) for p in body.split(";") if "=" in p)
