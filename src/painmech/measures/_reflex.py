"""Nociceptive withdrawal reflex thresholds and the tender-point count.

* ``nwr_threshold``, ``nwr_ts_threshold`` (mA): the mean of the threshold
  estimates (one per trial) of the nociceptive withdrawal (RIII) reflex to a
  single electrical stimulus and to a train of repeated stimuli — the second
  is the reflex's temporal summation threshold, a temporal-summation measure
  beside the rating-based ones (Neziri et al. 2010 Eur J Pain 14:134;
  Arendt-Nielsen et al. 1994 Eur J Appl Physiol 68:266). How each estimate was
  found (staircase, EMG criterion) is the lab's protocol, not checked here.
* ``tender_point_count``: the number of the 18 ACR 1990 points (``trial`` =
  point number 1–18) reported painful under about 4 kg of digital pressure
  (Wolfe et al. 1990 Arthritis Rheum 33:160) — the clinical correlate of
  pressure hyperalgesia. A count over fewer points is not comparable, so all
  18 must be recorded; otherwise the value is NaN with the reason in
  ``method`` (nothing is prorated).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from painmech.measures._somatosensory import item_total
from painmech.measures._table import concat_metrics, metric_rows, trial_summary

__all__ = ["REFLEX_MEASURES", "TENDER_POINTS", "reflex_metrics"]

#: Raw measures consumed by :func:`reflex_metrics`.
REFLEX_MEASURES = ("nwr_threshold", "nwr_ts_threshold", "tender_point")
#: Number of tender points of the ACR 1990 criteria (Wolfe et al. 1990).
TENDER_POINTS = 18


def reflex_metrics(obs: pd.DataFrame) -> pd.DataFrame:
    """Withdrawal-reflex thresholds and the tender-point count.

    Parameters
    ----------
    obs : pandas.DataFrame
        Observations of :data:`REFLEX_MEASURES` in canonical units (mA; 0/1
        flags with ``trial`` = tender-point number), site and side ``"none"``.

    Returns
    -------
    pandas.DataFrame
        Metrics rows ``nwr_threshold``, ``nwr_ts_threshold`` (mean of the
        trials, mA) and ``tender_point_count`` (0–18).
    """
    present = set(pd.unique(obs["measure"]))
    parts = []
    for nwr in ("nwr_threshold", "nwr_ts_threshold"):
        if nwr in present:
            s = trial_summary(obs, nwr)
            parts.append(metric_rows(s, nwr, s["mean"], s["n"], "mean of trials"))
    if "tender_point" in present:
        s, value, method = item_total(obs, "tender_point", TENDER_POINTS, 0)
        method = np.char.replace(method.astype(str), "items", "points")
        parts.append(metric_rows(s, "tender_point_count", value, s["n"], method))
    return concat_metrics(parts)
