"""Validation of subjects and observations tables against the registry.

Every rule is evaluated on whole columns; all problems are collected into one
problem table (``file, row, column, value, reason``) instead of stopping at the
first. ``row`` is the spreadsheet row number of the source (header = row 1),
taken from a ``_row`` column when the reader supplies one.
"""

from __future__ import annotations

import difflib
import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from painmech._utils._checks import problem_frame
from painmech.exceptions import UnusualValueWarning, ValidationError
from painmech.registry._convert import to_canonical
from painmech.registry._identifiers import (
    identifier_columns,
    looks_like_email,
    path_unsafe_pseudonym,
    unsafe_pseudonym,
)
from painmech.registry._measures import MEASURES
from painmech.registry._sites import CONDITIONS, NO_SITE, SITES
from painmech.registry._units import normalize_units

__all__ = ["Validated", "validate_observations", "validate_subjects", "parse_numbers"]

OBS_REQUIRED = ("subject", "visit", "measure", "value", "unit")
OBS_DEFAULTS = {"site": NO_SITE, "side": NO_SITE, "trial": "1"}
OBS_KEY = ["subject", "visit", "measure", "site", "side", "trial"]
SUBJ_REQUIRED = ("subject", "sex", "age", "condition")
_UNSAFE_REASON = "pseudonym holds a control character (tab, line break, NUL …)"
_PATH_REASON = ("pseudonym holds '/' or is '.' or '..', which cannot name a subject in a web "
                "address; replace '/' with '-' or '_'")

_SIDE_ALIASES = {
    "left": "left", "l": "left", "links": "left", "li": "left",
    "right": "right", "r": "right", "rechts": "right", "re": "right",
    "midline": "midline", "mittig": "midline", "mitte": "midline", "m": "midline",
    "bilateral": "bilateral", "beidseits": "bilateral", "both": "bilateral",
    "none": NO_SITE, "": NO_SITE, "na": NO_SITE, "-": NO_SITE,
}
_SEX_ALIASES = {
    "female": "female", "f": "female", "w": "female", "weiblich": "female", "woman": "female",
    "male": "male", "m": "male", "männlich": "male", "maennlich": "male", "man": "male",
    "other": "other", "diverse": "other", "divers": "other", "d": "other", "x": "other",
}
_BRAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-\.]*$")
_EDGE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]*__[A-Za-z0-9][A-Za-z0-9_]*$")
_AGE_HARD = (0.0, 120.0)  # painmech plausibility bound, years
_AGE_USUAL = (18.0, 100.0)  # adult studies; minors are flagged for a consent check


@dataclass
class Validated:
    """Result of a validation.

    Attributes
    ----------
    data : pandas.DataFrame
        The cleaned table (empty when there are problems).
    problems : pandas.DataFrame
        One row per problem: ``file, row, column, value, reason``.
    flags : pandas.DataFrame
        Values kept but flagged (outside the usual range), same columns.
    """

    data: pd.DataFrame
    problems: pd.DataFrame
    flags: pd.DataFrame

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return self.problems.empty

    def raise_if_problems(self) -> pd.DataFrame:
        """Return :attr:`data`, or raise :class:`ValidationError` with every problem."""
        if not self.ok:
            raise ValidationError(self.problems)
        return self.data


def _text(series: pd.Series) -> pd.Series:
    return series.astype("string").fillna("").str.strip().astype(object)


def parse_numbers(values: pd.Series, decimal: str = ".") -> tuple[pd.Series, pd.Series]:
    """Parse text or numbers into floats, explaining every failure.

    Parameters
    ----------
    values : pandas.Series
        Raw cell contents (numbers or text).
    decimal : {".", ","}
        The decimal mark of text cells.

    Returns
    -------
    numbers : pandas.Series of float
    reason : pandas.Series of str
        Empty where parsing worked; otherwise ``"empty value"``, ``"not a
        number"``, ``"infinite value"``, ``"NaN value"`` or a decimal-mark
        conflict.
    """
    numeric = pd.api.types.is_numeric_dtype(values.dtype)
    reason = np.full(len(values), "", dtype=object)
    if numeric:
        out = values.to_numpy(dtype=float)
        reason[np.isnan(out)] = "empty value"
    else:
        text = _text(values)
        if decimal == ",":
            wrong_mark = text.str.contains(".", regex=False)
            text = text.str.replace(",", ".", regex=False)
        else:
            wrong_mark = text.str.contains(",", regex=False)
        out = pd.to_numeric(text.where(~wrong_mark, ""), errors="coerce").to_numpy(dtype=float)
        empty = text.eq("").to_numpy()
        lowered = text.str.casefold()
        nan_word = lowered.isin(["nan", "na", "n/a", "null", "none"]).to_numpy()
        reason[np.isnan(out)] = "not a number"
        reason[empty] = "empty value"
        reason[nan_word] = "NaN value"
        other = "'.'" if decimal == "," else "','"
        reason[wrong_mark.to_numpy()] = (
            f"contains {other} but the decimal mark is {decimal!r} (thousands separators "
            "are not accepted)"
        )
    inf = np.isinf(out)
    reason[inf] = "infinite value"
    out = np.where(reason == "", out, np.nan)
    return pd.Series(out, index=values.index), pd.Series(reason, index=values.index)


