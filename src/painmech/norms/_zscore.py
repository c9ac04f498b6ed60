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
from painmech._utils._lookup import positions
from painmech.exceptions import ValidationError
from painmech.norms._reference import ReferenceSet
from painmech.norms._transform import map_distinct, metric_attribute, transform_values
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
            table: pd.DataFrame, table_pair: np.ndarray) -> pd.DataFrame:
    """Best reference row per metrics row: own sex before "all", age inside the band.

    Among the table rows of a row's (metric, site) whose band holds the age,
    one of the row's own sex wins over an ``"all"`` row; among equals the
    first in table order wins. The rows are sorted by pair once, so each
    table row is compared with the rows of its own pair only (a loop over the
    few table rows, not over metrics rows).
    """
    n = len(pair)
    best = np.full(n, -1)
    prio = np.full(n, 2)
    order = np.argsort(pair, kind="stable")
    sorted_pair = pair[order]
    lo = np.searchsorted(sorted_pair, table_pair, side="left")
    hi = np.searchsorted(sorted_pair, table_pair, side="right")
    is_all = table["sex"].eq("all").to_numpy(dtype=bool)
    tab_sex = sex_ids.get_indexer(table["sex"])
    age_min = table["age_min"].to_numpy()
    age_max = table["age_max"].to_numpy()
    for j in range(len(table) - 1, -1, -1):  # backwards: the first row in order wins ties
        if table_pair[j] < 0:
            continue
        idx = order[lo[j]:hi[j]]
        a = age[idx]
        ok = (a >= age_min[j]) & (a < age_max[j]) & (is_all[j] | (sex[idx] == tab_sex[j]))
        win = idx[ok & (int(is_all[j]) <= prio[idx])]
        best[win], prio[win] = j, int(is_all[j])
    out = pd.DataFrame(index=np.arange(n))
    for col in ("mean", "sd", "n"):
        values = np.append(table[col].to_numpy(dtype=float), np.nan)  # best = -1: NaN
        out[col] = values[best]
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
    data = metrics.reset_index(drop=True)
    sex, sex_ids, age = _subject_attributes(data, subjects)
    kind = metric_attribute(data["metric"], "score_kind").fillna("none").to_numpy(dtype=object)
    gain = metric_attribute(data["metric"], "gain").fillna(0).to_numpy(dtype=float)
    t, t_reason = transform_values(data["metric"], data["value"])
    pair, table_pair = _pair_codes(data, ref.table_)
    found = _lookup(pair, sex, sex_ids, age, ref.table_, table_pair)
    z = gain * (t - found["mean"].to_numpy()) / found["sd"].to_numpy()
    trunk_cpt_row = ((data["metric"].eq("cpt") & data["site"].isin(_TRUNK)).to_numpy()
                     & (trunk_cpt == "relative"))
    scored = (kind == "z") & ~trunk_cpt_row
    z = np.where(scored, z, np.nan)
    has_ref = scored & ~np.isnan(found["mean"].to_numpy())

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

    abnormal = pd.array(np.where(count_assessed, count_abn, np.abs(z) > threshold),
                        dtype="boolean")
    abnormal[~(count_assessed | ~np.isnan(z))] = pd.NA
    # the two short text columns are taken by code from a few Arrow strings, which
    # spares building one Python string per row
    direction = np.where(np.isnan(z), 0, np.where(z > 0, 1, np.where(z < 0, 2, 0)))
    direction = np.where(count_assessed & count_abn, 1, direction)
    return data.assign(z=z, ref=pd.array(["", ref.name], dtype="str").take(has_ref.astype(int)),
                       direction=pd.array(["", "gain", "loss"], dtype="str").take(direction),
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
