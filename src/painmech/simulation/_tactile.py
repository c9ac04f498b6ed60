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

from painmech._utils._assumptions import CALIBRATED, CHOICE, declare
from painmech.simulation._psychophysics import staircase

__all__ = ["TPD_ANISOTROPY", "TPD_ORIENTATIONS", "frebaq", "graphesthesia",
           "orientation_factor", "tpd_thresholds"]

_M = "painmech.simulation._tactile"
SIGMA_LAT_MM = declare("SIGMA_LAT_MM", 4.0, "mm", CHOICE, _M, "lateral spread added to the "
                       "receptive field")
#: Horizontal/vertical 2PD ratio at the lower back, 6.0 cm / 4.9 cm (Morf et al. 2021 BMC
#: Musculoskelet Disord 22:666); the neck has no sourced anisotropy (ratio 1).
TPD_ANISOTROPY = declare("TPD_ANISOTROPY", {"lumbar": 6.0 / 4.9, "cervical": 1.0}, "1",
                         "Morf et al. 2021 BMC Musculoskelet Disord 22:666 (lumbar 6.0 / 4.9 "
                         "cm, acute LBP); neck ratio 1 painmech choice", _M,
                         "horizontal / vertical 2PD ratio")
#: Orientations written by the simulator (raw measure ids ``tpd_<orientation>``).
TPD_ORIENTATIONS = ("vertical", "horizontal")
DIP_CRIT = declare("DIP_CRIT", 0.2, "1", CALIBRATED, _M, "dip criterion of the two-point "
                   "observer (target: healthy lumbar 2PD 44 mm, Luomajoki & Moseley 2011)")
DIP_NOISE = declare("DIP_NOISE", 0.08, "1", CHOICE, _M, "decision noise of the two-point "
                    "observer (scaled by noise_scale)")
STAIRCASE = declare("STAIRCASE", {"trials": 24, "reversals_used": 6, "step_mm": 5.0,
                                  "start_mm": (100.0, 20.0), "range_mm": (5.0, 150.0)},
                    "trials, mm", CHOICE, _M, "two-point staircase settings")
N_GRAPH_ITEMS = declare("N_GRAPH_ITEMS", 10, "figures", CHOICE, _M,
                        "graphaesthesia figures per test")
GRAPH_ERROR = declare("GRAPH_ERROR", (-0.85, 4.0), "probit (intercept, per unit β_2PD − 1)",
                      CHOICE, _M, "P(error) = Φ(−0.85 + 4 (β_2PD − 1)): about 0.2 in health")
FREBAQ_LATENT = declare("FREBAQ_LATENT", {"intercept": 0.2, "beta": 3.0, "pain": 0.8,
                                          "person_sd": 0.2, "item_sd": 0.7},
                        "item points", CHOICE, _M,
                        "FreBAQ item latent 0.2 + 3.0 (β_2PD − 1) + 0.8 pain, with visit "
                        "(person_sd, was 0.4) and item noise (both scaled by noise_scale); "
                        "the stable person offset is _visit.PERSON_SD frebaq_trait")


def _dip(d, sigma):
    r = (np.asarray(d) / sigma) ** 2
    centre = 2.0 * np.exp(-r / 8.0)
    peak = 1.0 + np.exp(-r / 2.0)
    return np.clip(1.0 - centre / peak, 0.0, None)


def tpd_thresholds(sigma_rf, n_repeats: int, rng: np.random.Generator,
                   noise: float = 1.0) -> np.ndarray:
    """Two-point thresholds (mm) of ``n_repeats`` staircases per patient.

    Parameters
    ----------
    sigma_rf : ndarray, shape (N,)
        Receptive-field width in mm (already multiplied by β_2PD).
    n_repeats : int
        Staircases per patient, alternately starting high and low.
    rng : numpy.random.Generator
    noise : float
        Multiplier of the observer's decision noise.
    """
    sigma = np.sqrt(np.asarray(sigma_rf, float) ** 2 + SIGMA_LAT_MM**2)
    sc = STAIRCASE
    out = np.empty((sigma.shape[0], n_repeats))
    for r in range(n_repeats):  # staircases (a few), vectorised over patients
        start = np.full(sigma.shape[0], sc["start_mm"][r % 2])
        out[:, r] = staircase(
            lambda d: ndtr((_dip(d, sigma) - DIP_CRIT) / (DIP_NOISE * noise)),
            start, step=sc["step_mm"], n_trials=sc["trials"],
            n_reversals_used=sc["reversals_used"], rng=rng, lo=sc["range_mm"][0],
            hi=sc["range_mm"][1])
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
    a, b = GRAPH_ERROR
    p = ndtr(a + b * np.asarray(beta_rel))
    return (rng.random((p.shape[0], N_GRAPH_ITEMS)) < p[:, None]).astype(float)


def frebaq(beta_rel, pain01, rng: np.random.Generator, noise: float = 1.0,
           pain_gain: float | None = None, trait=0.0) -> np.ndarray:
    """Nine FreBAQ item scores 0–4 from a latent body-perception disturbance.

    ``pain_gain`` (the ``pain_driven_frebaq`` scenario) replaces the latent by
    ``intercept + pain_gain · pain``: the answers no longer follow β_2PD.
    ``trait`` is the person's stable offset of the latent (item points,
    :data:`painmech.simulation._visit.PERSON_SD` ``frebaq_trait``); the
    ``person_sd`` term varies from visit to visit.
    """
    c = FREBAQ_LATENT
    if pain_gain is None:
        latent = c["intercept"] + c["beta"] * np.asarray(beta_rel) + c["pain"] * np.asarray(
            pain01)
    else:
        latent = c["intercept"] + pain_gain * np.asarray(pain01)
    latent = latent + np.asarray(trait, float)
    person = latent + rng.normal(0.0, c["person_sd"] * noise, latent.shape)
    items = person[:, None] + rng.normal(0.0, c["item_sd"] * noise, (latent.shape[0], 9))
    return np.clip(np.round(items), 0.0, 4.0)
