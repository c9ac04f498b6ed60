"""Homeostatic plasticity from the two-block tDCS protocol.

Protocol (Thapa & Schabrun 2018 Neural Plast 6207508; evidence.md §8): anodal
tDCS over M1 for 7 min, 3 min pause, 5 min; MEPs (15 per block in the
original protocol) at ``baseline``, ``between`` the blocks and 0, 10 and
20 min after the second block (``post0``, ``post10``, ``post20``). In healthy
people the MEP rises after block 1 and falls below baseline after block 2; in
chronic LBP this reversal is missing (Thapa et al. 2018, direction recalled).

Response class (evidence.md §8: compare the post-block-2 MEP, normalised to
baseline, with baseline *taking its measurement error into account*):

1. the pulses after block 2 (default: post0, post10 and post20 pooled) and the
   baseline pulses are log-transformed — MEP amplitudes are positive and
   right-skewed, and on the log scale a change is a ratio;
2. Welch's unequal-variance t compares the two means; its confidence interval,
   back-transformed, is a CI of the geometric-mean ratio post / baseline;
3. ``homeostatic_class`` = −1 (homeostatic) when the whole CI is below 1, +1
   (non-homeostatic) when it is above 1, 0 (indeterminate) when it contains 1
   or fewer than 2 pulses are available on either side;
4. ``homeostatic_z`` is the Welch t converted to a standard-normal quantile with
   the same one-sided p-value (so it does not depend on the number of pulses
   through the t distribution's tails); positive = no homeostatic decrease.

The ratio CI treats pulses as independent draws, which ignores slow drift
within a block; with 15 pulses per block it is a per-session statement, not a
trait estimate (retest ICC 0.43–0.67, evidence.md §8).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from painmech.measures._instrument import Checker
from painmech.measures._table import empty_metrics, metric_rows
from painmech.registry._metrics_neuro import TDCS_TIMEPOINTS

__all__ = ["TDCS_COLUMNS", "homeostatic_metrics"]

#: Columns of a tDCS MEP series table.
TDCS_COLUMNS = ("subject", "visit", "timepoint", "pulse", "mep_uv")
_SV = ["subject", "visit"]
_TIMEPOINT_ALIASES = {tp: tp for tp in TDCS_TIMEPOINTS} | {
    "pre": "baseline", "base": "baseline", "between_blocks": "between", "mid": "between",
    "post0min": "post0", "post10min": "post10", "post20min": "post20",
}


def _fold_timepoint(text: pd.Series) -> pd.Series:
    return text.str.replace(r"[\s\-]+", "", regex=True).str.replace("_", "", regex=False)


def _check_series(series: pd.DataFrame) -> pd.DataFrame:
    chk = Checker(series, "<tdcs series>", TDCS_COLUMNS)
    subject = chk.text("subject", lower=False)
    chk.add(subject.eq("").to_numpy(), "subject", subject, "empty subject")
    visit = chk.number("visit", minimum=0, integer=True)
    raw_tp = chk.text("timepoint")
    aliases = {k.replace("_", ""): v for k, v in _TIMEPOINT_ALIASES.items()}
    tp = _fold_timepoint(raw_tp).map(aliases)
    chk.add(tp.isna().to_numpy(), "timepoint", raw_tp,
            f"unknown timepoint; use {', '.join(TDCS_TIMEPOINTS)}")
    pulse = chk.number("pulse", minimum=1, integer=True)
    mep = chk.number("mep_uv", minimum=0.0, strict=True)
    chk.raise_if_problems()
    clean = pd.DataFrame({"subject": subject.to_numpy(), "visit": visit.astype("int64"),
                          "timepoint": tp.to_numpy(), "pulse": pulse.astype("int64"),
                          "mep_uv": mep})
    dup = clean.duplicated([*_SV, "timepoint", "pulse"]).to_numpy()
    chk.add(dup, "pulse", pulse, "pulse number repeated within this timepoint")
    chk.raise_if_problems()
    return clean


def _welch(post: pd.DataFrame, base: pd.DataFrame, alpha: float) -> pd.DataFrame:
    both = post.merge(base, on=_SV, how="outer", suffixes=("_p", "_b"))
    n_p, n_b = both["n_p"].fillna(0).to_numpy(), both["n_b"].fillna(0).to_numpy()
    m_p, m_b = both["m_p"].to_numpy(), both["m_b"].to_numpy()
    v_p, v_b = both["v_p"].to_numpy(), both["v_b"].to_numpy()
    ok = (n_p >= 2) & (n_b >= 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        a, b = v_p / n_p, v_b / n_b
        se = np.sqrt(a + b)
        ok &= se > 0
        diff = m_p - m_b
        t = np.where(ok, diff / se, np.nan)
        df = np.where(ok, (a + b) ** 2 / (a**2 / (n_p - 1) + b**2 / (n_b - 1)), np.nan)
        crit = stats.t.ppf(1 - alpha / 2, df)
        lo, hi = np.exp(diff - crit * se), np.exp(diff + crit * se)
        tail = stats.t.sf(np.abs(t), df)
        z = np.sign(t) * stats.norm.isf(tail)
    z = np.where(np.isinf(z), t, z)  # tail probability underflowed: t is already huge
    cls = np.where(ok & (hi < 1), -1.0, np.where(ok & (lo > 1), 1.0, 0.0))
    level = f"{1 - alpha:.0%}"
    method = np.where(
        ok,
        "Welch t on ln MEP post vs baseline, df " + pd.Series(df).round(1).astype(str)
        + f"; GMR {level} CI " + pd.Series(lo).round(3).astype(str) + "–"
        + pd.Series(hi).round(3).astype(str),
        "indeterminate: fewer than 2 pulses (or no spread) at baseline or after block 2",
    )
    return pd.DataFrame({"subject": both["subject"], "visit": both["visit"], "z": z,
                         "cls": cls, "n": n_p + n_b, "method": method})


def homeostatic_metrics(
    series: pd.DataFrame,
    *,
    post: Sequence[str] = ("post0", "post10", "post20"),
    alpha: float = 0.05,
) -> pd.DataFrame:
    """MEP means, spreads, ratios and the homeostatic response of tDCS series.

    Parameters
    ----------
    series : pandas.DataFrame
        ``subject, visit, timepoint, pulse, mep_uv``: one row per TMS pulse;
        ``timepoint`` one of baseline, between, post0, post10, post20
        (spellings such as ``post_10`` or ``Post 10`` accepted); ``mep_uv`` the
        peak-to-peak MEP in µV, > 0.
    post : sequence of str
        Timepoints after the second block that are pooled for the response
        class and ``homeostatic_z`` (default all three; evidence.md §8 notes
        retest reliability is best at 10 min, so ``("post10",)`` is a
        defensible alternative).
    alpha : float
        Two-sided error level of the ratio confidence interval (default 0.05,
        a 95 % CI).

    Returns
    -------
    pandas.DataFrame
        Metrics table (site and side ``"none"``): ``mep_<tp>`` (mean, µV),
        ``mep_<tp>_sd`` (SD, µV), ``mep_ratio_<tp>`` (mean / baseline mean) for
        every timepoint present, plus ``homeostatic_z`` and
        ``homeostatic_class`` (−1 homeostatic, 0 indeterminate, +1
        non-homeostatic) per subject and visit. ``n_trials`` is the number of
        pulses used.

    Raises
    ------
    ValidationError
        Listing rows with unknown timepoints, non-positive or non-numeric MEPs,
        or repeated pulse numbers.
    """
    bad = [p for p in post if p not in TDCS_TIMEPOINTS[2:]]
    if bad or not post:
        raise ValueError(f"post must name timepoints among post0, post10, post20; got {post!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
    clean = _check_series(series)
    if clean.empty:
        return empty_metrics()
    clean["ln"] = np.log(clean["mep_uv"])
    per_tp = (clean.groupby([*_SV, "timepoint"], sort=True)
              .agg(n=("mep_uv", "size"), mean=("mep_uv", "mean"), sd=("mep_uv", "std"))
              .reset_index())
    baseline = per_tp.loc[per_tp["timepoint"].eq("baseline"), [*_SV, "mean"]]
    per_tp = per_tp.merge(baseline.rename(columns={"mean": "base"}), on=_SV, how="left")
    keys = per_tp[_SV].assign(site="none", side="none")
    parts = []
    for tp in TDCS_TIMEPOINTS:  # five fixed metric ids, not a loop over subjects
        sel = per_tp["timepoint"].eq(tp).to_numpy()
        k, rows = keys.loc[sel], per_tp.loc[sel]
        parts.append(metric_rows(k, f"mep_{tp}", rows["mean"], rows["n"], "mean"))
        parts.append(metric_rows(k, f"mep_{tp}_sd", rows["sd"], rows["n"], "SD (ddof 1)"))
        if tp != "baseline":
            ratio = rows["mean"] / rows["base"]
            why = np.where(rows["base"].isna(), "no baseline MEPs", "mean / baseline mean")
            parts.append(metric_rows(k, f"mep_ratio_{tp}", ratio, rows["n"], why))
    ln_stats = clean.assign(block=np.where(clean["timepoint"].eq("baseline"), "b",
                                           np.where(clean["timepoint"].isin(list(post)), "p",
                                                    "")))
    grouped = (ln_stats.loc[ln_stats["block"].ne("")]
               .groupby([*_SV, "block"]).agg(n=("ln", "size"), m=("ln", "mean"),
                                             v=("ln", "var")).reset_index())
    post_stats = grouped.loc[grouped["block"].eq("p")].drop(columns="block")
    base_stats = grouped.loc[grouped["block"].eq("b")].drop(columns="block")
    resp = _welch(post_stats, base_stats, alpha)
    if len(resp):
        rk = resp[_SV].assign(site="none", side="none")
        parts.append(metric_rows(rk, "homeostatic_z", resp["z"], resp["n"], resp["method"]))
        parts.append(metric_rows(rk, "homeostatic_class", resp["cls"], resp["n"],
                                 resp["method"]))
    out = pd.concat([p for p in parts if len(p)], ignore_index=True)
    return out.sort_values(["subject", "visit", "metric"], kind="stable").reset_index(drop=True)
