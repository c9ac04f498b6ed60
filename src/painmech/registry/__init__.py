"""The measure registry: measures, metrics, units, sites, conditions, mechanisms.

This is the only place in painmech that states a unit, a limit, a direction of
gain or a site role. Everything else asks the registry.
"""

from __future__ import annotations

import difflib

import numpy as np
import pandas as pd

from painmech.exceptions import UnknownMeasureError
from painmech.registry._convert import conversion_table, to_canonical
from painmech.registry._measures import MEASURES
from painmech.registry._metrics_neuro import NEURO_METRICS
from painmech.registry._metrics_qst import QST_METRICS
from painmech.registry._sites import CONDITIONS, MECHANISMS, NO_SITE, SEXES, SIDES, SITES
from painmech.registry._types import Condition, Measure, Mechanism, Metric, Site
from painmech.registry._units import UNIT_LABELS, normalize_unit, normalize_units
from painmech.registry._validate import (
    Validated,
    parse_numbers,
    validate_observations,
    validate_subjects,
)

__all__ = [
    "CONDITIONS",
    "MEASURES",
    "MECHANISMS",
    "METRICS",
    "NO_SITE",
    "SEXES",
    "SIDES",
    "SITES",
    "UNIT_LABELS",
    "Validated",
    "Condition",
    "Measure",
    "Mechanism",
    "Metric",
    "Site",
    "conversion_table",
    "get_condition",
    "get_measure",
    "get_metric",
    "local_sites",
    "measures_table",
    "metrics_table",
    "normalize_unit",
    "normalize_units",
    "parse_numbers",
    "site_role",
    "to_canonical",
    "validate_observations",
    "validate_subjects",
]

#: Every derived metric, keyed by id.
METRICS: dict[str, Metric] = {m.id: m for m in (*QST_METRICS, *NEURO_METRICS)}


def _lookup(table: dict, key: object, what: str):
    try:
        return table[key]
    except (KeyError, TypeError):
        close = difflib.get_close_matches(str(key), [str(k) for k in table], n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UnknownMeasureError(f"unknown {what} {key!r}{hint}") from None


def get_measure(measure_id: str) -> Measure:
    """Return the registry entry of a raw measure.

    Raises
    ------
    UnknownMeasureError
        If the id is not registered (the message suggests close ids).
    """
    return _lookup(MEASURES, measure_id, "measure")


def get_metric(metric_id: str) -> Metric:
    """Return the registry entry of a derived metric."""
    return _lookup(METRICS, metric_id, "metric")


def get_condition(condition_id: str) -> Condition:
    """Return the registry entry of a condition."""
    return _lookup(CONDITIONS, condition_id, "condition")


def local_sites(condition_id: str) -> tuple[str, ...]:
    """Return the sites that are local (in the painful region) for a condition."""
    return get_condition(condition_id).local_sites


def site_role(sites: pd.Series, conditions: pd.Series) -> pd.Series:
    """Classify test sites as ``"local"`` or ``"remote"`` for each row's condition.

    Parameters
    ----------
    sites : pandas.Series of str
        Body-site ids.
    conditions : pandas.Series of str
        Condition ids, aligned with ``sites``.

    Returns
    -------
    pandas.Series of str
        ``"local"`` where the site is local for the condition, ``"remote"`` for
        any other body site, ``"none"`` where the row has no body site.
    """
    pairs = {(c.id, s) for c in CONDITIONS.values() for s in c.local_sites}
    key = pd.MultiIndex.from_arrays([conditions.astype(str), sites.astype(str)])
    is_local = key.isin(list(pairs)) if pairs else np.zeros(len(key), bool)
    is_body = sites.isin(list(SITES)).to_numpy()
    out = np.where(is_local, "local", np.where(is_body, "remote", NO_SITE))
    return pd.Series(out, index=sites.index, name="site_role")


def measures_table() -> pd.DataFrame:
    """The registry of raw measures as a table (one row per measure)."""
    return pd.DataFrame(
        [
            {
                "measure": m.id,
                "label_en": m.label_en,
                "label_de": m.label_de,
                "unit": m.unit,
                "accepted_units": ", ".join(m.units),
                "hard_min": m.hard[0],
                "hard_max": m.hard[1],
                "usual_min": m.usual[0] if m.usual else np.nan,
                "usual_max": m.usual[1] if m.usual else np.nan,
                "transform": m.transform,
                "gain": m.gain,
                "mechanisms": ", ".join(m.mechanisms),
                "site_kind": m.site_kind,
                "source": m.source,
            }
            for m in MEASURES.values()
        ]
    )


def metrics_table() -> pd.DataFrame:
    """The registry of derived metrics as a table (one row per metric)."""
    return pd.DataFrame(
        [
            {
                "metric": m.id,
                "label_en": m.label_en,
                "label_de": m.label_de,
                "unit": m.unit,
                "transform": m.transform,
                "gain": m.gain,
                "mechanisms": ", ".join(m.mechanisms),
                "score_kind": m.score_kind,
                "site_kind": m.site_kind,
                "description": m.description,
                "source": m.source,
            }
            for m in METRICS.values()
        ],
        columns=[
            "metric", "label_en", "label_de", "unit", "transform", "gain", "mechanisms",
            "score_kind", "site_kind", "description", "source",
        ],
    )

