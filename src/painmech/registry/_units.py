"""Unit ids, their spellings in files, and linear conversions.

A conversion is a pair ``(factor, offset)`` with
``canonical = value * factor + offset``. Which units a measure accepts, and the
pair for each, is part of the measure's entry in :mod:`painmech.registry._measures`;
this module only knows how units are written.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from painmech.exceptions import UnitError

__all__ = ["UNIT_LABELS", "normalize_unit", "normalize_units"]

#: Canonical unit ids with a label for reports.
UNIT_LABELS: dict[str, str] = {
    "kPa": "kPa",
    "N/cm2": "N/cm²",
    "kgf/cm2": "kgf/cm²",
    "lbf/in2": "lbf/in²",
    "degC": "°C",
    "delta_degC": "°C (difference from 32 °C baseline)",
    "mN": "mN",
    "g": "g",
    "mm": "mm",
    "cm": "cm",
    "cm2": "cm²",
    "mm3": "mm³",
    "cm3": "cm³",
    "mg/L": "mg/L",
    "mg/dL": "mg/dL",
    "pg/mL": "pg/mL",
    "ng/L": "ng/L",
    "ng/mL": "ng/mL",
    "month": "months",
    "day": "days",
    "week": "weeks",
    "year": "years",
    "percent": "%",
    "points": "points",
    "nrs10": "NRS 0–10",
    "nrs100": "NRS 0–100",
    "vas_mm": "VAS mm (0–100)",
    "count": "count",
    "score": "score",
    "x/8": "/8",
    "flag": "0/1",
    "fisher_z": "Fisher z",
    "uV": "µV",
    "mV": "mV",
    "mA": "mA",
    "ratio": "ratio",
    "raw_sum": "raw sum",
    "1": "dimensionless",
}

# Spellings seen in English and German files, after :func:`_fold`.
_ALIASES: dict[str, str] = {
    "kpa": "kPa",
    "n/cm2": "N/cm2",
    "n/cm^2": "N/cm2",
    "ncm-2": "N/cm2",
    "kgf/cm2": "kgf/cm2",
    "kg/cm2": "kgf/cm2",
    "kg/cm^2": "kgf/cm2",
    "kgf/cm^2": "kgf/cm2",
    "lbf/in2": "lbf/in2",
    "psi": "lbf/in2",
    "degc": "degC",
    "c": "degC",
    "celsius": "degC",
    "gradc": "degC",
    "deltadegc": "delta_degC",
    "delta_degc": "delta_degC",
    "k": "delta_degC",
    "mn": "mN",
    "g": "g",
    "mm": "mm",
    "cm": "cm",
    "cm2": "cm2",
    "mm3": "mm3",
    "cm3": "cm3",
    "ml": "cm3",
    "mg/l": "mg/L",
    "mg/dl": "mg/dL",
    "pg/ml": "pg/mL",
    "ng/l": "ng/L",
    "ng/ml": "ng/mL",
    "month": "month",
    "months": "month",
    "mo": "month",
    "monat": "month",
    "monate": "month",
    "day": "day",
    "days": "day",
    "d": "day",
    "tag": "day",
    "tage": "day",
    "week": "week",
    "weeks": "week",
    "wk": "week",
    "woche": "week",
    "wochen": "week",
    "year": "year",
    "years": "year",
    "y": "year",
    "yr": "year",
    "jahr": "year",
    "jahre": "year",
    "%": "percent",
    "percent": "percent",
    "prozent": "percent",
    "points": "points",
    "punkte": "points",
    "nrs": "nrs10",
    "nrs10": "nrs10",
    "nrs0-10": "nrs10",
    "nrs(0-10)": "nrs10",
    "nrs100": "nrs100",
    "nrs0-100": "nrs100",
    "nrs(0-100)": "nrs100",
    "vas": "vas_mm",
    "vasmm": "vas_mm",
    "vas_mm": "vas_mm",
    "mmvas": "vas_mm",
    "count": "count",
    "n": "count",
    "anzahl": "count",
    "score": "score",
    "x/8": "x/8",
    "/8": "x/8",
    "flag": "flag",
    "0/1": "flag",
    "fisherz": "fisher_z",
    "fisher_z": "fisher_z",
    "z": "fisher_z",
    "uv": "uV",
    "microvolt": "uV",
    "mv": "mV",
    "ma": "mA",
    "milliampere": "mA",
    "ratio": "ratio",
    "raw_sum": "raw_sum",
    "rawsum": "raw_sum",
    "1": "1",
}

_FOLD_TABLE = str.maketrans({"²": "2", "³": "3", "µ": "u", "μ": "u", "°": "deg", "–": "-"})


def _fold(text: str) -> str:
    folded = text.strip().translate(_FOLD_TABLE).casefold()
    folded = re.sub(r"\s+", "", folded)
    # "deg" followed by c, or a lone "degc": both mean Celsius
    return folded


def normalize_unit(text: object) -> str:
    """Return the canonical unit id for one spelling of a unit.

    Parameters
    ----------
    text : str
        A unit as written in a file, e.g. ``"N/cm²"``, ``"°C"``, ``"Monate"``.

    Returns
    -------
    str
        The unit id, e.g. ``"N/cm2"``, ``"degC"``, ``"month"``.

    Raises
    ------
    UnitError
        If the spelling is not known.
    """
    if not isinstance(text, str) or not text.strip():
        raise UnitError(f"unit {text!r} is empty or not text")
    if text in UNIT_LABELS:
        return text
    folded = _fold(text)
    if folded in _ALIASES:
        return _ALIASES[folded]
    raise UnitError(f"unknown unit {text!r}; known units: {', '.join(sorted(UNIT_LABELS))}")


def normalize_units(units: pd.Series) -> pd.Series:
    """Vectorised :func:`normalize_unit`; unknown or empty spellings become ``NA``.

    Only the distinct spellings are looked up, so the cost does not grow with
    the number of rows beyond one ``map``.
    """
    uniques = pd.unique(units.astype("object"))
    table = {}
    for u in uniques:
        try:
            table[u] = normalize_unit(u)
        except UnitError:
            table[u] = np.nan
    return units.astype("object").map(table)
