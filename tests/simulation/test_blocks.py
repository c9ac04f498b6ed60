"""Building blocks against hand calculations and the published behaviour."""

from __future__ import annotations

import numpy as np
import pytest

from painmech.simulation import _dorsal_horn as dh
from painmech.simulation._plasticity import tdcs_session
from painmech.simulation._psychophysics import RT_MEAN_S, method_of_limits, staircase
from painmech.simulation._tactile import _dip
from painmech.simulation._transduction import drive, threshold


def test_wind_up_depends_on_frequency():
    # simulator.md: about +40 % area over 10 stimuli at 1 Hz, little at 0.33 Hz
    amp = np.array([25.0])
    fast = dh.run_train(amp, np.zeros(1), 1.0, 10)[0]
    slow = dh.run_train(amp, np.zeros(1), 3.0, 10)[0]
    assert fast.mean() / fast[0] == pytest.approx(1.40, abs=0.08)
    assert slow.mean() / slow[0] < 1.10


def test_temporal_summation_parameter_raises_wind_up():
    amp = np.full(2, 25.0)
    area = dh.run_train(amp, np.array([0.0, 0.6]), 1.0, 10)
    ratio = area.mean(axis=1) / area[:, 0]
    assert ratio[1] > ratio[0] + 0.2


def test_threshold_inverts_drive():
    # at its own threshold the dorsal-horn input equals the criterion x*(k)
    t0 = np.array([300.0, 500.0])
    thr = threshold("pressure", t0, gain=1.44, d=0.2, k_w=0.3)
    x = drive("pressure", thr, t0, gain=1.44, d=0.2)
    assert np.allclose(x, dh.threshold_drive(np.array([0.3, 0.3])), rtol=1e-6)
    # healthy person: threshold equals the prior threshold
    assert np.allclose(threshold("pressure", t0), t0)
    assert np.allclose(threshold("cold", np.array([10.0])), 10.0)


def test_method_of_limits_reaction_time_bias(rng):
    # Reulen 2003: report = crossing + RT × ramp rate; 0.4 s × 50 kPa/s = 20 kPa
    thr = np.full(20000, 400.0)
    rep = method_of_limits(thr, 50.0, 1, rng, jitter=0.0)
    assert rep.mean() == pytest.approx(400.0 + RT_MEAN_S * 50.0, abs=0.5)
    cold = method_of_limits(np.full(10, 2.0), -1.0, 3, rng, jitter=5.0, lo=0.0, hi=32.0)
    assert cold.min() >= 0.0  # censored at the 0 °C cut-off


def test_staircase_finds_a_deterministic_threshold(rng):
    # observer says "two" above 40 mm: 1-up/1-down oscillates around 40 ± step/2
    est = staircase(lambda d: (d > 40.0).astype(float), np.full(50, 100.0), 5.0, 30, 6, rng,
                    5.0, 150.0)
    assert np.allclose(est, 42.5)


def test_two_gaussian_dip_hand_calculation():
    # d = 3σ: dip = 1 - 2 exp(-9/8) / (1 + exp(-9/2)) = 0.3574 (hand calculation)
    assert _dip(3.0, 1.0) == pytest.approx(1 - 2 * np.exp(-9 / 8) / (1 + np.exp(-4.5)))
    assert _dip(1.0, 1.0) == 0.0


def test_bcm_reversal_needs_metaplasticity():
    w = tdcs_session(np.array([1.0, 0.0]))
    healthy, none = w
    assert healthy[1] > 1.0 and healthy[2] < 1.0  # facilitation, then reversal
    assert none[1] > 1.0 and none[2] > none[1]  # g_meta → 0: no reversal
