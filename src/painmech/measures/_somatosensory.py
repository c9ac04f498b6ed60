"""Somatosensory acuity and body perception: 2PD, graphaesthesia, FreBAQ.

* ``tpd``: mean two-point discrimination threshold (mm) per site and side,
  orientation not stated.
* ``tpd_vertical``, ``tpd_horizontal``: the same per orientation of the
  caliper tips (vertical = along the body's long axis, horizontal = across it;
  Morf et al. 2021 BMC Musculoskelet Disord 22:666). The observation contract
  has no orientation column, so the orientation is part of the measure id;
  each orientation is its own metric with its own reference (the two differ
  systematically: 49 vs 60 mm on the lower back in acute LBP, Morf 2021).
* ``graphesthesia_errors``: sum of the 0/1 error flags (one per drawn
  figure); ``graphesthesia_error_rate`` = errors / figures (Wand et al. 2010
  Physiotherapy 96:317).
* ``frebaq_total``: sum of the 9 items scored 0–4 (Wand et al. 2014), 0–36.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from painmech.measures._options import MetricOptions
from painmech.measures._table import concat_metrics, metric_rows, trial_summary

__all__ = ["SOMATOSENSORY_MEASURES", "TPD_MEASURES", "item_total", "somatosensory_metrics"]

#: Raw measures consumed by :func:`somatosensory_metrics`.
SOMATOSENSORY_MEASURES = ("tpd", "tpd_vertical", "tpd_horizontal", "graphesthesia_error",
                          "frebaq_item")

#: Two-point measures; each becomes a metric of the same id (mean of the trials).
TPD_MEASURES = ("tpd", "tpd_vertical", "tpd_horizontal")

#: Number of FreBAQ items (Wand et al. 2014).
FREBAQ_ITEMS = 9


def item_total(obs: pd.DataFrame, measure: str, n_items: int, max_missing: int,
               scale: float = 1.0) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Score a questionnaire from its items, prorating a few missing ones.

    Parameters
    ----------
    obs : pandas.DataFrame
        Observations; rows of ``measure`` hold one item each (``trial`` = item).
    measure : str
        Item measure id.
    n_items : int
        Number of items of the instrument.
    max_missing : int
        Largest number of missing items that is still scored.
    scale : float
        Multiplies the prorated sum (e.g. ``100 / (5 × n_items)`` for a
        percentage).

    Returns
    -------
    summary : pandas.DataFrame
        One row per subject and visit (``n`` = answered items).
    value : numpy.ndarray
        ``sum × n_items / answered × scale``; NaN when more than
        ``max_missing`` items are missing.
    method : numpy.ndarray of str
        How the value was obtained, or why it is missing.
    """
    s = trial_summary(obs, measure)
    answered = s["n"].to_numpy()
    missing = n_items - answered
    ok = missing <= max_missing
    value = np.where(ok, s["sum"].to_numpy() * n_items / answered * scale, np.nan)
    method = np.where(
        missing == 0, f"sum of {n_items} items",
        np.where(ok, "prorated from " + s["n"].astype(str) + f" of {n_items} items",
                 "not scored: " + pd.Series(missing).astype(str).to_numpy()
                 + f" of {n_items} items missing (at most {max_missing} allowed)"))
    return s, value, method


def somatosensory_metrics(obs: pd.DataFrame, options: MetricOptions) -> pd.DataFrame:
    """Two-point discrimination, graphaesthesia and FreBAQ metrics.

    Parameters
    ----------
    obs : pandas.DataFrame
        Observations of :data:`SOMATOSENSORY_MEASURES` in canonical units
        (mm; 0/1 flags; item scores 0–4 with ``trial`` = item number).
    options : MetricOptions
        ``frebaq_max_missing`` is used here.

    Returns
    -------
    pandas.DataFrame
        Metrics rows ``tpd, tpd_vertical, tpd_horizontal, graphesthesia_errors,
        graphesthesia_error_rate, frebaq_total``.
    """
    present = set(pd.unique(obs["measure"]))
    parts: list[pd.DataFrame] = []
    for tpd in TPD_MEASURES:
        if tpd in present:
            s = trial_summary(obs, tpd)
            parts.append(metric_rows(s, tpd, s["mean"], s["n"], "mean of trials"))
    if "graphesthesia_error" in present:
        s = trial_summary(obs, "graphesthesia_error")
        parts.append(metric_rows(s, "graphesthesia_errors", s["sum"], s["n"],
                                 "errors over " + s["n"].astype(str) + " figures"))
        parts.append(metric_rows(s, "graphesthesia_error_rate", s["sum"] / s["n"], s["n"],
                                 "errors / figures"))
    if "frebaq_item" in present:
        s, value, method = item_total(obs, "frebaq_item", FREBAQ_ITEMS,
                                      options.frebaq_max_missing)
        parts.append(metric_rows(s, "frebaq_total", value, s["n"], method))
    return concat_metrics(parts)