#: What :func:`_problems` gives for no rows (never modified; skipped by problem_frame).
_NO_PROBLEMS = pd.DataFrame({c: pd.Series(dtype=object)
                             for c in ("file", "row", "column", "value", "reason")})


def _problems(file, rows, column, values, reason) -> pd.DataFrame:
    if len(rows) == 0:  # most checks find nothing; building an empty frame costs ~1 ms
        return _NO_PROBLEMS
    return pd.DataFrame(
        {"file": file, "row": np.asarray(rows), "column": column, "value": np.asarray(values),
         "reason": reason}
    )


def _pseudonym_problems(file, rows, subject: pd.Series, skip: pd.Series) -> list[pd.DataFrame]:
    """Pseudonyms with a control character, or that cannot name a web address segment."""
    unsafe = unsafe_pseudonym(subject) & ~skip
    path = path_unsafe_pseudonym(subject) & ~skip & ~unsafe
    return [_problems(file, rows[unsafe], "subject", subject[unsafe], _UNSAFE_REASON),
            _problems(file, rows[path], "subject", subject[path], _PATH_REASON)]


def _identifier_problems(data: pd.DataFrame, file: str) -> list[pd.DataFrame]:
    found = identifier_columns(data.columns)
    return [
        _problems(file, [1], c, [c], "column holds a direct identifier; painmech stores "
                  "pseudonyms only — remove the column") for c in found
    ]


def _rows(data: pd.DataFrame) -> pd.Series:
    if "_row" in data.columns:
        return data["_row"].astype("int64")
    return pd.Series(np.arange(len(data), dtype="int64") + 2, index=data.index)


def _missing_columns(data, required, file) -> list[pd.DataFrame]:
    return [
        _problems(file, [1], c, [""], "required column is missing")
        for c in required if c not in data.columns
    ]


#: Largest visit or trial number: the databases store them as 32-bit integers.
_INT_MAX = 2**31 - 1


def _integers(text: pd.Series) -> tuple[pd.Series, np.ndarray]:
    num = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(num) & (np.floor(num) == num) & (np.abs(num) <= _INT_MAX)
    return pd.Series(np.where(ok, num, -1).astype("int64"), index=text.index), ok


def validate_subjects(data: pd.DataFrame, file: str = "<subjects>") -> Validated:
    """Validate a subjects table (``subject, sex, age, condition[, group]``).

    Sex is normalised to ``female/male/other`` (English and German spellings);
    age must be a number of years within 0–120, ages under 18 are flagged.
    """
    probs = _identifier_problems(data, file) + _missing_columns(data, SUBJ_REQUIRED, file)
    if any(p["reason"].str.startswith("required").any() for p in probs):
        return Validated(data.iloc[0:0], problem_frame(probs), problem_frame())
    rows = _rows(data)
    subject = _text(data["subject"])
    bad = subject.eq("")
    probs.append(_problems(file, rows[bad], "subject", subject[bad], "empty subject pseudonym"))
    mail = looks_like_email(subject) & ~bad
    probs.append(_problems(file, rows[mail], "subject", subject[mail],
                           "looks like an e-mail address; use a pseudonym"))
    probs.extend(_pseudonym_problems(file, rows, subject, bad))
    dup = subject.duplicated(keep="first") & ~bad
    probs.append(_problems(file, rows[dup], "subject", subject[dup], "duplicate subject"))
    sex_raw = _text(data["sex"])
    sex = sex_raw.str.casefold().map(_SEX_ALIASES)
    bad = sex.isna()
    probs.append(_problems(file, rows[bad], "sex", sex_raw[bad],
                           "unknown sex; use female, male or other (w/m/d accepted)"))
    age, reason = parse_numbers(data["age"], decimal=data.attrs.get("decimal", "."))
    bad = reason.ne("")
    probs.append(_problems(file, rows[bad], "age", _text(data["age"])[bad], reason[bad]))
    out_hard = ~bad & ((age < _AGE_HARD[0]) | (age > _AGE_HARD[1]))
    probs.append(_problems(file, rows[out_hard], "age", age[out_hard],
                           f"outside hard limits {_AGE_HARD[0]:g}–{_AGE_HARD[1]:g} years"))
    cond_raw = _text(data["condition"])
    cond = cond_raw.str.casefold()
    bad = ~cond.isin(list(CONDITIONS))
    probs.append(_problems(file, rows[bad], "condition", cond_raw[bad],
                           f"unknown condition; known: {', '.join(CONDITIONS)}"))
    young = ~out_hard & age.notna() & (age < _AGE_USUAL[0])
    flags = problem_frame([_problems(file, rows[young], "age", age[young],
                                     "under 18 years: check consent and reference data")])
    problems = problem_frame(probs)
    if not problems.empty:
        return Validated(data.iloc[0:0], problems, flags)
    out = pd.DataFrame({"subject": subject, "sex": sex, "age": age, "condition": cond})
    for extra in ("group", "pain_state"):
        if extra in data.columns:
            out[extra] = _text(data[extra])
    return Validated(out.reset_index(drop=True), problems, flags)


