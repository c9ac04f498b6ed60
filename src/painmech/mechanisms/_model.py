r"""Measurement-error model: reliability per metric, exceedance probability, status.

The model
---------
A scores row carries an observed z (``z_obs``, positive = towards the
mechanism, design.md §3). Classical test theory splits the observed score
into a true score and an error; in reference-SD units the error has the
standard deviation

.. math:: \sigma = \sqrt{1 - \mathrm{ICC}} \cdot \sqrt{\max(n_{ref} / n, 1)}

where ICC is the metric's test-retest reliability, ``n`` the number of trials
behind the value and ``n_ref`` the number of trials the ICC refers to. Fewer
trials than ``n_ref`` widen the error as for the mean of independent trials;
more trials are *not* credited (trial-to-trial noise is only part of the
session-to-session error), which keeps the model conservative.
The first factor assumes that the reliability sample had about the reference
set's spread (SEM = SD·sqrt(1 − ICC)).

Where the error comes from, in this order: a user override
(:attr:`ProfileSettings.icc`); the study's own retest data — the reference
controls measured twice give ``sem_z`` = SEM / reference SD in the scores
table (:attr:`painmech.norms.ReferenceSet.retest_`), used directly as σ with
no trial scaling; a published ICC (:data:`RELIABILITY`, every figure with its
``references.bib`` key); otherwise the reliability is *unknown*: σ then uses
:attr:`ProfileSettings.default_icc` (0.5, a painmech placeholder, not a
measured figure) and the profile says so (flag ``reliability_unknown`` and
caveat ``default_reliability``).

With a flat prior on the true z (the default: a patient is not assumed to come
from the healthy reference population), the probability that the error-free
value lies beyond the abnormality limit ``t`` is

.. math:: P(z_{true} > t \mid z_{obs}) = \Phi((z_{obs} - t) / \sigma).

With ``prior="reference"`` the true z is given the reference population's
true-score distribution N(0, ICC) and the observed z is shrunk towards 0
(Kelley's estimated true score): posterior mean ``w·z_obs`` with
``w = ICC / (ICC + σ²)`` and posterior SD ``sqrt(ICC·σ² / (ICC + σ²))``.

Several rows (sites, sides, metrics) of one evidence component are averaged:
the mean z with the mean σ, i.e. errors are treated as perfectly correlated,
which does not shrink the error by averaging (conservative).

``status`` follows from the probability: ``indicated`` at
``p ≥ p_indicated``, ``not_indicated`` at ``p ≤ p_not_indicated``,
``inconclusive`` in between. The two cut-offs are painmech defaults (0.80
and 0.20), not literature values; change them in :class:`ProfileSettings`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy.stats import norm

from painmech.norms._transform import map_distinct
from painmech.registry import MEASURES, METRICS

__all__ = [
    "KEMP_SEM_KPA",
    "RELIABILITY",
    "STATUSES",
    "ProfileSettings",
    "Reliability",
    "exceed_probability",
    "reliability_table",
    "row_error",
    "status_from_probability",
]

#: The four profile statuses, in display order.
STATUSES = ("indicated", "inconclusive", "not_indicated", "not_assessed")

#: SEM of the pressure pain threshold in the CPM reliability study of Kemp et
#: al. 2020 (J Pain 21:708): 0.21 kg/cm², converted to kPa with the registry's
#: kgf/cm² factor (≈ 20.6 kPa).
KEMP_SEM_KPA: float = 0.21 * MEASURES["ppt"].units["kgf/cm2"][0]


@dataclass(frozen=True)
class Reliability:
    """Test-retest reliability of one metric.

    Attributes
    ----------
    metric : str
        Metric id.
    icc : float
        Intraclass correlation used for the error of the z-score.
    source : str
        Bibliography key(s) of :mod:`painmech.mechanisms` (``references.bib``),
        ``;``-separated.
    detail : str
        Which figure of the source is used and why.
    n_ref : int or None
        Trials the ICC is taken to refer to. ``None`` = no trial scaling.
        Where set, it is the protocol's standard number of trials and the
        assumption that the ICC refers to it is painmech's.
    icc_by_method : tuple of (str, float)
        ICCs that replace ``icc`` when the metric's ``method`` text contains
        the given substring (e.g. sequential CPM).
    """

    metric: str
    icc: float
    source: str
    detail: str
    n_ref: int | None = None
    icc_by_method: tuple[tuple[str, float], ...] = ()


_CPM_ICC = 0.618     # Gehling et al. 2016 BMC Neurol: early (parallel) CPM effect
_CPM_ICC_SEQ = 0.178  # Gehling et al. 2016: late (sequential) CPM effect
_CPM_NOTE = ("Gehling 2016 (heat test stimulus, ratings): early/parallel ICC 0.618, "
             "late/sequential ICC 0.178; used for every CPM effect as the closest sourced "
             "figure")

_HOMEOSTATIC = ("Thapa & Schabrun 2018: retest ICC 0.43-0.67 over the time points after the "
                "two tDCS blocks, best (0.67) at 10 min")

_LIST = [
    Reliability("ppt", 0.80, "mailloux2021",
                "lower end of the low-back ICC range 0.80–0.99 (conservative); n_ref = the "
                "DFNS 3 trials (painmech assumption)", n_ref=3),
    Reliability("tsp_diff", 0.667, "mailloux2021",
                "ICC 0.80–0.97 for the mean of >= 2 series (lower end), stepped down to the "
                "one series of tsp_diff by Spearman–Brown: 0.80 / (2 − 0.80) = 0.667; a "
                "single series was only 'moderate' there"),
    Reliability("wur", 0.67, "geber2011",
                "test-retest correlation of the DFNS wind-up ratio (r = 0.67, patients, "
                "2 days), the reliability coefficient of classical test theory; n_ref = the "
                "DFNS 5 series (painmech assumption)", n_ref=5),
    *[Reliability(m, _CPM_ICC, "gehling2016", _CPM_NOTE,
                  icc_by_method=(("sequential", _CPM_ICC_SEQ),))
      for m in ("cpm_effect", "cpm_effect_pct", "cpm_rating_effect", "cpm_rating_effect_pct")],
    Reliability("mep_ratio_post10", 0.67, "thapa2018np", _HOMEOSTATIC),
    *[Reliability(m, 0.43, "thapa2018np", _HOMEOSTATIC + "; the lower end for the other "
                  "time points") for m in ("mep_ratio_post0", "mep_ratio_post20")],
    Reliability("homeostatic_z", 0.43, "thapa2018np",
                _HOMEOSTATIC + "; the lower end for the response pooled over 0-20 min "
                "(closest sourced figure)"),
    Reliability("tpd", 0.66, "catley2013",
                "inter-rater ICC at the back (intra-rater 0.79–0.86); conservative"),
    *[Reliability(m, 0.66, "catley2013",
                  "inter-rater ICC at the back (intra-rater 0.79–0.86); conservative; the "
                  "figure is used for each orientation (no orientation-specific ICC sourced)")
      for m in ("tpd_vertical", "tpd_horizontal")],
    Reliability("frebaq_total", 0.897, "hu2022",
                "test-retest ICC of the Chinese FreBAQ in chronic LBP (n = 105; 95 % CI "
                "0.852–0.929; SEM 2.16 points)"),
    Reliability("gmv_thalamus", 0.90, "morey2010", "thalamus scan-rescan ICC ≈ 0.9"),
    Reliability("gmv_thalamus_frac", 0.90, "morey2010",
                "thalamus scan-rescan ICC ≈ 0.9 (eTIV ratio assumed as reliable)"),
    Reliability("gmv_dlpfc", 0.88, "iscan2015",
                "Desikan-Killiany cortical volume ICC 0.88 (approved scans)"),
    Reliability("gmv_dlpfc_frac", 0.88, "iscan2015",
                "Desikan-Killiany cortical volume ICC 0.88 (eTIV ratio assumed as reliable)"),
    Reliability("fc_affective_sensory_index", 0.29, "noble2019",
                "meta-analytic mean edge-level ICC 0.29; the index averages edges, so this "
                "is conservative"),
]

#: Sourced reliabilities, keyed by metric id. Metrics not listed have an unknown
#: reliability (unless the study's retest data give one): see the module docstring.
RELIABILITY: dict[str, Reliability] = {r.metric: r for r in _LIST}


@dataclass(frozen=True)
class ProfileSettings:
    """Thresholds and error-model choices of :func:`painmech.mechanisms.profile`.

    Attributes
    ----------
    z_threshold : float
        Abnormality limit on the z scale (DFNS: |z| > 1.96, Rolke et al. 2006
        Pain 123:231; only the mechanism direction, positive z, counts).
    p_indicated, p_not_indicated : float
        Probability cut-offs for ``indicated`` and ``not_indicated``.
        **painmech defaults** (0.80, 0.20), not literature values.
    prior : {"flat", "reference"}
        Prior on the true z (see the module docstring).
    default_icc : float
        ICC assumed for metrics whose reliability is unknown (no override,
        no study retest data, no published figure). **painmech placeholder**
        (0.5), not a literature value; every profile row that rests on it
        carries the flag ``reliability_unknown``.
    icc : mapping of str to float
        Per-metric ICC overrides (take precedence over the study's retest
        error and :data:`RELIABILITY`).
    study_retest : bool
        Use the study's own retest error (scores column ``sem_z``) where it
        exists (default); ``False`` uses published figures only.
    scale_by_trials : bool
        Widen the error when fewer trials than ``n_ref`` were recorded.
    cpm_sem_kpa : float
        SEM of the CPM test PPT in kPa (Kemp et al. 2020 J Pain 21:708:
        0.21 kg/cm² ≈ 20.6 kPa).
    cpm_responder_k : float
        A CPM effect beyond ``k · SEM`` is a true effect (Kemp et al. 2020:
        k = 2).
    cold_cpt_cut_degc : float
        CPT at or above which whiplash patients are highlighted, in °C
        (Sterling et al. 2011 Pain 152:1272: ≥ 13 °C, OR 26.3 for the
        chronic/severe trajectory).
    """

    z_threshold: float = 1.96
    p_indicated: float = 0.80
    p_not_indicated: float = 0.20
    prior: Literal["flat", "reference"] = "flat"
    default_icc: float = 0.5
    icc: Mapping[str, float] = field(default_factory=dict)
    study_retest: bool = True
    scale_by_trials: bool = True
    cpm_sem_kpa: float = KEMP_SEM_KPA
    cpm_responder_k: float = 2.0
    cold_cpt_cut_degc: float = 13.0

    def __post_init__(self) -> None:
        if not 0.0 < self.p_not_indicated < self.p_indicated < 1.0:
            raise ValueError(
                "ProfileSettings needs 0 < p_not_indicated < p_indicated < 1; got "
                f"p_not_indicated={self.p_not_indicated!r}, p_indicated={self.p_indicated!r}")
        if self.prior not in ("flat", "reference"):
            raise ValueError(f"Invalid value for the 'prior' parameter: {self.prior!r}. "
                             "Allowed values are 'flat', 'reference'.")
        for name, value in (("default_icc", self.default_icc), *self.icc.items()):
            if not 0.0 < float(value) < 1.0:
                raise ValueError(f"ICC for {name!r} must lie strictly between 0 and 1; "
                                 f"got {value!r}")
        if self.cpm_sem_kpa <= 0 or self.cpm_responder_k <= 0:
            raise ValueError("cpm_sem_kpa and cpm_responder_k must be positive")


def reliability_table(settings: ProfileSettings | None = None) -> pd.DataFrame:
    """The reliability figures in use, one row per z-scored metric of the catalog.

    Returns
    -------
    pandas.DataFrame
        Columns ``metric, icc, icc_sequential, n_ref, source, detail``; an
        override from ``settings.icc`` shows ``source = "user"``; a metric
        with no figure shows ``icc`` NaN and ``source = "unknown"`` (the
        profile then uses ``default_icc`` and flags ``reliability_unknown``,
        unless the study's retest data give an error).
    """
    from painmech.mechanisms._catalog import CATALOG  # noqa: PLC0415 (sibling, no cycle)

    settings = settings or ProfileSettings()
    rows = [{"metric": r.metric, "icc": r.icc,
             "icc_sequential": dict(r.icc_by_method).get("sequential", np.nan),
             "n_ref": r.n_ref, "source": r.source, "detail": r.detail}
            for r in RELIABILITY.values()]
    scored = {m.id for m in METRICS.values() if m.score_kind == "z"}
    used = [m for spec in CATALOG.values() for m in spec.metrics]
    for metric in dict.fromkeys(m for m in used if m in scored and m not in RELIABILITY):
        rows.append({"metric": metric, "icc": np.nan, "icc_sequential": np.nan,
                     "n_ref": None, "source": "unknown",
                     "detail": "no published test-retest figure found; give the study's "
                               "retest data or an ICC override"})
    for metric, icc in settings.icc.items():
        rows = [r for r in rows if r["metric"] != metric]
        rows.append({"metric": metric, "icc": float(icc), "icc_sequential": np.nan,
                     "n_ref": None, "source": "user", "detail": "override"})
    return pd.DataFrame(rows)


def row_error(metric: pd.Series, n_trials: pd.Series, method: pd.Series,
              settings: ProfileSettings, sem_z=None
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ICC, error SD (z units) and whether the reliability is unknown, per row.

    Parameters
    ----------
    metric, n_trials, method : pandas.Series
        Aligned columns of the scores table (``n_trials`` may hold NaN).
    settings : ProfileSettings
    sem_z : array_like of float, optional
        The study's retest SEM in z units (scores column ``sem_z``); used as
        σ where finite and positive, unless the user overrides the metric.

    Returns
    -------
    icc, sigma : numpy.ndarray of float
        For study rows ``icc = 1 − σ²`` (clipped to [0.01, 0.99]), the
        true-score share the ``reference`` prior needs.
    defaulted : numpy.ndarray of bool
        True where the reliability is unknown and ``default_icc`` was used.
    """
    metric = metric.astype(object) if not isinstance(metric.dtype, pd.StringDtype) else metric
    sourced = {m: r.icc for m, r in RELIABILITY.items()}
    icc = map_distinct(metric, sourced).to_numpy(dtype=float).copy()
    icc = _published_by_method(metric, method, icc, settings)
    user = map_distinct(metric, dict(settings.icc)).to_numpy(dtype=float)
    study = (np.full(len(metric), np.nan) if sem_z is None or not settings.study_retest
             else np.asarray(sem_z, dtype=float).copy())
    study[~(study > 0) | ~np.isnan(user)] = np.nan
    published = ~np.isnan(icc) & np.isnan(user)
    defaulted = np.isnan(icc) & np.isnan(user) & np.isnan(study)
    icc = np.where(~np.isnan(user), user, np.where(defaulted, settings.default_icc, icc))
    sigma = np.sqrt(1.0 - icc)
    if settings.scale_by_trials:
        n_ref = map_distinct(metric, {m: r.n_ref for m, r in RELIABILITY.items()
                                      if r.n_ref}).to_numpy(dtype=float)
        n = pd.to_numeric(n_trials, errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(n_ref) & np.isfinite(n) & (n > 0) & published
        factor = np.ones_like(sigma)
        factor[ok] = np.sqrt(np.maximum(n_ref[ok] / n[ok], 1.0))
        sigma = sigma * factor
    use_study = ~np.isnan(study)
    sigma = np.where(use_study, study, sigma)
    icc = np.where(use_study, np.clip(1.0 - study**2, 0.01, 0.99), icc)
    return icc, sigma, defaulted


def _published_by_method(metric, method, icc, settings) -> np.ndarray:
    """Replace the ICC where the method text names another design (e.g. sequential CPM)."""
    for m, rec in RELIABILITY.items():
        if m in settings.icc or not rec.icc_by_method:
            continue
        rows = np.flatnonzero(metric.eq(m).to_numpy())  # search the method text of m's rows only
        if not len(rows):
            continue
        text = method.iloc[rows].astype(object).fillna("").astype(str)
        for needle, alt in rec.icc_by_method:
            icc[rows[text.str.contains(needle, regex=False).to_numpy()]] = alt
    return icc


def exceed_probability(z, sigma, threshold: float, prior: str = "flat", icc=None) -> np.ndarray:
    """Probability that the error-free z exceeds ``threshold``.

    Parameters
    ----------
    z : array_like of float
        Observed z (positive = towards the mechanism).
    sigma : array_like of float
        Error SD of ``z`` in z units (> 0).
    threshold : float
        Limit on the z scale (e.g. 1.96).
    prior : {"flat", "reference"}
        See the module docstring.
    icc : array_like of float, optional
        True-score variance of the reference population (needed for
        ``prior="reference"``).

    Returns
    -------
    numpy.ndarray of float
        NaN where ``z`` is NaN.
    """
    z = np.asarray(z, dtype=float)
    sigma = np.asarray(sigma, dtype=float)
    if prior == "flat":
        return norm.cdf((z - threshold) / sigma)
    if prior != "reference":
        raise ValueError(f"Invalid value for the 'prior' parameter: {prior!r}. "
                         "Allowed values are 'flat', 'reference'.")
    if icc is None:
        raise ValueError("prior='reference' needs the icc of each value")
    tau2 = np.asarray(icc, dtype=float)
    e2 = sigma**2
    w = tau2 / (tau2 + e2)
    sd = np.sqrt(tau2 * e2 / (tau2 + e2))
    return norm.cdf((w * z - threshold) / sd)


def status_from_probability(p, settings: ProfileSettings) -> np.ndarray:
    """Map probabilities to ``indicated / inconclusive / not_indicated``.

    NaN probabilities map to ``""`` (the caller decides).
    """
    p = np.asarray(p, dtype=float)
    return np.select(
        [p >= settings.p_indicated, p <= settings.p_not_indicated, np.isfinite(p)],
        ["indicated", "not_indicated", "inconclusive"], default="").astype(object)
