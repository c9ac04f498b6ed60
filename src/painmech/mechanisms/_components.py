"""Vectorised building blocks of the mechanism rules.

Everything here works on the prepared scores rows of all subjects and visits
at once; there is no loop over subjects. Each row carries ``_unit``, the
position of its (subject, visit) in the sorted profile index, so per-unit
aggregates group on one integer column instead of two string keys.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from painmech.mechanisms._catalog import Component, MechanismSpec
from painmech.mechanisms._model import (
    ProfileSettings,
    exceed_probability,
    status_from_probability,
)

__all__ = ["KEYS", "UNIT", "ComponentResult", "Context", "Outcome", "combine_any", "evaluate",
           "join_tokens", "summarise", "value_of"]

#: The identifying columns of one profile unit.
KEYS = ["subject", "visit"]
#: Integer column of the prepared rows: position of the row's unit in ``Context.index``.
UNIT = "_unit"


@dataclass
class Context:
    """Prepared inputs shared by every rule.

    Attributes
    ----------
    rows : pandas.DataFrame
        The scores rows with the columns the rules use: ``metric, value, z,
        ref, method`` and the added ``role, icc, sigma, icc_default`` and unit
        position ``_unit`` (int64, into ``index``); the text columns are
        categoricals.
    index : pandas.MultiIndex
        Every (subject, visit) of the scores table, sorted.
    condition : numpy.ndarray of str
        The subject's condition for each entry of ``index``.
    settings : ProfileSettings
    """

    rows: pd.DataFrame
    index: pd.MultiIndex
    condition: np.ndarray
    settings: ProfileSettings


@dataclass
class ComponentResult:
    """One component evaluated for every (subject, visit) of the context.

    ``status`` is one of ``indicated, inconclusive, not_indicated`` (from the
    probability), ``no_reference`` (measured but no z) or ``not_assessed``.
    """

    z: np.ndarray
    sigma: np.ndarray
    p: np.ndarray
    status: np.ndarray
    defaulted: np.ndarray
    basis: pd.DataFrame


@dataclass
class Outcome:
    """A mechanism's result for every (subject, visit): arrays aligned with the index."""

    status: np.ndarray
    score: np.ndarray
    probability: np.ndarray
    basis: list[pd.DataFrame]
    pattern: np.ndarray | None = None
    flags: np.ndarray | None = None
    extra_caveats: np.ndarray | None = None
    flag_value: np.ndarray | None = None


def _per_unit(frame: pd.DataFrame, column: str | list[str], how: str, index: pd.MultiIndex
              ) -> np.ndarray:
    """Aggregate ``column`` per unit (pandas' own reductions, so NaN handling and
    summation are those of ``groupby``); NaN for units without rows.

    A list of columns is aggregated in one grouping and gives one column of the
    returned 2-D array per name.
    """
    shape = (len(index),) if isinstance(column, str) else (len(index), len(column))
    out = np.full(shape, np.nan)
    if frame.empty:
        return out
    agg = frame.groupby(UNIT, sort=False)[column].agg(how)
    out[agg.index.to_numpy()] = agg.to_numpy(dtype=float)
    return out


def _has_rows(frame: pd.DataFrame, n: int) -> np.ndarray:
    """True for the units with at least one row in ``frame``."""
    return np.bincount(frame[UNIT].to_numpy(), minlength=n)[:n] > 0


def evaluate(ctx: Context, comp: Component) -> ComponentResult:
    """Evaluate one component for every subject and visit.

    Rows are the component's metrics with a value (at sites of
    ``comp.role`` if given). Rows with a z are combined as ``comp.combine``
    says; the probability follows :func:`exceed_probability`.
    """
    r = ctx.rows
    keep = r["metric"].isin(comp.metrics).to_numpy() & r["value"].notna().to_numpy()
    if comp.role is not None:
        keep &= (r["role"] == comp.role).to_numpy()
    sel = r[keep]
    scored = sel[sel["z"].notna()]
    if len(scored) and comp.combine == "first":
        order = {m: i for i, m in enumerate(comp.metrics)}
        rank = pd.Series(scored["metric"].map(order).to_numpy(dtype=float), index=scored.index)
        best = rank.groupby(scored[UNIT].to_numpy(), sort=False).transform("min")
        scored = scored[rank == best]
    elif len(scored) and comp.combine == "max":
        scored = scored.loc[scored.groupby(UNIT, sort=False)["z"].idxmax().to_numpy()]
    idx = ctx.index
    z, sigma, icc = _per_unit(scored, ["z", "sigma", "icc"], "mean", idx).T
    defaulted = _per_unit(scored.assign(d=scored["icc_default"].astype(float)), "d", "max",
                          idx) > 0
    measured = _has_rows(sel, len(idx))
    s = ctx.settings
    p = exceed_probability(z, np.where(np.isnan(sigma), 1.0, sigma), s.z_threshold,
                           s.prior, np.where(np.isnan(icc), 0.5, icc))
    p = np.where(np.isnan(z), np.nan, p)
    status = status_from_probability(p, s)
    status = np.where(np.isnan(z), np.where(measured, "no_reference", "not_assessed"), status)
    # the basis of the finding: the scored rows, or the measured rows where none was scored
    unscored = _has_rows(scored, len(idx))[sel[UNIT].to_numpy()]
    basis = pd.concat([scored, sel[~unscored]], ignore_index=True)[[UNIT, "metric", "ref"]]
    return ComponentResult(z=z, sigma=sigma, p=p, status=status.astype(object),
                           defaulted=defaulted, basis=basis)


