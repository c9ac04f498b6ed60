"""DFNS QST battery: thermal and mechanical tests, pressure pain thresholds.

Each function takes validated observations in canonical units (see
:func:`painmech.registry.validate_observations`) and returns metrics rows; all
work is done with ``groupby``/``merge`` over all subjects at once.

Protocol (DFNS; Rolke et al. 2006 Pain 123:231 and Eur J Pain 10:77): thermal
thresholds as the mean of the trials, detection thresholds expressed as the
change from the 32 °C baseline, cut-offs 0/50 °C; von Frey and pinprick
thresholds as the geometric mean of the series; MPS as the geometric mean of
the pinprick ratings; wind-up ratio = mean train rating / mean single
rating; VDT and PPT as arithmetic means.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from painmech.measures._options import MetricOptions
from painmech.measures._table import concat_metrics, metric_rows, text_where, trial_summary
from painmech.registry import SITES
from painmech.registry._metrics_qst import (
    COLD_CUTOFF_DEGC,
    HEAT_CUTOFF_DEGC,
    THERMAL_BASELINE_DEGC,
)

__all__ = ["QST_MEASURES", "qst_metrics"]

#: Raw measures consumed by :func:`qst_metrics`.
QST_MEASURES = ("cdt", "wdt", "tsl", "phs", "cpt", "hpt", "mdt", "mpt", "mps", "dma",
                "wur_single", "wur_train", "vdt", "ppt")

_SITE_KEY = ["subject", "visit", "site", "side"]
_PAIR_KEY = ["subject", "visit", "site"]
#: Trunk sites (registry region "trunk") and the hand site used for CPT comparisons.
_TRUNK_SITES = tuple(s.id for s in SITES.values() if s.region == "trunk")
_HAND_SITE = "hand_dorsum"


def _mean_rows(obs, measure, metric, shift=0.0, method="mean of trials"):
    s = trial_summary(obs, measure)
    return s, metric_rows(s, metric, s["mean"] - shift, s["n"], method)


def _censored_rows(obs, measure, cutoff, side_of_cut):
    """Mean thermal pain threshold with censoring at a safety cut-off."""
    s = trial_summary(obs, measure)
    sel = obs.loc[obs["measure"].eq(measure)]
    at_cut = sel["value"].le(cutoff) if side_of_cut == "left" else sel["value"].ge(cutoff)
    # the same rows grouped by the same sorted keys: one count per row of s, in order
    n_cut = (sel.assign(_cut=at_cut.to_numpy()).groupby(_SITE_KEY, observed=True)["_cut"]
             .sum())
    s = s.assign(n_cut=n_cut.to_numpy())
    k = s["n_cut"].fillna(0).astype("int64")
    censored = np.where(k > 0, side_of_cut, "")
    method = text_where(
        k > 0,
        lambda m: "mean of trials; " + k[m].astype(str) + " of " + s["n"][m].astype(str)
        + f" trial(s) at the {cutoff:g} °C cut-off",
        "mean of trials")
    return s.assign(censored=censored), metric_rows(
        s, measure, s["mean"], s["n"], method, censored)


def _side_pairs(summary: pd.DataFrame) -> pd.DataFrame:
    """Left and right summaries of the same subject, visit and site side by side."""
    left = summary.loc[summary["side"].eq("left")]
    right = summary.loc[summary["side"].eq("right")]
    return left.merge(right, on=_PAIR_KEY, suffixes=("_l", "_r"))


def _ppt_side_diff(ppt: pd.DataFrame) -> pd.DataFrame:
    pairs = _side_pairs(ppt)
    lv, rv = pairs["mean_l"].to_numpy(), pairs["mean_r"].to_numpy()
    value = np.abs(lv - rv) / ((lv + rv) / 2.0) * 100.0
    return metric_rows(pairs.assign(side="bilateral"), "ppt_side_diff", value,
                       pairs["n_l"] + pairs["n_r"], "|L − R| / mean(L, R) × 100")


def _cpt_relative(cpt: pd.DataFrame) -> list[pd.DataFrame]:
    """Side-to-side and trunk-minus-hand CPT differences (Pfau et al. 2014)."""
    pairs = _side_pairs(cpt)
    either = pairs["censored_l"].ne("") | pairs["censored_r"].ne("")
    side_diff = metric_rows(
        pairs.assign(side="bilateral"), "cpt_side_diff",
        np.abs(pairs["mean_l"] - pairs["mean_r"]), pairs["n_l"] + pairs["n_r"],
        np.where(either, "|L − R|; a side reached the 0 °C cut-off (difference is a bound)",
                 "|L − R|"))
    trunk = cpt.loc[cpt["site"].isin(_TRUNK_SITES)]
    hand = cpt.loc[cpt["site"].eq(_HAND_SITE)]
    both = trunk.merge(hand, on=["subject", "visit", "side"], suffixes=("", "_hand"))
    either = both["censored"].ne("") | both["censored_hand"].ne("")
    method = np.where(either, "trunk − hand dorsum, same side; a value reached the 0 °C "
                      "cut-off (difference is a bound)", "trunk − hand dorsum, same side")
    trunk_hand = metric_rows(both, "cpt_trunk_hand_diff", both["mean"] - both["mean_hand"],
                             both["n"] + both["n_hand"], method)
    return [side_diff, trunk_hand]


def _wind_up(obs: pd.DataFrame, offset: float | None) -> pd.DataFrame:
    single = trial_summary(obs, "wur_single")
    train = trial_summary(obs, "wur_train")
    both = single.merge(train, on=_SITE_KEY, how="outer", suffixes=("_s", "_t"))
    s, t = both["mean_s"].to_numpy(), both["mean_t"].to_numpy()
    n = both["n_s"].fillna(0).astype("int64") + both["n_t"].fillna(0).astype("int64")
    if offset is None:
        undefined = s == 0
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(undefined, np.nan, t / s)
        method = np.where(undefined, "undefined: mean single-stimulus rating is 0",
                          "mean train rating / mean single rating")
    else:
        value = (t + offset) / (s + offset)
        method = np.full(len(both), f"(mean train + {offset:g}) / (mean single + {offset:g})",
                         dtype=object)
    method = np.where(np.isnan(s), "no single-stimulus ratings", method)
    method = np.where(np.isnan(t), "no train ratings", method)
    return metric_rows(both, "wur", value, n, method)


def qst_metrics(obs: pd.DataFrame, options: MetricOptions) -> pd.DataFrame:
    """Compute the DFNS QST metrics from validated observations.

    Parameters
    ----------
    obs : pandas.DataFrame
        Observations of the measures in :data:`QST_MEASURES`, canonical units
        (°C absolute for thermal thresholds, mN, NRS 0–100, x/8, kPa).
    options : MetricOptions
        ``mps_offset`` and ``wur_offset`` are used here.

    Returns
    -------
    pandas.DataFrame
        Metrics rows (``cdt, wdt, tsl, phs, cpt, hpt, cpt_side_diff,
        cpt_trunk_hand_diff, mdt, mpt, mps, dma, wur, vdt, ppt,
        ppt_side_diff``); metrics whose measures are absent have no rows.
    """
    present = set(pd.unique(obs["measure"]))
    parts: list[pd.DataFrame] = []
    base = THERMAL_BASELINE_DEGC
    if "cdt" in present:
        parts.append(_mean_rows(obs, "cdt", "cdt", base, "mean of trials − 32 °C")[1])
    if "wdt" in present:
        parts.append(_mean_rows(obs, "wdt", "wdt", base, "mean of trials − 32 °C")[1])
    if "tsl" in present:
        parts.append(_mean_rows(obs, "tsl", "tsl")[1])
    if "phs" in present:
        s = trial_summary(obs, "phs")
        parts.append(metric_rows(s, "phs", s["sum"], s["n"], "count over TSL trials"))
    if "cpt" in present:
        cpt, rows = _censored_rows(obs, "cpt", COLD_CUTOFF_DEGC, "left")
        parts += [rows, *_cpt_relative(cpt)]
    if "hpt" in present:
        parts.append(_censored_rows(obs, "hpt", HEAT_CUTOFF_DEGC, "right")[1])
    for measure in ("mdt", "mpt"):
        if measure in present:
            s = trial_summary(obs, measure)
            parts.append(metric_rows(s, measure, 10.0 ** s["log_mean"], s["n"],
                                     "geometric mean of series"))
    if "mps" in present:
        c = options.mps_offset
        s = trial_summary(obs, "mps", offset=c)
        parts.append(metric_rows(s, "mps", 10.0 ** s["log_mean"], s["n"],
                                 f"geometric mean of (rating + {c:g})"))
    if "dma" in present:
        parts.append(_mean_rows(obs, "dma", "dma")[1])
    if present & {"wur_single", "wur_train"}:
        parts.append(_wind_up(obs, options.wur_offset))
    if "vdt" in present:
        parts.append(_mean_rows(obs, "vdt", "vdt")[1])
    if "ppt" in present:
        ppt, rows = _mean_rows(obs, "ppt", "ppt")
        parts += [rows, _ppt_side_diff(ppt)]
    return concat_metrics(parts)
