r"""Dorsal-horn rate circuit: projection neuron P, interneurons E and I, NMDA gain.

A re-implementation of the firing-rate model of Crodelle et al. (dorsal-horn
wind-up model; parameter values as listed in painmech's simulator design,
equations read from the authors' description, code not ported):

.. math::

    S_X(c) = M_X \tfrac12 [1 + \tanh((c - \beta_X)/\alpha_X)]

    \tau_E \dot E = -E + S_E(g_{CE} C - g_{IE} I)

    \tau_I \dot I = -I + S_I(g_{A\beta I} A\beta)

    \tau_P \dot P = -P + S_P(g_{A\beta P} A\beta + g_{CP}(1 + w_N (1 + 2 k_W) g_N) C
                      + g_{EP} E - g_{IP} I)

    \tau_N \dot g_N = -g_N + S_G(P)

with τ_P = 1 ms, τ_E = 10 ms, τ_I = 20 ms, τ_N = 1 s; weights g_AβP 0.8,
g_CP 0.8, g_EP 0.35, g_IP 1.8, g_CE 1.6, g_IE 0.6, g_AβI 0.8; (α, β) of P
(11.5, 28.2), E (5.2, 29.2), I (9.5, 28.0), G (10, 38); M_G = 2. The maximal
rate M = 50 Hz of P, E and I follows "P saturates near 50 Hz" (simulator.md).
``k_W`` (temporal-summation mechanism) scales the NMDA contribution, ``w_N
(1 + K_GAIN k_W)``, and slows the decay of the NMDA gain between stimuli,
``τ_N (1 + K_TAU k_W)`` — the carry-over that lets summation grow over a
train without raising the first response much (K_GAIN and K_TAU: painmech
calibration to McPhee 2020's TS SMD for both the wind-up ratio and TSP).
``w_N`` (3.0) is calibrated so that a healthy circuit gives about +40 % area
over ten stimuli at 1 Hz and little at 0.33 Hz (simulator.md, and Magerl
1998 Pain 74:257: summation at 0.6/s, not at 0.2/s).

Because P saturates, the readout is the **area of P above 25 Hz** per
stimulus, in Hz·s (simulator.md).

Every state is an array with leading axis N (patients); the Euler loop runs
over time only. The fast populations use the exponential Euler step
``x += (target - x) * (1 - exp(-dt/τ))`` (exact for a frozen target, stable
for any dt).
"""

from __future__ import annotations

from functools import cache

import numpy as np

from painmech._utils._assumptions import CALIBRATED, CHOICE, declare

__all__ = [
    "P_THRESHOLD_HZ",
    "run_train",
    "ramp_table",
    "single_area",
    "tonic_activation",
    "threshold_drive",
]

# Rates in Hz, times in ms.
_M = "painmech.simulation._dorsal_horn"
_CRODELLE = "Crodelle et al. dorsal-horn rate model, values via simulator.md [R]"
M_RATE = declare("M_RATE", 50.0, "Hz", "simulator.md (P saturates near 50 Hz)", _M,
                 "maximal rate of P, E and I")
ALPHA = declare("ALPHA", {"P": 11.5, "E": 5.2, "I": 9.5, "G": 10.0}, "Hz", _CRODELLE, _M,
                "sigmoid widths α")
BETA = declare("BETA", {"P": 28.2, "E": 29.2, "I": 28.0, "G": 38.0}, "Hz", _CRODELLE, _M,
               "sigmoid midpoints β")
M_G = declare("M_G", 2.0, "1", _CRODELLE, _M, "maximum of the NMDA gain sigmoid")
TAU = declare("TAU", {"P": 1.0, "E": 10.0, "I": 20.0, "N": 1000.0}, "ms", _CRODELLE, _M,
              "time constants (τ_N ≈ 1 s)")
G = declare("G", {"AbP": 0.8, "CP": 0.8, "EP": 0.35, "IP": 1.8, "CE": 1.6, "IE": 0.6,
                  "AbI": 0.8}, "1", _CRODELLE, _M, "synaptic weights")
