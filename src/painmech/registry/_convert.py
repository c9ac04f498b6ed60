"""Vectorised conversion of recorded values to each measure's canonical unit."""

from __future__ import annotations

import numpy as np
import pandas as pd

from painmech.registry._measures import MEASURES
from painmech.registry._units import normalize_units

__all__ = ["conversion_table", "to_canonical"]


def conversion_table() -> pd.DataFrame:
    """All accepted (measure, unit) pairs with their factor and offset to canonical."""
    rows = [
        (m.id, unit, m.unit, f, o) for m in MEASURES.values() for unit, (f, o) in m.units.items()
    ]
    return pd.DataFrame(rows, columns=["measure", "unit", "canonical_unit", "factor", "offset"])


def to_canonical(
    values: pd.Series, units: pd.Series, measures: pd.Series
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Convert values to each measure's canonical unit, vectorised.

    Parameters
    ----------
    values : pandas.Series of float
        The values as recorded.
    units : pandas.Series of str
        Their units as written in the file (any known spelling).
    measures : pandas.Series of str
        Measure ids, aligned with ``values``.

    Returns
    -------
    converted : pandas.Series of float
        Values in the canonical unit; ``NaN`` where conversion failed.
    canonical_unit : pandas.Series of str
        The canonical unit id of each row's measure (``NA`` if unknown measure).
    reason : pandas.Series of str
        Empty where conversion worked, otherwise why it did not.
    """
    unit_id = normalize_units(units)
    table = conversion_table()
    key = pd.DataFrame({"measure": measures.astype(object).to_numpy(),
                        "unit": unit_id.astype(object).to_numpy()})
    table = table.astype({"measure": object, "unit": object})
    merged = key.merge(table, on=["measure", "unit"], how="left")
    factor = merged["factor"].to_numpy(dtype=float)
    offset = merged["offset"].to_numpy(dtype=float)
    converted = values.to_numpy(dtype=float) * factor + offset
    canon = measures.map({m.id: m.unit for m in MEASURES.values()})
    reason = np.full(len(values), "", dtype=object)
    known_measure = measures.isin(list(MEASURES)).to_numpy()
    bad_spelling = unit_id.isna().to_numpy() & known_measure
    reason[bad_spelling] = "unknown unit"
    not_accepted = np.isnan(factor) & ~bad_spelling & known_measure
    for mid in pd.unique(measures[not_accepted]):
        accepted = ", ".join(MEASURES[mid].units)
        reason[not_accepted & (measures == mid).to_numpy()] = (
            f"unit not convertible to {MEASURES[mid].unit} for measure {mid} "
            f"(accepted: {accepted})"
        )
    return (
        pd.Series(converted, index=values.index, name="value"),
        pd.Series(canon.to_numpy(), index=values.index, name="unit"),
        pd.Series(reason, index=values.index, name="reason"),
    )
