"""Effect sizes, correlations and bootstrap intervals on plain arrays.

These are the statistical building blocks of :mod:`painmech.cohort`. They work
on 1-D arrays (NaN dropped) and return plain floats or dicts, so that the
table-level functions can stay thin.

References
----------
Hedges LV (1981) J Educ Stat 6:107 — small-sample correction of the
standardised mean difference. Borenstein M, Hedges LV, Higgins JPT, Rothstein
HR (2009) *Introduction to Meta-Analysis*, ch. 4 — formulas for d, J, g and
their variances (worked example used in the tests).
Bonett DG, Wright TA (2000) Psychometrika 65:23 — standard error of Fisher's
z for Spearman's rho: sqrt((1 + r²/2) / (n − 3)).
Efron B, Tibshirani RJ (1993) *An Introduction to the Bootstrap* — the
percentile interval.
Holm S (1979) Scand J Stat 6:65 — step-down multiplicity adjustment.
DeLong ER, DeLong DM, Clarke-Pearson DL (1988) Biometrics 44:837 — variance of
the Mann–Whitney AUC from the placement values of cases and non-cases.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy import stats

__all__ = [
    "auc",
    "auc_delong",
    "bootstrap_ci",
    "hedges_g",
    "hedges_g_from_stats",
    "holm",
    "ols",
    "partial_spearman",
    "welch_test",
]


def _clean(x) -> np.ndarray:
    x = np.asarray(x, dtype=float).ravel()
    return x[np.isfinite(x)]


def _hedges_j(df):
    """Small-sample correction factor J = 1 − 3 / (4·df − 1) (Borenstein 2009 eq. 4.22)."""
    return 1.0 - 3.0 / (4.0 * df - 1.0)


def hedges_g_from_stats(m1, s1, n1, m2, s2, n2) -> dict[str, float]:
    """Hedges' g and its large-sample variance from group summaries.

    Parameters
    ----------
    m1, s1, n1 : float
        Mean, standard deviation (ddof = 1) and size of the group of interest
        (e.g. patients).
    m2, s2, n2 : float
        The same for the reference group (e.g. controls).

    Returns
    -------
    dict
        ``d`` (Cohen's d with the pooled SD), ``j`` (correction factor),
        ``g = j·d``, ``var_g = j²·var_d`` with
        ``var_d = (n1 + n2)/(n1·n2) + d²/(2·(n1 + n2))`` (Borenstein 2009 ch. 4).
        Positive g means the group of interest has the higher mean.
    """
    df = n1 + n2 - 2
    sp = np.sqrt(((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / df)
    d = (m1 - m2) / sp
    j = _hedges_j(df)
    var_d = (n1 + n2) / (n1 * n2) + d**2 / (2.0 * (n1 + n2))
    return {"d": float(d), "j": float(j), "g": float(j * d), "var_g": float(j**2 * var_d)}


def _g_vectorised(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    """Hedges' g along ``axis`` (x minus y); works on stacked bootstrap samples."""
    n1, n2 = x.shape[axis], y.shape[axis]
    v1 = np.var(x, axis=axis, ddof=1)
    v2 = np.var(y, axis=axis, ddof=1)
    sp = np.sqrt(((n1 - 1) * v1 + (n2 - 1) * v2) / (n1 + n2 - 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        d = (np.mean(x, axis=axis) - np.mean(y, axis=axis)) / sp
    return _hedges_j(n1 + n2 - 2) * d


def hedges_g(x, y) -> float:
    """Hedges' g of ``x`` minus ``y`` (pooled SD, small-sample corrected).

    Parameters
    ----------
    x, y : array-like of float
        Values of the group of interest and of the reference group; NaN and
        infinite values are dropped.

    Returns
    -------
    float
        Positive when ``x`` has the higher mean; NaN when a group has fewer
        than 2 values or both have zero variance.
    """
    x, y = _clean(x), _clean(y)
    if len(x) < 2 or len(y) < 2:
        return float("nan")
    return float(_g_vectorised(x, y))


def bootstrap_ci(
    statistic: Callable[..., np.ndarray],
    samples: Sequence[np.ndarray],
    *,
    n_boot: int = 2000,
    level: float = 0.95,
    seed: int | np.random.Generator | None = 0,
    paired: bool = False,
) -> tuple[float, float]:
    """Percentile bootstrap interval of a vectorised statistic.

    Parameters
    ----------
    statistic : callable
        ``statistic(*resampled, axis=-1)`` returning one value per resample;
        each resampled array has shape ``(n_boot, n_i)``.
    samples : sequence of 1-D arrays
        Independent samples, each resampled on its own (stratified bootstrap),
        or, with ``paired=True``, arrays of equal length resampled together.
    n_boot : int
        Number of resamples.
    level : float
        Coverage of the interval.
    seed : int, Generator or None
        Random seed.
    paired : bool
        Resample the same row indices in every array.

    Returns
    -------
    (float, float)
        Lower and upper limit (NaN when the statistic is undefined in more than
        half of the resamples).
    """
    rng = np.random.default_rng(seed)
    arrays = [np.asarray(s, dtype=float) for s in samples]
    if paired:
        n = len(arrays[0])
        idx = rng.integers(0, n, size=(n_boot, n))
        boot = [a[idx] for a in arrays]
    else:
        boot = [a[rng.integers(0, len(a), size=(n_boot, len(a)))] for a in arrays]
    values = np.asarray(statistic(*boot, axis=-1), dtype=float)
    ok = np.isfinite(values)
    if ok.sum() < n_boot / 2:
        return float("nan"), float("nan")
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(values[ok], [alpha, 1.0 - alpha])
    return float(lo), float(hi)


def welch_test(x, y) -> float:
    """Two-sided p of Welch's unequal-variance t-test (scipy.stats.ttest_ind)."""
    x, y = _clean(x), _clean(y)
    if len(x) < 2 or len(y) < 2:
        return float("nan")
    return float(stats.ttest_ind(x, y, equal_var=False).pvalue)


def _rank_cols(a: np.ndarray) -> np.ndarray:
    return stats.rankdata(a, axis=0)


def partial_spearman(x, y, covariates=None, level: float = 0.95) -> dict[str, float]:
    """Spearman correlation of x and y, optionally partialled for covariates.

    All variables are ranked; the ranks of x and y are regressed on an
    intercept and the ranked covariates, and the residuals are correlated
    (the rank analogue of a partial Pearson correlation).

    Parameters
    ----------
    x, y : array-like of float, shape (n,)
    covariates : array-like of float, shape (n, k), optional
        Columns to adjust for (e.g. age, sex coded 0/1). Constant columns are
        dropped. Rows with any missing value are dropped.
    level : float
        Coverage of the confidence interval.

    Returns
    -------
    dict
        ``n``, ``k`` (covariates used), ``r``, ``ci_low``, ``ci_high``, ``p``.
        p is two-sided from t = r·sqrt(df / (1 − r²)) with df = n − 2 − k;
        the interval is Fisher's z with the Bonett–Wright standard error
        sqrt((1 + r²/2) / (n − 3 − k)).
    """
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    c = np.empty((len(x), 0)) if covariates is None else np.asarray(covariates, dtype=float)
    c = c.reshape(len(x), -1) if c.ndim != 2 else c
    keep = np.isfinite(x) & np.isfinite(y) & np.isfinite(c).all(axis=1)
    x, y, c = x[keep], y[keep], c[keep]
    if c.shape[1] and len(c):
        c = c[:, np.ptp(c, axis=0) > 0]
    n, k = len(x), c.shape[1]
    nan = float("nan")
    out = {"n": n, "k": k, "r": nan, "ci_low": nan, "ci_high": nan, "p": nan}
    if n - 3 - k < 1 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return out
    rx, ry = stats.rankdata(x), stats.rankdata(y)
    design = np.column_stack([np.ones(n), _rank_cols(c)]) if k else np.ones((n, 1))
    res = [v - design @ np.linalg.lstsq(design, v, rcond=None)[0] for v in (rx, ry)]
    r = float(np.corrcoef(res[0], res[1])[0, 1])
    df = n - 2 - k
    r_c = np.clip(r, -1 + 1e-15, 1 - 1e-15)
    t = r_c * np.sqrt(df / (1.0 - r_c**2))
    p = float(2.0 * stats.t.sf(abs(t), df))
    zq = stats.norm.ppf(0.5 + level / 2.0)
    se = np.sqrt((1.0 + r**2 / 2.0) / (n - 3 - k))
    z = np.arctanh(r_c)
    out.update(r=r, ci_low=float(np.tanh(z - zq * se)), ci_high=float(np.tanh(z + zq * se)),
               p=p)
    return out


def auc(y_true, score, axis: int = -1) -> np.ndarray | float:
    """Area under the ROC curve by the rank (Mann–Whitney) formula, ties counted half.

    Parameters
    ----------
    y_true : array-like of {0, 1}
        Outcome; 1 = event (e.g. persistent pain).
    score : array-like of float
        Higher score = higher predicted risk. May carry leading batch axes
        (``y_true`` of the same shape) for vectorised bootstraps.

    Returns
    -------
    float or ndarray
        AUC; NaN where a batch has no events or no non-events.
    """
    y = np.asarray(y_true, dtype=float)
    s = np.asarray(score, dtype=float)
    ranks = stats.rankdata(s, axis=axis)
    n1 = y.sum(axis=axis)
    n0 = y.shape[axis] - n1
    with np.errstate(divide="ignore", invalid="ignore"):
        a = ((ranks * y).sum(axis=axis) - n1 * (n1 + 1) / 2.0) / (n1 * n0)
    return float(a) if np.ndim(a) == 0 else a


def holm(p) -> np.ndarray:
    """Holm step-down adjusted p-values (NaN entries are left out and kept NaN)."""
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    if not len(ok):
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    m = len(order)
    adj = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out[order] = np.minimum(adj, 1.0)
    return out


def auc_delong(cases, controls) -> dict[str, float]:
    """Mann–Whitney AUC of two samples with DeLong's standard error.

    Parameters
    ----------
    cases, controls : array-like of float
        Scores of the events (e.g. persistent pain) and of the non-events,
        oriented so that a higher score is the claimed risk direction. NaN
        values are dropped.

    Returns
    -------
    dict
        ``auc`` = P(case > non-case) + ½·P(tie) (= U / (n₁·n₀) of
        ``scipy.stats.mannwhitneyu(cases, controls)``), ``se`` (DeLong 1988:
        var = S₁₀/n₁ + S₀₁/n₀, the variances (ddof = 1) of the placement
        values of cases and non-cases), ``n_cases``, ``n_controls``; NaN
        when a sample has fewer than 2 values.
    """
    x, y = _clean(cases), _clean(controls)
    n1, n0 = len(x), len(y)
    nan = float("nan")
    if n1 < 2 or n0 < 2:
        return {"auc": nan, "se": nan, "n_cases": n1, "n_controls": n0}
    ranks = stats.rankdata(np.concatenate([x, y]))
    # midranks: rank among all minus rank within the own sample counts the other
    # sample's values below (ties half) -> the placement values of DeLong 1988
    v10 = (ranks[:n1] - stats.rankdata(x)) / n0
    v01 = 1.0 - (ranks[n1:] - stats.rankdata(y)) / n1
    var = np.var(v10, ddof=1) / n1 + np.var(v01, ddof=1) / n0
    return {"auc": float(v10.mean()), "se": float(np.sqrt(var)), "n_cases": n1,
            "n_controls": n0}


def ols(y, design) -> dict[str, np.ndarray | float]:
    """Ordinary least squares with classical (homoscedastic) standard errors.

    Parameters
    ----------
    y : array-like of float, shape (n,)
    design : array-like of float, shape (n, p)
        Design matrix including the intercept column; it must have full
        column rank and ``n > p``.

    Returns
    -------
    dict
        ``coef`` and ``se`` (arrays of length p), ``df`` (residual degrees of
        freedom n − p) and ``scale`` (residual variance RSS / df) — the
        ``params``, ``bse``, ``df_resid`` and ``scale`` of
        ``statsmodels.api.OLS(y, design).fit()``.
    """
    y = np.asarray(y, dtype=float).ravel()
    x = np.asarray(design, dtype=float).reshape(len(y), -1)
    n, p = x.shape
    if n <= p or np.linalg.matrix_rank(x) < p:
        raise ValueError(f"OLS needs more rows than columns and full column rank "
                         f"(n = {n}, p = {p}, rank = {np.linalg.matrix_rank(x)})")
    coef = np.linalg.lstsq(x, y, rcond=None)[0]
    resid = y - x @ coef
    df = n - p
    scale = float(resid @ resid) / df
    cov = scale * np.linalg.inv(x.T @ x)
    return {"coef": coef, "se": np.sqrt(np.diag(cov)), "df": df, "scale": scale}
