"""ROI time series whose connectivity shifts from sensory to affective networks.

Each ROI signal is a loading on a latent network signal plus independent
noise; latents and noise are AR(1) processes at the scan's repetition time
(explicit time loop, vectorised over patients):

* affective network (mpfc, vmpfc, nac, amygdala): loading ``sqrt(λ_aff)``
* sensory network (s1, thalamus, insula): loading ``sqrt(1 - λ_aff)``
* descending pair (pag with vmpfc): a third latent with loading
  ``0.5 sqrt(max(c_PP, 0))`` — the PFC–PAG coupling that also scales the
  descending gain of CPM (:mod:`painmech.simulation._descending`).

So affective edges strengthen and sensory edges weaken as λ_aff grows
(Hashmi 2013 Brain 136:2751: activity moves to emotion circuitry in
persistent pain). Loadings, AR coefficient (0.6 per 2 s; painmech
assumption) and noise level are painmech choices. Signals are in arbitrary
units around 100.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ROIS", "AFFECTIVE", "SENSORY", "TR_S", "roi_series"]

AFFECTIVE = ("mpfc", "vmpfc", "nac", "amygdala")
SENSORY = ("s1", "thalamus", "insula")
ROIS = (*AFFECTIVE, *SENSORY, "pag")
TR_S = 2.0
_PHI = 0.6
_NOISE = 0.8


def roi_series(lambda_aff, c_pp, n_t: int, rng: np.random.Generator, dtype=np.float32):
    """Simulate ROI signals, shape (N, len(ROIS), n_t)."""
    lam = np.clip(np.asarray(lambda_aff, float), 0.0, 1.0)
    n = lam.shape[0]
    load = np.zeros((n, len(ROIS), 3), dtype)
    load[:, : len(AFFECTIVE), 0] = np.sqrt(lam)[:, None]
    load[:, len(AFFECTIVE): len(AFFECTIVE) + len(SENSORY), 1] = np.sqrt(1.0 - lam)[:, None]
    desc = 0.5 * np.sqrt(np.maximum(np.asarray(c_pp, float), 0.0))
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
    out += dtype(_NOISE) * z[:, 3:, :]
    return 100.0 + out
