"""z-scores of metrics against a reference set, and the lab quality check.

``z = gain * (transform(value) - mean) / sd`` with each metric's registered
``transform`` and ``gain`` (design.md §3), so **positive z = gain of function /
more pain-sensitive / more abnormal**; ``abnormal`` when ``|z| > 1.96`` (the
95 % range of the reference, DFNS convention, Rolke et al. 2006).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from painmech._utils._checks import check_columns, check_option, problem_frame
from painmech.exceptions import ValidationError
from painmech.norms._reference import ReferenceSet
from painmech.norms._transform import metric_attribute, transform_values
from painmech.registry import SITES

__all__ = ["DEFAULT_COUNT_LIMITS", "quality_check", "zscore"]

#: Limits for metrics scored as counts or flags: abnormal when value > limit.
#: DMA: healthy people do not report pain to light touch, so DFNS does not
#: z-score it and any rating counts (Rolke et al. 2006). PHS: any paradoxical
#: heat sensation counts — painmech's convention.
DEFAULT_COUNT_LIMITS: dict[str, float] = {"dma": 0.0, "phs": 0.0}

_TRUNK = {s.id for s in SITES.values() if s.region == "trunk"}
_TRUNK_CPT_NOTE = ("no absolute CPT reference on the trunk: its reference range extends "
                   "beyond the 0 °C cut-off (Pfau et al. 2014 Pain 155:1002); use "
                   "cpt_side_diff and cpt_trunk_hand_diff")


def _attach_subjects(metrics: pd.DataFrame, subjects: pd.DataFrame) -> pd.DataFrame:
    check_columns(metrics, ["subject", "visit", "metric", "site", "side", "value"], "metrics")
    check_columns(subjects, ["subject", "sex", "age"], "subjects")
    subj = subjects.drop_duplicates("subject").set_index("subject")
    missing = ~metrics["subject"].isin(subj.index).to_numpy()
    if missing.any():
        raise ValidationError(problem_frame([pd.DataFrame({
            "file": "<metrics>", "row": np.flatnonzero(missing) + 2, "column": "subject",
            "value": metrics["subject"].to_numpy()[missing],
            "reason": "subject has no row in the subjects table (sex and age are needed)"})]))
    return metrics.assign(_sex=metrics["subject"].map(subj["sex"]).to_numpy(),
                          _age=metrics["subject"].map(subj["age"]).to_numpy(dtype=float))


def _lookup(data: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Best reference row per metrics row: own sex before "all", age inside the band."""
    rows = data[["metric", "site", "_sex", "_age"]].assign(_rid=np.arange(len(data)))
    cand = rows.merge(table, on=["metric", "site"], how="inner")
    ok = ((cand["_age"] >= cand["age_min"]) & (cand["_age"] < cand["age_max"])
          & (cand["sex"].eq(cand["_sex"]) | cand["sex"].eq("all")))
    cand = cand.loc[ok].assign(_prio=lambda d: d["sex"].eq("all").astype(int))
    best = cand.sort_values(["_rid", "_prio"]).drop_duplicates("_rid").set_index("_rid")
    out = pd.DataFrame(index=np.arange(len(data)))
    for col in ("mean", "sd", "n"):
        out[col] = best[col].reindex(out.index).to_numpy(dtype=float)
    return out


