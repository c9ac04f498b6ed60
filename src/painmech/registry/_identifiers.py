"""Column names and values that reveal a person's identity.

painmech stores pseudonyms only (design.md §3); a table that carries a direct
identifier (name, birth date, address, phone, e-mail, insurance number) is
refused, in English or German spelling.
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["identifier_columns", "looks_like_email", "unsafe_pseudonym", "path_unsafe_pseudonym"]

_IDENTIFIER_NAMES = {
    "name", "first_name", "firstname", "given_name", "last_name", "lastname", "surname",
    "family_name", "full_name", "patient_name", "vorname", "nachname", "familienname",
    "birth_date", "birthdate", "date_of_birth", "dob", "birthday", "geburtsdatum",
    "geburtstag", "email", "e_mail", "mail", "email_address", "phone", "telephone",
    "phone_number", "mobile", "telefon", "telefonnummer", "handy", "address", "street",
    "adresse", "anschrift", "strasse", "straße", "postcode", "zip", "zip_code", "plz",
    "insurance_number", "insurance_no", "versichertennummer", "krankenversicherungsnummer",
    "kvnr", "ssn", "social_security_number",
}

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
#: Characters a pseudonym may not hold: control characters (tab, newline,
#: NUL, …) break CSV exports, file names and HTTP headers and are never part
#: of a real pseudonym. A '/' (or the whole value '.' or '..') cannot stand
#: in one segment of a web address: the web app and REST API could store such
#: a subject but never open it. Other text (quotes, '<', '%', SQL
#: metacharacters) is stored literally and escaped wherever it is shown.
_UNSAFE_PSEUDONYM = r"[\x00-\x1f\x7f]"
_PATH_UNSAFE_PSEUDONYM = r"/|^\.{1,2}$"


def _fold(name: object) -> str:
    return re.sub(r"[\s\-\.]+", "_", str(name).strip().casefold())


def identifier_columns(columns) -> list[str]:
    """Return the columns whose names denote a direct identifier."""
    return [c for c in columns if _fold(c) in _IDENTIFIER_NAMES]


def unsafe_pseudonym(values: pd.Series) -> pd.Series:
    """Boolean mask of pseudonyms holding a control character."""
    return values.astype(str).str.contains(_UNSAFE_PSEUDONYM, regex=True)


def path_unsafe_pseudonym(values: pd.Series) -> pd.Series:
    """Boolean mask of pseudonyms holding '/' or equal to '.' or '..'."""
    return values.astype(str).str.contains(_PATH_UNSAFE_PSEUDONYM, regex=True)


def looks_like_email(values: pd.Series) -> pd.Series:
    """Boolean mask of values shaped like an e-mail address."""
    return values.astype(str).str.match(_EMAIL)
