"""``profile()``: the scores table to one row per subject, visit and mechanism."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from painmech._utils._checks import check_columns
from painmech._utils._lookup import positions
from painmech.measures._table import as_str, site_roles
from painmech.mechanisms._catalog import CATALOG
from painmech.mechanisms._components import UNIT, Context, summarise
from painmech.mechanisms._model import ProfileSettings, row_error
from painmech.mechanisms._rules import apply_rule
from painmech.registry import CONDITIONS

__all__ = ["PROFILE_COLUMNS", "profile"]

#: Columns of the profile table, in order.
PROFILE_COLUMNS = [
    "subject", "visit", "mechanism", "status", "score", "probability", "evidence",
    "caveats", "references", "influence", "pattern", "flags", "flag_value", "n_metrics",
    "metrics_used", "ref",
]

_SCORES_REQUIRED = ["subject", "visit", "metric", "value", "z"]
#: Columns of the prepared rows that the rules use (text ones as categoricals, so
#: that the many selections by metric and role filter and compare integer codes).
_RULE_COLUMNS = {"metric": "category", "value": float, "z": float, "ref": "category",
                 "method": "category", "role": "category", "icc": float, "sigma": float,
                 "icc_default": bool}


def _text(scores: pd.DataFrame, column: str, default: str, missing: str | None = None
          ) -> pd.Series:
    """A text column of the scores table as strings (``default`` where absent).

    String columns stay Arrow-backed; only other dtypes go through Python
    objects. ``missing`` replaces missing cells first.
    """
    if column not in scores:
        return pd.Series(default, index=scores.index).astype(str)
    col = scores[column]
    if not isinstance(col.dtype, pd.StringDtype):
        col = col.astype(object)
    if missing is not None:
        col = col.fillna(missing)
    return col.astype(str)


def _prepare(scores: pd.DataFrame, subjects: pd.DataFrame,
             settings: ProfileSettings) -> pd.DataFrame:
    check_columns(scores, _SCORES_REQUIRED, "the scores table")
    check_columns(subjects, ["subject", "condition"], "the subjects table")
    rows = pd.DataFrame({
        "subject": _text(scores, "subject", "").array,
        "visit": pd.to_numeric(scores["visit"], errors="raise").astype("int64").to_numpy(),
        "metric": _text(scores, "metric", "").array,
        "site": _text(scores, "site", "none").array,
        "side": _text(scores, "side", "none").array,
        "value": pd.to_numeric(scores["value"], errors="coerce").to_numpy(dtype=float),
        "z": pd.to_numeric(scores["z"], errors="coerce").to_numpy(dtype=float),
        "ref": _text(scores, "ref", "", missing="").array,
        "n_trials": pd.to_numeric(scores["n_trials"], errors="coerce").to_numpy(dtype=float)
        if "n_trials" in scores else np.full(len(scores), np.nan),
        "method": _text(scores, "method", "", missing="").array,
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
    # conditions and site roles are looked up once per distinct subject and site
    row_pos = positions(rows["subject"], subj["subject"])
    if (row_pos < 0).any():
        missing = sorted(set(rows.loc[row_pos < 0, "subject"]))
        raise ValueError("the scores table has subject(s) without a row in the subjects "
                         f"table: {', '.join(missing[:20])}")
    rows["condition"] = subj["condition"].astype(str).array.take(row_pos)
    cond_code, conds = pd.factorize(rows["condition"], use_na_sentinel=False)
    rows["role"] = site_roles(rows["site"], cond_code, conds).array
    sem_z = (pd.to_numeric(scores["sem_z"], errors="coerce").to_numpy(dtype=float)
             if "sem_z" in scores else None)
    icc, sigma, defaulted = row_error(rows["metric"], rows["n_trials"], rows["method"],
                                      settings, sem_z)
    rows["icc"], rows["sigma"], rows["icc_default"] = icc, sigma, defaulted
    return rows


def _units(rows: pd.DataFrame) -> tuple[pd.MultiIndex, np.ndarray, np.ndarray]:
    """The sorted (subject, visit) units, each row's unit position and one row per unit.

    Subjects are factorised in sorted order (code-point order, as Python sorts
    strings) and combined with the visit into one integer key, so sorting the
    keys sorts by subject, then visit.
    """
    subj_code, subj_ids = pd.factorize(rows["subject"], sort=True)
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
        n_trials, method`` and ``sem_z`` (the study's retest error, which
        then sets the measurement error) are used when present. ``z`` is signed so that
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
          ``cpt_ge_13_whiplash``, ``cpm_true_inhibition``, ``no_reference``,
          ``reliability_unknown`` — no published or study retest figure for a
          value behind the finding: its error assumes the placeholder
          ``default_icc``)
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
    index, unit, first = _units(rows)
    lean = rows[list(_RULE_COLUMNS)].astype(_RULE_COLUMNS).assign(**{UNIT: unit})
    ctx = Context(rows=lean, index=index,
                  condition=rows["condition"].iloc[first].to_numpy(dtype=object),
                  settings=settings)
    parts = [_columns(ctx, m) for m in wanted]
    if not parts or not len(index):
        return _empty()
    # every part holds the units in index order (subject, then visit); the rows are
    # interleaved unit by unit, mechanisms in the order asked for (a repeated id
    # counts at its last position, as a sort by that position would place it), and
    # the table is built once from whole columns
    last = {m: i for i, m in enumerate(wanted)}
    part_order = np.argsort([last[m] for m in wanted], kind="stable")
    columns = {c: np.stack([parts[i][c] for i in part_order], axis=1).reshape(-1)
               for c in PROFILE_COLUMNS}
    return pd.DataFrame({c: as_str(v) if v.dtype == object else v for c, v in columns.items()})


def _columns(ctx: Context, mechanism: str) -> dict[str, np.ndarray]:
    """The profile columns of one mechanism, one entry per unit of ``ctx.index``."""
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
    text = {
        "subject": ctx.index.get_level_values(0).to_numpy(dtype=object),
        "mechanism": np.full(n, mechanism, dtype=object),
        "status": status,
        "evidence": np.full(n, spec.evidence, dtype=object),
        "caveats": caveats,
        "references": np.full(n, ";".join(spec.references), dtype=object),
        "influence": influence,
        "pattern": out.pattern,
        "flags": np.where(assessed, _with_reliability_flag(out.flags, out.extra_caveats), ""),
        "metrics_used": used,
        "ref": refs,
    }
    return {
        **{c: np.asarray(v, dtype=object) for c, v in text.items()},
        "visit": ctx.index.get_level_values(1).to_numpy(dtype="int64"),
        "score": np.asarray(out.score, dtype=float),
        "probability": np.asarray(out.probability, dtype=float),
        "flag_value": np.asarray(out.flag_value, dtype=float),
        "n_metrics": np.asarray(n_metrics, dtype="int64"),
    }


def _with_reliability_flag(flags: np.ndarray, caveats: np.ndarray) -> np.ndarray:
    """Add ``reliability_unknown`` where a value rests on the placeholder ICC.

    The rules mark those rows with the ``default_reliability`` caveat; the flag
    makes it visible next to the status.
    """
    flags = np.asarray(flags, dtype=object)
    unknown = pd.Series(caveats, dtype=object).fillna("").str.contains(
        "default_reliability", regex=False).to_numpy()
    return np.where(unknown, np.where(flags == "", "reliability_unknown",
                                      flags + ";reliability_unknown"), flags)


def _empty() -> pd.DataFrame:
    dtypes = {"visit": "int64", "score": float, "probability": float, "flag_value": float,
              "n_metrics": "int64"}
    return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, object)) for c in PROFILE_COLUMNS})
