"""Whole-column pipeline functions shared by single-machine and partitioned runs."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from painmech._utils._checks import check_columns
from painmech._utils._lookup import member
from painmech.measures import MetricOptions, compute_metrics
from painmech.measures._table import KEY
from painmech.mechanisms import profile
from painmech.norms import ReferenceSet, zscore

__all__ = ["PipelineResult", "control_metrics", "fit_reference", "profile_partition",
           "run_profile"]

#: Name of a reference set fitted on the healthy subjects of the input.
FITTED_NAME = "fitted_from_input"


@dataclass
class PipelineResult:
    """The tables of one pipeline run (design.md §3).

    Attributes
    ----------
    metrics : pandas.DataFrame or None
        Output of :func:`painmech.measures.compute_metrics` (None unless kept).
    scores : pandas.DataFrame or None
        Output of :func:`painmech.norms.zscore` (None unless kept).
    profile : pandas.DataFrame
        Output of :func:`painmech.mechanisms.profile`.
    reference : ReferenceSet
        The reference set the z-scores were computed against.
    """

    metrics: pd.DataFrame | None
    scores: pd.DataFrame | None
    profile: pd.DataFrame
    reference: ReferenceSet


def _subjects_of(subjects: pd.DataFrame, observations: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``subjects`` for the subjects present in ``observations``."""
    check_columns(subjects, ["subject", "sex", "age", "condition"], "subjects")
    return subjects.loc[member(subjects["subject"], observations["subject"].unique())]


def control_metrics(observations: pd.DataFrame, subjects: pd.DataFrame, *,
                    condition: str = "healthy",
                    options: MetricOptions | None = None) -> pd.DataFrame:
    """Metrics of the reference subjects (``condition``) only.

    Metrics are computed per subject, so the rows equal those of the
    whole-table metrics for these subjects; partition results can be
    concatenated and passed to :func:`fit_reference`.
    """
    check_columns(subjects, ["subject", "condition"], "subjects")
    controls = subjects.loc[subjects["condition"].astype(str).eq(condition), "subject"]
    obs = observations.loc[member(observations["subject"], controls)]
    if obs.empty:
        return compute_metrics(observations.iloc[:0])
    return compute_metrics(obs, _subjects_of(subjects, obs), options=options)


def fit_reference(metrics: pd.DataFrame, subjects: pd.DataFrame, *, name: str = FITTED_NAME,
                  min_n: int = 10, **kwargs) -> ReferenceSet:
    """Fit a :class:`~painmech.norms.ReferenceSet` on the controls of a metrics table.

    The rows are first put in the canonical metrics order (subject, visit,
    metric, site, side), so metrics gathered partition by partition give the
    same set, to the last bit, as the whole-table metrics.

    Parameters
    ----------
    metrics : pandas.DataFrame
        Metrics table (whole, or the controls' rows only).
    subjects : pandas.DataFrame
        ``subject, sex, age, condition``.
    name : str
        Name of the set (written into every score row's ``ref``).
    min_n : int
        Smallest reference group kept (see :class:`~painmech.norms.ReferenceSet`).
    **kwargs
        Other :class:`~painmech.norms.ReferenceSet` options (``age_bands``,
        ``by_sex``, ``smooth_age``, ``condition``).

    Raises
    ------
    ValueError
        When the subjects table has no subject of the reference condition.
    """
    condition = kwargs.get("condition", "healthy")
    is_control = subjects["condition"].astype(str).eq(condition)
    if not is_control.any():
        raise ValueError(f"no {condition!r} subjects to fit a reference set from; pass a "
                         "reference set instead")
    # only the controls' rows enter the fit: sorting just those gives them the same
    # relative order as sorting the whole table (the sort is stable)
    first = subjects.drop_duplicates("subject")
    controls = pd.Index(first.loc[first["condition"].astype(str).eq(condition), "subject"])
    rows = metrics.loc[member(metrics["subject"], controls)]
    ordered = rows.sort_values(KEY, kind="stable").reset_index(drop=True)
    return ReferenceSet(name, min_n=min_n, **kwargs).fit(ordered, subjects)


