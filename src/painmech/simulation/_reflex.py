"""Nociceptive withdrawal reflex thresholds and the ACR tender-point count.

**Withdrawal reflex (NWR/RIII).** An electrical stimulus at the sural nerve
bypasses the receptors: its current ``I`` (mA) sets the nociceptive afferent
drive ``x = R_C / (1 + exp(-z))`` with ``z = z_R + ln(c I / I0) / W_E`` and
is processed by the same dorsal horn as every other test
(:mod:`painmech.simulation._dorsal_horn`). The reflex appears once the
projection output of one stimulus reaches a criterion area ``A_R``. So

* the single-stimulus threshold falls with the central gain ``c = g_cs **
  CENTRAL_EXP`` (central hyperexcitability lowers the NWR threshold in
  chronic low back and neck pain, Biurrun Manresa et al. 2013 BMC Neurosci
  14:110; Lim et al. 2011 Pain 152:1811) and a little with k_W;
* the temporal-summation threshold — the current at which the *last* of
  five stimuli at 2 Hz reaches ``A_R`` (Arendt-Nielsen et al. 1994 Eur J
  Appl Physiol 68:266: repeated stimulation at 2 Hz summates the reflex) —
  is lower than the single one in everybody (NMDA wind-up of the dorsal
  horn) and falls further with the temporal-summation parameter k_W,
  which scales that wind-up. Both thresholds are read from tables of the
  dorsal-horn model (cached) and inverted per patient (vectorised).

``I0`` (the person's single threshold at k_W = 0, no central gain) is a
log-normal prior; ``A_R``, ``W_E``, the prior and the number of estimates
per visit are painmech choices (the registry says the usual range is
unknown: no normative value is shipped or claimed).

**Tender points** (Wolfe et al. 1990 Arthritis Rheum 33:160): each of the
18 ACR points is pressed with about 4 kg; it counts as tender when that
pressure exceeds the point's pressure pain threshold — the person's PPT at
the nearest simulated PPT site (:data:`TENDER_SITES`) on that day, with its
local and central sensitisation, times a stable point offset — given the
examiner's variation of the applied pressure. So the count follows
pressure sensitivity and its state (pain) and carries no information that
the PPT does not.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from scipy.special import ndtr

from painmech._utils._assumptions import CALIBRATED, CHOICE, declare
from painmech.simulation import _dorsal_horn as dh
from painmech.simulation._transduction import R_C, central_shift, threshold

__all__ = ["NWR_PRIOR", "TENDER_SITES", "nwr_blocks", "nwr_thresholds", "tender_blocks"]

_M = "painmech.simulation._reflex"
NWR_PRIOR = declare("NWR_PRIOR", (12.0, 0.45), "mA (median, ln SD)", CHOICE, _M,
                    "single-stimulus NWR threshold of a person at k_W = 0 without central "
                    "gain (order of magnitude of sural-nerve RIII thresholds; no normative "
                    "value is sourced)")
NWR_CRITERION = declare("NWR_CRITERION", 4.0, "Hz·s", CHOICE, _M,
                        "projection-neuron area of one stimulus at which the reflex appears")
NWR_SLOPE = declare("NWR_SLOPE", 1.0, "ln mA per unit of normalised drive", CHOICE, _M,
                    "slope of the electrical afferent recruitment")
NWR_TRAIN = declare("NWR_TRAIN", (5, 0.5), "(stimuli, interval s)",
                    "Arendt-Nielsen et al. 1994 Eur J Appl Physiol 68:266 (5 stimuli at 2 Hz)",
                    _M, "train of the temporal-summation threshold")
NWR_TRIALS = declare("NWR_TRIALS", 3, "estimates per visit", CHOICE, _M,
                     "threshold estimates (staircases) per reflex threshold and visit")
NWR_TRIAL_LN = declare("NWR_TRIAL_LN", 0.10, "ln units", CHOICE, _M,
                       "trial-to-trial jitter of a threshold estimate (scaled by noise_scale)")
#: PPT site nearest to each ACR point pair (occiput, low cervical, trapezius,
#: supraspinatus, second rib, lateral epicondyle, gluteal, greater trochanter, knee);
#: points 2k-1 left, 2k right.
TENDER_SITES = ("trapezius", "trapezius", "trapezius", "scapula", "scapula", "forearm",
                "lumbar", "lumbar", "tibialis_anterior")
PALPATION_KPA = declare("PALPATION_KPA", 4.0 * 9.80665 / 1e-4 / 1000.0, "kPa",
                        "Wolfe et al. 1990 Arthritis Rheum 33:160 (about 4 kg); read as 4 kgf "
                        "on 1 cm² (painmech choice of the contact area)", _M,
                        "palpation pressure of a tender-point examination")
PALPATION_LN = declare("PALPATION_LN", 0.8, "ln units", CALIBRATED, _M,
                       "examiner's variation of the applied pressure per point and visit "
                       "(scaled by noise_scale; target: tender-point count retest ICC "
                       "0.72–0.84 in chronic LBP, Jensen et al. 2013 BMJ Open 3:e002532)")


@cache
def _criterion_drives() -> tuple[np.ndarray, np.ndarray]:
    """Afferent drive (Hz) reaching the criterion on the k_W grid: single, train."""
    kk, xx = np.meshgrid(dh._K_GRID, dh._X_GRID, indexing="ij")
    single = dh.run_train(xx.ravel(), kk.ravel(), 1.0, 1, dtype=np.float64)[:, 0]
    n_stim, isi = NWR_TRAIN
    last = dh.run_train(xx.ravel(), kk.ravel(), isi, n_stim, dtype=np.float64)[:, -1]
    out = []
    for area in (single, last):
        tab = area.reshape(kk.shape)
        # first grid drive whose area reaches the criterion, interpolated linearly
        j = np.argmax(tab >= NWR_CRITERION, axis=1)
        lo, hi = tab[np.arange(len(j)), j - 1], tab[np.arange(len(j)), j]
        x0 = dh._X_GRID[j - 1]
        out.append(x0 + (NWR_CRITERION - lo) / (hi - lo) * (dh._X_GRID[1] - dh._X_GRID[0]))
    return out[0], out[1]


def _logit(p):
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1.0 - p))


def nwr_thresholds(i0, k_w, g_cs) -> tuple[np.ndarray, np.ndarray]:
    """True single and temporal-summation reflex thresholds (mA).

    Parameters
    ----------
    i0 : ndarray, shape (N,)
        Person's single threshold at k_W = 0 without central gain, mA.
    k_w : ndarray, shape (N,)
        Temporal-summation state of the dorsal horn (expressed k_W plus the
        person's healthy summation).
    g_cs : ndarray, shape (N,)
        Expressed central gain.
    """
    single_x, train_x = _criterion_drives()
    ref = _logit(single_x[0] / R_C)
    c = central_shift(g_cs)
    out = []
    for table in (single_x, train_x):
        x = np.interp(np.asarray(k_w, float), dh._K_GRID, table)
        out.append(np.asarray(i0, float) / c * np.exp(NWR_SLOPE * (_logit(x / R_C) - ref)))
    return out[0], out[1]


def nwr_blocks(pop, eff, k_w, rng, trials: int | None = None, noise: float = 1.0):
    """Blocks ``nwr_threshold`` and ``nwr_ts_threshold`` (mA, site/side none)."""
    k = NWR_TRIALS if trials is None else int(trials)
    single, train = nwr_thresholds(pop.nuisance["nwr0"], k_w, eff["g_cs"])
    out = []
    for measure, thr in (("nwr_threshold", single), ("nwr_ts_threshold", train)):
        val = thr[:, None] * np.exp(rng.normal(0.0, NWR_TRIAL_LN * noise, (pop.n, k)))
        out.append((measure, "none", "none", "mA", np.round(np.clip(val, 0.1, 99.9), 2)))
    return out


def tender_blocks(pop, eff, k_w, local, rng, noise: float = 1.0):
    """Block ``tender_point`` (18 flags, trial = ACR point number, site/side none).

    ``local`` maps a PPT site to each person's local flag (1 where the
    condition's painful region includes it), as for the PPT battery.
    """
    from painmech.simulation._battery import ALOC

    nz = pop.nuisance
    cs = central_shift(eff["g_cs"])
    thr = np.empty((pop.n, 18))
    for pair, site in enumerate(TENDER_SITES):
        drop = 1.0 - ALOC * eff["iota"] * local(site)
        for s, side in enumerate(("left", "right")):
            base = nz[f"ppt0_{site}_{side}"] * drop
            thr[:, 2 * pair + s] = threshold("pressure", base, k_w=k_w, central=cs)
    thr = thr * np.exp(nz["tender_ln"])
    p = ndtr(np.log(PALPATION_KPA / thr) / (PALPATION_LN * noise))
    flags = (rng.random((pop.n, 18)) < p).astype(float)
    return [("tender_point", "none", "none", "flag", flags)]
