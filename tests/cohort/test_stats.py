"""Array-level statistics checked against published examples, hand calculations,
scipy and statsmodels."""

import numpy as np
import pytest
from scipy import stats

from painmech.cohort import (
    auc,
    bootstrap_ci,
    calibration,
    hedges_g,
    hedges_g_from_stats,
    holm,
    logistic_fit,
    partial_spearman,
    prognostic_performance,
)
from painmech.cohort._stats import _g_vectorised


def test_hedges_g_borenstein_worked_example():
    # Borenstein et al. 2009, Introduction to Meta-Analysis, ch. 4 worked example:
    # means 103 vs 100, SD 5.5 vs 4.5, n 50 each -> d = 0.5970, V_d = 0.0418,
    # J = 0.9923, g = 0.5924, V_g = 0.0411.
    r = hedges_g_from_stats(103, 5.5, 50, 100, 4.5, 50)
    assert r["d"] == pytest.approx(0.5970, abs=5e-5)
    assert r["j"] == pytest.approx(0.9923, abs=5e-5)
    assert r["g"] == pytest.approx(0.5924, abs=5e-5)
    assert r["var_g"] == pytest.approx(0.0411, abs=5e-5)


def test_hedges_g_hand_calculation():
    # x = 1..4, y = 2,4,6,8: means 2.5 and 5, variances 5/3 and 20/3,
    # pooled SD sqrt((3*5/3 + 3*20/3)/6) = sqrt(25/6) = 2.041241, d = -1.224745,
    # J = 1 - 3/(4*6 - 1) = 0.8695652, g = -1.064996.
    assert hedges_g([1, 2, 3, 4], [2, 4, 6, 8]) == pytest.approx(-1.064996, abs=1e-6)
    assert np.isnan(hedges_g([1.0], [2.0, 3.0]))


def test_hedges_g_matches_summary_formula(rng):
    x, y = rng.normal(1, 2, 30), rng.normal(0, 1.5, 45)
    ref = hedges_g_from_stats(x.mean(), x.std(ddof=1), 30, y.mean(), y.std(ddof=1), 45)
    assert hedges_g(x, y) == pytest.approx(ref["g"], rel=1e-12)


def test_bootstrap_ci_agrees_with_scipy_bootstrap(rng):
    x, y = rng.normal(0.5, 1, 40), rng.normal(0, 1, 50)
    ours = bootstrap_ci(_g_vectorised, [x, y], n_boot=8000, seed=1)
    ref = stats.bootstrap((x, y), _g_vectorised, n_resamples=8000, method="percentile",
                          vectorized=True, random_state=2).confidence_interval
    # Two Monte-Carlo estimates of the same percentile interval.
    assert ours[0] == pytest.approx(ref.low, abs=0.04)
    assert ours[1] == pytest.approx(ref.high, abs=0.04)
    # ... and close to the large-sample interval g ± 1.96·sqrt(var_g) (Borenstein 2009).
    s = hedges_g_from_stats(x.mean(), x.std(ddof=1), 40, y.mean(), y.std(ddof=1), 50)
    half = 1.96 * np.sqrt(s["var_g"])
    assert ours[0] == pytest.approx(s["g"] - half, abs=0.08)
    assert ours[1] == pytest.approx(s["g"] + half, abs=0.08)


def test_paired_bootstrap_of_mean_matches_scipy(rng):
    d = rng.normal(1, 2, 60)
    ours = bootstrap_ci(lambda a, axis: a.mean(axis=axis), [d], n_boot=8000, seed=3,
                        paired=True)
    ref = stats.bootstrap((d,), np.mean, n_resamples=8000, method="percentile",
                          random_state=4).confidence_interval
    assert ours == pytest.approx((ref.low, ref.high), abs=0.06)


def test_spearman_without_covariates_equals_scipy(rng):
    x = rng.normal(size=50)
    y = x + rng.normal(size=50)
    ours = partial_spearman(x, y)
    ref = stats.spearmanr(x, y)
    assert ours["r"] == pytest.approx(ref.statistic, rel=1e-12)
    assert ours["p"] == pytest.approx(ref.pvalue, rel=1e-9)
    assert ours["n"] == 50 and ours["k"] == 0