def _site_problems(measure, site, known_measure, rows, file) -> tuple[list, pd.Series]:
    kind = measure.map({m.id: m.site_kind for m in MEASURES.values()})
    site = site.where(~(kind.eq("none") & site.eq("")), NO_SITE)
    probs = []
    body = kind.eq("body") & ~site.isin(list(SITES)) & known_measure
    probs.append(_problems(file, rows[body], "site", site[body],
                           f"unknown body site; known: {', '.join(SITES)}"))
    none = kind.eq("none") & site.ne(NO_SITE) & known_measure
    probs.append(_problems(file, rows[none], "site", site[none],
                           f"this measure has no site; leave it empty or write {NO_SITE!r}"))
    brain = kind.eq("brain") & ~site.str.match(_BRAIN) & known_measure
    probs.append(_problems(file, rows[brain], "site", site[brain],
                           "brain region must be an identifier such as 'dlpfc_left'"))
    edge = kind.eq("edge") & ~site.str.match(_EDGE) & known_measure
    probs.append(_problems(file, rows[edge], "site", site[edge],
                           "connectivity edge must be written 'roi_a__roi_b'"))
    return probs, site


def validate_observations(
    data: pd.DataFrame,
    subjects: pd.DataFrame | None = None,
    file: str = "<observations>",
    decimal: str = ".",
    warn: bool = True,
) -> Validated:
    """Validate a long observations table and convert it to canonical units.

    Parameters
    ----------
    data : pandas.DataFrame
        Columns ``subject, visit, measure, value, unit`` and optionally
        ``site, side, trial, date`` (missing site/side default to ``"none"``,
        trial to 1). Cells may be text (as read from a file) or numbers. A
        ``_row`` column gives the source row numbers.
    subjects : pandas.DataFrame, optional
        A validated subjects table; every observed subject must have a row.
    file : str
        Name of the source, used in the problem table.
    decimal : {".", ","}
        Decimal mark of text cells.
    warn : bool
        Emit :class:`~painmech.exceptions.UnusualValueWarning` when values are
        outside their usual range (they are kept and flagged either way).

    Returns
    -------
    Validated
        ``data`` has ``subject, visit, measure, site, side, trial, value, unit,
        value_raw, unit_raw, flag`` (+ ``date`` if given); ``value`` is in the
        canonical unit, ``value_raw``/``unit_raw`` keep what the file said and
        ``flag`` is ``"unusual"`` or ``""``.
    """
    probs = _identifier_problems(data, file) + _missing_columns(data, OBS_REQUIRED, file)
    if any(p["reason"].str.startswith("required").any() for p in probs):
        return Validated(data.iloc[0:0], problem_frame(probs), problem_frame())
    data = data.copy()
    for col, default in OBS_DEFAULTS.items():
        if col not in data.columns:
            data[col] = default
    rows = _rows(data)
    subject = _text(data["subject"])
    empty = subject.eq("")
    probs.append(_problems(file, rows[empty], "subject", subject[empty], "empty subject"))
    probs.extend(_pseudonym_problems(file, rows, subject, empty))
    mail = looks_like_email(subject) & ~empty
    probs.append(_problems(file, rows[mail], "subject", subject[mail],
                           "looks like an e-mail address; use a pseudonym"))
    if subjects is not None:
        orphan = ~subject.isin(set(subjects["subject"])) & ~empty
        probs.append(_problems(file, rows[orphan], "subject", subject[orphan],
                               "subject has no row in the subjects table"))
    visit_text = _text(data["visit"])
    visit, ok = _integers(visit_text)
    bad = ~ok | (visit < 0).to_numpy()
    probs.append(_problems(file, rows[bad], "visit", visit_text[bad],
                           f"visit must be a whole number ≥ 0 (at most {_INT_MAX})"))
    measure = _text(data["measure"]).str.casefold()
    known = measure.isin(list(MEASURES))
    for m in pd.unique(measure[~known]):
        close = difflib.get_close_matches(m, list(MEASURES), n=2)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        sel = (measure == m) & ~known
        probs.append(_problems(file, rows[sel], "measure", measure[sel],
                               f"unknown measure{hint}"))
    site_probs, site = _site_problems(measure, _text(data["site"]), known, rows, file)
    probs += site_probs
    side_raw = _text(data["side"])
    side = side_raw.str.casefold().map(_SIDE_ALIASES)
    bad = side.isna()
    probs.append(_problems(file, rows[bad], "side", side_raw[bad],
                           "unknown side; use left, right, midline, bilateral or none"))
    trial_text = _text(data["trial"])
    trial, ok = _integers(trial_text)
    tmax = measure.map({m.id: m.trial_max or np.inf for m in MEASURES.values()}).astype(float)
    bad = ~ok | (trial < 1).to_numpy()
    probs.append(_problems(file, rows[bad], "trial", trial_text[bad],
                           f"trial must be a whole number ≥ 1 (at most {_INT_MAX})"))
    over = ~bad & (trial > tmax).to_numpy()
    probs.append(_problems(file, rows[over], "trial", trial_text[over],
                           "trial (item) number above the measure's number of items"))
    raw_value, reason = parse_numbers(data["value"], decimal=decimal)
    bad_val = reason.ne("")
    probs.append(_problems(file, rows[bad_val], "value", _text(data["value"])[bad_val],
                           reason[bad_val]))
    unit_raw = _text(data["unit"])
    unit_id = normalize_units(unit_raw)
    value, canon_unit, unit_reason = to_canonical(raw_value, unit_raw, measure)
    bad_unit = unit_reason.ne("") & known
    probs.append(_problems(file, rows[bad_unit], "unit", unit_raw[bad_unit],
                           unit_reason[bad_unit]))
    checkable = known & ~bad_val & ~bad_unit
    lo = measure.map({m.id: m.hard[0] for m in MEASURES.values()}).astype(float)
    hi = measure.map({m.id: m.hard[1] for m in MEASURES.values()}).astype(float)
    lo_open = measure.map({m.id: m.lo_open for m in MEASURES.values()}).astype(bool)
    below = np.where(lo_open, value <= lo, value < lo)
    outside = checkable & (below | (value > hi))
    for m in pd.unique(measure[outside]):
        meas = MEASURES[m]
        sel = outside & measure.eq(m)
        op = "(" if meas.lo_open else "["
        probs.append(_problems(
            file, rows[sel], "value", _text(data["value"])[sel],
            f"outside hard limits {op}{meas.hard[0]:g}, {meas.hard[1]:g}] {meas.unit} "
            f"for {m} (converted value shown in the problem's value if units differ)"))
    integer = measure.map({m.id: m.integer for m in MEASURES.values()}).astype(bool)
    not_int = checkable & ~outside & integer & (np.floor(value) != value)
    probs.append(_problems(file, rows[not_int], "value", _text(data["value"])[not_int],
                           "must be a whole number for this measure"))
    key = pd.DataFrame({"subject": subject, "visit": visit, "measure": measure, "site": site,
                        "side": side, "trial": trial})
    dup = key.duplicated(keep="first")
    if dup.any():
        first_row = rows.groupby([key[c] for c in OBS_KEY], sort=False).transform("first")
        probs.append(_problems(file, rows[dup], "subject", subject[dup],
                               "duplicate key (subject, visit, measure, site, side, trial) "
                               "of row " + first_row[dup].astype(str)))
    problems = problem_frame(probs)
    ulo = measure.map({m.id: m.usual[0] if m.usual else -np.inf for m in MEASURES.values()})
    uhi = measure.map({m.id: m.usual[1] if m.usual else np.inf for m in MEASURES.values()})
    unusual = checkable & ~outside & ((value < ulo.astype(float)) | (value > uhi.astype(float)))
    flags = problem_frame([_problems(file, rows[unusual], "value", value[unusual],
                                     "outside the usual range; kept and flagged")])
    if not problems.empty:
        return Validated(data.iloc[0:0], problems, flags)
    if warn and unusual.any():
        warnings.warn(
            f"{file}: {int(unusual.sum())} value(s) outside the usual range were kept and "
            "flagged (column 'flag')", UnusualValueWarning, stacklevel=2)
    out = key.assign(
        value=value.to_numpy(), unit=canon_unit.astype(object).to_numpy(),
        value_raw=raw_value.to_numpy(), unit_raw=unit_id.to_numpy(),
        flag=np.where(unusual, "unusual", ""),
    )
    if "date" in data.columns:
        out["date"] = pd.to_datetime(_text(data["date"]), errors="coerce").to_numpy()
    return Validated(out.reset_index(drop=True), problems, flags)
