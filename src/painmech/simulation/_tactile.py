"""Tactile acuity: two-point discrimination, graphaesthesia and FreBAQ.

Receptive-field model (simulator.md): two points ``d`` apart each excite a
Gaussian activity profile of width ``σ_eff = sqrt(σ_RF² + σ_lat²)``; the
summed profile shows a central dip once ``d`` exceeds about ``2 σ_eff``. A
dip-detection observer answers "two points" with probability
``Φ((dip - δ_c) / σ_n)`` where ``dip = 1 - f(0) / f(d/2)``. The
somatosensory-deficit parameter β_2PD multiplies σ_RF in the painful region.
Thresholds are measured with a one-up/one-down staircase.

σ_RF of the lumbar skin is calibrated so that the healthy lumbar threshold
is 44 ± 10 mm (Luomajoki & Moseley 2011 BJSM 45:437, controls); the neck
value is painmech's assumption (neck skin is more acute than the back).
Orientation: every site is tested with the caliper tips vertical (along the
body's long axis) and horizontal (across it), written as ``tpd_vertical`` and
``tpd_horizontal``. At the lower back the horizontal threshold is larger:
4.9 ± 1.6 cm vertical vs 6.0 ± 1.5 cm horizontal (Morf et al. 2021 BMC
Musculoskelet Disord 22:666, acute LBP n = 124). painmech turns that ratio into
an anisotropy of the lumbar receptive field, σ_RF × (6.0/4.9)^(±1/2), so that the
horizontal/vertical threshold ratio is ≈ 1.22 and the mean of the two
orientations keeps the 44 mm calibration (the ratio is assumed to hold in
health too — only patients were measured). No anisotropy is sourced for the
neck: both orientations use the same receptive field there, with independent
staircase noise.

Graphaesthesia errors (Wand 2010 Physiotherapy 96:317) and FreBAQ items
(Wand 2014; 9 items 0–4) are driven by the same relative widening
``β_2PD - 1`` plus pain; their link functions are painmech assumptions.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from painmech.simulation._psychophysics import staircase

__all__ = ["SIGMA_RF_MM", "TPD_ANISOTROPY", "TPD_ORIENTATIONS", "frebaq", "graphesthesia",
           "orientation_factor", "tpd_thresholds"]

#: Median receptive-field width (mm) per site; lumbar calibrated to 44 mm 2PD.
SIGMA_RF_MM = {"lumbar": 15.5, "cervical": 10.0}
SIGMA_LAT_MM = 4.0
#: Horizontal/vertical 2PD ratio at the lower back, 6.0 cm / 4.9 cm (Morf et al. 2021 BMC
#: Musculoskelet Disord 22:666); the neck has no sourced anisotropy (ratio 1).
TPD_ANISOTROPY = {"lumbar": 6.0 / 4.9, "cervical": 1.0}
#: Orientations written by the simulator (raw measure ids ``tpd_<orientation>``).
TPD_ORIENTATIONS = ("vertical", "horizontal")
RF_LN_SD = 0.22  # between-person spread (gives SD ≈ 10 mm at the lumbar site)
DIP_CRIT = 0.2
DIP_NOISE = 0.08
N_GRAPH_ITEMS = 10


def _dip(d, sigma):
    r = (np.asarray(d) / sigma) ** 2
    centre = 2.0 * np.exp(-r / 8.0)
    peak = 1.0 + np.exp(-r / 2.0)
    return np.clip(1.0 - centre / peak, 0.0, None)


def tpd_thresholds(sigma_rf, n_repeats: int, rng: np.random.Generator) -> np.ndarray:
    """Two-point thresholds (mm) of ``n_repeats`` staircases per patient.

    Parameters
    ----------
    sigma_rf : ndarray, shape (N,)
        Receptive-field width in mm (already multiplied by β_2PD).
    """
    sigma = np.sqrt(np.asarray(sigma_rf, float) ** 2 + SIGMA_LAT_MM**2)
    out = np.empty((sigma.shape[0], n_repeats))
    for r in range(n_repeats):
        start = np.full(sigma.shape[0], 100.0 if r % 2 == 0 else 20.0)
        out[:, r] = staircase(
            lambda d: ndtr((_dip(d, sigma) - DIP_CRIT) / DIP_NOISE),
            start, step=5.0, n_trials=24, n_reversals_used=6, rng=rng, lo=5.0, hi=150.0)
    return np.round(out, 0)


def orientation_factor(site: str, orientation: str) -> float:
    """Multiplier of σ_RF for one orientation: the square root of the site's
    horizontal/vertical ratio, above 1 for horizontal and below 1 for vertical
    (geometric mean 1, so the orientation mean stays calibrated).
    """
    half = np.sqrt(TPD_ANISOTROPY[site])
    return float(half if orientation == "horizontal" else 1.0 / half)


def graphesthesia(beta_rel, rng: np.random.Generator) -> np.ndarray:
    """0/1 error per drawn figure, shape (N, N_GRAPH_ITEMS).

    ``P(error) = Φ(-0.85 + 4 (β_2PD - 1))``: about 0.2 in health (assumption).
    """
    p = ndtr(-0.85 + 4.0 * np.asarray(beta_rel))
    return (rng.random((p.shape[0], N_GRAPH_ITEMS)) < p[:, None]).astype(float)


def frebaq(beta_rel, pain01, rng: np.random.Generator) -> np.ndarray:
    """Nine FreBAQ item scores 0–4 from a latent body-perception disturbance."""
    latent = 0.2 + 3.0 * np.asarray(beta_rel) + 0.8 * np.asarray(pain01)
    person = latent + rng.normal(0.0, 0.4, latent.shape)
    items = person[:, None] + rng.normal(0.0, 0.7, (latent.shape[0], 9))
    return np.clip(np.round(items), 0.0, 4.0)
