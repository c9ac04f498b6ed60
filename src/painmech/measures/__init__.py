"""Raw observations to metrics, one module per protocol family.

The public entry point is :func:`compute_metrics`; protocol choices that the
published protocols leave open are explicit in :class:`MetricOptions`. Every
metric id, unit and sign convention is defined in :mod:`painmech.registry`.
"""

from painmech.measures._blood import blood_metrics
from painmech.measures._compute import FAMILIES, Family, compute_metrics
from painmech.measures._connectivity import DEFAULT_EDGES, connectivity_metrics
from painmech.measures._imaging import greymatter_metrics
from painmech.measures._options import MetricOptions
from painmech.measures._study import study_metrics
from painmech.measures._table import METRIC_COLUMNS, check_metrics, empty_metrics
from painmech.measures._tdcs import homeostatic_metrics
from painmech.measures._tms import tms_map_metrics, tms_site_means

__all__ = [
    "DEFAULT_EDGES",
    "FAMILIES",
    "METRIC_COLUMNS",
    "Family",
    "MetricOptions",
    "blood_metrics",
    "check_metrics",
    "compute_metrics",
    "connectivity_metrics",
    "empty_metrics",
    "greymatter_metrics",
    "homeostatic_metrics",
    "study_metrics",
    "tms_map_metrics",
    "tms_site_means",
]
