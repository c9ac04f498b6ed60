"""Regression reference rows: log-transformed values on age and sex per metric and site.

As in the DFNS reference data (Magerl et al. 2010 Pain 151:598), each test
site's transformed values of the healthy controls are regressed on age and
sex; a patient's expected value is the prediction for their age and sex, and
the residual SD is the spread around it:

    t = b0 + b_age · (age − age_ref) + b_male · [sex = male] + e.

The fit is ordinary least squares from per-group sums (vectorised over every
metric and site at once). Left and right values enter as separate values, so
the coefficients and the residual SD describe single-side values; the
uncertainty of the coefficients (``V = (XᵀX)⁻¹`` and ``df = n − 3``) is taken
from the design of the *people* (one row per person), which does not count a
person's two sides as independent — painmech's choice, conservative.

A patient is then compared with the prediction by the test of Crawford &
Garthwaite 2006 (Neuropsychology 20:259), the regression form of Crawford &
Howell 1998: ``t = (y − ŷ) / (s · sqrt(1 + x₀ᵀ V x₀))`` on ``df`` degrees of
freedom (see :mod:`painmech.norms._zscore`).

A (metric, site) gets a regression only where the controls allow it: at least
``min_n`` people of each sex (female, male) and some spread of age. Other
metrics and sites keep the band rows (sex strata or pooled).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["REGRESSION_SEXES", "fit_regression", "pooled_note", "sex_counts"]

#: The two sexes the regression codes (``male`` = 1, ``female`` = 0); people of
#: other sexes are not in the fit and are scored against the pooled rows.
REGRESSION_SEXES = ("female", "male")
_KEYS = ["metric", "site"]
_V = ["v_00", "v_01", "v_02", "v_11", "v_12", "v_22"]


def _sums(frame: pd.DataFrame, weights: dict[str, pd.Series]) -> pd.DataFrame:
    return frame.assign(**weights).groupby(_KEYS)[list(weights)].sum()


def _matrices(s: pd.DataFrame) -> np.ndarray:
    """Stacked 3 × 3 XᵀX from the sums n, a, m, aa, am, mm."""
    return np.stack([np.stack([s["n"], s["a"], s["m"]], -1),
                     np.stack([s["a"], s["aa"], s["am"]], -1),
                     np.stack([s["m"], s["am"], s["mm"]], -1)], 1).astype(float)


def sex_counts(values: pd.DataFrame) -> pd.DataFrame:
    """People of each regression sex per metric and site (columns female, male)."""
    people = values.drop_duplicates([*_KEYS, "subject"])
    people = people[people["sex"].isin(REGRESSION_SEXES)]
    counts = people.groupby([*_KEYS, "sex"]).size().unstack("sex", fill_value=0)
    return counts.reindex(columns=list(REGRESSION_SEXES), fill_value=0)


def pooled_note(counts: pd.DataFrame, min_n: int, with_regression: bool) -> pd.Series:
    """Why a (metric, site) has no regression / no sex strata, for its pooled rows."""
    what = "regression(age,sex) and sex strata need" if with_regression else \
        "sex strata need"
    return (f"too few controls ({what} >= {min_n} of each sex; female "
            + counts["female"].astype(str) + ", male " + counts["male"].astype(str) + ")")


def fit_regression(values: pd.DataFrame, min_n: int) -> pd.DataFrame:
    """OLS of the transformed value on age and sex for every metric and site that allows it.

    Parameters
    ----------
    values : pandas.DataFrame
        ``metric, site, subject, sex, age, t`` — one row per value (sides
        separate), t on the transformed scale.
    min_n : int
        Fewest people of each sex.

    Returns
    -------
    pandas.DataFrame
        One row per fitted metric and site: ``metric, site, age_min, age_max``
        (the controls' age range), ``mean`` (= b0, the prediction for a woman
        of age ``age_ref``), ``sd`` (residual SD, ddof = 3), ``n`` (people),
        ``n_eff`` (values), ``df`` (n − 3), ``age_ref`` (mean age of the
        people, years), ``b_age`` (per year), ``b_male`` and ``v_00 … v_22``
        (upper triangle of the people-design (XᵀX)⁻¹ for [1, age − age_ref,
        male]).
    """
    cols = [*_KEYS, "age_min", "age_max", "mean", "sd", "n", "n_eff", "df", "age_ref",
            "b_age", "b_male", *_V]
    v = values[values["sex"].isin(REGRESSION_SEXES)]
    counts = sex_counts(v)
    ok = counts.index[(counts["female"] >= min_n) & (counts["male"] >= min_n)]
    v = v.set_index(_KEYS).loc[v.set_index(_KEYS).index.isin(ok)].reset_index()
    if v.empty:
        return pd.DataFrame(columns=cols)
    people = v.drop_duplicates([*_KEYS, "subject"])
    age_ref = people.groupby(_KEYS)["age"].mean().rename("age_ref")
    v = v.join(age_ref, on=_KEYS)
    people = people.join(age_ref, on=_KEYS)

    def design(frame):
        a = frame["age"] - frame["age_ref"]
        m = frame["sex"].eq("male").astype(float)
        return a, m

    a, m = design(v)
    s = _sums(v, {"n": pd.Series(1.0, index=v.index), "a": a, "m": m, "aa": a * a,
                  "am": a * m, "mm": m * m, "t": v["t"], "at": a * v["t"],
                  "mt": m * v["t"], "tt": v["t"] ** 2})
    ap, mp = design(people)
    sp = _sums(people, {"n": pd.Series(1.0, index=people.index), "a": ap, "m": mp,
                        "aa": ap * ap, "am": ap * mp, "mm": mp * mp}).loc[s.index]
    xtx, xtx_p = _matrices(s), _matrices(sp)
    age_var = sp["aa"].to_numpy() / sp["n"].to_numpy()
    fit = age_var > 0  # no spread of age: no age slope can be estimated
    beta = np.full((len(s), 3), np.nan)
    vinv = np.full((len(s), 3, 3), np.nan)
    xty = s[["t", "at", "mt"]].to_numpy(float)
    beta[fit] = np.linalg.solve(xtx[fit], xty[fit][..., None])[..., 0]
    vinv[fit] = np.linalg.inv(xtx_p[fit])
    rss = s["tt"].to_numpy() - (beta * xty).sum(axis=1)
    n_val = s["n"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(np.maximum(rss, 0.0) / (n_val - 3))
    ages = people.groupby(_KEYS)["age"].agg(["min", "max"]).loc[s.index]
    out = pd.DataFrame({
        "age_min": ages["min"].to_numpy(float), "age_max": ages["max"].to_numpy(float),
        "mean": beta[:, 0], "sd": sd, "n": sp["n"].to_numpy().astype("int64"),
        "n_eff": n_val, "df": sp["n"].to_numpy() - 3.0,
        "age_ref": age_ref.loc[s.index].to_numpy(float), "b_age": beta[:, 1],
        "b_male": beta[:, 2],
        "v_00": vinv[:, 0, 0], "v_01": vinv[:, 0, 1], "v_02": vinv[:, 0, 2],
        "v_11": vinv[:, 1, 1], "v_12": vinv[:, 1, 2], "v_22": vinv[:, 2, 2],
    }, index=s.index).reset_index()
    out = out[fit & (out["sd"] > 0).to_numpy() & (out["df"] > 0).to_numpy()]
    return out[cols].reset_index(drop=True)
