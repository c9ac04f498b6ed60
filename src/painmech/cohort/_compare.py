"""Patients versus controls, and associations with pain, duration and disability."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from painmech.cohort._select import subject_values, transform_of, wide_values
from painmech.cohort._stats import (
    _g_vectorised,
    bootstrap_ci,
    hedges_g,
    partial_spearman,
    welch_test,
)
from painmech.registry import CONDITIONS

__all__ = ["PATIENT_CONDITIONS", "CLINICAL_METRICS", "covariate_matrix", "group_comparison",
           "associations"]

#: Every condition the registry marks as a patient condition.
PATIENT_CONDITIONS: tuple[str, ...] = tuple(c.id for c in CONDITIONS.values() if c.patient)

#: Clinical outcomes: never compared as "metrics", used as outcomes.
CLINICAL_METRICS: tuple[str, ...] = (
    "pain_intensity", "pain_duration", "pain_state", "odi", "rmdq", "ndi", "pcs",
    "dass21_stress", "pds_hyperarousal",
)

_COMPARE_COLUMNS = ["metric", "site", "scale", "n_patients", "n_controls", "mean_patients",
                    "mean_controls", "g", "ci_low", "ci_high", "p"]


def covariate_matrix(frame: pd.DataFrame, covariates: Iterable[str] = ("age", "sex")):
    """Numeric design columns for adjustment: numbers as they are, ``sex`` as
    indicators of ``female`` and ``other`` (``male`` is the reference).
    """
    cols = []
    for c in covariates:
        if c == "sex":
            sex = frame["sex"].astype(str)
            cols += [(sex == "female").to_numpy(float), (sex == "other").to_numpy(float)]
        else:
            cols.append(pd.to_numeric(frame[c], errors="coerce").to_numpy(float))
    return np.column_stack(cols) if cols else np.empty((len(frame), 0))


def _g_and_ci(x, y, n_boot, seed, level=0.95):
    g = hedges_g(x, y)
    if not np.isfinite(g):
        return g, np.nan, np.nan
    lo, hi = bootstrap_ci(_g_vectorised, [x, y], n_boot=n_boot, seed=seed, level=level)
    return g, lo, hi


def group_comparison(
    metrics: pd.DataFrame,
    subjects: pd.DataFrame,
    *,
    patients: Iterable[str] | None = None,
    controls: Iterable[str] = ("healthy",),
    metric_ids: Iterable[str] | None = None,
    by_site: bool = True,
    visit: int | str = "baseline",
    n_boot: int = 2000,
    seed: int = 0,
    min_n: int = 3,
) -> pd.DataFrame:
    """Hedges' g of patients minus controls per metric (and site), with bootstrap CI.

    Parameters
    ----------
    metrics, subjects : pandas.DataFrame
        Metrics and subjects tables (design.md §3).
    patients : iterable of str, optional
        Conditions counted as patients (default: every patient condition).
    controls : iterable of str
        Conditions counted as controls.
    metric_ids : iterable of str, optional
        Metrics to compare (default: every metric present except the clinical
        questionnaires).
    by_site : bool
        One row per metric and site; otherwise sites are averaged (``site`` = "all").
    visit : "baseline" or int
        Which visit to compare.
    n_boot, seed : int
        Percentile bootstrap (groups resampled separately) and its seed.
    min_n : int
        Rows with fewer subjects in either group get NaN statistics.

    Returns
    -------
    pandas.DataFrame
        ``metric, site, scale`` (``log10`` or ``none``: the scale of the means
        and of g), ``n_patients, n_controls, mean_patients, mean_controls``,
        ``g`` (positive = patients higher on that scale), ``ci_low, ci_high``
        (95 % percentile bootstrap) and ``p`` (Welch t-test, two-sided).
    """
    patients = tuple(patients or PATIENT_CONDITIONS)
    controls = tuple(controls)
    present = pd.unique(metrics["metric"].astype(str))
    ids = [m for m in (metric_ids or present) if m in set(present) and m not in CLINICAL_METRICS]
    rows = []
    for m in ids:
        site_sets = ([[s] for s in sorted(pd.unique(metrics.loc[metrics["metric"] == m, "site"]
                                                    .astype(str)))]
                     if by_site else [None])
        for sites in site_sets:
            vals = subject_values(metrics, subjects, m, sites=sites, visit=visit)
            x = vals.loc[vals["condition"].isin(patients), "value"].to_numpy(float)
            y = vals.loc[vals["condition"].isin(controls), "value"].to_numpy(float)
            ok = len(x) >= min_n and len(y) >= min_n
            g, lo, hi = _g_and_ci(x, y, n_boot, seed) if ok else (np.nan,) * 3
            rows.append({
                "metric": m, "site": sites[0] if sites else "all", "scale": transform_of(m),
                "n_patients": len(x), "n_controls": len(y),
                "mean_patients": float(np.mean(x)) if len(x) else np.nan,
                "mean_controls": float(np.mean(y)) if len(y) else np.nan,
                "g": g, "ci_low": lo, "ci_high": hi, "p": welch_test(x, y) if ok else np.nan,
            })
    return pd.DataFrame(rows, columns=_COMPARE_COLUMNS)


def associations(
    metrics: pd.DataFrame,
    subjects: pd.DataFrame,
    *,
    outcomes: Iterable[str] | None = None,
    metric_ids: Iterable[str] | None = None,
    population: Iterable[str] | None = None,
    covariates: Iterable[str] = ("age", "sex"),
    visit: int | str = "baseline",
) -> pd.DataFrame:
    """Spearman and partial Spearman correlations of metrics with clinical outcomes.

    Parameters
    ----------
    metrics, subjects : pandas.DataFrame
        Metrics and subjects tables.
    outcomes : iterable of str, optional
        Outcome metric ids (default: pain intensity, pain duration and each
        disability score present — ODI, RMDQ, NDI; instruments are never
        mixed in one correlation).
    metric_ids : iterable of str, optional
        Metrics to correlate (default: all present except clinical ones).
    population : iterable of str, optional
        Conditions included (default: every patient condition).
    covariates : iterable of str
        Adjustment variables of the partial correlation (subjects columns;
        ``sex`` becomes indicator columns).
    visit : "baseline" or int
        Visit used for both metric and outcome.

    Returns
    -------
    pandas.DataFrame
        ``metric, outcome, n, rho, rho_ci_low, rho_ci_high, rho_p`` (plain
        Spearman) and ``partial_rho, partial_ci_low, partial_ci_high,
        partial_p, adjusted_for``; see
        :func:`painmech.cohort.partial_spearman` for the interval and p.
    """
    population = tuple(population or PATIENT_CONDITIONS)
    present = set(pd.unique(metrics["metric"].astype(str)))
    if outcomes is None:
        outcomes = [o for o in ("pain_intensity", "pain_duration", "odi", "rmdq", "ndi")
                    if o in present]
    outcomes = [o for o in outcomes if o in present]
    ids = [m for m in (metric_ids or sorted(present))
           if m in present and m not in CLINICAL_METRICS]
    wide = wide_values(metrics, subjects, [*ids, *outcomes], visit=visit)
    wide = wide[wide["condition"].isin(population)]
    covariates = tuple(covariates)
    cov = covariate_matrix(wide, covariates)
    rows = []
    for m in ids:
        for o in outcomes:
            if m not in wide or o not in wide:
                continue
            plain = partial_spearman(wide[m], wide[o])
            part = partial_spearman(wide[m], wide[o], cov)
            rows.append({
                "metric": m, "outcome": o, "n": part["n"], "rho": plain["r"],
                "rho_ci_low": plain["ci_low"], "rho_ci_high": plain["ci_high"],
                "rho_p": plain["p"], "partial_rho": part["r"],
                "partial_ci_low": part["ci_low"], "partial_ci_high": part["ci_high"],
                "partial_p": part["p"], "adjusted_for": ", ".join(covariates),
            })
    cols = ["metric", "outcome", "n", "rho", "rho_ci_low", "rho_ci_high", "rho_p",
            "partial_rho", "partial_ci_low", "partial_ci_high", "partial_p", "adjusted_for"]
    return pd.DataFrame(rows, columns=cols)