#: NMDA weight on the C→P synapse; painmech calibration (wind-up +40 % at 1 Hz).
W_NMDA = declare("W_NMDA", 3.0, "1", CALIBRATED, _M,
                 "NMDA weight on C→P (target: +40 % P area over 10 stimuli at 1 Hz, "
                 "simulator.md; little at 0.33 Hz, Magerl 1998 Pain 74:257)")
#: Scaling of the NMDA weight by the temporal-summation parameter,
#: ``w_N (1 + K_GAIN k_W)``; painmech calibration (TS SMD target).
K_GAIN = declare("K_GAIN", 2.0, "1", CALIBRATED, _M,
                 "NMDA weight w_N (1 + K_GAIN k_W) (targets: McPhee 2020 TS SMD 0.50 for "
                 "the wind-up ratio and the TSP difference)")
#: Slowing of the NMDA gain's decay between stimuli by the temporal-summation
#: parameter: ``τ_N (1 + K_TAU k_W)``; painmech calibration (TS SMD target).
K_TAU = declare("K_TAU", 8.0, "1", CALIBRATED, _M,
                "decay time of the NMDA gain between stimuli τ_N (1 + K_TAU k_W): the "
                "carry-over that makes summation grow without raising the first response "
                "(targets: McPhee 2020 TS SMD 0.50 for the wind-up ratio and TSP)")
#: Readout threshold of P in Hz (simulator.md: "area of P above ≈ 25 Hz").
P_THRESHOLD_HZ = declare("P_THRESHOLD_HZ", 25.0, "Hz", "simulator.md (area of P above "
                         "≈ 25 Hz)", _M, "readout threshold of P")
#: Euler step in ms.
DT = declare("DT", 1.0, "ms", CHOICE, _M, "Euler step (exponential Euler, stable)")
# Stimulus time course (painmech assumption): C volley as an alpha function
# peaking TAU_C ms after a conduction delay; Aβ volley a brief pulse.
TAU_C = declare("TAU_C", 60.0, "ms", CHOICE, _M, "C volley alpha-function time to peak")
DELAY_C = declare("DELAY_C", 20.0, "ms", CHOICE, _M, "C volley conduction delay")
AB_WIDTH = declare("AB_WIDTH", 15.0, "ms", CHOICE, _M, "Aβ volley width")
AB_AMP = declare("AB_AMP", 20.0, "Hz", CHOICE, _M, "Aβ volley rate of a brief stimulus")
WINDOW = declare("WINDOW", 320, "ms", CHOICE, _M, "time simulated per stimulus (P back at "
                 "rest afterwards)")


def _sig(x, pop: str, m: float = M_RATE):
    return m * 0.5 * (1.0 + np.tanh((x - BETA[pop]) / ALPHA[pop]))


def _shapes():
    t = np.arange(WINDOW, dtype=float) * DT
    u = np.clip((t - DELAY_C) / TAU_C, 0.0, None)
    c_shape = u * np.exp(1.0 - u)  # peak 1 at DELAY_C + TAU_C
    ab_shape = (t < AB_WIDTH).astype(float)
    return c_shape, ab_shape


@cache
def _inhibitory_trace(ab_amp: float) -> np.ndarray:
    """I(t) within one stimulus window; I depends only on the shared Aβ pulse."""
    _, ab_shape = _shapes()
    i_rate = np.zeros(WINDOW)
    x = 0.0
    k = 1.0 - np.exp(-DT / TAU["I"])
    for j in range(WINDOW):
        x += (_sig(G["AbI"] * ab_amp * ab_shape[j], "I") - x) * k
        i_rate[j] = x
    return i_rate


