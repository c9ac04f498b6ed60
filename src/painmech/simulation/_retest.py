"""Retest reliability of the simulated tests: people measured twice, a week apart.

Every repeated measure of the simulator is computed by the real pipeline
(:func:`painmech.simulation.pipeline_metrics`) at two visits
:data:`~painmech.simulation._calibration.RETEST_MONTHS` apart, in people
whose state does not change, and compared with the published retest
reliability (targets ``retest_*`` of :data:`painmech.simulation.TARGETS`).
The ICC is the absolute-agreement ICC(A,1) of
:func:`painmech.longitudinal.icc`, on the scale painmech z-scores the metric
on (log10 of ``|value|`` for log-transformed metrics, registry); its 95 % CI
is a subject bootstrap (percentile, 200 resamples). The lumbar PPT also gets
its SEM in kPa, ``SD(x₂ − x₁)/√2``, against Balaguier 2016's individual SEM.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["RETEST_METRICS", "metric_retest_iccs", "metric_retest_rows"]

#: Target key → (metric, site, side, condition of the retest cohort).
RETEST_METRICS: dict[str, tuple[str, str, str, str]] = {
    "retest_ppt_lumbar": ("ppt", "lumbar", "right", "healthy"),
    **{f"retest_{m}_lumbar": (m, "lumbar", "right", "healthy")
       for m in ("cdt", "wdt", "cpt", "hpt", "mdt", "mpt", "mps", "vdt")},
    "retest_wur": ("wur", "lumbar", "right", "healthy"),
    "retest_tsp": ("tsp_diff", "lumbar", "right", "healthy"),
    "retest_cpm_pct": ("cpm_effect_pct", "forearm", "right", "healthy"),
    "retest_cpm_rating": ("cpm_rating_effect", "forearm", "right", "healthy"),
    "retest_tpd_lumbar": ("tpd_vertical", "lumbar", "right", "healthy"),
    "retest_gmv_dlpfc": ("gmv_dlpfc", "none", "right", "healthy"),
    "retest_gmv_thalamus": ("gmv_thalamus", "none", "right", "healthy"),
    "retest_frebaq": ("frebaq_total", "none", "none", "chronic_lbp"),
    "retest_tender_point": ("tender_point_count", "none", "none", "chronic_lbp"),
}


def _pairs(n: int, seed: int, condition: str, noise_scale: float) -> pd.DataFrame:
    from painmech.simulation._calibration import RETEST_MONTHS
    from painmech.simulation._cohort import simulate_cohort
    from painmech.simulation._recovery import pipeline_metrics

    res = simulate_cohort(n, condition, visits=(0.0, RETEST_MONTHS), seed=seed,
                          instruments=("nwr", "palpation"), noise_scale=noise_scale)
    return pipeline_metrics(res)


def _table(metrics: pd.DataFrame, metric: str, site: str, side: str, scale: bool):
    """(n, 2) array of the metric at the two visits (people with both), on its z scale."""
    from painmech.registry import METRICS

    m = metrics[metrics["metric"].eq(metric) & metrics["site"].eq(site)
                & metrics["side"].eq(side)]
    x = m.pivot(index="subject", columns="visit", values="value").dropna().to_numpy(float)
    if scale and METRICS[metric].transform == "log10":
        x = x[(x != 0).all(axis=1)]
        x = np.log10(np.abs(x))
    return x


def _sem(x: np.ndarray) -> float:
    return float(np.std(x[:, 1] - x[:, 0], ddof=1) / np.sqrt(2.0))


def _tables(n: int, seed: int, noise_scale: float = 1.0) -> dict[str, np.ndarray]:
    cohorts = {c: _pairs(n, seed + i, c, noise_scale)
               for i, c in enumerate(sorted({v[3] for v in RETEST_METRICS.values()}))}
    out = {k: _table(cohorts[c], m, site, side, True)
           for k, (m, site, side, c) in RETEST_METRICS.items()}
    out["retest_ppt_lumbar_sem"] = _table(cohorts["healthy"], "ppt", "lumbar", "right", False)
    return out


def _stat(key: str, x: np.ndarray) -> float:
    from painmech.longitudinal import icc

    return _sem(x) if key.endswith("_sem") else float(icc(x))


def metric_retest_iccs(n: int = 600, seed: int = 7, noise_scale: float = 1.0
                       ) -> dict[str, float]:
    """Retest ICC(A,1) of every entry of :data:`RETEST_METRICS` (and the PPT SEM in kPa)."""
    return {k: _stat(k, x) for k, x in _tables(n, seed, noise_scale).items()}


def metric_retest_rows(n: int, seed: int, row) -> list[dict]:
    """Calibration rows (``row(key, value, lo, hi)``) with subject-bootstrap 95 % CIs."""
    rng = np.random.default_rng(seed)
    rows = []
    for key, x in _tables(n, seed, 1.0).items():
        boots = [_stat(key, x[idx]) for idx in rng.integers(0, len(x), (200, len(x)))]
        lo, hi = np.percentile(boots, [2.5, 97.5])
        rows.append(row(key, _stat(key, x), lo, hi))
    return rows