def profile_partition(observations: pd.DataFrame, subjects: pd.DataFrame, ref: ReferenceSet,
                      *, options: MetricOptions | None = None, keep_scores: bool = False,
                      **zscore_kwargs) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Profile the subjects of one partition against an already fitted reference set.

    Parameters
    ----------
    observations : pandas.DataFrame
        Validated observations of whole subjects (every row of each subject
        present, as in a subject-partitioned dataset).
    subjects : pandas.DataFrame
        ``subject, sex, age, condition``; may list more subjects than the
        partition holds (only the partition's subjects are used).
    ref : ReferenceSet
        Fitted reference set (:func:`fit_reference` or
        :meth:`~painmech.norms.ReferenceSet.load`).
    options : MetricOptions, optional
        Protocol choices of :func:`~painmech.measures.compute_metrics`.
    keep_scores : bool
        Also return the scores table.
    **zscore_kwargs
        Passed to :func:`painmech.norms.zscore` (``threshold``, ``trunk_cpt``,
        ``count_limits``).

    Returns
    -------
    pandas.DataFrame or (pandas.DataFrame, pandas.DataFrame)
        The profile (columns of :data:`painmech.mechanisms.PROFILE_COLUMNS`),
        or ``(profile, scores)`` when ``keep_scores``.
    """
    subj = _subjects_of(subjects, observations)
    metrics = compute_metrics(observations, subj, options=options)
    scores = zscore(metrics, subj, ref, **zscore_kwargs)
    prof = profile(scores, subj)
    return (prof, scores) if keep_scores else prof


def run_profile(observations: pd.DataFrame, subjects: pd.DataFrame,
                ref: ReferenceSet | None = None, *, options: MetricOptions | None = None,
                min_n: int = 10, keep: tuple[str, ...] = ("metrics", "scores"),
                **zscore_kwargs) -> PipelineResult:
    """Run observations → metrics → z-scores → mechanism profile on whole columns.

    Parameters
    ----------
    observations : pandas.DataFrame
        Validated observations in canonical units (``subject, visit, measure,
        site, side, trial, value, unit``).
    subjects : pandas.DataFrame
        ``subject, sex, age, condition``.
    ref : ReferenceSet, optional
        Fitted reference set. Without it one is fitted on the healthy subjects
        of the input (:func:`fit_reference`, name ``"fitted_from_input"``) —
        the route DFNS labs recommend for their own controls.
    options : MetricOptions, optional
        Protocol choices of :func:`~painmech.measures.compute_metrics`.
    min_n : int
        Smallest reference group kept when fitting.
    keep : tuple of {"metrics", "scores"}
        Intermediate tables to keep in the result (dropping them saves memory).
    **zscore_kwargs
        Passed to :func:`painmech.norms.zscore`.

    Returns
    -------
    PipelineResult
        ``metrics``, ``scores`` (None unless kept), ``profile`` and
        ``reference``. z is signed so that positive = more pain-sensitive /
        more abnormal; see :func:`painmech.mechanisms.profile` for the
        profile columns.

    Raises
    ------
    ValidationError
        On observations that are not validated or subjects missing from the
        subjects table.
    ValueError
        When no ``ref`` is given and there are no healthy subjects.
    """
    subj = _subjects_of(subjects, observations)
    metrics = compute_metrics(observations, subj, options=options)
    if ref is None:
        ref = fit_reference(metrics, subj, min_n=min_n)
    scores = zscore(metrics, subj, ref, **zscore_kwargs)
    prof = profile(scores, subj)
    return PipelineResult(metrics=metrics if "metrics" in keep else None,
                          scores=scores if "scores" in keep else None,
                          profile=prof, reference=ref)
