"""The calibration targets of the simulator, each with its source.

A target is a published figure (or a direction) that a simulated cohort must
reproduce. ``rule`` says how it is judged:

* ``"overlap"`` — the simulated 95 % CI overlaps the target interval;
* ``"range"`` — the simulated point estimate lies inside the target interval.

``interval`` says where the interval comes from: the paper's own 95 % CI, a
CI computed from the paper's mean, SD and n, or a tolerance painmech chose.
Every target is also declared to :mod:`painmech._utils._assumptions`, so
``docs/assumptions.md`` lists it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from painmech._utils._assumptions import declare

__all__ = ["TARGETS", "Target"]

_Z = 1.959963984540054  # 97.5 % normal quantile


@dataclass(frozen=True)
class Target:
    """One calibration target.

    Attributes
    ----------
    key : str
        Short identifier.
    target : str
        What is compared (report text).
    source : str
        Where the figure comes from (and, where it was not traced, that it is
        treated as a painmech choice).
    reference, low, high : float
        The figure and its interval (NaN reference: a direction or a range).
    unit : str
    rule : {"overlap", "range"}
    interval : str
        Where ``low``–``high`` come from.
    """

    key: str
    target: str
    source: str
    reference: float
    low: float
    high: float
    unit: str
    rule: str
    interval: str


_MCPHEE = "McPhee et al. 2020 Pain 161:464"
_GEHLING = "Gehling et al. 2016 BMC Neurol 16:125 (day 1, n = 25 healthy)"
_THAPA = "Thapa & Schabrun 2018 Neural Plast 6207508 (n = 10 healthy, days 0–14)"
_PUBLISHED = "published 95 % CI"
_GEBER = ("Geber et al. 2011 Pain (DFNS QST, 60 patients, 4 centres, 2 days: retest r "
          "0.80–0.93 at the test area, 0.79 at control areas)")
_RETEST = "healthy people measured twice a week apart"


def _fisher_ci(r: float, n: int) -> tuple[float, float]:
    """95 % CI of a correlation-type coefficient by Fisher's z (SE 1/sqrt(n − 3))."""
    z, se = np.arctanh(r), 1.0 / np.sqrt(n - 3)
    return float(np.tanh(z - _Z * se)), float(np.tanh(z + _Z * se))


def _ci(mean: float, sd: float, n: int) -> tuple[float, float]:
    half = _Z * sd / np.sqrt(n)
    return mean - half, mean + half