def combine_any(ctx: Context, results: list[ComponentResult]) -> Outcome:
    """A mechanism present when any component is: the component with the highest
    probability gives the probability and the score.

    Without any probability the status is ``inconclusive`` when something was
    measured (no reference) and ``not_assessed`` otherwise.
    """
    n = len(ctx.index)
    p_all = np.column_stack([r.p for r in results]) if results else np.empty((n, 0))
    z_all = np.column_stack([r.z for r in results]) if results else np.empty((n, 0))
    finite = np.isfinite(p_all)
    has_p = finite.any(axis=1)
    best = np.argmax(np.where(finite, p_all, -1.0), axis=1) if results else np.zeros(n, int)
    rows = np.arange(n)
    p = np.where(has_p, p_all[rows, best] if results else np.nan, np.nan)
    score = np.where(has_p, z_all[rows, best] if results else np.nan, np.nan)
    status = status_from_probability(p, ctx.settings)
    no_ref = np.zeros(n, bool)
    defaulted = np.zeros(n, bool)
    for r in results:
        no_ref |= r.status == "no_reference"
        defaulted |= r.defaulted
    status = np.where(has_p, status, np.where(no_ref, "inconclusive", "not_assessed"))
    return Outcome(status=status.astype(object), score=score, probability=p,
                   basis=[r.basis for r in results],
                   flags=join_tokens(n, [(no_ref, "no_reference")]),
                   extra_caveats=join_tokens(n, [(no_ref, "no_reference"),
                                                 (defaulted, "default_reliability")]))


def join_tokens(n: int, parts: list[tuple[np.ndarray, str]]) -> np.ndarray:
    """``;``-join the tokens whose mask is true, row by row (vectorised over rows)."""
    out = np.full(n, "", dtype=object)
    for mask, token in parts:
        mask = np.asarray(mask, dtype=bool)
        # strings are built only for the rows that get the token
        empty = out == ""
        append = mask & ~empty
        out[append] = out[append] + (";" + token)
        out[mask & empty] = token
    return out


def value_of(ctx: Context, metric: str, how: str = "mean", role: str | None = None
             ) -> np.ndarray:
    """The raw value of one metric per (subject, visit), aggregated over its rows."""
    r = ctx.rows
    sel = r[(r["metric"] == metric) & r["value"].notna()]
    if role is not None:
        sel = sel[sel["role"] == role]
    return _per_unit(sel, "value", how, ctx.index)


def summarise(ctx: Context, spec: MechanismSpec, basis: list[pd.DataFrame]
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``metrics_used``, ``n_metrics`` and ``ref`` of a mechanism per (subject, visit).

    ``metrics_used`` lists the metric ids in order of first appearance in the
    basis; ``ref`` lists the distinct reference-set names in sorted order. Both
    are built with one mask per distinct id (a loop over ids, not rows).
    """
    n = len(ctx.index)
    frames = [b for b in basis if len(b)]
    if not frames:
        empty = np.full(n, "", dtype=object)
        return empty, np.zeros(n, dtype="int64"), empty.copy()
    b = pd.concat(frames, ignore_index=True)
    unit = b[UNIT].to_numpy()
    codes, metric_ids = pd.factorize(b["metric"])  # order of first appearance
    metric_ids = np.asarray(metric_ids, dtype=object)
    has = np.zeros((n, len(metric_ids)), dtype=bool)
    has[unit, codes] = True
    count = has.sum(axis=1).astype("int64")
    used = join_tokens(n, [(has[:, j], metric) for j, metric in enumerate(metric_ids)])
    ref = b["ref"].astype(str)
    named = ref.ne("").to_numpy()
    ref_codes, ref_ids = pd.factorize(ref[named].to_numpy(dtype=object), sort=True)
    has_ref = np.zeros((n, len(ref_ids)), dtype=bool)
    has_ref[unit[named], ref_codes] = True
    refs = join_tokens(n, [(has_ref[:, j], r) for j, r in enumerate(ref_ids)])
    return used, count, refs
