"""All metrics of a study: observations plus the instrument tables, in one call."""

from __future__ import annotations

import pandas as pd

from painmech.measures._compute import compute_metrics
from painmech.measures._connectivity import connectivity_metrics
from painmech.measures._options import MetricOptions
from painmech.measures._table import empty_metrics
from painmech.measures._tdcs import homeostatic_metrics
from painmech.measures._tms import tms_map_metrics

__all__ = ["study_metrics"]


def study_metrics(observations: pd.DataFrame, subjects: pd.DataFrame | None = None, *,
                  tms: pd.DataFrame | None = None, tdcs: pd.DataFrame | None = None,
                  roi: pd.DataFrame | None = None,
                  options: MetricOptions | None = None) -> pd.DataFrame:
    """Compute every metric a study's tables allow, as one metrics table.

    Parameters
    ----------
    observations : pandas.DataFrame
        Validated observations (:func:`compute_metrics`).
    subjects : pandas.DataFrame, optional
        ``subject, sex, age, condition`` (site roles depend on the condition).
    tms, tdcs, roi : pandas.DataFrame, optional
        TMS grid (:func:`tms_map_metrics`), tDCS MEP series
        (:func:`homeostatic_metrics`) and ROI time series
        (:func:`connectivity_metrics`), each in its default protocol. Empty or
        missing tables contribute nothing.
    options : MetricOptions, optional
        Protocol choices for the observations.

    Returns
    -------
    pandas.DataFrame
        The metrics table of design.md §3, observation metrics first, then
        TMS, tDCS and connectivity metrics.
    """
    parts = [compute_metrics(observations, subjects, options=options)]
    for table, family in ((tms, tms_map_metrics), (tdcs, homeostatic_metrics),
                          (roi, connectivity_metrics)):
        if table is not None and len(table):
            parts.append(family(table))
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else empty_metrics()
