"""Individual measurement error per metric: the study's retest data, else published figures.

:func:`reliability_for` gives one standard error of measurement (SEM) per
metric, site and side, in this order of preference:

1. **study retest** — healthy controls measured at two visits (their first
   two): ``SEM = SD(x₂ − x₁)/√2``
   (:func:`painmech.longitudinal.reliability_from_retest`, ``sem="sd_diff"``),
   for measured metrics (``score_kind`` "z") with at least ``min_n`` pairs;
2. **published** individual-level figures, :data:`CITED_RELIABILITY` (every
   row with its ``references.bib`` key): an individual MDC95 or SEM, or an
   ICC turned into a SEM with the SD of the study's controls,
   ``SEM = SD·sqrt(1 − ICC)``;
3. nothing — the metric's reliable change is then *unknown*, never guessed.

Group-level figures are not individual error and are not in the table:
Mailloux et al. 2021 report an MDC *for the group* (MDCgr, about the
individual MDC ÷ √n) of 28.7–50.6 kPa for low-back PPT and 0.33–0.57 NRS for
TSP (evidence.md §2–3); used for one person they call changes real that lie
well inside the individual error (Balaguier et al. 2016: individual SEM
36.7–77.5 kPa, i.e. MDC95 102–215 kPa).

**Log scale.** The error of the pressure pain threshold grows with its level
(evidence.md §2), as for every metric registered with a log10 transform. With
``scale="auto"`` (default) those metrics are judged on the log10 scale: the
SEM comes from an ICC and the between-subject SD of the log10 values of the
study's controls,

    SEM_log10 = SD(log10 x) · sqrt(1 − ICC),

which treats the ICC of the raw values as the ICC of the logged values (a
monotone transform changes it little when the spread is moderate). A change
from x₀ to x₁ is then reliable when ``|log10(x₁/x₀)| > 1.96·√2·SEM_log10``;
the threshold is a *ratio*, the same for a low and a high baseline. Published
SEMs in kPa are not used for log-scale metrics (the level at which they were
measured would be needed); ``scale="raw"`` uses them instead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from painmech._utils._checks import check_columns, check_option
from painmech.longitudinal._reliability import (
    MDC_FACTOR,
    is_log_metric,
    log_scaled,
    mdc95_from_sem,
    reliability_from_retest,
    sem_from_icc,
)
from painmech.registry import METRICS, to_canonical

__all__ = ["CITED_RELIABILITY", "RELIABILITY_COLUMNS", "reliability_for"]

#: Columns of :func:`reliability_for`.
RELIABILITY_COLUMNS = ["metric", "site", "side", "scale", "sem", "mdc95", "unit", "n", "basis",
                       "source"]

_REL_COLS = ["metric", "site", "statistic", "low", "high", "unit", "convert_as", "population",
             "source", "detail"]

#: Published individual-level reliability figures (evidence.md). ``site`` "any"
#: applies to every site; ``unit`` is the unit as published, ``convert_as`` the
#: raw measure whose registry conversion brings it to the metric's unit ("" when
#: none is needed); ``source`` holds ``references.bib`` keys (``;``-separated).
CITED_RELIABILITY = pd.DataFrame([
    ("ppt", "lumbar", "icc", 0.80, 0.99, "", "", "low back: healthy (within session) and "
     "vine-workers (1 h apart)", "mailloux2021;balaguier2016",
     "ICC range of both studies with >= 2 trials"),
    ("ppt", "lumbar", "sem", 36.7, 77.5, "kPa", "", "low back, vine-workers",
     "balaguier2016", "intra-session SEM, trials 1-2; raw scale only"),
    ("ppt", "any", "icc", 0.88, 0.99, "", "", "neck, upper back, leg; healthy women, "
     "2 weeks (0.96-0.99) and 6 months (0.88-0.95) apart", "kjp2023qst",
     "between-session ICC range"),
    ("ppt", "any", "sem", 0.21, 0.21, "kgf/cm2", "ppt", "healthy, n = 50 (CPM test stimulus)",
     "kemp2020", "raw scale only"),
    ("tsp_diff", "any", "icc", 0.667, 0.942, "", "", "low back and forearm, healthy, within "
     "session", "mailloux2021", "ICC 0.80-0.97 for the mean of >= 2 series, stepped down to "
     "one series by Spearman-Brown (0.80 / 1.20 = 0.667); a single series was 'moderate' "
     "there"),
    ("wur", "any", "icc", 0.67, 0.67, "", "", "DFNS protocol, patients with somatosensory "
     "lesions, 2 days", "geber2011", "test-retest correlation r of the wind-up ratio "
     "(reliability coefficient in classical test theory)"),
    ("cpm_rating_effect", "any", "icc", 0.62, 0.62, "", "", "parallel CPM design",
     "gehling2016", "early (parallel) CPM effect, ICC 0.618"),
    ("cpm_rating_effect", "any", "mdc95", 20.2, 20.2, "nrs100", "", "parallel CPM design",
     "gehling2016", "smallest real difference of the early CPM effect"),
    ("mep_ratio_post10", "any", "icc", 0.67, 0.67, "", "", "tDCS homeostatic protocol",
     "thapa2018np", "best retest ICC, 10 min after block 2"),
    ("mep_ratio_post0", "any", "icc", 0.43, 0.67, "", "", "tDCS homeostatic protocol",
     "thapa2018np", "range over the time points (each >= 0.43)"),
    ("mep_ratio_post20", "any", "icc", 0.43, 0.67, "", "", "tDCS homeostatic protocol",
     "thapa2018np", "range over the time points (each >= 0.43)"),
    ("tpd", "lumbar", "icc", 0.79, 0.86, "", "", "low back, intra-rater", "catley2013", ""),
    ("tpd", "cervical", "sem", 3.7, 3.7, "mm", "", "neck", "harvie2017", ""),
    ("frebaq_total", "any", "sem", 2.16, 2.16, "score", "", "Chinese FreBAQ, chronic LBP, "
     "n = 105", "hu2022", ""),
    ("frebaq_total", "any", "mdc95", 5.99, 5.99, "score", "", "Chinese FreBAQ, chronic LBP, "
     "n = 105", "hu2022", ""),
    ("frebaq_total", "any", "icc", 0.897, 0.897, "", "", "Chinese FreBAQ, chronic LBP, "
     "n = 105", "hu2022", "95 % CI 0.852-0.929"),
], columns=_REL_COLS)


def _cited_in_metric_unit(table: pd.DataFrame) -> pd.DataFrame:
    t = table.copy()
    conv = t["convert_as"].astype(str) != ""
    if conv.any():
        for col in ("low", "high"):
            val, unit, _ = to_canonical(t.loc[conv, col], t.loc[conv, "unit"],
                                        t.loc[conv, "convert_as"])
            t.loc[conv, col] = val.to_numpy()
        t.loc[conv, "unit"] = unit.astype(str).to_numpy()
    return t


def _controls(subjects: pd.DataFrame | None, condition: str) -> pd.Index:
    if subjects is None:
        return pd.Index([])
    check_columns(subjects, ["subject", "condition"], "subjects")
    return pd.Index(subjects.loc[subjects["condition"].astype(str).eq(condition), "subject"]
                    .astype(str).unique())


def _study_rows(metrics, controls, min_n, scale) -> pd.DataFrame:
    """Retest rows from the controls' first two visits (n >= min_n per metric, site, side).

    Only measured metrics (those scored against a reference, ``score_kind``
    "z") are estimated: questionnaires and pain ratings sit at their floor in
    healthy controls, whose retest error would understate a patient's.
    """
    measured = [m.id for m in METRICS.values() if m.score_kind == "z"]
    mine = metrics[metrics["subject"].astype(str).isin(controls)
                   & metrics["metric"].isin(measured)]
    n_visits = mine.groupby("subject")["visit"].nunique()
    again = n_visits.index[n_visits >= 2]
    if len(again) < min_n:
        return pd.DataFrame(columns=RELIABILITY_COLUMNS)
    visits = np.sort(mine.loc[mine["subject"].isin(again), "visit"].unique())[:2]
    rt = reliability_from_retest(mine, visits=visits, subjects=again, sem="sd_diff",
                                 scale=scale)
    rt = rt[(rt["n"] >= min_n) & (rt["sem"] > 0)]
    return rt[RELIABILITY_COLUMNS].astype({"n": float})


def _sds(metrics, controls, min_n, scale) -> tuple[pd.Series, pd.Series, str]:
    """SD (and number of people) per metric and site at each subject's first visit.

    The controls' values where at least ``min_n`` of them have the metric,
    otherwise every subject's (patients widen the SD: a conservative SEM).
    """
    first = metrics[metrics["visit"] == metrics.groupby("subject")["visit"].transform("min")]
    first, _ = log_scaled(first, scale)
    first = first.dropna(subset=["value"])
    is_ctrl = first["subject"].astype(str).isin(controls)
    g_all = first.groupby(["metric", "site"])
    g_ctl = first[is_ctrl].groupby(["metric", "site"])
    n_ctl = g_ctl["subject"].nunique()
    use_ctl = n_ctl[n_ctl >= min_n].index
    sd = g_all["value"].std()
    n = g_all["subject"].nunique()
    who = pd.Series("subjects'", index=sd.index)
    if len(use_ctl):
        sd.loc[use_ctl] = g_ctl["value"].std().loc[use_ctl]
        n.loc[use_ctl] = n_ctl.loc[use_ctl]
        who.loc[use_ctl] = "controls'"
    return sd, n.astype(float), who


def _cited_rows(metrics, cited, bound, controls, min_n, scale) -> pd.DataFrame:
    cited = _cited_in_metric_unit(cited)
    pairs = metrics[["metric", "site"]].drop_duplicates()
    pairs = pairs[pairs["metric"].isin(cited["metric"])]
    if pairs.empty:
        return pd.DataFrame(columns=RELIABILITY_COLUMNS)
    logged = is_log_metric(pairs["metric"]) & (scale == "auto")
    log_metric = dict(zip(pairs["metric"], logged, strict=True))
    sds, ns, who = _sds(metrics, controls, min_n, scale)
    units = (metrics.groupby("metric")["unit"].first() if "unit" in metrics.columns
             else pd.Series(dtype=object))
    cons = bound == "conservative"
    rows = []
    for metric, site in pairs.itertuples(index=False):  # one pass per metric and site
        c = cited[(cited["metric"] == metric) & cited["site"].isin([site, "any"])]
        c = c.assign(exact=(c["site"] == site)).sort_values("exact", ascending=False,
                                                            kind="stable")
        on_log = bool(log_metric[metric])
        for stat in (("icc",) if on_log else ("mdc95", "sem", "icc")):
            hit = c[c["statistic"] == stat]
            if hit.empty:
                continue
            r = hit.iloc[0]
            n = np.nan
            if stat == "icc":
                sd = sds.get((metric, site), np.nan)
                n = ns.get((metric, site), np.nan)
                value = r["low"] if cons else r["high"]
                sem = float(sem_from_icc(sd, value))
                basis = (f"published ICC {value:g} × SD {sd:.4g}"
                         f"{' log10' if on_log else ''} of {n:.0f} "
                         f"{who.get((metric, site), '')} first visits")
                unit = units.get(metric, "")
            else:
                value = r["high"] if cons else r["low"]
                sem = value / MDC_FACTOR if stat == "mdc95" else value
                basis, unit = f"published {'MDC95' if stat == 'mdc95' else 'SEM'} {value:g}", \
                    r["unit"]
            if not np.isfinite(sem) or sem <= 0:
                continue
            rows.append({"metric": metric, "site": site, "side": "any",
                         "scale": "log10" if on_log else "raw", "sem": float(sem),
                         "mdc95": float(mdc95_from_sem(sem)), "unit": unit, "n": n,
                         "basis": basis,
                         "source": "published: " + r["source"].replace(";", ", ")})
            break
    return pd.DataFrame(rows, columns=RELIABILITY_COLUMNS)


def reliability_for(
    metrics: pd.DataFrame,
    *,
    cited: pd.DataFrame | None = None,
    bound: str = "conservative",
    subjects: pd.DataFrame | None = None,
    condition: str = "healthy",
    retest: str = "auto",
    min_n: int = 10,
    scale: str = "auto",
) -> pd.DataFrame:
    """One individual SEM and MDC95 per metric, site and side (see the module docstring).

    Parameters
    ----------
    metrics : pandas.DataFrame
        Metrics table over visits (``subject, visit, metric, site, side,
        value[, unit]``).
    cited : pandas.DataFrame, optional
        Table like :data:`CITED_RELIABILITY` (the default).
    bound : {"conservative", "liberal"}
        Use the end of a published range that gives the larger SEM
        (conservative: fewer changes called real) or the smaller.
    subjects : pandas.DataFrame, optional
        ``subject, condition``. Names the controls: their retest data are used
        first, and their first-visit SD turns a published ICC into a SEM.
        Without it the SD comes from every subject's first visit and no retest
        data are used.
    condition : str
        Condition of the controls (default ``"healthy"``).
    retest : {"auto", "never", "only"}
        ``"auto"``: use the controls' two first visits where at least
        ``min_n`` controls have both, published figures elsewhere;
        ``"never"``: published figures only; ``"only"``: retest data only.
    min_n : int
        Fewest controls for a retest SEM or for a controls' SD (default 10,
        painmech's choice, as for reference sets).
    scale : {"auto", "raw"}
        ``"auto"`` judges log10-transformed metrics on the log10 scale.

    Returns
    -------
    pandas.DataFrame
        :data:`RELIABILITY_COLUMNS`: ``side`` (``"any"`` for published
        figures), ``scale`` (``"log10"`` or ``"raw"``: the scale of ``sem``
        and ``mdc95``), ``unit`` (the metric's unit), ``n`` (people of this
        study behind the figure: retest pairs, or the SD for a published ICC;
        NaN for a published SEM or MDC95), ``basis`` (how the SEM was
        obtained) and ``source`` (``"study retest (n=…)"`` or ``"published:
        <bib keys>"``). Metrics without either are absent: their reliable
        change is unknown.
    """
    check_option("bound", bound, ("conservative", "liberal"))
    check_option("retest", retest, ("auto", "never", "only"))
    check_option("scale", scale, ("auto", "raw"))
    check_columns(metrics, ["subject", "visit", "metric", "site", "side", "value"], "metrics")
    controls = _controls(subjects, condition)
    parts = []
    if retest != "never" and len(controls):
        parts.append(_study_rows(metrics, controls, min_n, scale))
    if retest != "only":
        parts.append(_cited_rows(metrics, CITED_RELIABILITY if cited is None else cited,
                                 bound, controls, min_n, scale))
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=RELIABILITY_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    return out.astype({"sem": float, "mdc95": float, "n": float})[RELIABILITY_COLUMNS]
