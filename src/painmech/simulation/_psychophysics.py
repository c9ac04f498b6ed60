"""Psychophysical procedures: method of limits, discrete series, staircases.

* Method of limits with reaction time (Reulen et al. 2003): the reported
  threshold is the stimulus at the moment of crossing plus the reaction time
  times the ramp rate, so faster ramps overshoot more. A per-trial criterion
  jitter models trial-to-trial variability. Values are clipped at the
  device cut-off, which censors them (DFNS: thermode 0 and 50 °C).
* Discrete series (DFNS von Frey and pinprick thresholds, Rolke 2006): the
  stimulus steps through a geometric set of forces; an ascending series
  reports the first force felt, a descending series the last force felt.
* Up–down staircase (two-point discrimination): one-up/one-down on the
  separation, threshold as the mean of the last reversals.

Every function works on whole arrays of patients (and trials).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from painmech._utils._assumptions import CHOICE, declare

__all__ = [
    "method_of_limits", "discrete_series", "staircase", "detection_probability",
    "RT_MEAN_S", "RT_SD_S",
]

#: Reaction time prior in seconds (painmech assumption: a simple reaction
#: time of a few hundred ms; Reulen 2003 describes the artefact).
RT_MEAN_S = declare("RT_MEAN_S", 0.4, "s", CHOICE, "painmech.simulation._psychophysics",
                    "mean simple reaction time of the method of limits (artefact: Reulen "
                    "2003)")
RT_SD_S = declare("RT_SD_S", 0.1, "s", CHOICE, "painmech.simulation._psychophysics",
                  "trial-to-trial SD of the reaction time (scaled by noise_scale)")


def method_of_limits(
    true_thr: np.ndarray,
    rate: float,
    n_trials: int,
    rng: np.random.Generator,
    jitter: float,
    log_jitter: bool = False,
    lo: float = -np.inf,
    hi: float = np.inf,
    noise: float = 1.0,
) -> np.ndarray:
    """Report thresholds of a ramp procedure.

    Parameters
    ----------
    true_thr : ndarray, shape (N,)
        Stimulus at which the percept crosses the criterion.
    rate : float
        Signed ramp rate in stimulus units per second (+50 kPa/s, -1 °C/s).
    n_trials : int
        Repetitions per patient.
    rng : numpy.random.Generator
    jitter : float
        SD of the per-trial criterion jitter (stimulus units, or ln units
        when ``log_jitter``).
    lo, hi : float
        Device range; reports are clipped (censored) at it.
    noise : float
        Measurement-noise multiplier on the criterion jitter and the
        reaction-time spread.

    Returns
    -------
    ndarray, shape (N, n_trials)
    """
    shape = (np.shape(true_thr)[0], n_trials)
    thr = np.asarray(true_thr, float)[:, None]
    if log_jitter:
        cross = thr * np.exp(rng.normal(0.0, jitter * noise, shape))
    else:
        cross = thr + rng.normal(0.0, jitter * noise, shape)
    rt = np.maximum(rng.normal(RT_MEAN_S, RT_SD_S * noise, shape), 0.1)
    return np.clip(cross + rt * rate, lo, hi)


def discrete_series(
    true_thr: np.ndarray,
    levels: np.ndarray,
    n_series: int,
    rng: np.random.Generator,
    ln_jitter: float,
    noise: float = 1.0,
) -> np.ndarray:
    """Alternating ascending/descending series over discrete stimulus levels.

    Returns, per patient, ``2 * n_series`` values: the first level felt in each
    ascending series followed by the last level felt in each descending
    series. A level is felt when it is at least the (jittered) threshold;
    when no level is felt the ascending series reports the next step above
    the top level (one doubling, the DFNS convention of a value beyond the
    last stimulus), and when every level is felt the descending series
    reports the bottom level. ``noise`` multiplies ``ln_jitter``.
    """
    levels = np.asarray(levels, float)
    top = levels[-1] * levels[-1] / levels[-2]
    ext = np.append(levels, top)
    n = np.shape(true_thr)[0]
    thr = np.asarray(true_thr, float)[:, None] * np.exp(
        rng.normal(0.0, ln_jitter * noise, (n, 2 * n_series)))
    idx = np.searchsorted(levels, thr, side="left")  # first level >= thr
    asc = ext[np.minimum(idx[:, :n_series], len(levels))]
    desc_idx = np.maximum(idx[:, n_series:], 0)
    desc = ext[np.minimum(desc_idx, len(levels))]
    return np.concatenate([asc, desc], axis=1)


def staircase(
    p_yes,
    start: np.ndarray,
    step: float,
    n_trials: int,
    n_reversals_used: int,
    rng: np.random.Generator,
    lo: float,
    hi: float,
) -> np.ndarray:
    """One-up/one-down staircase on a stimulus magnitude.

    Parameters
    ----------
    p_yes : callable
        ``p_yes(level) -> probability`` of a "yes, two points" answer, vectorised
        over patients (level shape (N,)).
    start : ndarray, shape (N,)
        Starting level per patient.
    step : float
        Step size in stimulus units.
    n_trials : int
        Trials per staircase.
    n_reversals_used : int
        Threshold = mean level at the last this-many reversals (fallback: mean
        of the last half of the trials when there are fewer reversals).

    Returns
    -------
    ndarray, shape (N,)
    """
    level = np.asarray(start, float).copy()
    n = level.shape[0]
    prev = np.zeros(n, dtype=np.int8)
    rev_levels = np.full((n, n_trials), np.nan)
    history = np.empty((n, n_trials))
    for t in range(n_trials):
        history[:, t] = level
        yes = rng.random(n) < p_yes(level)
        move = np.where(yes, -1, 1).astype(np.int8)
        reversal = (prev != 0) & (move != prev)
        rev_levels[reversal, t] = level[reversal]
        prev = move
        level = np.clip(level + move * step, lo, hi)
    # mean of the last k reversals per row
    valid = ~np.isnan(rev_levels)
    rank = np.cumsum(valid[:, ::-1], axis=1)[:, ::-1]
    use = valid & (rank <= n_reversals_used)
    n_used = use.sum(axis=1)
    mean_rev = np.where(use, rev_levels, 0.0).sum(axis=1) / np.maximum(n_used, 1)
    fallback = history[:, n_trials // 2:].mean(axis=1)
    return np.where(n_used >= 2, mean_rev, fallback)


def detection_probability(signal, criterion, noise_sd):
    """Probability of a "yes" from a Gaussian decision variable (signal detection)."""
    return ndtr((np.asarray(signal) - criterion) / noise_sd)
