"""Temporal summation: the wind-up ratio is higher, not lower, in summation carriers.

McPhee et al. 2020 (Pain 161:464): temporal summation is higher in LBP than in
controls (SMD 0.50, 0.29–0.72, pooled over modalities). The simulator used to
give *lower* wind-up ratios in carriers (ratings saturated, and the central
gain of pressure hyperalgesia drove the projection neuron into saturation).
"""

from __future__ import annotations

import numpy as np
import pytest

from painmech.simulation import MECHANISM_PARAMS, simulate_cohort
from painmech.simulation._summary import summarise
from painmech.simulation._transduction import central_shift, threshold


def _log_wur(s):
    w = s["wur"].to_numpy(dtype=float)
    return np.log10(w[np.isfinite(w) & (w > 0)])


def test_wind_up_ratio_higher_in_summation_carriers_than_in_health():
    res = simulate_cohort(1000, ["healthy", "chronic_lbp"], seed=31, instruments=())
    s = summarise(res)
    carriers = set(res.truth.query("mechanism == 'temporal_summation' and active")["subject"])
    healthy = _log_wur(s[s["condition"].eq("healthy")])
    summ = _log_wur(s[s["subject"].isin(carriers)])
    sd = np.sqrt((healthy.var(ddof=1) + summ.var(ddof=1)) / 2.0)
    d = (summ.mean() - healthy.mean()) / sd
    # carriers are a subset of LBP, so their SMD must exceed the pooled LBP-vs-control
    # SMD of McPhee 2020 (0.50); the old simulator gave d ≈ -0.05
    assert d > 0.5, d


def _forced(mechanism=None, value=None, n=400):
    force = {m: p.healthy for m, p in MECHANISM_PARAMS.items()}
    if mechanism:
        force[mechanism] = value
    return summarise(simulate_cohort(n, "chronic_lbp", seed=32, instruments=(),
                                     force=force))


def test_summation_raises_the_wind_up_ratio_more_than_pressure_hyperalgesia_lowers_it():
    # same seed, same draws: only the forced mechanism differs
    base = _log_wur(_forced()).mean()
    ts = _log_wur(_forced("temporal_summation", 0.55)).mean() - base  # typical k_W
    ph = _log_wur(_forced("pressure_hyperalgesia", 1.2)).mean() - base  # typical g_cs
    assert ts > 0.05  # geometric-mean wind-up ratio up by > 12 % (10**0.05)
    assert ts > abs(ph)  # the old simulator: ph -0.05 outweighed ts +0.03


@pytest.mark.parametrize("g_cs", [1.1, 1.2, 1.3])
def test_central_shift_lowers_mechanical_thresholds_by_its_factor(g_cs):
    # leftward shift on the log-stimulus axis: the threshold is divided by
    # c = g_cs ** CENTRAL_EXP exactly (hand calculation of the closed form)
    t0 = np.array([300.0, 600.0])
    c = central_shift(g_cs)
    assert np.allclose(threshold("pressure", t0, central=c), t0 / c)
    with pytest.raises(ValueError, match="mechanical channels only"):
        threshold("heat", np.array([44.0]), central=c)
