"""Band rows of a reference set: mean and SD per metric, site, sex and age band.

Used by :meth:`painmech.norms.ReferenceSet.fit`; also the degrees of freedom
and ``v_00 = 1/n`` that the Crawford & Howell (1998) comparison needs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from painmech._utils._checks import check_columns
from painmech.norms._transform import metric_attribute, transform_values

__all__ = ["AGE_RANGE", "RETEST_COLUMNS", "band_edges", "band_extras", "fit_bands",
           "fit_smoothed", "pooled", "reference_values", "retest_errors"]

AGE_RANGE = (0.0, 120.0)  # the subjects table's hard age limits (registry validation)


def band_edges(age_bands) -> np.ndarray:
    """Validated age-band edges in years (default one band over the whole age range)."""
    edges = np.asarray(age_bands if age_bands is not None else AGE_RANGE, dtype=float)
    if edges.ndim != 1 or len(edges) < 2 or np.any(np.diff(edges) <= 0):
        raise ValueError(f"age_bands must be increasing band edges in years, got {age_bands!r}")
    return edges


def band_frame(edges: np.ndarray) -> pd.DataFrame:
    """One row per band: ``age_min, age_max, _centre``."""
    return pd.DataFrame({"age_min": edges[:-1], "age_max": edges[1:],
                         "_centre": (edges[:-1] + edges[1:]) / 2.0})


def reference_values(metrics, subjects, condition, edges) -> pd.DataFrame:
    """Transformed values of the controls' first visit, one row per site and side.

    Sides are kept as separate values: patients are scored one side at a time,
    so the reference SD must describe single-side values (averaging the sides
    would shrink it and inflate patients' z).
    """
    check_columns(metrics, ["subject", "visit", "metric", "site", "value"], "metrics")
    check_columns(subjects, ["subject", "sex", "age", "condition"], "subjects")
    subj = subjects.drop_duplicates("subject")
    controls = subj.loc[subj["condition"].astype(str).eq(condition), ["subject", "sex", "age"]]
    m = metrics.loc[metric_attribute(metrics["metric"], "score_kind").eq("z")]
    m = m.merge(controls, on="subject", how="inner")
    first = m.groupby("subject")["visit"].transform("min")
    m = m.loc[m["visit"].eq(first)]
    t, _ = transform_values(m["metric"], m["value"])
    m = m.assign(_t=t).dropna(subset=["_t"])
    m = m.loc[(m["age"] >= edges[0]) & (m["age"] < edges[-1])]
    return m[["metric", "site", "subject", "sex", "age"]].assign(t=m["_t"].to_numpy())


def pooled(values: pd.DataFrame) -> pd.DataFrame:
    """The values once with their own sex and once as ``sex = "all"``."""
    both = pd.concat([values, values.assign(sex="all")], ignore_index=True)
    return both


def fit_bands(values: pd.DataFrame, edges: np.ndarray) -> pd.DataFrame:
    """Mean, SD, people and values per metric, site, sex and age band."""
    band = pd.cut(values["age"], bins=edges, right=False, labels=False)
    v = values.assign(_band=band.to_numpy())
    out = (v.groupby(["metric", "site", "sex", "_band"], observed=True)
           .agg(mean=("t", "mean"), sd=("t", "std"), n=("subject", "nunique"),
                n_eff=("t", "size"))
           .reset_index())
    bands = band_frame(edges).reset_index(names="_band")
    out = out.merge(bands, on="_band").astype({"n_eff": float})
    return out.drop(columns=["_band", "_centre"])


def fit_smoothed(values: pd.DataFrame, edges: np.ndarray, bandwidth: float) -> pd.DataFrame:
    """Gaussian-kernel moving average over age, evaluated at each band centre.

    In the spirit of the moving average across ages of Magerl et al. 2010
    (Pain 151:598); the kernel and ``bandwidth`` (SD in years) are painmech's.
    """
    bands = band_frame(edges)
    cross = values.merge(bands, how="cross")
    w = np.exp(-0.5 * ((cross["age"] - cross["_centre"]) / bandwidth) ** 2)
    inside = (cross["age"] >= cross["age_min"]) & (cross["age"] < cross["age_max"])
    cross = cross.assign(_w=w, _wt=w * cross["t"])
    keys = ["metric", "site", "sex", "age_min", "age_max"]
    g = cross.groupby(keys, observed=True)
    s = g.agg(sw=("_w", "sum"), swt=("_wt", "sum")).reset_index()
    n_in = (cross.loc[inside].groupby(keys, observed=True)["subject"].nunique()
            .rename("n").reset_index())
    s = s.merge(n_in, on=keys, how="left").fillna({"n": 0}).astype({"n": "int64"})
    cross = cross.merge(s[[*keys, "sw", "swt"]], on=keys)
    cross["_dev"] = cross["_w"] * (cross["t"] - cross["swt"] / cross["sw"]) ** 2
    cross["_w2"] = cross["_w"] ** 2
    g2 = cross.groupby(keys, observed=True).agg(sdev=("_dev", "sum"), sw2=("_w2", "sum"))
    s = s.merge(g2.reset_index(), on=keys)
    # reliability-weight unbiased variance: sum w (x - m)^2 / (V1 - V2 / V1)
    denom = s["sw"] - s["sw2"] / s["sw"]
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = np.sqrt(s["sdev"] / denom)
    return s.assign(mean=s["swt"] / s["sw"], sd=sd, n_eff=s["sw"] ** 2 / s["sw2"])[
        ["metric", "site", "sex", "age_min", "age_max", "mean", "sd", "n", "n_eff"]]


def band_extras(table: pd.DataFrame, values: pd.DataFrame, smoothed: bool) -> pd.DataFrame:
    """Add the Crawford–Howell columns and the band model to fitted band rows.

    The reference sample size ``n_ch`` is the number of people in the band; with
    age smoothing it is the Kish effective number of values divided by the
    number of values per person (two for sites measured on both sides) —
    painmech's choice. ``df = n_ch − 1`` and ``v_00 = 1/n_ch``.
    """
    if smoothed:
        per = values.groupby(["metric", "site", "sex"]).agg(k=("t", "size"),
                                                            p=("subject", "nunique"))
        k = (per["k"] / per["p"]).rename("_k")
        n_ch = table.join(k, on=["metric", "site", "sex"])["_k"]
        n_ch = table["n_eff"] / n_ch
    else:
        n_ch = table["n"].astype(float)
    return table.assign(model="band", df=n_ch - 1.0, age_ref=0.0, b_age=0.0, b_male=0.0,
                        v_00=1.0 / n_ch, v_01=0.0, v_02=0.0, v_11=0.0, v_12=0.0, v_22=0.0,
                        note="")


#: Columns of :attr:`painmech.norms.ReferenceSet.retest_`.
RETEST_COLUMNS = ["metric", "site", "n", "sem"]


def retest_errors(metrics: pd.DataFrame, subjects: pd.DataFrame, condition: str,
                  min_n: int) -> pd.DataFrame:
    """The controls' own test–retest error per metric and site, on the transformed scale.

    Every control seen at two or more visits contributes the difference
    between their first two visits (each side a separate pair, as in the
    reference SD); ``sem = SD(differences) / √2`` (Weir 2005 J Strength Cond
    Res 19:231). Metrics and sites with fewer than ``min_n`` people are left
    out.
    """
    check_columns(metrics, ["subject", "visit", "metric", "site", "value"], "metrics")
    subj = subjects.drop_duplicates("subject")
    controls = subj.loc[subj["condition"].astype(str).eq(condition), "subject"]
    m = metrics.loc[metric_attribute(metrics["metric"], "score_kind").eq("z")
                    & metrics["subject"].isin(controls)]
    if "side" not in m:
        m = m.assign(side="none")
    t, _ = transform_values(m["metric"], m["value"])
    m = m.assign(t=t).dropna(subset=["t"])
    rank = m.groupby("subject")["visit"].rank(method="dense")
    m = m.loc[rank <= 2].assign(_k=rank[rank <= 2].astype(int))
    wide = m.pivot_table(index=["metric", "site", "side", "subject"], columns="_k",
                         values="t", aggfunc="mean")
    if wide.shape[1] < 2:
        return pd.DataFrame(columns=RETEST_COLUMNS)
    d = (wide[2] - wide[1]).dropna().rename("d").reset_index()
    g = d.groupby(["metric", "site"])
    out = g.agg(n=("subject", "nunique"), sd=("d", "std")).reset_index()
    out = out.assign(sem=out["sd"] / np.sqrt(2.0))
    out = out.loc[(out["n"] >= min_n) & (out["sem"] > 0)]
    return out[RETEST_COLUMNS].reset_index(drop=True)
