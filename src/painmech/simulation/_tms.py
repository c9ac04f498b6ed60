r"""TMS maps of trunk muscles read out through a statistical MEP model.

**MEP model** (Goetz, Alavi, Deng & Peterchev, IEEE TNSRE 2019;27:1539;
priors from simulator.md): log amplitude is a sigmoid of stimulus strength
with an input-side excitability fluctuation and additive extreme-value
(Gumbel, GEV with shape 0) noise on the log scale:

.. math::

    \log_{10} y = p_1 + \frac{p_2}{1 + p_3 / (x - p_5)^{p_4}} + \varepsilon,
    \quad x > p_5

(``y`` in V, ``x`` in % of maximum stimulator output; ``log_y = p1`` below
``p5``). Priors: ``(p1, p2) ~ N((-5.08, 4.53), var (0.0036, 0.126))``,
``log10(p3, p4, p5) ~ N((3.65, 0.43, 1.67), ·)``; the covariance of the
latter was not retrieved, so independent SDs of 0.05 are assumed. The form
above is painmech's reading of the published model [R].

**Maps** (simulator.md): each muscle has a Gaussian excitability field on a
1 cm grid; the effective strength at a site is ``I · G(site)`` with
``G = gain · exp(-r² / 2σ²)``. Smudging ``s`` moves the two muscles' centres
toward their midpoint (by ``0.8 s`` of the way), widens σ by ``(1 + 0.5 s)``
and lowers the gain by ``(1 - 0.15 s)``. Healthy centres: deep multifidus at
(2.0, 0.5) cm and longissimus at (2.5, 2.0) cm from the vertex (x lateral,
y anterior), σ = 1.2 cm: an assumed geometry with the longissimus centre
anterior to the multifidus centre (Tsao 2011 Spine 36:1721 controls),
not literature coordinates.
"""

from __future__ import annotations

import numpy as np

from painmech._utils._assumptions import CHOICE, declare

__all__ = ["MUSCLES", "GRID_X", "GRID_Y", "sample_mep_params", "mep_uv", "tms_maps"]

_M = "painmech.simulation._tms"
_GOETZ = "Goetz, Alavi, Deng & Peterchev 2019 IEEE TNSRE 27:1539, priors via simulator.md [R]"
MUSCLES = ("deep_multifidus", "longissimus")
GRID_X = np.arange(0.0, 6.0)  # cm lateral of the vertex (1 cm grid, evidence.md §7)
GRID_Y = np.arange(-2.0, 4.0)  # cm anterior of the vertex
MEP_PRIOR = declare("MEP_PRIOR", {"p1_p2_mean": (-5.08, 4.53), "p1_p2_var": (0.0036, 0.126),
                                  "log10_p3_p4_p5_mean": (3.65, 0.43, 1.67)}, "log10 V, %MSO",
                    _GOETZ, _M, "MEP model parameter priors")
MEP_LOG_SD = declare("MEP_LOG_SD", 0.05, "log10 units", CHOICE, _M,
                     "SD of log10(p3, p4, p5); the published covariance was not retrieved")
_CENTRE = np.array(declare("CENTRES_CM", ((2.0, 0.5), (2.5, 2.0)), "cm (x lateral, y "
                           "anterior)", "painmech choice; longissimus anterior to multifidus "
                           "as in Tsao 2011 Spine 36:1721 controls", _M,
                           "healthy map centres of deep multifidus and longissimus"))
_SIGMA_CM = declare("SIGMA_CM", 1.2, "cm", CHOICE, _M, "width of each excitability field")
SMUDGE = declare("SMUDGE", {"centre_shift": 0.8, "widening": 0.5, "gain_loss": 0.15},
                 "per unit s", CHOICE, _M, "smudging: centres move 0.8 s of the way to their "
                 "midpoint, σ × (1 + 0.5 s), gain × (1 − 0.15 s)")
MAP_INTENSITY = declare("MAP_INTENSITY", 1.45, "× p5", CHOICE, _M,
                        "suprathreshold mapping intensity")
