"""Metric definitions of the neurophysiology, imaging and blood-marker families.

Filled in together with :mod:`painmech.measures` (TMS, tDCS, imaging, blood).
"""

from __future__ import annotations

from painmech.registry._types import Metric

__all__ = ["NEURO_METRICS"]

NEURO_METRICS: tuple[Metric, ...] = ()
