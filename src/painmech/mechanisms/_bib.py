"""The mechanism bibliography (``references.bib``): a small BibTeX reader.

Only the flat subset of BibTeX used in ``references.bib`` is supported: one
entry per ``@type{key, field = {value}, ...}`` block, values in braces.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import pandas as pd

__all__ = ["BIB_FILE", "bibliography", "cite", "check_keys"]

#: File name of the bibliography inside :mod:`painmech.mechanisms`.
BIB_FILE = "references.bib"

_ENTRY = re.compile(r"@(\w+)\s*\{\s*([^,\s]+)\s*,(.*?)\n\}", re.S)
_FIELD = re.compile(r"(\w+)\s*=\s*\{((?:[^{}]|\{[^{}]*\})*)\}", re.S)


def _parse(text: str) -> pd.DataFrame:
    rows = []
    for kind, key, body in _ENTRY.findall(text):
        fields = {name.lower(): " ".join(value.replace("{", "").replace("}", "").split())
                  for name, value in _FIELD.findall(body)}
        rows.append({"key": key, "type": kind.lower(), **fields})
    cols = ["key", "type", "author", "title", "year", "journal", "volume", "number",
            "pages", "doi", "note"]
    out = pd.DataFrame(rows)
    for c in cols:
        if c not in out:
            out[c] = ""
    return out[cols].fillna("").astype(str)


@cache
def _table() -> pd.DataFrame:
    text = resources.files("painmech.mechanisms").joinpath(BIB_FILE).read_text("utf-8")
    return _parse(text)


def bibliography() -> pd.DataFrame:
    """Return the mechanism bibliography as a table.

    Returns
    -------
    pandas.DataFrame
        One row per entry with the columns ``key, type, author, title, year,
        journal, volume, number, pages, doi, note`` (empty string where a field
        is not given) and a formatted ``citation`` column.
    """
    out = _table().copy()
    out["citation"] = [cite(k) for k in out["key"]]
    return out


def _short_author(author: str) -> str:
    if author.startswith("{") or " and others" in author or author.count(" and ") >= 2:
        first = author.split(" and ")[0].split(",")[0].strip("{} ")
        return first if first.startswith("Authors") or "Association" in first \
            else f"{first} et al."
    names = [a.split(",")[0].strip() for a in author.split(" and ")]
    return " & ".join(names)


def cite(key: str) -> str:
    """Format one entry as a short citation (``"Kemp et al. 2020. J Pain 21:708–721."``).

    Raises
    ------
    KeyError
        If ``key`` is not in the bibliography.
    """
    table = _table().set_index("key")
    if key not in table.index:
        raise KeyError(f"unknown reference key {key!r}; see painmech.mechanisms.bibliography()")
    e = table.loc[key]
    where = e["journal"]
    if e["volume"]:
        where += f" {e['volume']}"
    if e["pages"]:
        where += f":{e['pages'].replace('--', '–')}" if e["volume"] else f" {e['pages']}"
    parts = [f"{_short_author(e['author'])} {e['year']}"]
    if e["title"]:
        parts.append(e["title"])
    if where.strip():
        parts.append(where.strip())
    return ". ".join(parts) + "."


def check_keys(keys) -> list[str]:
    """Return the keys (of an iterable) that are not in the bibliography."""
    known = set(_table()["key"])
    return sorted({k for k in keys if k and k not in known})