NOISE_SCALE = declare("NOISE_SCALE", 0.12, "log10 V", CHOICE, _M,
                      "Gumbel scale of the MEP noise (scaled by noise_scale)")
#: Soft cap of trunk MEPs in µV: paraspinal MEPs are far smaller than hand
#: MEPs (simulator.md: "trunk MEPs are smaller: rescale"); value assumed.
TRUNK_CAP_UV = declare("TRUNK_CAP_UV", 1000.0, "µV", "simulator.md (trunk MEPs are smaller); "
                       "value painmech choice", _M, "soft cap of trunk MEPs")
EXC_SD = declare("EXC_SD", 2.0, "%MSO", CHOICE, _M,
                 "SD of the input-side excitability fluctuation (scaled by noise_scale)")


def sample_mep_params(rng: np.random.Generator, n: int) -> np.ndarray:
    """Draw (p1, p2, p3, p4, p5) per patient, shape (n, 5)."""
    (m1, m2), (v1, v2) = MEP_PRIOR["p1_p2_mean"], MEP_PRIOR["p1_p2_var"]
    p1 = rng.normal(m1, np.sqrt(v1), n)
    p2 = rng.normal(m2, np.sqrt(v2), n)
    logs = rng.normal(MEP_PRIOR["log10_p3_p4_p5_mean"], MEP_LOG_SD, (n, 3))
    return np.column_stack([p1, p2, 10.0 ** logs])


def mep_uv(params: np.ndarray, x: np.ndarray, rng: np.random.Generator,
           cap_uv: float = TRUNK_CAP_UV, noise: float = 1.0) -> np.ndarray:
    """MEP amplitude in µV for stimulus strength ``x`` (%MSO), shape of ``x``.

    ``params`` has shape (N, 5); ``x`` has leading axis N. The amplitude is
    soft-capped, ``y / (1 + y / cap)``, to rescale to the muscle recorded.
    ``noise`` multiplies both noise terms.
    """
    shape = (-1,) + (1,) * (np.ndim(x) - 1)
    p1, p2, p3, p4, p5 = (params[:, i].reshape(shape) for i in range(5))
    xe = x + rng.normal(0.0, EXC_SD * noise, np.shape(x))
    over = np.maximum(xe - p5, 1e-9)
    log_y = p1 + np.where(xe > p5, p2 / (1.0 + p3 / over**p4), 0.0)
    log_y = log_y + rng.gumbel(0.0, NOISE_SCALE * noise, np.shape(x))
    y = 1e6 * 10.0**log_y
    return y / (1.0 + y / cap_uv)


def tms_maps(params, s_smudge, rng: np.random.Generator, stimuli: int = 2,
             noise: float = 1.0):
    """Simulate one hemisphere's grid maps of both muscles.

    Returns
    -------
    ndarray, shape (N, 2, len(GRID_X) * len(GRID_Y), stimuli)
        MEP amplitudes in µV: muscle × site × stimulus (sites x-major).
    """
    s = np.asarray(s_smudge, float)[:, None, None]
    mid = _CENTRE.mean(axis=0)
    centres = _CENTRE[None] + SMUDGE["centre_shift"] * s * (mid - _CENTRE)[None]  # (N, 2, 2)
    sigma = _SIGMA_CM * (1.0 + SMUDGE["widening"] * s[:, :, 0])  # (N, 1)
    gain = 1.0 - SMUDGE["gain_loss"] * s[:, :, 0]
    gx, gy = np.meshgrid(GRID_X, GRID_Y, indexing="ij")
    sites = np.column_stack([gx.ravel(), gy.ravel()])  # (K, 2)
    r2 = ((sites[None, None] - centres[:, :, None, :]) ** 2).sum(-1)  # (N, 2, K)
    field = gain[:, :, None] * np.exp(-r2 / (2.0 * sigma[:, :, None] ** 2))
    x = MAP_INTENSITY * params[:, 4][:, None, None] * field
    x = np.repeat(x[..., None], stimuli, axis=-1)
    return mep_uv(params, x, rng, noise=noise)
