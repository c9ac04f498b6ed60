"""Exceptions and warnings raised by painmech.

Every exception subclasses a builtin so that callers that catch ``ValueError``
or ``KeyError`` keep working.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "PainmechError",
    "UnitError",
    "UnknownMeasureError",
    "ValidationError",
    "InputFormatError",
    "ReferenceError_",
    "UnusualValueWarning",
    "PainmechWarning",
]


class PainmechError(Exception):
    """Base class of every painmech error."""


class UnitError(PainmechError, ValueError):
    """A unit is unknown or cannot be converted to the measure's canonical unit."""


class UnknownMeasureError(PainmechError, KeyError):
    """A measure, metric, site or condition id is not in the registry."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class InputFormatError(PainmechError, ValueError):
    """A file cannot be parsed (encoding, separator, decimal mark, missing columns).

    Parameters
    ----------
    message : str
    row : int, optional
        Spreadsheet row (header = 1) of the cell that shows the problem, when one does.
    column : str, optional
        Its column.
    value : str, optional
        Its content.
    """

    def __init__(self, message: str, *, row: int | None = None, column: str = "",
                 value: str = "") -> None:
        super().__init__(message)
        self.row = row
        self.column = column
        self.value = value


class ValidationError(PainmechError, ValueError):
    """Input data broke one or more validation rules.

    Parameters
    ----------
    problems : pandas.DataFrame
        The problem table with columns ``file, row, column, value, reason``.
        ``row`` is the spreadsheet row number (the header is row 1).
    """

    def __init__(self, problems: pd.DataFrame, max_listed: int = 20) -> None:
        self.problems = problems
        n = len(problems)
        lines = [f"{n} problem{'s' if n != 1 else ''} found:"]
        for rec in problems.head(max_listed).itertuples(index=False):
            lines.append(
                f"  {rec.file}, row {rec.row}, column {rec.column!r}, "
                f"value {rec.value!r}: {rec.reason}"
            )
        if n > max_listed:
            lines.append(f"  ... and {n - max_listed} more (see .problems)")
        super().__init__("\n".join(lines))


class ReferenceError_(PainmechError, LookupError):
    """No usable reference data for a z-score (named with a trailing underscore
    so as not to shadow the builtin ``ReferenceError``).
    """


class PainmechWarning(UserWarning):
    """Base class of painmech warnings."""


class UnusualValueWarning(PainmechWarning):
    """A value is inside the hard limits but outside the usual range; it is kept
    and flagged.
    """
