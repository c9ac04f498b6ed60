"""Metric definitions of the QST, questionnaire and somatosensory families.

Filled in together with :mod:`painmech.measures` (QST and clinical metrics).
"""

from __future__ import annotations

from painmech.registry._types import Metric

__all__ = ["QST_METRICS"]

QST_METRICS: tuple[Metric, ...] = ()