def run_train(
    c_amp: np.ndarray,
    k_w: np.ndarray,
    isi_s: float,
    n_stim: int,
    ab_amp: float = AB_AMP,
    dtype=np.float32,
) -> np.ndarray:
    """Simulate a train of identical brief stimuli and read out P's area.

    Parameters
    ----------
    c_amp : ndarray, shape (N,)
        Peak C-fibre input rate per patient in Hz (after peripheral and
        central gains and descending division).
    k_w : ndarray, shape (N,)
        Expressed temporal-summation parameter (0 in health).
    isi_s : float
        Inter-stimulus interval in seconds (1.0 for the DFNS train).
    n_stim : int
        Number of stimuli.
    ab_amp : float
        Aβ volley rate in Hz (same for all patients).
    dtype : numpy dtype
        Float type of the state arrays (float32 halves the cost).

    Returns
    -------
    ndarray, shape (N, n_stim)
        Area of P above :data:`P_THRESHOLD_HZ` per stimulus, in Hz·s.
    """
    c_amp = np.asarray(c_amp, dtype=dtype)
    n = c_amp.shape[0]
    c_shape, ab_shape = _shapes()
    i_tr = _inhibitory_trace(float(ab_amp))
    nmda = (W_NMDA * (1.0 + K_GAIN * np.asarray(k_w, dtype=dtype))).astype(dtype)
    tau_factor = 1.0 + K_TAU * np.broadcast_to(np.asarray(k_w, float), (n,))
    k_p = dtype(1.0 - np.exp(-DT / TAU["P"]))
    k_e = dtype(1.0 - np.exp(-DT / TAU["E"]))
    k_n = dtype(DT / TAU["N"])
    g_n = np.zeros(n, dtype)
    out = np.zeros((n, n_stim), dtype=float)
    inv_ap, inv_ae, inv_ag = (dtype(1.0 / ALPHA[p]) for p in ("P", "E", "G"))
    half = dtype(0.5 * M_RATE)
    for s in range(n_stim):
        e = np.zeros(n, dtype)
        p = np.zeros(n, dtype)
        area = np.zeros(n, dtype)
        for j in range(WINDOW):
            c = c_amp * dtype(c_shape[j])
            # E population
            x = c * dtype(G["CE"]) - dtype(G["IE"] * i_tr[j] + BETA["E"])
            np.tanh(x * inv_ae, out=x)
            x += 1.0
            x *= half
            e += (x - e) * k_e
            # P population with NMDA-gated C input
            drive = c * (dtype(G["CP"]) * (1.0 + nmda * g_n))
            drive += e * dtype(G["EP"])
            drive += dtype(G["AbP"] * ab_amp * ab_shape[j] - G["IP"] * i_tr[j] - BETA["P"])
            np.tanh(drive * inv_ap, out=drive)
            drive += 1.0
            drive *= half
            p += (drive - p) * k_p
            # slow NMDA gain
            gt = np.tanh((p - dtype(BETA["G"])) * inv_ag)
            g_n += ((gt + 1.0) * dtype(0.5 * M_G) - g_n) * k_n
            area += np.maximum(p - dtype(P_THRESHOLD_HZ), 0)
        out[:, s] = area * (DT / 1000.0)
        # silence until the next stimulus: P≈0, so S_G(P)≈0 and g_N decays,
        # more slowly with temporal summation (k_W)
        gap_ms = isi_s * 1000.0 - WINDOW * DT
        if gap_ms > 0:
            g_n *= np.exp(-gap_ms / (TAU["N"] * tau_factor)).astype(dtype)
    return out


# ---------------------------------------------------------------- lookup tables
_K_GRID = np.linspace(0.0, 3.0, 16)
_X_GRID = np.linspace(0.0, 240.0, 241)


@cache
def _single_table() -> np.ndarray:
    """Area of one stimulus on the (k_W, amplitude) grid, shape (len K, len X)."""
    kk, xx = np.meshgrid(_K_GRID, _X_GRID, indexing="ij")
    area = run_train(xx.ravel(), kk.ravel(), 1.0, 1, dtype=np.float64)[:, 0]
    return area.reshape(kk.shape)


@cache
def ramp_table() -> np.ndarray:
    """Quasi-steady P (Hz) under a slow ramp of C input, shape (len K, len X).

    The ramp rises through the amplitude grid in 10 s (a 50 kPa/s pressure
    ramp to about 500 kPa), so the NMDA gain follows P as it would during an
    algometer ramp. Aβ input is absent (it adapts during steady pressure).
    """
    n_k, n_x = len(_K_GRID), len(_X_GRID)
    ms_per_step = 10_000.0 / (n_x - 1)
    steps = int(round(ms_per_step / DT))
    nmda = W_NMDA * (1.0 + K_GAIN * _K_GRID)
    e = np.zeros(n_k)
    p = np.zeros(n_k)
    g_n = np.zeros(n_k)
    out = np.zeros((n_k, n_x))
    k_p, k_e = 1.0 - np.exp(-DT / TAU["P"]), 1.0 - np.exp(-DT / TAU["E"])
    for ix, c in enumerate(_X_GRID):
        for _ in range(steps):
            e += (_sig(G["CE"] * c, "E") - e) * k_e
            p += (_sig(G["CP"] * (1.0 + nmda * g_n) * c + G["EP"] * e, "P") - p) * k_p
            g_n += (_sig(p, "G", M_G) - g_n) * DT / TAU["N"]
        out[:, ix] = p
    return out


