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

__all__ = ["MUSCLES", "GRID_X", "GRID_Y", "sample_mep_params", "mep_uv", "tms_maps"]

MUSCLES = ("deep_multifidus", "longissimus")
GRID_X = np.arange(0.0, 6.0)  # cm lateral of the vertex
GRID_Y = np.arange(-2.0, 4.0)  # cm anterior of the vertex
_CENTRE = np.array([[2.0, 0.5], [2.5, 2.0]])
_SIGMA_CM = 1.2
MAP_INTENSITY = 1.45  # × p5 (painmech assumption; suprathreshold mapping)
NOISE_SCALE = 0.12  # Gumbel scale on log10 V (painmech assumption)
#: Soft cap of trunk MEPs in µV: paraspinal MEPs are far smaller than hand
#: MEPs (simulator.md: "trunk MEPs are smaller: rescale"); value assumed.
TRUNK_CAP_UV = 1000.0
EXC_SD = 2.0  # %MSO SD of the input-side excitability fluctuation (assumption)


def sample_mep_params(rng: np.random.Generator, n: int) -> np.ndarray:
    """Draw (p1, p2, p3, p4, p5) per patient, shape (n, 5)."""
    p1 = rng.normal(-5.08, np.sqrt(0.0036), n)
    p2 = rng.normal(4.53, np.sqrt(0.126), n)
    logs = rng.normal([3.65, 0.43, 1.67], 0.05, (n, 3))
    return np.column_stack([p1, p2, 10.0 ** logs])


def mep_uv(params: np.ndarray, x: np.ndarray, rng: np.random.Generator,
           cap_uv: float = TRUNK_CAP_UV) -> np.ndarray:
    """MEP amplitude in µV for stimulus strength ``x`` (%MSO), shape of ``x``.

    ``params`` has shape (N, 5); ``x`` has leading axis N. The amplitude is
    soft-capped, ``y / (1 + y / cap)``, to rescale to the muscle recorded.
    """
    shape = (-1,) + (1,) * (np.ndim(x) - 1)
    p1, p2, p3, p4, p5 = (params[:, i].reshape(shape) for i in range(5))
    xe = x + rng.normal(0.0, EXC_SD, np.shape(x))
    over = np.maximum(xe - p5, 1e-9)
    log_y = p1 + np.where(xe > p5, p2 / (1.0 + p3 / over**p4), 0.0)
    log_y = log_y + rng.gumbel(0.0, NOISE_SCALE, np.shape(x))
    y = 1e6 * 10.0**log_y
    return y / (1.0 + y / cap_uv)


def tms_maps(params, s_smudge, rng: np.random.Generator, stimuli: int = 2):
    """Simulate one hemisphere's grid maps of both muscles.

    Returns
    -------
    ndarray, shape (N, 2, len(GRID_X) * len(GRID_Y), stimuli)
        MEP amplitudes in µV: muscle × site × stimulus (sites x-major).
    """
    s = np.asarray(s_smudge, float)[:, None, None]
    mid = _CENTRE.mean(axis=0)
    centres = _CENTRE[None] + 0.8 * s * (mid - _CENTRE)[None]  # (N, 2, 2)
    sigma = _SIGMA_CM * (1.0 + 0.5 * s[:, :, 0])  # (N, 1)
    gain = 1.0 - 0.15 * s[:, :, 0]
    gx, gy = np.meshgrid(GRID_X, GRID_Y, indexing="ij")
    sites = np.column_stack([gx.ravel(), gy.ravel()])  # (K, 2)
    r2 = ((sites[None, None] - centres[:, :, None, :]) ** 2).sum(-1)  # (N, 2, K)
    field = gain[:, :, None] * np.exp(-r2 / (2.0 * sigma[:, :, None] ** 2))
    x = MAP_INTENSITY * params[:, 4][:, None, None] * field
    x = np.repeat(x[..., None], stimuli, axis=-1)
    return mep_uv(params, x, rng)
