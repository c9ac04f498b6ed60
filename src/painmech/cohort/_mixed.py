"""Linear mixed models for repeated visits (statsmodels MixedLM)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from painmech.cohort._select import subject_values

__all__ = ["mixed_model", "repeated_measures"]

_FIXED_COLUMNS = ["term", "coef", "se", "ci_low", "ci_high", "z", "p"]


def mixed_model(
    data: pd.DataFrame,
    formula: str,
    *,
    groups: str = "subject",
    re_formula: str | None = None,
    reml: bool = True,
) -> pd.DataFrame:
    """Fit a linear mixed model and return its fixed effects as a tidy table.

    Parameters
    ----------
    data : pandas.DataFrame
        Long data, one row per observation (e.g. subject × visit).
    formula : str
        Patsy formula of the fixed part, e.g. ``"value ~ visit + age"``.
    groups : str
        Column holding the grouping factor (random intercept per level).
    re_formula : str, optional
        Random-effects formula (e.g. ``"~visit"`` for random slopes).
    reml : bool
        Restricted maximum likelihood (the statsmodels default).

    Returns
    -------
    pandas.DataFrame
        ``term, coef, se, ci_low, ci_high, z, p`` (Wald, 95 %). ``attrs``
        carries ``converged``, ``n_groups``, ``nobs``, ``group_var`` (variance
        of the random intercept) and ``residual_var``.
    """
    import statsmodels.formula.api as smf
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    model = smf.mixedlm(formula, data, groups=data[groups], re_formula=re_formula)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = model.fit(reml=reml)
    converged = bool(fit.converged) and not any(
        issubclass(w.category, ConvergenceWarning) for w in caught)
    names = list(fit.fe_params.index)
    ci = fit.conf_int().loc[names]
    out = pd.DataFrame({
        "term": names,
        "coef": fit.fe_params.to_numpy(float),
        "se": fit.bse_fe.to_numpy(float),
        "ci_low": ci.iloc[:, 0].to_numpy(float),
        "ci_high": ci.iloc[:, 1].to_numpy(float),
        "z": fit.tvalues.loc[names].to_numpy(float),
        "p": fit.pvalues.loc[names].to_numpy(float),
    }, columns=_FIXED_COLUMNS)
    out.attrs.update(converged=converged, n_groups=int(model.n_groups), nobs=int(fit.nobs),
                     group_var=float(np.asarray(fit.cov_re)[0, 0]),
                     residual_var=float(fit.scale))
    return out


def repeated_measures(
    metrics: pd.DataFrame,
    subjects: pd.DataFrame,
    metric: str,
    *,
    predictors: tuple[str, ...] = ("visit",),
    sites=None,
    population=None,
) -> pd.DataFrame:
    """Mixed model of one metric over visits with a random intercept per subject.

    The metric is put on its registry transform and averaged over the chosen
    sites and sides (:func:`painmech.cohort.subject_values`); predictors may
    be ``visit``, subjects columns (``age``, ``sex``, ``condition``) or other
    metric ids measured at the same visits (e.g. ``pain_intensity``).

    Returns
    -------
    pandas.DataFrame
        Fixed effects as in :func:`mixed_model`.
    """
    data = subject_values(metrics, subjects, metric, sites=sites, visit="all")
    if population is not None:
        data = data[data["condition"].isin(list(population))]
    for p in predictors:
        if p in data.columns:
            continue
        other = subject_values(metrics, subjects, p, visit="all", transform=False)
        data = data.merge(other[["subject", "visit", "value"]].rename(columns={"value": p}),
                          on=["subject", "visit"], how="inner")
    data = data.dropna(subset=["value", *predictors])
    if data["subject"].nunique() < 3:
        raise ValueError(f"too few subjects with repeated {metric!r} values for a mixed model "
                         f"({data['subject'].nunique()})")
    return mixed_model(data, "value ~ " + " + ".join(predictors))