def zscore(metrics: pd.DataFrame, subjects: pd.DataFrame, ref: ReferenceSet, *,
           threshold: float = 1.96, trunk_cpt: str = "relative",
           count_limits: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Score metrics against a reference set.

    Parameters
    ----------
    metrics : pandas.DataFrame
        Metrics table (:func:`painmech.measures.compute_metrics`).
    subjects : pandas.DataFrame
        ``subject, sex, age``; every scored subject must be listed.
    ref : ReferenceSet
        A fitted or loaded reference set.
    threshold : float
        ``abnormal`` when ``|z| > threshold`` (default 1.96, the two-sided 95 %
        range, DFNS).
    trunk_cpt : {"relative", "absolute"}
        ``"relative"`` (default) withholds the absolute z of ``cpt`` at trunk
        sites, where Pfau et al. 2014 found the reference range unusable; the
        relative metrics ``cpt_side_diff`` and ``cpt_trunk_hand_diff`` are
        scored instead. ``"absolute"`` scores it anyway.
    count_limits : mapping of metric id to float, optional
        For metrics scored as counts or flags (``phs``, ``dma``): abnormal when
        ``value > limit``. Default :data:`DEFAULT_COUNT_LIMITS`.

    Returns
    -------
    pandas.DataFrame
        The metrics columns plus

        - ``z`` (float): positive = gain / more pain-sensitive / more abnormal;
          NaN when not scored
        - ``ref`` (str): the reference set's name where a reference row was used
        - ``direction`` (str): ``"gain"`` (z > 0 or count above its limit),
          ``"loss"`` (z < 0) or ``""``
        - ``abnormal`` (boolean, nullable): ``|z| > threshold`` or count above
          its limit; ``<NA>`` when not assessed
        - ``score_note`` (str): why there is no z (no reference, count, context
          metric, trunk CPT, no value) or that a censored value gives a bound.
    """
    check_option("trunk_cpt", trunk_cpt, ("relative", "absolute"))
    if not hasattr(ref, "table_"):
        raise ValueError(f"{ref!r} is not fitted; call fit() or load() first")
    limits = dict(DEFAULT_COUNT_LIMITS if count_limits is None else count_limits)
    data = _attach_subjects(metrics.reset_index(drop=True), subjects)
    kind = metric_attribute(data["metric"], "score_kind").fillna("none").to_numpy(dtype=object)
    gain = metric_attribute(data["metric"], "gain").fillna(0).to_numpy(dtype=float)
    t, t_reason = transform_values(data["metric"], data["value"])
    found = _lookup(data, ref.table_)
    z = gain * (t - found["mean"].to_numpy()) / found["sd"].to_numpy()
    trunk_cpt_row = ((data["metric"].eq("cpt") & data["site"].isin(_TRUNK)).to_numpy()
                     & (trunk_cpt == "relative"))
    scored = (kind == "z") & ~trunk_cpt_row
    z = np.where(scored, z, np.nan)
    has_ref = scored & ~np.isnan(found["mean"].to_numpy())

    pair_known = pd.MultiIndex.from_frame(data[["metric", "site"]]).isin(
        pd.MultiIndex.from_frame(ref.table_[["metric", "site"]]))
    note = np.full(len(data), "", dtype=object)
    note[(kind == "z") & ~pair_known] = "reference set has no values for this metric and site"
    note[(kind == "z") & pair_known & ~has_ref] = "no reference row for this sex and age"
    note[(kind == "z") & (t_reason != "")] = t_reason[(kind == "z") & (t_reason != "")]
    note[trunk_cpt_row] = _TRUNK_CPT_NOTE
    note[kind == "none"] = "context metric; not scored"
    censored = (data["censored"].fillna("").astype(str).to_numpy() if "censored" in data
                else np.full(len(data), ""))
    bound = ~np.isnan(z) & (censored != "")
    note[bound] = "censored (" + censored[bound] + ") at a cut-off: z is a bound"

    is_count = np.isin(kind, ["count", "flag"])
    limit = data["metric"].map(limits).to_numpy(dtype=float)
    value = data["value"].to_numpy(dtype=float)
    count_abn = value > limit
    count_assessed = is_count & ~np.isnan(limit) & ~np.isnan(value)
    sel = is_count & count_assessed
    note[sel] = (pd.Series(kind[sel], dtype=object) + ": abnormal when > "
                 + pd.Series(limit[sel]).map("{:g}".format)).to_numpy(dtype=object)
    note[is_count & ~count_assessed] = "count or flag without a limit; not scored"

    abnormal = pd.array(np.where(count_assessed, count_abn, np.abs(z) > threshold),
                        dtype="boolean")
    abnormal[~(count_assessed | ~np.isnan(z))] = pd.NA
    direction = np.where(np.isnan(z), "", np.where(z > 0, "gain", np.where(z < 0, "loss", "")))
    direction = np.where(count_assessed & count_abn, "gain", direction)
    out = data.drop(columns=["_sex", "_age"])
    return out.assign(z=z, ref=np.where(has_ref, ref.name, ""), direction=direction,
                      abnormal=abnormal, score_note=note)


def quality_check(scores: pd.DataFrame, subjects: pd.DataFrame, *, threshold: float = 1.96,
                  condition: str = "healthy", alternative: str = "two-sided",
                  alpha: float = 0.05) -> pd.DataFrame:
    """Binomial test of the share of abnormal z-scores among healthy controls.

    If a lab's measurements match the reference, about 5 % of the controls'
    z-scores fall outside ±1.96. Many more (or fewer) abnormal values for one
    control or one parameter point to a problem with the examiner, the
    equipment or the reference (lab quality check, DFNS practice). A set fitted
    on the same controls agrees with them by construction; the check is
    informative for external or earlier reference sets.

    Parameters
    ----------
    scores : pandas.DataFrame
        Output of :func:`zscore`.
    subjects : pandas.DataFrame
        ``subject, condition``.
    threshold : float
        The |z| limit used for ``abnormal``.
    condition : str
        Which subjects are the controls.
    alternative : {"two-sided", "greater", "less"}
        Passed to :func:`scipy.stats.binomtest`.
    alpha : float
        Significance level of the ``flag`` column.

    Returns
    -------
    pandas.DataFrame
        ``level`` (``"subject"`` or ``"parameter"``), ``subject`` (per-subject
        rows), ``metric`` and ``site`` (per-parameter rows), ``n`` (z-scores),
        ``n_abnormal``, ``share``, ``expected`` (= 2 × (1 − Φ(threshold))),
        ``p_value`` and ``flag`` (p < alpha).
    """
    check_option("alternative", alternative, ("two-sided", "greater", "less"))
    check_columns(scores, ["subject", "metric", "site", "z"], "scores")
    controls = set(subjects.loc[subjects["condition"].astype(str).eq(condition), "subject"])
    s = scores.loc[scores["subject"].isin(controls) & scores["z"].notna()]
    s = s.assign(_abn=(s["z"].abs() > threshold).astype("int64"))
    expected = float(2.0 * stats.norm.sf(threshold))
    per_subject = (s.groupby("subject")["_abn"].agg(n="size", n_abnormal="sum").reset_index()
                   .assign(level="subject", metric="", site=""))
    per_param = (s.groupby(["metric", "site"])["_abn"].agg(n="size", n_abnormal="sum")
                 .reset_index().assign(level="parameter", subject=""))
    out = pd.concat([per_subject, per_param], ignore_index=True)
    # one exact test per distinct (k, n) pair, not per subject
    pairs = out[["n_abnormal", "n"]].drop_duplicates()
    p = {(k, n): stats.binomtest(int(k), int(n), expected, alternative=alternative).pvalue
         for k, n in pairs.itertuples(index=False)}
    out["p_value"] = [p[(k, n)] for k, n in zip(out["n_abnormal"], out["n"], strict=True)]
    out["share"] = out["n_abnormal"] / out["n"]
    out["expected"] = expected
    out["flag"] = out["p_value"] < alpha
    return out[["level", "subject", "metric", "site", "n", "n_abnormal", "share", "expected",
                "p_value", "flag"]]
