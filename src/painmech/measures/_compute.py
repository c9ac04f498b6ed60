"""The single entry point from observations to metrics: :func:`compute_metrics`.

Each protocol family is one :class:`Family` record in :data:`FAMILIES`: the raw
measures it consumes and the function that turns their observations into
metrics rows. :func:`compute_metrics` hands every family only its own rows and
concatenates the results, so a new family is one more line in the tuple.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from painmech._utils._checks import check_columns, problem_frame
from painmech._utils._lookup import member, positions
from painmech.exceptions import ValidationError
from painmech.measures._blood import BLOOD_MEASURES, blood_metrics
from painmech.measures._clinical import CLINICAL_MEASURES, clinical_metrics
from painmech.measures._connectivity import fc_observation_metrics
from painmech.measures._dynamic import DYNAMIC_MEASURES, dynamic_metrics
from painmech.measures._imaging import GMV_MEASURES, greymatter_metrics
from painmech.measures._options import MetricOptions
from painmech.measures._qst import QST_MEASURES, qst_metrics
from painmech.measures._reflex import REFLEX_MEASURES, reflex_metrics
from painmech.measures._somatosensory import SOMATOSENSORY_MEASURES, somatosensory_metrics
from painmech.measures._table import KEY, STR, check_observations, concat_metrics, site_roles

__all__ = ["FAMILIES", "Family", "compute_metrics"]


@dataclass(frozen=True)
class Family:
    """One protocol family of the observations → metrics step.

    Attributes
    ----------
    name : str
        Human-readable name (used in error messages).
    measures : tuple of str
        Raw measure ids whose observations the family consumes.
    compute : callable
        ``compute(observations) -> metrics`` or, when ``configurable``,
        ``compute(observations, options)``; it receives only the rows of its
        ``measures`` and returns rows with the metrics-table columns.
    configurable : bool
        Whether ``compute`` takes the :class:`MetricOptions` as second argument.
    """

    name: str
    measures: tuple[str, ...]
    compute: Callable[..., pd.DataFrame]
    configurable: bool = False


#: The families run by :func:`compute_metrics`, in output order.
#:
#: Blood markers (crp, il6, tnf_alpha, il1_beta) honour an optional
#: ``censored`` column of the observations (see :func:`painmech.io.read_blood`).
FAMILIES: tuple[Family, ...] = (
    Family("DFNS QST", QST_MEASURES, qst_metrics, configurable=True),
    Family("temporal summation and CPM", DYNAMIC_MEASURES, dynamic_metrics, configurable=True),
    Family("somatosensory", SOMATOSENSORY_MEASURES, somatosensory_metrics, configurable=True),
    Family("clinical questionnaires", CLINICAL_MEASURES, clinical_metrics, configurable=True),
    Family("withdrawal reflex and tender points", REFLEX_MEASURES, reflex_metrics),
    Family("blood markers", BLOOD_MEASURES, blood_metrics),
    Family("grey matter", GMV_MEASURES, greymatter_metrics),
    Family("recorded connectivity", ("fc",), fc_observation_metrics),
)


def _check_subjects(obs: pd.DataFrame, subjects: pd.DataFrame) -> None:
    check_columns(subjects, ["subject", "condition"], "subjects")
    orphan = ~member(obs["subject"].astype(str), subjects["subject"].astype(str))
    if orphan.any():
        rows = np.flatnonzero(orphan) + 2
        raise ValidationError(problem_frame([pd.DataFrame({
            "file": "<observations>", "row": rows, "column": "subject",
            "value": obs["subject"].to_numpy()[orphan],
            "reason": "subject has no row in the subjects table"})]))


def compute_metrics(observations: pd.DataFrame, subjects: pd.DataFrame | None = None,
                    options: MetricOptions | None = None) -> pd.DataFrame:
    """Turn trial-level observations into the metrics table.

    Parameters
    ----------
    observations : pandas.DataFrame
        Validated observations in canonical units (as returned by
        :func:`painmech.io.read_observations` or
        :func:`painmech.registry.validate_observations`): ``subject, visit,
        measure, site, side, trial, value, unit``.
    subjects : pandas.DataFrame, optional
        ``subject, sex, age, condition``. When given, every observed subject
        must be listed, and a ``site_role`` column (``local``, ``remote`` or
        ``none`` for the subject's condition, design.md §3) is added.
    options : MetricOptions, optional
        Protocol choices (MPS offset, wind-up rule for zero ratings, CPM design
        and near-zero baselines, missing-item rules); defaults documented in
        :class:`MetricOptions`.

    Returns
    -------
    pandas.DataFrame
        One row per subject, visit, metric, site and side with the columns

        - ``subject`` (str), ``visit`` (int64)
        - ``metric`` (str): a metric id of :data:`painmech.registry.METRICS`
        - ``site``, ``side`` (str): ``side = "bilateral"`` for side-to-side
          comparisons, ``"none"`` where the metric has no site
        - ``value`` (float64) in ``unit`` (the metric's registered unit); NaN
          when the metric is undefined, with the reason in ``method``
        - ``n_trials`` (int64): trials or items that went into the value
        - ``method`` (str): how the value was computed (or why it is NaN)
        - ``censored`` (str): ``""``, ``"left"`` (a trial at the 0 °C cut-off)
          or ``"right"`` (a trial at the 50 °C cut-off)
        - ``site_role`` (str), only when ``subjects`` is given.

        Sign conventions are those of each metric's registry entry
        (e.g. ``cdt`` negative, ``cpm_effect`` positive = inhibition).

    Raises
    ------
    ValidationError
        When observations are not validated/canonical (unknown measure, unit
        that is not canonical, duplicate key) or a subject is missing from
        ``subjects``.
    """
    options = MetricOptions() if options is None else options
    check_observations(observations)
    if subjects is not None:
        _check_subjects(observations, subjects)
    # text keys stay (or become) Arrow strings: they are compared, sorted and grouped
    # natively, and metric rows reuse them without a round trip through Python objects
    obs = observations.astype({"subject": STR, "measure": STR, "site": STR, "side": STR,
                               "visit": "int64", "trial": "int64", "value": float})
    parts = []
    m_code, m_ids = pd.factorize(obs["measure"])  # families pick their rows by code
    for family in FAMILIES:
        rows = obs.loc[np.append(m_ids.isin(family.measures), False)[m_code]]
        if rows.empty:
            continue
        parts.append(family.compute(rows, options) if family.configurable
                     else family.compute(rows))
    metrics = concat_metrics(parts).sort_values(KEY, kind="stable").reset_index(drop=True)
    if subjects is not None:
        # each row's condition as a code: subject -> row of the subjects table -> condition
        subj = subjects.drop_duplicates("subject")
        pos = positions(metrics["subject"], subj["subject"])
        cond_code, conds = pd.factorize(subj["condition"], use_na_sentinel=False)
        cond_of_row = np.where(pos >= 0, np.append(cond_code, -1)[pos], -1)
        metrics["site_role"] = site_roles(metrics["site"], cond_of_row, conds).array
    return metrics