def _interp2(table: np.ndarray, k: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Bilinear interpolation on the (k, x) grid, clamped at the edges."""
    k = np.clip(np.asarray(k, float), _K_GRID[0], _K_GRID[-1])
    x = np.clip(np.asarray(x, float), _X_GRID[0], _X_GRID[-1])
    fk = (k - _K_GRID[0]) / (_K_GRID[1] - _K_GRID[0])
    fx = (x - _X_GRID[0]) / (_X_GRID[1] - _X_GRID[0])
    ik = np.minimum(fk.astype(int), len(_K_GRID) - 2)
    ix = np.minimum(fx.astype(int), len(_X_GRID) - 2)
    wk, wx = fk - ik, fx - ix
    return ((1 - wk) * ((1 - wx) * table[ik, ix] + wx * table[ik, ix + 1])
            + wk * ((1 - wx) * table[ik + 1, ix] + wx * table[ik + 1, ix + 1]))


def single_area(c_amp: np.ndarray, k_w: np.ndarray) -> np.ndarray:
    """Area (Hz·s) of P above threshold for one brief stimulus (table lookup)."""
    return _interp2(_single_table(), np.broadcast_to(k_w, np.shape(c_amp)), c_amp)


#: Spread (SD of ln input gain) of the projection-neuron pool used to read
#: out tonic stimuli; painmech assumption. A single P saturates at 50 Hz, so
#: intensity of a tonic stimulus is coded by recruitment across the pool.
POOL_SD = declare("POOL_SD", 0.2, "ln units", CHOICE, _M,
                  "spread of input gain across the projection pool read out for tonic "
                  "stimuli")


@cache
def _pool_table() -> np.ndarray:
    nodes, weights = np.polynomial.hermite_e.hermegauss(15)
    weights = weights / weights.sum()
    tab = ramp_table()
    excess = np.maximum(tab - P_THRESHOLD_HZ, 0.0) / (M_RATE - P_THRESHOLD_HZ)
    out = np.zeros_like(tab)
    for z, w in zip(nodes, weights, strict=True):
        xs = _X_GRID * np.exp(POOL_SD * z)
        for i in range(len(_K_GRID)):
            out[i] += w * np.interp(xs, _X_GRID, excess[i])
    return out


def tonic_activation(c_rate: np.ndarray, k_w: np.ndarray) -> np.ndarray:
    """Recruited fraction (0–1) of the projection pool for a tonic stimulus.

    Each neuron of a pool with log-normally spread input gain (SD
    :data:`POOL_SD`) follows the quasi-steady P of :func:`ramp_table`; the
    readout is the pool mean of ``(P - 25 Hz)+ / 25 Hz``.
    """
    return _interp2(_pool_table(), np.broadcast_to(k_w, np.shape(c_rate)), c_rate)


@cache
def _threshold_curve() -> np.ndarray:
    tab = ramp_table()
    out = np.empty(len(_K_GRID))
    for i, row in enumerate(tab):
        j = int(np.argmax(row >= P_THRESHOLD_HZ))
        x0, x1, p0, p1 = _X_GRID[j - 1], _X_GRID[j], row[j - 1], row[j]
        out[i] = x0 + (P_THRESHOLD_HZ - p0) * (x1 - x0) / (p1 - p0)
    return out


def threshold_drive(k_w: np.ndarray) -> np.ndarray:
    """C input (Hz) at which quasi-steady P first exceeds the readout threshold.

    This is the dorsal-horn criterion of a method-of-limits pain threshold:
    the stimulus is felt as painful once P crosses 25 Hz.
    """
    return np.interp(np.asarray(k_w, float), _K_GRID, _threshold_curve())
