r"""Descending modulation: one state D per patient driven by conditioning pain.

No published CPM model exists (simulator.md), so painmech builds the
simplest one that meets the design:

.. math::

    \tau_D \dot D = -D + \kappa_{CPM}\, c_{PP}\, (1 - c_{GM} \Delta GM)\, D_{max}\, u(t)

``u(t)`` is the saturating nociceptive drive of the conditioning stimulus
(0–1, the recruited pool fraction of the cold-water stimulus relative to
its half-saturation), ``c_PP`` the individual PFC–PAG coupling (a nuisance
parameter; negative values give facilitation, as in the 5th–25th
percentiles of healthy people, Schliessbach 2019), ``c_GM = 1``. D divides
the C-fibre drive at every test site. τ_D = 20 s lies in the design range
10–30 s; with the after-test 45 s after the conditioning stimulus ends,
the sequential effect is about a tenth of the parallel effect, as in the
early (parallel) 16.7 ± 11.7 vs late (sequential) 1.7 ± 9.2 NRS points of
Gehling et al. 2016 (BMC Neurol 16:125, day 1, n = 25 healthy; cold water
10 °C for 60 s, heat test stimulus). ``D_max`` is a calibration constant.

The time loop is an explicit Euler scheme over seconds, vectorised over
patients.
"""

from __future__ import annotations

import numpy as np

from painmech._utils._assumptions import CALIBRATED, CHOICE, declare

__all__ = ["TAU_D_S", "D_MAX", "cpm_session"]

_M = "painmech.simulation._descending"
TAU_D_S = declare("TAU_D_S", 20.0, "s", "simulator.md (τ_D ≈ 10–30 s); value painmech choice",
                  _M, "time constant of the descending state D")
D_MAX = declare("D_MAX", 0.18, "1", CALIBRATED, _M,
                "maximal descending state (target: parallel CPM rating effect 16.7 ± 11.7 "
                "NRS, Gehling 2016 BMC Neurol 16:125; McPhee 2020 CPM SMD −0.44)")
C_GM = declare("C_GM", 1.0, "1", CHOICE, _M, "weight of grey-matter loss on the descending gain")
CS_DURATION_S = declare("CS_DURATION_S", 60.0, "s", "Gehling et al. 2016 BMC Neurol 16:125",
                        _M, "duration of the 10 °C hand immersion")
T_DURING_S = declare("T_DURING_S", 45.0, "s", CHOICE, _M, "parallel test time after CS onset")
T_AFTER_S = CS_DURATION_S + declare("T_AFTER_GAP_S", 45.0, "s", CHOICE, _M,
                                    "sequential test time after CS end")


def cpm_session(kappa, c_pp, delta_gm, u_cs, dt: float = 1.0):
    """Integrate D over a CPM session.

    Parameters
    ----------
    kappa : ndarray, shape (N,)
        Expressed κ_CPM (1 in health).
    c_pp : ndarray, shape (N,)
        PFC–PAG coupling (nuisance; mean 1).
    delta_gm : ndarray, shape (N,)
        Expressed grey-matter loss fraction.
    u_cs : ndarray, shape (N,)
        Saturating drive of the conditioning stimulus, 0–1.
    dt : float
        Euler step in seconds.

    Returns
    -------
    d_before, d_during, d_after : ndarray, shape (N,)
        D at the baseline test (0), during conditioning (``T_DURING_S``) and
        after it (``T_AFTER_S``).
    """
    gain = kappa * c_pp * (1.0 - C_GM * delta_gm) * D_MAX * u_cs
    d = np.zeros_like(gain, dtype=float)
    d_during = d_after = None
    t = 0.0
    while t < T_AFTER_S - 1e-9:
        on = t < CS_DURATION_S
        d += dt / TAU_D_S * ((gain if on else 0.0) - d)
        t += dt
        if d_during is None and t >= T_DURING_S - 1e-9:
            d_during = d.copy()
    d_after = d.copy()
    return np.zeros_like(d), d_during, d_after
