"""Checks and draws of :func:`painmech.simulation.simulate_cohort`'s inputs.

Visit times, the ``onset`` option and the baseline pain duration per
condition.
"""

from __future__ import annotations

import numpy as np

from painmech._utils._assumptions import CHOICE, declare

__all__ = ["check_onset", "durations", "visit_months"]

_M = "painmech.simulation._inputs"
# baseline pain duration in months per condition: (low, high) uniform, or
# (minimum, log-normal median) when the second entry is negative (assumptions
# consistent with the condition definitions: acute < 6 weeks, subacute 6–12
# weeks, chronic ≥ 3 months)
_DURATION = declare("DURATION", {
    "healthy": (0.0, 0.0), "acute_lbp": (0.2, 1.4), "subacute_lbp": (1.5, 3.0),
    "chronic_lbp": (3.0, -30.0), "recurrent_lbp": (6.0, -24.0), "neck_pain": (3.0, -24.0),
    "whiplash": (0.1, 1.0)}, "months", CHOICE, _M,
    "baseline pain duration: uniform (low, high), or (minimum, −log-normal median), "
    "consistent with the condition definitions")
_DURATION_LN_SD = declare("DURATION_LN_SD", 0.8, "ln units", CHOICE, _M,
                          "spread of log-normal pain durations")


def visit_months(visits, interval_months: float) -> np.ndarray:
    """Visit times in months: ``visits`` visits ``interval_months`` apart, or the times given."""
    if isinstance(visits, (int, np.integer)):
        if visits < 1:
            raise ValueError(f"visits must be >= 1; got {visits}")
        return np.arange(int(visits)) * float(interval_months)
    months = np.asarray(list(visits), dtype=float)
    if months.size == 0 or months[0] != 0 or np.any(np.diff(months) <= 0):
        raise ValueError("visits given as months must start at 0 and increase strictly")
    return months


def check_onset(onset) -> float | None:
    """12-month incidence of the ``onset`` option (None: no new pain)."""
    from painmech.simulation._course import ONSET

    if onset is False or onset is None:
        return None
    if onset is True:
        return float(ONSET["p_12m"])
    if (isinstance(onset, (int, float, np.integer, np.floating)) and np.isfinite(onset)
            and 0.0 < float(onset) < 1.0):
        return float(onset)
    raise ValueError(f"onset must be True/False or a 12-month incidence in (0, 1); got "
                     f"{onset!r}")


def durations(condition, rng) -> np.ndarray:
    """Baseline pain duration in months per person (:data:`_DURATION`)."""
    lo, hi = np.array([_DURATION[c] for c in condition]).T.reshape(2, -1)
    uni = rng.uniform(lo, np.abs(hi))
    logn = lo + np.abs(hi) * rng.lognormal(0.0, _DURATION_LN_SD, lo.shape[0])
    return np.where(hi < 0, logn, uni)


