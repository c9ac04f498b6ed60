"""Prognostic performance: cross-validated logistic regression, AUC and calibration.

Discrimination is the area under the ROC curve of *out-of-fold* predicted
risks (stratified k-fold cross-validation), with a percentile bootstrap
interval over subjects (outcome classes resampled separately). The interval
treats the out-of-fold predictions as fixed and so does not include the
refitting variability — it is slightly too narrow for tiny samples.

Calibration follows Cox (1958) / Steyerberg (2019, *Clinical Prediction
Models*, ch. 15): the outcome is regressed on the out-of-fold linear
predictor ``lp = logit(p)``; the **slope** of ``y ~ lp`` (ideal 1) and the
**intercept** of ``y ~ offset(lp)`` (calibration-in-the-large, ideal 0).

Hosmer & Lemeshow (2000, *Applied Logistic Regression*, 2nd ed., p. 162)
describe AUC 0.7–0.8 as acceptable and ≥ 0.8 as excellent discrimination.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from painmech.cohort._stats import auc, bootstrap_ci

__all__ = ["logistic_fit", "calibration", "prognostic_performance"]


def logistic_fit(x, y, offset=None, max_iter: int = 100) -> np.ndarray:
    """Maximum-likelihood logistic regression by Newton–Raphson (IRLS).

    Parameters
    ----------
    x : array-like, shape (n, p)
        Design matrix (include a column of ones for an intercept).
    y : array-like of {0, 1}, shape (n,)
    offset : array-like, shape (n,), optional
        Fixed term added to the linear predictor.

    Returns
    -------
    numpy.ndarray
        Coefficients, shape (p,). Raises ``ValueError`` if it does not converge
        (e.g. complete separation).
    """
    x = np.asarray(x, float).reshape(len(y), -1)
    y = np.asarray(y, float)
    off = np.zeros(len(y)) if offset is None else np.asarray(offset, float)
    beta = np.zeros(x.shape[1])
    for _ in range(max_iter):
        eta = np.clip(x @ beta + off, -30, 30)
        p = 1.0 / (1.0 + np.exp(-eta))
        w = p * (1.0 - p)
        step = np.linalg.solve(x.T @ (x * w[:, None]) + 1e-12 * np.eye(x.shape[1]),
                               x.T @ (y - p))
        beta = beta + step
        if np.max(np.abs(step)) < 1e-10:
            return beta
    raise ValueError("logistic regression did not converge (separation?)")


def calibration(y, p) -> dict[str, float]:
    """Calibration slope and intercept (calibration-in-the-large) of risks ``p``.

    Returns
    -------
    dict
        ``slope`` (of ``y ~ 1 + logit(p)``), ``intercept`` (of
        ``y ~ 1 + offset(logit(p))``) and ``brier`` (mean squared error of p).
    """
    y = np.asarray(y, float)
    p = np.clip(np.asarray(p, float), 1e-12, 1 - 1e-12)
    lp = np.log(p / (1 - p))
    ones = np.ones((len(y), 1))
    try:
        slope = float(logistic_fit(np.column_stack([ones, lp]), y)[1])
    except (ValueError, np.linalg.LinAlgError):
        slope = np.nan
    try:
        intercept = float(logistic_fit(ones, y, offset=lp)[0])
    except (ValueError, np.linalg.LinAlgError):
        intercept = np.nan
    return {"slope": slope, "intercept": intercept, "brier": float(np.mean((p - y) ** 2))}


def prognostic_performance(
    x,
    y,
    *,
    n_splits: int = 5,
    n_boot: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, float]:
    """Cross-validated discrimination and calibration of a logistic model.

    Parameters
    ----------
    x : array-like, shape (n,) or (n, p)
        Predictor(s) measured at baseline (e.g. a metric, a z-score, a
        mechanism score). Rows with a missing value are dropped.
    y : array-like of {0, 1}, shape (n,)
        Outcome (1 = poor outcome, e.g. persistent pain).
    n_splits : int
        Folds of stratified cross-validation (reduced to the size of the
        smaller class when needed).
    n_boot, seed, level
        Bootstrap of the AUC interval.

    Returns
    -------
    dict
        ``n, n_events, auc, ci_low, ci_high, p`` (two-sided Mann–Whitney test
        of the out-of-fold risks between outcome classes), ``slope,
        intercept, brier``, ``oof`` (the out-of-fold risks, aligned with the
        kept rows).
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    x = np.asarray(x, float)
    x = x.reshape(len(x), -1)
    y = np.asarray(y, float)
    keep = np.isfinite(x).all(axis=1) & np.isfinite(y)
    x, y = x[keep], y[keep].astype(int)
    n, n_events = len(y), int(y.sum())
    nan = float("nan")
    out = {"n": n, "n_events": n_events, "auc": nan, "ci_low": nan, "ci_high": nan, "p": nan,
           "slope": nan, "intercept": nan, "brier": nan, "oof": np.full(n, np.nan)}
    folds = min(n_splits, n_events, n - n_events)
    if folds < 2:
        return out
    mu, sd = x.mean(axis=0), x.std(axis=0)
    xs = (x - mu) / np.where(sd > 0, sd, 1.0)
    oof = np.empty(n)
    cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
    for train, test in cv.split(xs, y):
        model = LogisticRegression(C=np.inf, max_iter=1000).fit(xs[train], y[train])
        oof[test] = model.predict_proba(xs[test])[:, 1]
    out["oof"] = oof
    out["auc"] = auc(y, oof)
    cases, ctrls = oof[y == 1], oof[y == 0]

    def _auc_two(a, b, axis=-1):
        yy = np.concatenate([np.ones_like(a), np.zeros_like(b)], axis=axis)
        return auc(yy, np.concatenate([a, b], axis=axis), axis=axis)

    out["ci_low"], out["ci_high"] = bootstrap_ci(_auc_two, [cases, ctrls], n_boot=n_boot,
                                                 seed=seed, level=level)
    out["p"] = float(stats.mannwhitneyu(cases, ctrls, alternative="two-sided").pvalue)
    out.update(calibration(y, oof))
    return out


def performance_table(results: dict[str, dict]) -> pd.DataFrame:
    """Stack several :func:`prognostic_performance` results into one table."""
    rows = [{"predictor": k, **{c: v for c, v in r.items() if c != "oof"}}
            for k, r in results.items()]
    return pd.DataFrame(rows)
