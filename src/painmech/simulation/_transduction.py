"""Transduction: stimulus intensity to C-fibre input rate, and threshold inversion.

All pain tests share one chain (simulator.md): a stimulus ``s`` sets the C-fibre
population rate ``C = R_C / (1 + exp(-z))`` with ``z`` a modality-specific
normalised stimulus; the dorsal horn receives ``x = g * C / (1 + D)`` where
``g`` is a gain on the afferent drive (1 except for the whole-hand cold
immersion of the CPM conditioning stimulus) and ``D`` the descending state
(divisive on the C-fibre drive). A stimulus is painful once ``x`` reaches
the dorsal-horn criterion ``x*(k_W)``
(:func:`painmech.simulation._dorsal_horn.threshold_drive`).

The central gain of mechanical channels (``g_cs``, simulator.md: "g_cs
central gain, all sites") acts as a **leftward shift of the stimulus–response
function on the log-stimulus axis** — the classical description of
hyperalgesia — so that the patient responds to ``s`` as a healthy person to
``c·s`` with ``c = g_cs ** CENTRAL_EXP`` (:func:`central_shift`). Thresholds
fall by the factor ``c``; suprathreshold mechanical stimuli (the 256 mN
wind-up pinprick) gain only what ``c`` does on the shallow stimulus–response
curve. (An earlier version multiplied the dorsal-horn input by ``g_cs²``,
which drove the projection neuron into saturation for every suprathreshold
pinprick and made the wind-up ratio of pressure-hyperalgesic patients
*lower* than in health; see CHANGELOG.)

``z`` is anchored so that a healthy person (c = 1, g = 1, D = 0, k_W = 0)
feels pain exactly at their individual threshold ``T0`` drawn from the
population prior:

* pressure, pinprick (multiplicative scale): ``z = z0 + ln(c s / T0) / w``
* heat (°C): ``z = z0 + (s - T0) / w``
* cold (°C, falling temperature): ``z = z0 + (T0 - s) / w``

so the threshold of a patient follows in closed form from
``z_req = logit(x*(k) (1 + D) / (g R_C))``. The slopes ``w`` and the exponent
``CENTRAL_EXP`` are painmech calibration constants (tuned to den Bandt 2019's
remote PPT difference).
"""

from __future__ import annotations

import numpy as np

from painmech._utils._assumptions import CALIBRATED, CHOICE, declare
from painmech.simulation._dorsal_horn import threshold_drive

__all__ = ["R_C", "SLOPE", "CENTRAL_EXP", "c_rate", "threshold", "drive", "central_shift"]

_M = "painmech.simulation._transduction"
#: Maximal C-fibre population rate in Hz (painmech assumption).
R_C = declare("R_C", 100.0, "Hz", CHOICE, _M, "maximal C-fibre population rate")
#: Slope of each modality (ln units for pressure/pinprick, °C for thermal);
#: painmech calibration constants.
SLOPE = declare("SLOPE", {"pressure": 1.3, "pinprick": 3.0, "heat": 1.5, "cold": 3.0},
                "ln units (pressure, pinprick) or degC (heat, cold)", CALIBRATED, _M,
                "stimulus per unit of normalised drive z; sets how far a central shift or "
                "descending state moves a threshold (targets: den Bandt 2019 remote PPT "
                "difference, McPhee 2020 CPM SMD)")
#: Exponent of the leftward shift of mechanical stimulus–response functions,
#: ``c = g_cs ** CENTRAL_EXP`` (painmech calibration to den Bandt 2019's remote PPT
#: difference: chronic LBP − healthy at the scapula, 119.2 kPa).
CENTRAL_EXP = declare("CENTRAL_EXP", 3.3, "1", CALIBRATED, _M,
                      "central shift c = g_cs ** CENTRAL_EXP of mechanical stimuli (target: "
                      "den Bandt 2019 scapula PPT difference 119.2 kPa)")
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


def central_shift(g_cs):
    """Stimulus factor ``c = g_cs ** CENTRAL_EXP`` of mechanical channels (1 in health)."""
    return np.asarray(g_cs, float) ** CENTRAL_EXP


def _check_central(modality: str, central) -> None:
    if not _LOG[modality] and np.any(np.asarray(central) != 1.0):
        raise ValueError(f"the central shift acts on mechanical channels only; got a shift "
                         f"for {modality!r}")


def _z(modality: str, s, t0, central=1.0):
    w = SLOPE[modality]
    if _LOG[modality]:
        return _z0() + np.log(np.maximum(s, 1e-9) * central / t0) / w
    return _z0() + _SIGN[modality] * (s - t0) / w


def drive(modality: str, s, t0, gain=1.0, d=0.0, central=1.0) -> np.ndarray:
    """Dorsal-horn input ``x = g C(s) / (1 + D)`` in Hz.

    Parameters
    ----------
    modality : {"pressure", "pinprick", "heat", "cold"}
    s : array_like
        Stimulus (kPa, mN or °C).
    t0 : array_like
        Individual healthy threshold in the same unit.
    gain : array_like
        Gain on the afferent drive (1 except for stimuli recruiting more
        afferents than the reference stimulus).
    d : array_like
        Descending state (positive = inhibition).
    central : array_like
        Central shift ``c`` of mechanical channels (:func:`central_shift`);
        must be 1 for thermal stimuli.
    """
    _check_central(modality, central)
    return gain * c_rate(_z(modality, s, t0, central)) / (1.0 + d)


def threshold(modality: str, t0, gain=1.0, d=0.0, k_w=0.0, central=1.0) -> np.ndarray:
    """Stimulus at which the dorsal-horn criterion is reached (same unit as ``t0``).

    Inverts :func:`drive` at ``x = x*(k_W)``. A larger central shift or gain,
    or less descending inhibition, lowers a pressure/pinprick/heat threshold
    and raises a cold threshold (more sensitive in both cases).
    """
    _check_central(modality, central)
    x_req = threshold_drive(np.asarray(k_w, float)) * (1.0 + np.asarray(d)) / np.asarray(gain)
    dz = _logit(x_req / R_C) - _z0()
    w = SLOPE[modality]
    if _LOG[modality]:
        return t0 / np.asarray(central) * np.exp(w * dz)
    return t0 + _SIGN[modality] * w * dz
