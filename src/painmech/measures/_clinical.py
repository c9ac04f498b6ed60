"""Clinical questionnaires and pain history.

Recorded totals (``pain_intensity, pain_duration, pain_state, odi, ndi, rmdq,
pcs, dass21_stress, pds_hyperarousal``) pass through as metrics with the same
id (the mean when a visit has several records). Item-level answers are scored:

* ``odi_item`` (10 sections, 0–5) → ``odi`` % = sum / (5 × answered) × 100
  (Fairbank & Pynsent 2000 Spine 25:2940);
* ``ndi_item`` (10 sections, 0–5) → ``ndi`` %, same arithmetic (Vernon & Mior
  1991 JMPT 14:409);
* ``pcs_item`` (13 items, 0–4) → ``pcs`` 0–52 (Sullivan et al. 1995).

Missing items: scored while at most ``*_max_missing`` items are missing
(default 1; see :class:`~painmech.measures.MetricOptions` for the source),
otherwise NaN with the reason in ``method``. painmech keeps decimals (the ODI
with one missing section of a 16-point sum is 16/45 = 35.56 %); awell-score
rounds this case to 36 %, while qhs goes on prorating with 2 or more missing
sections, which painmech refuses.

When a visit has both items and a recorded total, the items are scored and the
recorded total is named in ``method`` but not used.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from painmech.measures._options import MetricOptions
from painmech.measures._somatosensory import item_total
from painmech.measures._table import concat_metrics, metric_rows, text_where, trial_summary

__all__ = ["CLINICAL_MEASURES", "clinical_metrics"]

_TOTALS = ("pain_intensity", "pain_duration", "pain_state", "odi", "ndi", "rmdq", "pcs",
           "dass21_stress", "pds_hyperarousal")
#: item measure -> (total metric, number of items, scale of the prorated sum, option name)
_ITEMS = {
    "odi_item": ("odi", 10, 100.0 / 50.0, "odi_max_missing"),
    "ndi_item": ("ndi", 10, 100.0 / 50.0, "ndi_max_missing"),
    "pcs_item": ("pcs", 13, 1.0, "pcs_max_missing"),
}

#: Raw measures consumed by :func:`clinical_metrics`.
CLINICAL_MEASURES = (*_TOTALS, *_ITEMS)

_KEY = ["subject", "visit"]


def _recorded(obs: pd.DataFrame, measure: str) -> pd.DataFrame:
    s = trial_summary(obs, measure)
    method = text_where(s["n"] > 1, lambda m: "mean of " + s["n"][m].astype(str)
                        + " recorded values", "recorded")
    return metric_rows(s, measure, s["mean"], s["n"], method)


def _from_items(obs, item_measure, options, recorded: pd.DataFrame | None) -> list:
    total, n_items, scale, option = _ITEMS[item_measure]
    s, value, method = item_total(obs, item_measure, n_items, getattr(options, option), scale)
    rows = metric_rows(s, total, value, s["n"], method)
    if recorded is None or recorded.empty:
        return [rows, recorded]
    both = rows[_KEY].merge(recorded[[*_KEY, "value"]], on=_KEY, how="left")
    had_total = both["value"].notna().to_numpy()
    note = "; recorded total " + both["value"].round(2).astype(str) + " not used"
    rows["method"] = np.where(had_total, rows["method"] + note.to_numpy(), rows["method"])
    keep = ~recorded.set_index(_KEY).index.isin(rows.set_index(_KEY).index)
    return [rows, recorded.loc[keep]]


def clinical_metrics(obs: pd.DataFrame, options: MetricOptions) -> pd.DataFrame:
    """Questionnaire and pain-history metrics from validated observations.

    Parameters
    ----------
    obs : pandas.DataFrame
        Observations of :data:`CLINICAL_MEASURES` (site and side ``"none"``).
    options : MetricOptions
        ``odi_max_missing``, ``ndi_max_missing`` and ``pcs_max_missing``.

    Returns
    -------
    pandas.DataFrame
        Metrics rows with the ids of the recorded measures (``pain_intensity``
        NRS 0–10, ``pain_duration`` months, ``pain_state`` flag, ``odi`` and
        ``ndi`` %, ``rmdq``, ``pcs``, ``dass21_stress``, ``pds_hyperarousal``
        scores).
    """
    present = set(pd.unique(obs["measure"]))
    recorded = {m: _recorded(obs, m) for m in _TOTALS if m in present}
    for item_measure, (total, *_rest) in _ITEMS.items():
        if item_measure in present:
            rows, kept = _from_items(obs, item_measure, options, recorded.get(total))
            recorded[total] = concat_metrics([rows] + ([kept] if kept is not None else []))
    return concat_metrics(list(recorded.values()))
