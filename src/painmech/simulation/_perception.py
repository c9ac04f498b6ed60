"""Perception and rating: dorsal-horn output to a 0–100 numeric rating.

``rating = (1 - γ) L(A) + γ E + ε`` (simulator.md; expectation-weighted form
of Onysk et al. / Mancini et al.): ``L`` is a saturating map of the
dorsal-horn output ``A`` to NRS 0–100, ``E`` the expectation, ``γ`` its
weight and ``ε`` rating noise. Catastrophising raises the expectation prior:
``E = L(A) (1 + c_pcs PCS / 52)`` (the form of the dependence is painmech's
assumption). A stimulus with no output above threshold is rated 0 (no pain
reported); ratings are whole numbers clipped to 0–100.
"""

from __future__ import annotations

import numpy as np

from painmech._utils._assumptions import CALIBRATED, CHOICE, declare

__all__ = ["GAMMA", "RATING_SD", "intensity", "rate"]

_M = "painmech.simulation._perception"
#: Expectation weight γ (painmech assumption).
GAMMA = declare("GAMMA", 0.2, "1", CHOICE, _M, "expectation weight γ of the rating")
#: Catastrophising gain on the expectation (painmech assumption).
C_PCS = declare("C_PCS", 0.6, "1 per 52 PCS points", CHOICE, _M,
                "catastrophising gain on the expectation, E = L (1 + C_PCS PCS / 52)")
#: SD of rating noise in NRS-100 points (painmech calibration; test–retest of
#: TS ratings, Mailloux 2021 MDC 0.33–0.57 NRS-10, bounds it from above).
RATING_SD = declare("RATING_SD", 6.0, "NRS-100 points", CALIBRATED, _M,
                    "rating noise per stimulus (scaled by noise_scale); kept below the TS "
                    "retest error implied by Mailloux 2021 (group MDC 0.33–0.57 NRS-10)")
#: Half-saturation of L for brief stimuli (area, Hz·s) and tonic ones
#: (recruited fraction); painmech calibration.
A50_BRIEF = declare("A50_BRIEF", 8.0, "Hz·s", CALIBRATED, _M,
                    "half-saturation of the rating map for brief stimuli (targets: McPhee "
                    "2020 TS SMD for the wind-up ratio and TSP)")
A50_TONIC = declare("A50_TONIC", 0.5, "recruited fraction", CALIBRATED, _M,
                    "half-saturation of the rating map for tonic stimuli (target: CPM "
                    "test-stimulus rating before conditioning)")


def intensity(a: np.ndarray, a50: float) -> np.ndarray:
    """Saturating map ``L = 100 a / (a + a50)`` (NRS 0–100)."""
    a = np.maximum(a, 0.0)
    return 100.0 * a / (a + a50)


def rate(a, a50, pcs, rng: np.random.Generator, noise_sd: float = RATING_SD,
         noise: float = 1.0):
    """Rate stimuli on NRS 0–100.

    Parameters
    ----------
    a : ndarray, shape (N, ...)
        Dorsal-horn output (area in Hz·s or recruited fraction).
    a50 : float
        Half-saturation of the map for this kind of stimulus.
    pcs : ndarray, shape (N,)
        Pain Catastrophizing Scale score 0–52 of each patient.
    rng : numpy.random.Generator
    noise_sd : float
        Rating noise SD (NRS-100 points).
    noise : float
        Measurement-noise multiplier (``noise_scale`` of the simulation).

    Returns
    -------
    ndarray
        Whole-number ratings 0–100, same shape as ``a``.
    """
    a = np.asarray(a, float)
    lev = intensity(a, a50)
    shape = (-1,) + (1,) * (a.ndim - 1)
    expect = lev * (1.0 + C_PCS * np.reshape(pcs, shape) / 52.0)
    r = (1.0 - GAMMA) * lev + GAMMA * expect + rng.normal(0.0, noise_sd * noise, a.shape)
    r = np.where(a > 0, r, 0.0)
    return np.clip(np.round(r), 0.0, 100.0)
