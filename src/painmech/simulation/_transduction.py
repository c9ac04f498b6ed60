"""Transduction: stimulus intensity to C-fibre input rate, and threshold inversion.

All pain tests share one chain (simulator.md): a stimulus ``s`` sets the C-fibre
population rate ``C = R_C / (1 + exp(-z))`` with ``z`` a modality-specific
normalised stimulus; the dorsal horn receives ``x = g * C / (1 + D)`` where
``g`` is the central gain of the channel (``g_cs`` for mechanical stimuli,
1 for thermal ones, simulator.md: "g_cs central gain, all sites") and ``D``
the descending state (divisive on the C-fibre drive). A stimulus is painful
once ``x`` reaches the dorsal-horn criterion ``x*(k_W)``
(:func:`painmech.simulation._dorsal_horn.threshold_drive`).

``z`` is anchored so that a healthy person (g = 1, D = 0, k_W = 0) feels pain
exactly at their individual threshold ``T0`` drawn from the population prior:

* pressure, pinprick (multiplicative scale): ``z = z0 + ln(s / T0) / w``
* heat (°C): ``z = z0 + (s - T0) / w``
* cold (°C, falling temperature): ``z = z0 + (T0 - s) / w``

so the threshold of a patient follows in closed form from
``z_req = logit(x*(k) (1 + D) / (g R_C))``. The slopes ``w`` are painmech
calibration constants (they set how strongly a central gain moves a
threshold; tuned to den Bandt 2019's remote PPT difference).
"""

from __future__ import annotations

import numpy as np

from painmech.simulation._dorsal_horn import threshold_drive

__all__ = ["R_C", "SLOPE", "CENTRAL_EXP", "c_rate", "threshold", "drive", "mech_gain"]

#: Maximal C-fibre population rate in Hz (painmech assumption).
R_C = 100.0
#: Slope of each modality (ln units for pressure/pinprick, °C for thermal);
#: painmech calibration constants.
SLOPE = {"pressure": 1.3, "pinprick": 3.0, "heat": 1.5, "cold": 3.0}
#: The central gain g_cs scales both the C→P and the C→E synapses; near
#: threshold this acts on the effective drive like ``g_cs ** CENTRAL_EXP``
#: (painmech calibration to den Bandt 2019's remote PPT difference).
CENTRAL_EXP = 2.0
_LOG = {"pressure": True, "pinprick": True, "heat": False, "cold": False}
_SIGN = {"pressure": 1.0, "pinprick": 1.0, "heat": 1.0, "cold": -1.0}


def _logit(p):
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1.0 - p))


def _z0() -> float:
    return float(_logit(threshold_drive(np.array([0.0]))[0] / R_C))


def c_rate(z: np.ndarray) -> np.ndarray:
    """C-fibre population rate (Hz) for a normalised stimulus ``z``."""
    return R_C / (1.0 + np.exp(-z))


def mech_gain(g_cs):
    """Effective drive gain of mechanical channels for a central gain ``g_cs``."""
    return np.asarray(g_cs, float) ** CENTRAL_EXP


def _z(modality: str, s, t0):
    w = SLOPE[modality]
    if _LOG[modality]:
        return _z0() + np.log(np.maximum(s, 1e-9) / t0) / w
    return _z0() + _SIGN[modality] * (s - t0) / w


def drive(modality: str, s, t0, gain=1.0, d=0.0) -> np.ndarray:
    """Dorsal-horn input ``x = g C(s) / (1 + D)`` in Hz.

    Parameters
    ----------
    modality : {"pressure", "pinprick", "heat", "cold"}
    s : array_like
        Stimulus (kPa, mN or °C).
    t0 : array_like
        Individual healthy threshold in the same unit.
    gain : array_like
        Central gain of the channel (``g_cs`` for mechanical stimuli).
    d : array_like
        Descending state (positive = inhibition).
    """
    return gain * c_rate(_z(modality, s, t0)) / (1.0 + d)


def threshold(modality: str, t0, gain=1.0, d=0.0, k_w=0.0) -> np.ndarray:
    """Stimulus at which the dorsal-horn criterion is reached (same unit as ``t0``).

    Inverts :func:`drive` at ``x = x*(k_W)``. Higher gain or less descending
    inhibition lowers a pressure/pinprick/heat threshold and raises a cold
    threshold (more sensitive in both cases).
    """
    x_req = threshold_drive(np.asarray(k_w, float)) * (1.0 + np.asarray(d)) / np.asarray(gain)
    dz = _logit(x_req / R_C) - _z0()
    w = SLOPE[modality]
    if _LOG[modality]:
        return t0 * np.exp(w * dz)
    return t0 + _SIGN[modality] * w * dz