def test_partial_spearman_equals_residual_method_and_precision_matrix(rng):
    import statsmodels.api as sm

    n = 80
    age = rng.uniform(20, 70, n)
    sex = rng.integers(0, 2, n).astype(float)
    x = 0.05 * age + rng.normal(size=n)
    y = 0.04 * age + 0.5 * sex + 0.4 * x + rng.normal(size=n)
    ours = partial_spearman(x, y, np.column_stack([age, sex]))
    # 1) hand-rolled residual method: OLS of ranks on ranked covariates (statsmodels),
    #    Pearson r of the residuals (scipy); p from t with df = n - 2 - k (pingouin's formula).
    rk = [stats.rankdata(v) for v in (x, y, age, sex)]
    design = sm.add_constant(np.column_stack(rk[2:]))
    ex = sm.OLS(rk[0], design).fit().resid
    ey = sm.OLS(rk[1], design).fit().resid
    r_ref = stats.pearsonr(ex, ey).statistic
    df = n - 2 - 2
    t = r_ref * np.sqrt(df / (1 - r_ref**2))
    assert ours["r"] == pytest.approx(r_ref, rel=1e-10)
    assert ours["p"] == pytest.approx(2 * stats.t.sf(abs(t), df), rel=1e-9)
    # 2) the same partial correlation from the inverse of the rank correlation matrix.
    prec = np.linalg.inv(np.corrcoef(np.column_stack(rk), rowvar=False))
    r_prec = -prec[0, 1] / np.sqrt(prec[0, 0] * prec[1, 1])
    assert ours["r"] == pytest.approx(r_prec, rel=1e-10)
    # 3) CI by hand: Fisher z ± 1.96·sqrt((1 + r²/2)/(n - 3 - k)) (Bonett & Wright 2000).
    se = np.sqrt((1 + r_ref**2 / 2) / (n - 3 - 2))
    z = np.arctanh(r_ref)
    q = stats.norm.ppf(0.975)
    assert ours["ci_low"] == pytest.approx(np.tanh(z - q * se), rel=1e-10)
    assert ours["ci_high"] == pytest.approx(np.tanh(z + q * se), rel=1e-10)


def test_partial_spearman_drops_missing_and_constant_covariates(rng):
    x = rng.normal(size=30)
    y = x + rng.normal(size=30)
    x[3] = np.nan
    out = partial_spearman(x, y, np.column_stack([np.ones(30), rng.normal(size=30)]))
    assert out["n"] == 29 and out["k"] == 1
    assert np.isnan(partial_spearman([1, 2, 3], [1, 2, 3])["r"])  # too few for df


def test_auc_matches_sklearn_with_ties(rng):
    from sklearn.metrics import roc_auc_score

    y = rng.integers(0, 2, 200)
    s = np.round(rng.normal(size=200) + y, 1)  # rounding creates ties
    assert auc(y, s) == pytest.approx(roc_auc_score(y, s), rel=1e-12)
    batch = np.stack([s, -s])
    ys = np.stack([y, y])
    assert auc(ys, batch) == pytest.approx([roc_auc_score(y, s), roc_auc_score(y, -s)])


def test_holm_matches_statsmodels():
    from statsmodels.stats.multitest import multipletests

    p = np.array([0.01, 0.04, 0.03, 0.2, np.nan, 0.001])
    ours = holm(p)
    ref = multipletests(p[np.isfinite(p)], method="holm")[1]
    np.testing.assert_allclose(ours[np.isfinite(p)], ref)
    assert np.isnan(ours[4])


def test_logistic_fit_and_calibration_match_statsmodels(rng):
    import statsmodels.api as sm

    n = 300
    x = rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(0.3 + 1.2 * x)))).astype(float)
    X = sm.add_constant(x)
    ref = sm.GLM(y, X, family=sm.families.Binomial()).fit()
    np.testing.assert_allclose(logistic_fit(X, y), ref.params, rtol=1e-7)
    # calibration of deliberately over-confident risks
    p = 1 / (1 + np.exp(-(0.3 + 2.4 * x)))
    lp = np.log(p / (1 - p))
    cal = calibration(y, p)
    slope_ref = sm.GLM(y, sm.add_constant(lp), family=sm.families.Binomial()).fit().params[1]
    int_ref = sm.GLM(y, np.ones((n, 1)), family=sm.families.Binomial(),
                     offset=lp).fit().params[0]
    assert cal["slope"] == pytest.approx(slope_ref, rel=1e-7)
    assert cal["intercept"] == pytest.approx(int_ref, rel=1e-6, abs=1e-9)
    assert cal["slope"] == pytest.approx(0.5, abs=0.15)  # true slope 1.2 / 2.4
    assert cal["brier"] == pytest.approx(np.mean((p - y) ** 2))


def test_prognostic_performance_signal_and_null(rng):
    n = 300
    x = rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-1.5 * x))).astype(int)
    good = prognostic_performance(x, y, n_boot=1000, seed=0)
    assert good["ci_low"] > 0.5 and good["auc"] > 0.75
    assert good["slope"] == pytest.approx(1.0, abs=0.3)  # CV model is well calibrated
    # interval checked against scipy.stats.bootstrap on the same out-of-fold risks
    oof = good["oof"]
    cases, ctrls = oof[y == 1], oof[y == 0]

    def stat(a, b, axis=-1):
        yy = np.concatenate([np.ones_like(a), np.zeros_like(b)], axis=axis)
        return auc(yy, np.concatenate([a, b], axis=axis), axis=axis)

    ref = stats.bootstrap((cases, ctrls), stat, n_resamples=2000, method="percentile",
                          vectorized=True, random_state=5).confidence_interval
    assert good["ci_low"] == pytest.approx(ref.low, abs=0.02)
    assert good["ci_high"] == pytest.approx(ref.high, abs=0.02)
    null = prognostic_performance(rng.normal(size=n), y, n_boot=1000, seed=0)
    assert null["ci_low"] < 0.5 < null["ci_high"] + 0.05
    few = prognostic_performance(x[:10], np.r_[1, np.zeros(9)], n_boot=10)
    assert np.isnan(few["auc"])


def test_partial_spearman_empty_input():
    out = partial_spearman(np.array([]), np.array([]), np.empty((0, 2)))
    assert out["n"] == 0 and np.isnan(out["r"])
