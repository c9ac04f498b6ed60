"""z-scores of metrics against a reference set, and the lab quality check.

``z = gain * (transform(value) - expected) / sd`` with each metric's registered
``transform`` and ``gain`` (design.md §3), so **positive z = gain of function /
more pain-sensitive / more abnormal**. ``expected`` is the reference row's
mean, or its regression prediction for the subject's age and sex (Magerl et
al. 2010). ``z`` is the DFNS z-score (Rolke et al. 2006), drawn against its
±1.96 band in the QST profile.

Whether a value is *abnormal* also accounts for the uncertainty of the
reference itself: a mean and SD from 10–30 lab controls are estimates. The
test of Crawford & Howell (1998) compares one person with a reference sample
of n people by

    t = (y − mean) / (sd · sqrt(1 + 1/n))   on n − 1 degrees of freedom,

and for a regression reference the test of Crawford & Garthwaite (2006) uses
``sqrt(1 + x₀ᵀ V x₀)`` (V the unscaled covariance of the coefficients, x₀ the
subject's covariates) on ``n − 3`` degrees of freedom; for a band row
``x₀ᵀ V x₀ = 1/n``. A value is abnormal when ``|t|`` exceeds the two-sided
t quantile, i.e. when ``|z|`` exceeds ``z_limit = t_{1−α/2, df} ·
sqrt(1 + x₀ᵀ V x₀)``: with 10 controls 2.262 · sqrt(1.1) = 2.372 instead of
1.96. The limit tends to 1.96 as the reference grows.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import special, stats

from painmech._utils._checks import check_columns, check_option, problem_frame
from painmech._utils._lookup import positions
from painmech.exceptions import ValidationError
from painmech.norms._crawford import (
    crawford_howell_limit,
    expected_values,
    is_male,
    ref_model_text,
)
from painmech.norms._reference import ReferenceSet
from painmech.norms._regression import REGRESSION_SEXES
from painmech.norms._transform import map_distinct, metric_attribute, transform_values
from painmech.registry import SITES

__all__ = ["DEFAULT_COUNT_LIMITS", "SCORE_COLUMNS", "crawford_howell_limit", "quality_check",
           "zscore"]

#: Columns :func:`zscore` adds to the metrics table, in order.
SCORE_COLUMNS = ["z", "ref", "direction", "abnormal", "score_note", "t_ch", "df_ch", "p_ch",
                 "z_limit", "ref_model", "sem_z"]

#: Limits for metrics scored as counts or flags: abnormal when value > limit.
#: DMA: healthy people do not report pain to light touch, so DFNS does not
#: z-score it and any rating counts (Rolke et al. 2006). PHS: any paradoxical
#: heat sensation counts — painmech's convention.
DEFAULT_COUNT_LIMITS: dict[str, float] = {"dma": 0.0, "phs": 0.0}

_TRUNK = {s.id for s in SITES.values() if s.region == "trunk"}
_TRUNK_CPT_NOTE = ("no absolute CPT reference on the trunk: its reference range extends "
                   "beyond the 0 °C cut-off (Pfau et al. 2014 Pain 155:1002); use "
                   "cpt_side_diff and cpt_trunk_hand_diff")


def _subject_attributes(metrics: pd.DataFrame, subjects: pd.DataFrame
                        ) -> tuple[np.ndarray, pd.Index, np.ndarray]:
    """Sex (as codes into the returned ids; -2 where missing) and age (years) per row.

    Subjects are looked up once per distinct id (integer codes of the metrics'
    subject column), not once per row.
    """
    check_columns(metrics, ["subject", "visit", "metric", "site", "side", "value"], "metrics")
    check_columns(subjects, ["subject", "sex", "age"], "subjects")
    subj = subjects.drop_duplicates("subject").set_index("subject")
    row_pos = positions(metrics["subject"], subj.index)
    missing = row_pos < 0
    if missing.any():
        raise ValidationError(problem_frame([pd.DataFrame({
            "file": "<metrics>", "row": np.flatnonzero(missing) + 2, "column": "subject",
            "value": metrics["subject"].to_numpy()[missing],
            "reason": "subject has no row in the subjects table (sex and age are needed)"})]))
    sex_code, sex_ids = pd.factorize(subj["sex"])
    sex_code = np.where(sex_code < 0, -2, sex_code)  # a missing sex matches no sex
    return sex_code[row_pos], pd.Index(sex_ids), subj["age"].to_numpy(dtype=float)[row_pos]


def _pair_codes(data: pd.DataFrame, table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """One integer per (metric, site) pair, shared by the rows and the reference table.

    Table pairs that no row has get -1. Missing ids get their own code, so they
    match each other as they would in a merge on the string columns.
    """
    keys = []
    for col in ("metric", "site"):
        codes, ids = pd.factorize(data[col], use_na_sentinel=False)
        keys.append((codes.astype("int64"), pd.Index(ids).get_indexer(table[col])))
    (m_row, m_tab), (s_row, s_tab) = keys
    n_site = int(s_row.max()) + 1 if len(s_row) else 1
    tab = np.where((m_tab >= 0) & (s_tab >= 0), m_tab * n_site + s_tab, -1)
    return m_row * n_site + s_row, tab


def _lookup(pair: np.ndarray, sex: np.ndarray, sex_ids: pd.Index, age: np.ndarray,
            table: pd.DataFrame, table_pair: np.ndarray) -> np.ndarray:
    """Best reference row per metrics row (-1: none).

    Priority: a regression row whose age range holds the age (female or male
    subjects only), then a band row of the subject's own sex whose band holds
    the age, then an ``"all"`` band row; among equals the first in table order
    wins. The rows are sorted by pair once, so each table row is compared with
    the rows of its own pair only (a loop over the few table rows, not over
    metrics rows).
    """
    n = len(pair)
    best = np.full(n, -1)
    prio = np.full(n, 3)
    order = np.argsort(pair, kind="stable")
    sorted_pair = pair[order]
    lo = np.searchsorted(sorted_pair, table_pair, side="left")
    hi = np.searchsorted(sorted_pair, table_pair, side="right")
    is_all = table["sex"].eq("all").to_numpy(dtype=bool)
    is_reg = table["model"].eq("regression").to_numpy(dtype=bool)
    tab_sex = sex_ids.get_indexer(table["sex"])
    reg_sex = np.isin(np.asarray(sex_ids, dtype=object), REGRESSION_SEXES)
    reg_sex = np.where(sex >= 0, reg_sex[np.maximum(sex, 0)] if len(reg_sex) else False, False)
    age_min = table["age_min"].to_numpy()
    age_max = table["age_max"].to_numpy()
    for j in range(len(table) - 1, -1, -1):  # backwards: the first row in order wins ties
        if table_pair[j] < 0:
            continue
        idx = order[lo[j]:hi[j]]
        a = age[idx]
        if is_reg[j]:
            ok = (a >= age_min[j]) & (a <= age_max[j]) & reg_sex[idx]
            rank = 0
        else:
            ok = (a >= age_min[j]) & (a < age_max[j]) & (is_all[j] | (sex[idx] == tab_sex[j]))
            rank = 2 if is_all[j] else 1
        win = idx[ok & (rank <= prio[idx])]
        best[win], prio[win] = j, rank
    return best


def _retest_sem(pair: np.ndarray, retest_pair: np.ndarray, retest: pd.DataFrame) -> np.ndarray:
    """The reference controls' retest SEM (transformed scale) of each row's metric and site."""
    if not len(retest):
        return np.full(len(pair), np.nan)
    sem = pd.Series(retest["sem"].to_numpy(float), index=retest_pair)
    sem = sem[(sem.index >= 0) & ~sem.index.duplicated()]
    return sem.reindex(pair).to_numpy(dtype=float)


def zscore(metrics: pd.DataFrame, subjects: pd.DataFrame, ref: ReferenceSet, *,
           threshold: float = 1.96, trunk_cpt: str = "relative",
           count_limits: Mapping[str, float] | None = None,
           method: str = "crawford_howell", alpha: float | None = None) -> pd.DataFrame:
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
        The z limit for an infinitely large reference (default 1.96, the
        two-sided 95 % range, DFNS); with ``method="normal"`` ``abnormal`` is
        simply ``|z| > threshold``.
    trunk_cpt : {"relative", "absolute"}
        ``"relative"`` (default) withholds the absolute z of ``cpt`` at trunk
        sites, where Pfau et al. 2014 found the reference range unusable; the
        relative metrics ``cpt_side_diff`` and ``cpt_trunk_hand_diff`` are
        scored instead. ``"absolute"`` scores it anyway.
    count_limits : mapping of metric id to float, optional
        For metrics scored as counts or flags (``phs``, ``dma``): abnormal when
        ``value > limit``. Default :data:`DEFAULT_COUNT_LIMITS`.
    method : {"crawford_howell", "normal"}
        How ``abnormal`` is decided for z-scored metrics: against the
        Crawford–Howell limit ``z_limit`` (default; see the module docstring)
        or against ``threshold`` as if the reference were exact.
    alpha : float, optional
        Two-sided level of the Crawford–Howell test. Default: the level of
        ``threshold``, 2·(1 − Φ(threshold)) rounded to 4 decimals (1.96 →
        0.05, 2.576 → 0.01).

    Returns
    -------
    pandas.DataFrame
        The metrics columns plus :data:`SCORE_COLUMNS`:

        - ``z`` (float): the DFNS z-score, ``gain · (transform(value) −
          expected) / sd``; positive = gain / more pain-sensitive / more
          abnormal; NaN when not scored
        - ``ref`` (str): the reference set's name where a reference row was used
        - ``direction`` (str): ``"gain"`` (z > 0 or count above its limit),
          ``"loss"`` (z < 0) or ``""``
        - ``abnormal`` (boolean, nullable): ``|z| > z_limit`` (or ``|z| >
          threshold`` with ``method="normal"``), or count above its limit;
          ``<NA>`` when not assessed
        - ``score_note`` (str): why there is no z (no reference, count, context
          metric, trunk CPT, no value) or that a censored value gives a bound
        - ``t_ch`` (float): the Crawford–Howell / Crawford–Garthwaite t,
          ``z / sqrt(1 + x₀ᵀVx₀)``, signed like ``z``
        - ``df_ch`` (float): its degrees of freedom (n − 1 for a band row,
          n − 3 for a regression row; n = reference people)
        - ``p_ch`` (float): two-sided p of ``t_ch`` — the share of healthy
          people expected at least this far from the reference
        - ``z_limit`` (float): the abnormality limit on the z scale,
          ``t_{1−α/2, df} · sqrt(1 + x₀ᵀVx₀)`` (``threshold`` with
          ``method="normal"``)
        - ``ref_model`` (str): ``"regression(age,sex)"``,
          ``"stratified(sex[, age a–b y])"`` or ``"pooled[: why]"`` (e.g. too
          few controls of each sex, the subject's sex or age outside the
          regression); empty when no reference row was used
        - ``sem_z`` (float): the reference controls' own test–retest SEM
          (:attr:`ReferenceSet.retest_`) in z units, SEM / sd; NaN without
          retest data.
    """
    check_option("trunk_cpt", trunk_cpt, ("relative", "absolute"))
    check_option("method", method, ("crawford_howell", "normal"))
    if not hasattr(ref, "table_"):
        raise ValueError(f"{ref!r} is not fitted; call fit() or load() first")
    limits = dict(DEFAULT_COUNT_LIMITS if count_limits is None else count_limits)
    data = metrics.reset_index(drop=True)
    sex, sex_ids, age = _subject_attributes(data, subjects)
    kind = metric_attribute(data["metric"], "score_kind").fillna("none").to_numpy(dtype=object)
    gain = metric_attribute(data["metric"], "gain").fillna(0).to_numpy(dtype=float)
    t, t_reason = transform_values(data["metric"], data["value"])
    table = ref.table_
    retest = getattr(ref, "retest_", None)
    retest = retest if retest is not None else pd.DataFrame(columns=["metric", "site", "sem"])
    # one coding of the (metric, site) pairs for the rows, the table and the retest errors
    pair, both_pair = _pair_codes(data, pd.concat([table[["metric", "site"]],
                                                   retest[["metric", "site"]]]))
    table_pair, retest_pair = both_pair[:len(table)], both_pair[len(table):]
    best = _lookup(pair, sex, sex_ids, age, table, table_pair)
    expected, sd, df, lev = expected_values(best, table, age, is_male(sex, sex_ids))
    z = gain * (t - expected) / sd
    trunk_cpt_row = ((data["metric"].eq("cpt") & data["site"].isin(_TRUNK)).to_numpy()
                     & (trunk_cpt == "relative"))
    scored = (kind == "z") & ~trunk_cpt_row
    z = np.where(scored, z, np.nan)
    has_ref = scored & (best >= 0)
    t_ch = z / np.sqrt(1.0 + lev)
    df_ch = np.where(np.isnan(z), np.nan, df)
    with np.errstate(invalid="ignore"):
        p_ch = 2.0 * special.stdtr(np.where(df_ch > 0, df_ch, np.nan), -np.abs(t_ch))
    alpha = round(float(2.0 * stats.norm.sf(threshold)), 4) if alpha is None else float(alpha)
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must lie strictly between 0 and 1, got {alpha!r}")
    z_limit = (crawford_howell_limit(df_ch, lev, alpha) if method == "crawford_howell"
               else np.where(np.isnan(z), np.nan, threshold))

    pair_known = np.isin(pair, table_pair[table_pair >= 0])
    note = np.full(len(data), "", dtype=object)
    note[(kind == "z") & ~pair_known] = "reference set has no values for this metric and site"
    note[(kind == "z") & pair_known & ~has_ref] = "no reference row for this sex and age"
    note[(kind == "z") & (t_reason != "")] = t_reason[(kind == "z") & (t_reason != "")]
    note[trunk_cpt_row] = _TRUNK_CPT_NOTE
    note[kind == "none"] = "context metric; not scored"
    if "censored" in data:
        censored = data["censored"].fillna("").astype(str)
        bound = ~np.isnan(z) & censored.ne("").to_numpy()
        note[bound] = ("censored (" + censored[bound].to_numpy(dtype=object)
                       + ") at a cut-off: z is a bound")

    is_count = np.isin(kind, ["count", "flag"])
    limit = map_distinct(data["metric"], limits).to_numpy(dtype=float)
    value = data["value"].to_numpy(dtype=float)
    count_abn = value > limit
    count_assessed = is_count & ~np.isnan(limit) & ~np.isnan(value)
    sel = is_count & count_assessed
    note[sel] = (pd.Series(kind[sel], dtype=object) + ": abnormal when > "
                 + pd.Series(limit[sel]).map("{:g}".format)).to_numpy(dtype=object)
    note[is_count & ~count_assessed] = "count or flag without a limit; not scored"

    with np.errstate(invalid="ignore"):
        z_abn = np.abs(z) > z_limit
    abnormal = pd.array(np.where(count_assessed, count_abn, z_abn), dtype="boolean")
    abnormal[~(count_assessed | (~np.isnan(z) & ~np.isnan(z_limit)))] = pd.NA
    # the two short text columns are taken by code from a few Arrow strings, which
    # spares building one Python string per row
    direction = np.where(np.isnan(z), 0, np.where(z > 0, 1, np.where(z < 0, 2, 0)))
    direction = np.where(count_assessed & count_abn, 1, direction)
    ref_model = ref_model_text(best, has_ref, pair, table, table_pair, sex, sex_ids, age)
    sem_z = np.where(has_ref, _retest_sem(pair, retest_pair, retest) / sd, np.nan)
    return data.assign(z=z, ref=pd.array(["", ref.name], dtype="str").take(has_ref.astype(int)),
                       direction=pd.array(["", "gain", "loss"], dtype="str").take(direction),
                       abnormal=abnormal, score_note=note, t_ch=t_ch, df_ch=df_ch, p_ch=p_ch,
                       z_limit=z_limit, ref_model=ref_model.array, sem_z=sem_z)


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
