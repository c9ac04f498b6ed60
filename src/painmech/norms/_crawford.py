"""The Crawford–Howell limit, the expected value of a reference row, and ``ref_model``.

Helpers of :func:`painmech.norms.zscore` (see its module for the statistics:
Crawford & Howell 1998 Clin Neuropsychol 12:482; Crawford & Garthwaite 2006
Neuropsychology 20:259).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from painmech.norms._regression import REGRESSION_SEXES

__all__ = ["crawford_howell_limit", "expected_values", "is_male", "ref_model_text"]


def crawford_howell_limit(df, leverage=None, alpha: float = 0.05):
    """Abnormality limit on the z scale: ``t_{1−α/2, df} · sqrt(1 + leverage)``.

    Parameters
    ----------
    df : array_like of float
        Degrees of freedom of the reference (n − 1 for a sample of n people).
    leverage : array_like of float, optional
        ``x₀ᵀ V x₀``; default ``1 / (df + 1)``, i.e. 1/n (Crawford & Howell 1998).
    alpha : float
        Two-sided level (0.05: the limit that 1.96 is for an infinite reference).

    Returns
    -------
    numpy.ndarray
        The limit |z| must exceed; NaN where ``df`` is not positive.
    """
    df = np.asarray(df, dtype=float)
    lev = 1.0 / (df + 1.0) if leverage is None else np.asarray(leverage, dtype=float)
    # one quantile per distinct df (a reference table has few), taken back by code
    codes, distinct = pd.factorize(np.where(df > 0, df, np.nan).ravel())
    with np.errstate(invalid="ignore"):
        q = np.append(stats.t.ppf(1.0 - alpha / 2.0, distinct), np.nan)[codes].reshape(df.shape)
    return q * np.sqrt(1.0 + lev)


def expected_values(best: np.ndarray, table: pd.DataFrame, age: np.ndarray, male: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Expected value, SD, degrees of freedom and leverage x₀ᵀVx₀ of each row's reference."""
    def col(name):
        return np.append(table[name].to_numpy(dtype=float), np.nan)[best]  # best = -1: NaN

    a = age - col("age_ref")
    m = male.astype(float)
    expected = col("mean") + col("b_age") * a + col("b_male") * m
    lev = (col("v_00") + 2 * col("v_01") * a + 2 * col("v_02") * m + col("v_11") * a * a
           + 2 * col("v_12") * a * m + col("v_22") * m * m)
    return expected, col("sd"), col("df"), lev


def is_male(sex: np.ndarray, sex_ids: pd.Index) -> np.ndarray:
    """True where the sex code (into ``sex_ids``; negative = missing) is ``"male"``."""
    labels = np.asarray(sex_ids, dtype=object)
    if not len(labels):
        return np.zeros(len(sex), bool)
    return (sex >= 0) & (labels[np.maximum(sex, 0)] == "male")


def ref_model_text(best, has_ref, pair, table, table_pair, sex, sex_ids, age) -> pd.Series:
    """``ref_model`` of every row: the model used and, for pooled rows, why."""
    n_tab = len(table)
    is_reg = np.append(table["model"].eq("regression").to_numpy(dtype=bool), False)[best]
    is_all = np.append(table["sex"].eq("all").to_numpy(dtype=bool), False)[best]
    reg_rows = np.flatnonzero(table["model"].eq("regression").to_numpy() & (table_pair >= 0))
    reg_of_pair = pd.Series(reg_rows, index=table_pair[reg_rows])
    reg_of_pair = reg_of_pair[~reg_of_pair.index.duplicated()]
    reg_j = reg_of_pair.reindex(pair).fillna(-1).to_numpy(dtype=np.int64)
    regression_sex = np.isin(np.asarray(sex_ids, dtype=object), REGRESSION_SEXES)
    other_sex = ~np.append(regression_sex, False)[np.where(sex >= 0, sex, -1)]
    kind = np.select([~has_ref, is_reg, ~is_all, other_sex, reg_j >= 0], [0, 1, 2, 3, 4], 5)
    # a regression of the pair that was not used: the age lies outside its range
    missed = np.where((kind == 2) | (kind == 4), reg_j, -1)
    # one integer per (kind, table row, sex, missed regression), factorised by hashing
    base = max(n_tab, len(sex_ids)) + 3
    key = (((kind * base + np.where(kind >= 2, best, -1) + 1) * base
            + np.where(kind == 3, sex, -1) + 2) * base + missed + 1)
    codes, distinct = pd.factorize(key)
    k_u, rest = np.divmod(distinct, base ** 3)
    j_u, rest = np.divmod(rest, base ** 2)
    s_u, r_u = np.divmod(rest, base)
    uniques = zip(k_u.tolist(), (j_u - 1).tolist(), (s_u - 2).tolist(), (r_u - 1).tolist(),
                  strict=True)
    lo = table["age_min"].to_numpy(dtype=float)
    hi = table["age_max"].to_numpy(dtype=float)
    sexes = np.asarray(sex_ids, dtype=object)

    def band(j):
        full = lo[j] <= 0 and hi[j] >= 120
        return "" if full else f", age {lo[j]:g}–{hi[j]:g} y"

    def outside(r):
        return f"age outside the regression's range {lo[r]:g}–{hi[r]:g} y"

    texts = []
    for k, j, s, r in uniques:
        if k == 0:
            texts.append("")
        elif k == 1:
            texts.append("regression(age,sex)")
        elif k == 2:
            texts.append(f"stratified(sex{band(j)})" + (f": {outside(r)}" if r >= 0 else ""))
        else:
            why = {3: f"no sex-specific reference for sex {sexes[s]!r}" if s >= 0 else
                      "sex not recorded",
                   4: outside(r) if r >= 0 else "",
                   5: str(table["note"].iloc[j])}[k]
            texts.append("pooled" + band(j) + (f": {why}" if why else ""))
    return pd.Series(pd.array(texts, dtype="str").take(codes))
