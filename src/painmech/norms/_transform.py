"""The transform applied to a metric before it is compared with a reference.

``"log10"`` acts on the magnitude of the value, so that the signed thermal
detection metric ``cdt`` (negative by construction) is scored on its distance
from the 32 °C baseline, as the DFNS does (Rolke et al. 2006 Pain 123:231);
for every other log-normal metric the value is positive anyway. A magnitude
of 0 has no logarithm: the transformed value is NaN and the reason is given.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from painmech.registry import METRICS

__all__ = ["map_distinct", "metric_attribute", "transform_values"]


def map_distinct(keys: pd.Series, mapping) -> pd.Series:
    """``keys.map(mapping)``, computed once per distinct key.

    Mapping a long column of Arrow-backed strings converts every cell to a
    Python object; a metrics table has only a few dozen distinct ids, so the
    keys are factorised (integer codes, no conversion), the distinct keys are
    mapped, and the mapped values are taken back by code. The result equals
    ``keys.map(mapping)`` (same values, dtype, index and name).

    Parameters
    ----------
    keys : pandas.Series
        Keys to look up (e.g. metric ids).
    mapping : dict, pandas.Series or callable
        Anything :meth:`pandas.Series.map` accepts.
    """
    codes, distinct = pd.factorize(keys)
    if len(codes) and codes.min() < 0:  # missing keys: leave them to pandas
        return keys.map(mapping)
    mapped = pd.Series(distinct).map(mapping)
    return pd.Series(mapped.array.take(codes), index=keys.index, name=keys.name)


def metric_attribute(metric: pd.Series, attribute: str) -> pd.Series:
    """Map metric ids to one attribute of their registry entry (NaN if unknown)."""
    return map_distinct(metric, {m.id: getattr(m, attribute) for m in METRICS.values()})


def transform_values(metric: pd.Series, value: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Apply each metric's registered transform, vectorised.

    Parameters
    ----------
    metric : pandas.Series of str
        Metric ids.
    value : pandas.Series of float
        Values in the metric's unit.

    Returns
    -------
    transformed : numpy.ndarray of float
        ``log10(|value|)`` for log10 metrics, ``value`` otherwise; NaN where
        the value is NaN or cannot be transformed.
    reason : numpy.ndarray of str
        ``""`` or why the transformed value is NaN.
    """
    kind = metric_attribute(metric, "transform").to_numpy(dtype=object)
    x = value.to_numpy(dtype=float)
    is_log = kind == "log10"
    mag = np.abs(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        logged = np.where(mag > 0, np.log10(mag), np.nan)
    out = np.where(is_log, logged, x)
    reason = np.full(len(x), "", dtype=object)
    reason[is_log & (mag == 0)] = "a value of 0 cannot be log-transformed"
    reason[np.isnan(x)] = "no value"
    return out, reason