_T = [
    Target("cpm_smd", "CPM (PPT %) SMD, chronic LBP vs healthy", _MCPHEE, -0.44, -0.64,
           -0.23, "SMD", "overlap", _PUBLISHED),
    Target("tsp_smd", "TS (TSP last - first) SMD, chronic LBP vs healthy", _MCPHEE, 0.50,
           0.29, 0.72, "SMD", "range", _PUBLISHED + " (pooled over TS modalities)"),
    Target("wur_smd", "TS (wind-up ratio, log10) SMD, chronic LBP vs healthy", _MCPHEE, 0.50,
           0.29, 0.72, "SMD", "range", _PUBLISHED + " (pooled over TS modalities)"),
    Target("wur_carriers", "Wind-up ratio, TS carriers / healthy (geometric means)",
           "direction: " + _MCPHEE, np.nan, 1.0, np.inf, "ratio", "range",
           "direction only (TS higher in LBP)"),
    Target("ppt_scapula_md", "Remote PPT (scapula) healthy - chronic LBP",
           "den Bandt et al. 2019 JOSPT 49:698", 119.2, 91.8, 146.6, "kPa", "overlap",
           _PUBLISHED + " (unit very likely kPa)"),
    Target("cpm_rating_parallel", "Parallel CPM rating effect, healthy", _GEHLING, 16.7,
           *_ci(16.7, 11.7, 25), "nrs100", "overlap", "95 % CI from 16.7 ± 11.7, n = 25"),
    Target("cpm_rating_before", "CPM test rating before conditioning, healthy",
           "simulator.md (52.6 NRS; origin not traced — possibly Gehling 2016's pre-"
           "conditioning test rating, whose test stimulus was titrated to 60 ± 5; treated "
           "as a painmech choice)", 52.6, 47.6, 57.6, "nrs100", "overlap",
           "painmech tolerance ± 5 NRS points"),
    Target("tpd_healthy_mean", "Lumbar 2PD, healthy mean",
           "Luomajoki & Moseley 2011 BJSM 45:437 (controls 44 ± 10 mm, n = 45)", 44.0,
           *_ci(44.0, 10.0, 45), "mm", "overlap", "95 % CI from 44 ± 10 mm, n = 45"),
    Target("tpd_healthy_sd", "Lumbar 2PD, healthy SD",
           "Luomajoki & Moseley 2011 BJSM 45:437", 10.0, 7.0, 13.0, "mm", "range",
           "painmech tolerance ± 3 mm"),
    Target("tpd_md", "Lumbar 2PD, chronic LBP - healthy", "Adamczyk et al. 2018 Clin J Pain "
           "34:82", 11.74, 8.61, 14.87, "mm", "overlap", _PUBLISHED),
    Target("ppt_pain_r", "PPT vs pain intensity r, chronic LBP",
           "Hübscher et al. 2013 Pain 154:1497", -0.15, -0.18, -0.11, "r", "overlap",
           _PUBLISHED),
    Target("gm_dlpfc_pct", "DLPFC grey matter, chronic LBP carriers vs healthy",
           "Apkarian et al. 2004 J Neurosci 24:10410: 5–11 % less *whole-neocortex* grey "
           "matter, applied here to the DLPFC (no DLPFC-specific percentage is sourced)",
           -8.0, -11.0, -5.0, "percent", "range", "published range (whole neocortex)"),
    *[Target(f"cpt_mode_{m}", f"Healthy CPT mode near {m} °C",
             "Lötsch et al. 2015 PLoS One (n = 329)", m, m - 2.5, m + 2.5, "degC", "range",
             "painmech tolerance ± 2.5 °C") for m in (23.7, 13.2, 1.5)],
    Target("mep_between", "Healthy MEP ratio after block 1 (facilitation)",
           "direction: simulator.md; Thapa 2018 (direction recalled, not verified)", np.nan,
           1.0, np.inf, "ratio", "overlap", "direction only; magnitude painmech choice"),
    Target("mep_post0_healthy", "Healthy MEP ratio after block 2 (reversal below baseline)",
           "direction: simulator.md; Thapa 2018 (direction recalled, not verified)", np.nan,
           0.0, 1.0, "ratio", "overlap", "direction only; magnitude painmech choice"),
    Target("mep_post0_gmeta0", "g_meta near 0: MEP ratio after block 2 (no reversal)",
           "direction: Thapa et al. 2018 Clin Neurophysiol (recalled, not verified)", np.nan,
           1.0, np.inf, "ratio", "overlap", "direction only; magnitude painmech choice"),
    *[Target(f"homeostatic_icc_post{tp}", f"Homeostatic retest ICC(A,1), MEP ratio {tp} min "
             "after block 2, healthy", _THAPA, np.nan, 0.43, 0.67, "ICC", rule,
             "published ICC range over 0, 10, 20 min (best at 10 min)")
      for tp, rule in (("0", "overlap"), ("10", "range"), ("20", "overlap"))],
    Target("fc_edge_icc", "Connectivity retest ICC(A,1), mean of within-network Fisher-z "
           "edges, healthy", "Noble, Scheinost & Constable 2019 NeuroImage (25 studies)",
           0.29, 0.23, 0.36, "ICC", "range",
           _PUBLISHED + " of the mean edge-level ICC (all edges of whole-brain atlases)"),
    Target("retest_ppt_lumbar", f"Retest ICC(A,1) of lumbar PPT (log10), {_RETEST}",
           "Mailloux et al. 2021 PLoS One; Balaguier et al. 2016 (low-back ICC 0.80–0.99)",
           np.nan, 0.80, 0.99, "ICC", "range", "published range"),
    Target("retest_ppt_lumbar_sem", f"Retest SEM of lumbar PPT (SD of the difference / √2), "
           f"{_RETEST}", "Balaguier et al. 2016 BMC Musculoskelet Disord 17:350 (individual "
           "SEM 36.7–77.5 kPa)", np.nan, 36.7, 77.5, "kPa", "range", "published range"),
    *[Target(f"retest_{m}_lumbar", f"Retest ICC(A,1) of lumbar {m.upper()}"
             f"{' (log10)' if m in ('wdt', 'cdt', 'mdt', 'mpt', 'mps') else ''}, {_RETEST}",
             _GEBER, np.nan, 0.79, 0.93, "ICC", "range",
             "published range of the DFNS parameters (r as reliability coefficient)")
      for m in ("cdt", "wdt", "cpt", "hpt", "mdt", "mpt", "mps", "vdt")],
    Target("retest_wur", f"Retest ICC(A,1) of the lumbar wind-up ratio (log10), {_RETEST}",
           "Geber et al. 2011 Pain (wind-up ratio retest r = 0.67, n = 60)", 0.67,
           *_fisher_ci(0.67, 60), "ICC", "overlap", "95 % CI from r = 0.67, n = 60 (Fisher z)"),
    Target("retest_tsp", f"Retest ICC(A,1) of TSP last − first (one series), {_RETEST}",
           "Mailloux et al. 2021 PLoS One (ICC 0.80–0.97 for >= 2 series)", np.nan, 0.667,
           0.942, "ICC", "overlap", "published range stepped down to one series by "
           "Spearman–Brown (0.80 → 0.667, 0.97 → 0.942)"),
    *[Target(f"retest_{key}", f"Retest ICC(A,1) of the parallel CPM effect ({what}), "
             f"{_RETEST}", "Gehling et al. 2016 BMC Neurol 16:125 (parallel CPM ICC 0.618, "
             "n = 25; their effect was rated)", 0.618, *_fisher_ci(0.618, 25), "ICC",
             "overlap", "95 % CI from ICC 0.618, n = 25 (Fisher z approximation)")
      for key, what in (("cpm_pct", "PPT, % of baseline"), ("cpm_rating", "rating"))],
    Target("retest_tpd_lumbar", f"Retest ICC(A,1) of lumbar 2PD (vertical), {_RETEST}",
           "Catley et al. 2013 Rheumatology 52:1454 (back: inter-rater 0.66, intra-rater "
           "0.79–0.86)", np.nan, 0.66, 0.86, "ICC", "range", "published range"),
    Target("retest_frebaq", "Retest ICC(A,1) of the FreBAQ total, chronic LBP measured twice "
           "a week apart", "Hu et al. 2022 Eur Spine J (chronic LBP, n = 105)", 0.897, 0.852,
           0.929, "ICC", "overlap", _PUBLISHED),
    Target("retest_tender_point", "Retest ICC(A,1) of the tender-point count, chronic LBP "
           "measured twice a week apart", "Jensen et al. 2013 BMJ Open 3:e002532 (chronic "
           "LBP, intra-rater ICC 0.72–0.84)", np.nan, 0.72, 0.84, "ICC", "overlap",
           "published range"),
    Target("retest_gmv_dlpfc", f"Retest ICC(A,1) of the DLPFC grey-matter volume, {_RETEST}",
           "Iscan et al. 2015 (Desikan–Killiany cortical volume ICC 0.88)", 0.88, 0.83, 0.93,
           "ICC", "range", "painmech tolerance ± 0.05"),
    Target("retest_gmv_thalamus", f"Retest ICC(A,1) of the thalamus volume, {_RETEST}",
           "Morey et al. 2010 (thalamus scan–rescan ICC ≈ 0.9)", 0.90, 0.85, 0.95, "ICC",
           "range", "painmech tolerance ± 0.05"),
    Target("onset_cpm_or", "Pain-free people: new neck pain within 12 months per percentage "
           "point of baseline CPM (PPT %), odds ratio", "Shahidi et al. 2015 J Pain 16:1288 "
           "(OR 0.90 per unit of DNIC, n = 171; the unit is read as one percentage point)",
           0.90, 0.83, 0.98, "OR", "overlap", _PUBLISHED),
    Target("gm_relief_change", "Chronic LBP with >= 30 % pain relief over 12 months: change "
           "of the DLPFC grey-matter fraction / SD at baseline",
           "direction: Seminowicz et al. 2011 J Neurosci (DLPFC thicker after effective "
           "treatment)", np.nan, 0.0, np.inf, "SMD", "overlap", "direction only"),
    Target("subacute_persist", "Subacute LBP persisting at 12 months (< 20 % pain decrease)",
           "eLife 2024 review (25–50 %); definition Hashmi 2013 Brain 136:2751", 0.375, 0.25,
           0.50, "proportion", "overlap", "published range"),
    Target("whiplash_cold_or", "Whiplash CPT >= 13 °C vs moderate/severe at 12 months (OR)",
           "Sterling et al. 2011 Pain 152:1272 (n = 155)", 26.3, 5.0, 139.1, "OR", "overlap",
           _PUBLISHED),
    *[Target(f"whiplash_{name}", f"Whiplash {name} at 12 months (NDI)",
             "Ritchie et al. 2013 Pain 154:2198", share, share - 0.1, share + 0.1,
             "proportion", "overlap", "painmech tolerance ± 0.10")
      for name, share in (("recovered", 0.50), ("mild", 0.25), ("severe", 0.25))],
]

#: Every calibration target, keyed by :attr:`Target.key`.
TARGETS: dict[str, Target] = {t.key: t for t in _T}

for _t in _T:
    declare(_t.key, (_t.reference, _t.low, _t.high), _t.unit, _t.source,
            "painmech.simulation._targets", f"{_t.target}; rule {_t.rule}; interval: "
            f"{_t.interval}", kind="calibration target")
