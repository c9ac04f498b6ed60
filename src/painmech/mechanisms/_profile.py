"""``profile()``: the scores table to one row per subject, visit and mechanism."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from painmech._utils._checks import check_columns
from painmech.mechanisms._catalog import CATALOG
from painmech.mechanisms._components import UNIT, Context, summarise
from painmech.mechanisms._model import ProfileSettings, row_error
from painmech.mechanisms._rules import apply_rule
from painmech.registry import CONDITIONS, site_role

__all__ = ["PROFILE_COLUMNS", "profile"]

#: Columns of the profile table, in order.
PROFILE_COLUMNS = [
    "subject", "visit", "mechanism", "status", "score", "probability", "evidence",
    "caveats", "references", "influence", "pattern", "flags", "flag_value", "n_metrics",
    "metrics_used", "ref",
]

_SCORES_REQUIRED = ["subject", "visit", "metric", "value", "z"]


def _prepare(scores: pd.DataFrame, subjects: pd.DataFrame,
             settings: ProfileSettings) -> pd.DataFrame:
    check_columns(scores, _SCORES_REQUIRED, "the scores table")
    check_columns(subjects, ["subject", "condition"], "the subjects table")
    rows = pd.DataFrame({
        "subject": scores["subject"].astype(str).to_numpy(dtype=object),
        "visit": pd.to_numeric(scores["visit"], errors="raise").astype("int64").to_numpy(),
        "metric": scores["metric"].astype(str).to_numpy(dtype=object),
        "site": (scores["site"] if "site" in scores else pd.Series("none", scores.index))
        .astype(str).to_numpy(dtype=object),
        "side": (scores["side"] if "side" in scores else pd.Series("none", scores.index))
        .astype(str).to_numpy(dtype=object),
        "value": pd.to_numeric(scores["value"], errors="coerce").to_numpy(dtype=float),
        "z": pd.to_numeric(scores["z"], errors="coerce").to_numpy(dtype=float),
        "ref": (scores["ref"] if "ref" in scores else pd.Series("", scores.index))
        .astype(object).fillna("").astype(str).to_numpy(dtype=object),
        "n_trials": pd.to_numeric(scores["n_trials"], errors="coerce").to_numpy(dtype=float)
        if "n_trials" in scores else np.full(len(scores), np.nan),
        "method": (scores["method"] if "method" in scores else pd.Series("", scores.index))
        .astype(object).fillna("").astype(str).to_numpy(dtype=object),
    })
    subj = subjects.assign(subject=subjects["subject"].astype(str))
    dup = subj["subject"][subj["subject"].duplicated()]
    if len(dup):
        raise ValueError(f"the subjects table lists subject(s) more than once: "
                         f"{', '.join(sorted(set(dup)))}")
    bad = sorted(set(subj["condition"].astype(str)) - set(CONDITIONS))
    if bad:
        raise ValueError(f"unknown condition(s) in the subjects table: {', '.join(bad)}; "
                         f"allowed: {', '.join(CONDITIONS)}")
    cond = rows["subject"].map(subj.set_index("subject")["condition"].astype(str))
    missing = sorted(set(rows.loc[cond.isna(), "subject"]))
    if missing:
        raise ValueError("the scores table has subject(s) without a row in the subjects "
                         f"table: {', '.join(missing[:20])}")
    rows["condition"] = cond.astype(object).to_numpy()
    rows["role"] = site_role(rows["site"], rows["condition"]).to_numpy(dtype=object)
    icc, sigma, defaulted = row_error(rows["metric"], rows["n_trials"], rows["method"],
                                      settings)
    rows["icc"], rows["sigma"], rows["icc_default"] = icc, sigma, defaulted
    return rows


def _units(rows: pd.DataFrame) -> tuple[pd.MultiIndex, np.ndarray, np.ndarray]:
    """The sorted (subject, visit) units, each row's unit position and one row per unit.

    Subjects are factorised in sorted order and combined with the visit into
    one integer key, so sorting the keys sorts by subject, then visit.
    """
    subj_code, subj_ids = pd.factorize(rows["subject"].to_numpy(dtype=object), sort=True)
    visit = rows["visit"].to_numpy(dtype="int64")
    v_min = visit.min() if len(visit) else 0
    key = subj_code.astype("int64") * (int(visit.max() - v_min) + 1 if len(visit) else 1) \
        + (visit - v_min)
    keys, first, unit = np.unique(key, return_index=True, return_inverse=True)
    index = pd.MultiIndex.from_arrays(
        [pd.Index(subj_ids[subj_code[first]], dtype=object, name="subject"),
         pd.Index(visit[first], dtype="int64", name="visit")])
    return index, unit.reshape(-1).astype("int64"), first


def profile(scores: pd.DataFrame, subjects: pd.DataFrame, *,
            mechanisms: Iterable[str] | None = None,
            settings: ProfileSettings | None = None, **overrides) -> pd.DataFrame:
    """Judge each mechanism for every subject and visit of a scores table.

    Parameters
    ----------
    scores : pandas.DataFrame
        The scores table of :func:`painmech.norms.zscore` (design.md §3):
        ``subject, visit, metric, value, z`` are required; ``site, side, ref,
        n_trials, method`` are used when present. ``z`` is signed so that
        positive = towards the mechanism (more pain-sensitive / more abnormal);
        NaN where the metric has no reference.
    subjects : pandas.DataFrame
        ``subject, condition`` (the condition decides which sites are local,
        :func:`painmech.registry.site_role`).
    mechanisms : iterable of str, optional
        Mechanism ids to judge (default: all ten, in design.md §2 order).
    settings : ProfileSettings, optional
        Thresholds and error-model choices; keyword ``overrides`` replace
        single fields (e.g. ``p_indicated=0.9``).

    Returns
    -------
    pandas.DataFrame
        One row per subject, visit and mechanism with the columns

        - ``subject`` (str), ``visit`` (int64), ``mechanism`` (str)
        - ``status``: ``indicated``, ``not_indicated``, ``inconclusive`` or
          ``not_assessed`` (no data — never ``not_indicated``)
        - ``score`` (float, z units, positive = towards the mechanism): the
          decisive component's mean z (see each rule); NaN without a z
        - ``probability`` (float 0–1): probability that the error-free value
          lies beyond the limit, from the measurement-error model of
          :mod:`painmech.mechanisms._model`; NaN when it cannot be computed
        - ``evidence``: evidence level of the mechanism (``moderate``, ``low``,
          ``very_low``)
        - ``caveats``, ``references``, ``influence``: ``;``-separated ids
          (:func:`caveat_table`, :func:`bibliography`, :func:`influence_table`);
          influence only for ``indicated`` and ``inconclusive`` rows
        - ``pattern``: pressure hyperalgesia ``local``, ``widespread`` or
          ``local_and_widespread``; empty otherwise
        - ``flags``: ``;``-separated findings worth showing (e.g.
          ``cpt_ge_13_whiplash``, ``cpm_true_inhibition``, ``no_reference``)
        - ``flag_value`` (float): the raw value a flag refers to (CPT °C, CPM
          effect kPa, tDCS class)
        - ``n_metrics`` (int64), ``metrics_used`` (``;``-separated): metrics
          behind the finding
        - ``ref``: reference set(s) of the z-scores used

    Raises
    ------
    ValueError
        On missing columns, unknown conditions, subjects missing from
        ``subjects``, unknown mechanism ids or invalid settings.

    Notes
    -----
    The rules per mechanism are listed in :func:`catalog_table`; sources of
    every threshold are in ``references.bib``.
    """
    settings = settings or ProfileSettings()
    if overrides:
        settings = ProfileSettings(**{**settings.__dict__, **overrides})
    wanted = list(CATALOG) if mechanisms is None else list(mechanisms)
    unknown = [m for m in wanted if m not in CATALOG]
    if unknown:
        raise ValueError(f"unknown mechanism(s): {', '.join(unknown)}; "
                         f"allowed: {', '.join(CATALOG)}")
    rows = _prepare(scores, subjects, settings)
    index, rows[UNIT], first = _units(rows)
    ctx = Context(rows=rows, index=index,
                  condition=rows["condition"].to_numpy(dtype=object)[first],
                  settings=settings)
    parts = [_frame(ctx, m) for m in wanted]
    if not parts or not len(index):
        return _empty()
    out = pd.concat(parts, ignore_index=True)
    order = {m: i for i, m in enumerate(wanted)}
    out = out.sort_values(["subject", "visit"], kind="stable")
    out = out.iloc[np.lexsort((out["mechanism"].map(order).to_numpy(),
                               out["visit"].to_numpy(), out["subject"].to_numpy()))]
    return out.reset_index(drop=True)[PROFILE_COLUMNS]


def _frame(ctx: Context, mechanism: str) -> pd.DataFrame:
    spec = CATALOG[mechanism]
    out = apply_rule(ctx, mechanism)
    used, n_metrics, refs = summarise(ctx, spec, out.basis)
    status = out.status
    assessed = status != "not_assessed"
    caveats = np.where(assessed, ";".join(spec.caveats), "").astype(object)
    caveats = np.where((out.extra_caveats != "") & assessed,
                       caveats + ";" + out.extra_caveats, caveats)
    influence = np.where(np.isin(status, ["indicated", "inconclusive"]),
                         ";".join(spec.influence), "")
    n = len(ctx.index)
    return pd.DataFrame({
        "subject": ctx.index.get_level_values(0).to_numpy(dtype=object),
        "visit": ctx.index.get_level_values(1).to_numpy(dtype="int64"),
        "mechanism": np.full(n, mechanism, dtype=object),
        "status": status,
        "score": np.asarray(out.score, dtype=float),
        "probability": np.asarray(out.probability, dtype=float),
        "evidence": np.full(n, spec.evidence, dtype=object),
        "caveats": caveats,
        "references": np.full(n, ";".join(spec.references), dtype=object),
        "influence": influence.astype(object),
        "pattern": out.pattern,
        "flags": np.where(assessed, out.flags, ""),
        "flag_value": np.asarray(out.flag_value, dtype=float),
        "n_metrics": n_metrics,
        "metrics_used": used,
        "ref": refs,
    })


def _empty() -> pd.DataFrame:
    dtypes = {"visit": "int64", "score": float, "probability": float, "flag_value": float,
              "n_metrics": "int64"}
    return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, object)) for c in PROFILE_COLUMNS})
