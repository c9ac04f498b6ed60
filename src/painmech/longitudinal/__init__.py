"""Reliable change over visits, trajectories and normalisation with recovery.

Public API
----------
Measurement error
    :func:`reliability_for` (individual SEM per metric: the study's retest
    data, else :data:`CITED_RELIABILITY`, published figures with sources),
    :func:`icc`, :func:`reliability_from_retest`, :func:`sem_from_icc`,
    :func:`mdc95_from_sem`.
Change
    :func:`rci`, :func:`reliable_change`.
Course
    :func:`trajectories`, :func:`pain_status`, :func:`normalisation`.
"""

from painmech.longitudinal._change import CHANGE_COLUMNS, gain_of, rci, reliable_change
from painmech.longitudinal._cited import CITED_RELIABILITY, RELIABILITY_COLUMNS, reliability_for
from painmech.longitudinal._reliability import (
    MDC_FACTOR,
    RETEST_COLUMNS,
    icc,
    mdc95_from_sem,
    reliability_from_retest,
    sem_from_icc,
)
from painmech.longitudinal._trajectory import (
    NORMALISATION_COLUMNS,
    TRAJECTORY_COLUMNS,
    normalisation,
    pain_status,
    trajectories,
)

__all__ = [
    "CHANGE_COLUMNS",
    "CITED_RELIABILITY",
    "MDC_FACTOR",
    "NORMALISATION_COLUMNS",
    "RELIABILITY_COLUMNS",
    "RETEST_COLUMNS",
    "TRAJECTORY_COLUMNS",
    "gain_of",
    "icc",
    "mdc95_from_sem",
    "normalisation",
    "pain_status",
    "rci",
    "reliability_for",
    "reliability_from_retest",
    "reliable_change",
    "sem_from_icc",
    "trajectories",
]
