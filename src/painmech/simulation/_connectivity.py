"""ROI time series whose connectivity shifts from sensory to affective networks.

Each ROI signal is a loading on a latent network signal plus independent
noise; latents and noise are AR(1) processes at the scan's repetition time
(explicit time loop, vectorised over patients):

* affective network (mpfc, vmpfc, nac, amygdala): loading ``a sqrt(λ)``
* sensory network (s1, thalamus, insula): loading ``a sqrt(1 - λ)``
* descending pair (pag with vmpfc): a third latent with loading
  ``0.5 sqrt(max(c_PP, 0))`` — the PFC–PAG coupling that also scales the
  descending gain of CPM (:mod:`painmech.simulation._descending`).

So affective edges strengthen and sensory edges weaken as λ grows (Hashmi
2013 Brain 136:2751: activity moves to emotion circuitry in persistent
pain).

**Variability and reliability.** ``λ`` is the expressed mechanism parameter
λ_aff plus a person-level and a session-level deviation, and ``a`` (the
network coupling relative to the ROI noise) varies between people and
sessions too:

``λ = clip(λ_aff + σ_λp z_p + σ_λs·noise·z_s, 0, 1)``,
``a = exp(σ_ap z'_p + σ_as·noise·z'_s)``.

The spreads are calibrated so that the mean test–retest ICC of the
within-network Fisher-z edges in healthy people lies in the 95 % CI of the
meta-analytic mean edge-level ICC, 0.29 (0.23–0.36) (Noble, Scheinost &
Constable 2019 NeuroImage, doi:10.1016/j.neuroimage.2019.116157;
25 studies). Noble's mean covers all
edges of whole-brain atlases; within-network cortical edges tend to be more
reliable, so matching the mean is a conservative choice. AR coefficient,
noise level and loadings are painmech choices. Signals are in arbitrary
units around 100.
"""

from __future__ import annotations

import numpy as np

from painmech._utils._assumptions import CALIBRATED, CHOICE, declare

__all__ = ["ROIS", "AFFECTIVE", "SENSORY", "TR_S", "roi_series", "within_network_edges"]

_M = "painmech.simulation._connectivity"
_NOBLE = ("target: mean retest ICC of the within-network edges in healthy people inside "
          "0.23–0.36 (Noble et al. 2019 NeuroImage, mean edge-level ICC 0.29)")
AFFECTIVE = ("mpfc", "vmpfc", "nac", "amygdala")
SENSORY = ("s1", "thalamus", "insula")
ROIS = (*AFFECTIVE, *SENSORY, "pag")
TR_S = declare("TR_S", 2.0, "s", CHOICE, _M, "repetition time")
_PHI = declare("PHI", 0.6, "per TR", CHOICE, _M, "AR(1) coefficient of latents and noise")
_NOISE = declare("NOISE", 0.8, "a.u.", CHOICE, _M,
                 "SD of the independent ROI noise relative to the unit latent (scaled by "
                 "noise_scale)")
_PAG_LOAD = declare("PAG_LOAD", 0.5, "per sqrt(c_PP)", CHOICE, _M,
                    "loading of PAG and vmPFC on the descending latent")
LAMBDA_PERSON_SD = declare("LAMBDA_PERSON_SD", 0.06, "1", CALIBRATED, _M,
                           f"between-person SD of the affective share λ ({_NOBLE})")
LAMBDA_SESSION_SD = declare("LAMBDA_SESSION_SD", 0.05, "1", CALIBRATED, _M,
                            f"between-session SD of λ, scaled by noise_scale ({_NOBLE})")
STRENGTH_PERSON_LN_SD = declare("STRENGTH_PERSON_LN_SD", 0.20, "ln units", CALIBRATED, _M,
                                f"between-person spread of the network coupling ({_NOBLE})")
STRENGTH_SESSION_LN_SD = declare("STRENGTH_SESSION_LN_SD", 0.18, "ln units", CALIBRATED, _M,
                                 f"between-session spread of the coupling, scaled by "
                                 f"noise_scale ({_NOBLE})")


def within_network_edges() -> list[tuple[int, int]]:
    """ROI index pairs of the affective and the sensory within-network edges."""
    out = []
    for names in (AFFECTIVE, SENSORY):
        idx = [ROIS.index(x) for x in names]
        out += [(a, b) for i, a in enumerate(idx) for b in idx[i + 1:]]
    return out


def roi_series(lambda_aff, c_pp, n_t: int, rng: np.random.Generator, dtype=np.float32,
               person_z: tuple[np.ndarray, np.ndarray] | None = None, noise: float = 1.0):
    """Simulate ROI signals, shape (N, len(ROIS), n_t).

    Parameters
    ----------
    lambda_aff : ndarray, shape (N,)
        Expressed affective share λ_aff.
    c_pp : ndarray, shape (N,)
        PFC–PAG coupling.
    n_t : int
        Volumes.
    rng : numpy.random.Generator
    dtype : numpy dtype
    person_z : (ndarray, ndarray), optional
        Each person's standard-normal draws for λ and the coupling (zeros when
        omitted).
    noise : float
        Measurement-noise multiplier (session deviations and ROI noise).
    """
    lam_aff = np.asarray(lambda_aff, float)
    n = lam_aff.shape[0]
    z_lam, z_str = (np.zeros(n), np.zeros(n)) if person_z is None else person_z
    session = rng.standard_normal((2, n))
    lam = np.clip(lam_aff + LAMBDA_PERSON_SD * z_lam + LAMBDA_SESSION_SD * noise * session[0],
                  0.0, 1.0)
    amp = np.exp(STRENGTH_PERSON_LN_SD * z_str + STRENGTH_SESSION_LN_SD * noise * session[1])
    load = np.zeros((n, len(ROIS), 3), dtype)
    load[:, : len(AFFECTIVE), 0] = (amp * np.sqrt(lam))[:, None]
    load[:, len(AFFECTIVE): len(AFFECTIVE) + len(SENSORY), 1] = (amp * np.sqrt(1.0 - lam))[
        :, None]
    desc = _PAG_LOAD * np.sqrt(np.maximum(np.asarray(c_pp, float), 0.0))
    load[:, ROIS.index("pag"), 2] = desc
    load[:, ROIS.index("vmpfc"), 2] = desc
    innov = dtype(np.sqrt(1.0 - _PHI**2))
    k = 3 + len(ROIS)
    z = rng.standard_normal((n, k, n_t), dtype=dtype)
    state = rng.standard_normal((n, k), dtype=dtype)
    for t in range(n_t):  # AR(1) recursion over time, vectorised over patients
        state *= dtype(_PHI)
        state += innov * z[:, :, t]
        z[:, :, t] = state
    out = np.matmul(load, z[:, :3, :])
    out += dtype(_NOISE * noise) * z[:, 3:, :]
    return 100.0 + out
