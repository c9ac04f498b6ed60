r"""Homeostatic plasticity of motor cortex under two blocks of anodal tDCS.

A BCM-type rule (Bienenstock, Cooper & Munro 1982) with soft bounds, decay
and a sliding modification threshold whose gain ``g_meta`` is the mechanism
parameter (simulator.md):

.. math::

    y = w (r_0 + u(t))

    \dot w = \eta\, 1[u > 0]\, y (y - \theta) (w_{max} - w)(w - w_{min})
             - (w - 1)/\tau_w

    \theta = r_0 + G_\theta\, g_{meta} (h - r_0^2), \quad \tau_h \dot h = y^2 - h

Plasticity is induced only while the stimulation depolarises the cortex
(``1[u > 0]``); at rest only the decay acts. ``u`` is the tDCS
depolarisation (on during block 1: 7 min, pause 3 min, block 2: 5 min;
Thapa & Schabrun 2018 Neural Plast 6207508). During block 1 ``y > θ`` and
the synapse potentiates; the activity history ``h`` raises θ so
that block 2 depresses it below baseline — the homeostatic reversal of
healthy people. With ``g_meta → 0`` θ stays at ``r_0`` and block 2
potentiates again (no reversal, as reported for chronic LBP, Thapa 2018
Clin Neurophysiol). Soft bounds and the decay keep plain BCM from running
away (simulator.md). Rates and time constants are painmech calibration
choices. MEPs are read at fixed intensity (SI of about 1 mV at baseline)
with the MEP model of :mod:`painmech.simulation._tms`; the weight shifts the
effective strength, ``x = SI (1 + 0.08 (w - 1))``.
"""

from __future__ import annotations

import numpy as np

from painmech.simulation._tms import mep_uv

__all__ = ["TIMEPOINTS", "tdcs_session", "tdcs_meps"]

TIMEPOINTS = ("baseline", "between", "post0", "post10", "post20")
_R0 = 1.0
_U = 0.6
_ETA = 0.1  # per minute
_W_MIN, _W_MAX = 0.3, 2.0
_TAU_W = 40.0  # minutes
_TAU_H = 30.0  # minutes
_G_THETA = 2.0
_DT = 0.1  # minutes
_BLOCK1, _PAUSE, _BLOCK2 = 7.0, 3.0, 5.0
_X_GAIN = 0.08
HAND_CAP_UV = 8000.0  # soft cap of hand MEPs (assumption)


def tdcs_session(g_meta: np.ndarray) -> np.ndarray:
    """Synaptic weight at the five time points, shape (N, 5).

    Explicit Euler in steps of 0.1 min, vectorised over patients.
    """
    g = np.asarray(g_meta, float)
    w = np.ones_like(g)
    h = np.full_like(g, _R0**2)
    end2 = _BLOCK1 + _PAUSE + _BLOCK2
    marks = {"between": _BLOCK1 + _PAUSE, "post0": end2, "post10": end2 + 10.0,
             "post20": end2 + 20.0}
    out = {"baseline": w.copy()}
    t = 0.0
    n_steps = int(round(marks["post20"] / _DT))
    for _ in range(n_steps):
        on = t < _BLOCK1 or (_BLOCK1 + _PAUSE <= t < end2)
        y = w * (_R0 + (_U if on else 0.0))
        theta = _R0 + _G_THETA * g * (h - _R0**2)
        bcm = _ETA * y * (y - theta) * (_W_MAX - w) * (w - _W_MIN) if on else 0.0
        dw = bcm - (w - 1.0) / _TAU_W
        h = h + _DT / _TAU_H * (y * y - h)
        w = np.clip(w + _DT * dw, _W_MIN, _W_MAX)
        t += _DT
        for name, tm in marks.items():
            if name not in out and t >= tm - 1e-9:
                out[name] = w.copy()
    return np.column_stack([out[k] for k in TIMEPOINTS])


def tdcs_meps(params, g_meta, rng: np.random.Generator, pulses: int = 15) -> np.ndarray:
    """MEPs (µV) at the five time points, shape (N, 5, pulses)."""
    w = tdcs_session(g_meta)
    p1, p2, p3, p4, p5 = (params[:, i] for i in range(5))
    # stimulus intensity giving 1 mV (log10 V = -3) in the noise-free curve
    d = (p3 / np.maximum(p2 / (-3.0 - p1) - 1.0, 1e-6)) ** (1.0 / p4)
    si = p5 + d
    x = si[:, None] * (1.0 + _X_GAIN * (w - 1.0))
    x = np.repeat(x[..., None], pulses, axis=-1)
    return mep_uv(params, x, rng, cap_uv=HAND_CAP_UV)
