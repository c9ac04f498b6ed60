"""Small argument checks whose messages name the parameter, the allowed values
and what was received (in the manner of MNE's ``_check_option``).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

__all__ = ["check_option", "check_columns", "problem_frame", "PROBLEM_COLUMNS"]

PROBLEM_COLUMNS = ["file", "row", "column", "value", "reason"]


def check_option(name: str, value: object, allowed: Iterable[object]) -> object:
    """Return ``value`` if it is one of ``allowed``, else raise ``ValueError``."""
    allowed = tuple(allowed)
    if value not in allowed:
        raise ValueError(
            f"Invalid value for the {name!r} parameter: {value!r}. "
            f"Allowed values are {', '.join(map(repr, allowed))}."
        )
    return value


def check_columns(data: pd.DataFrame, required: Iterable[str], what: str) -> None:
    """Raise ``ValueError`` naming every required column missing from ``data``."""
    missing = [c for c in required if c not in data.columns]
    if missing:
        raise ValueError(
            f"{what} is missing the column(s) {', '.join(missing)}; "
            f"it has {', '.join(map(str, data.columns))}"
        )


def problem_frame(rows: list[pd.DataFrame] | None = None) -> pd.DataFrame:
    """Concatenate problem fragments into one problem table, sorted by row."""
    rows = [r for r in (rows or []) if len(r)]
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in PROBLEM_COLUMNS})
    out = pd.concat(rows, ignore_index=True)[PROBLEM_COLUMNS]
    out["row"] = out["row"].astype("int64")
    out["value"] = out["value"].astype("string").fillna("").astype(object)
    return out.sort_values(["row", "column"], kind="stable").reset_index(drop=True)
