"""Glue from stored data to the core pipeline (metrics → z-scores → profile).

It only loads tables from :mod:`painmech.storage` and calls the public API of
:mod:`painmech.measures`, :mod:`painmech.norms` and :mod:`painmech.mechanisms`.
The reference set is fitted on the study's own healthy controls (design.md
§6, the recommended route); metrics without enough controls get no z-score
and say why.

One run per study and data version is kept in the app's cache: the version is
the id of the study's latest data-changing audit entry (every create, update,
delete and import writes one in the same transaction, so any write gives a new
key). Concurrent requests for the same key wait for one computation instead of
each running the pipeline. A new version reuses the metrics of every subject
whose stored data did not change (a fingerprint per subject: the hash of its
subject row plus the sum of the hashes of its observation rows); metrics are
computed per subject-visit from that subject's own data, so only the changed
subjects are recomputed, then the reference, z-scores and profiles of the
whole study are rebuilt (the controls may have changed). Per-subject views
(row subsets, figures, page tables) are kept on the :class:`Analysis` itself
(:meth:`Analysis.memo`), so they go when the data change.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import sqlalchemy as sa

from painmech import storage
from painmech._utils._lookup import positions
from painmech.storage import Actor, Database
from painmech.storage._models import AuditEntry

__all__ = ["Analysis", "analyse"]

_DATA_ACTIONS = ("create", "update", "delete", "import")
#: Most per-subject views kept per analysis (figures are ~100 kB each).
_MEMO_SIZE = 512
_LOCKS_GUARD = threading.Lock()
_LOCKS: dict[tuple, threading.Lock] = {}


def _key_lock(locks: dict, key, guard: threading.Lock) -> threading.Lock:
    with guard:
        return locks.setdefault(key, threading.Lock())


@dataclass
class Analysis:
    """Every table of one study's pipeline run."""

    study: str
    subjects: pd.DataFrame
    observations: pd.DataFrame
    metrics: pd.DataFrame
    scores: pd.DataFrame
    profile: pd.DataFrame
    reference: object
    fingerprints: pd.Series | None = field(default=None, repr=False, compare=False)
    _memo: OrderedDict = field(default_factory=OrderedDict, repr=False, compare=False)
    _locks: dict = field(default_factory=dict, repr=False, compare=False)
    _guard: threading.Lock = field(default_factory=threading.Lock, repr=False,
                                   compare=False)

    def memo(self, key, compute: Callable[[], object]):
        """``compute()`` once per ``key`` for this analysis (least recently used
        views beyond 512 are dropped); concurrent callers of one key wait for
        the first. Callers must not modify the returned object.
        """
        with self._guard:
            if key in self._memo:
                self._memo.move_to_end(key)
                return self._memo[key]
        with _key_lock(self._locks, key, self._guard):
            with self._guard:
                if key in self._memo:
                    return self._memo[key]
            value = compute()
            with self._guard:
                self._memo[key] = value
                while len(self._memo) > _MEMO_SIZE:
                    self._memo.popitem(last=False)
                self._locks.pop(key, None)
        return value

    def rows(self, table: str, subject: str | None = None,
             visit: int | None = None) -> pd.DataFrame:
        """Rows of ``metrics``, ``scores`` or ``profile`` of one subject (and visit).

        Equal to filtering with ``frame["subject"] == subject`` (same rows, order
        and index), from a subject → row-positions index built once per table.
        """
        frame = getattr(self, table)
        if subject is not None:
            index = self.memo(("index", table), lambda: frame.groupby(
                frame["subject"].to_numpy(dtype=object), sort=False).indices)
            frame = frame.iloc[index.get(subject, [])]
        if visit is not None:
            frame = frame.loc[frame["visit"] == visit]
        return frame


def _versions_of(cache: dict, key: tuple) -> list[tuple]:
    """Keys of ``cache`` for the same study and ``min_n`` as ``key`` (any data version)."""
    return [k for k in cache if k[0] == key[0] and k[2] == key[2]]


def _checked_key(session, actor: Actor, code: str, min_n: int) -> tuple[int, int, int]:
    """Cache key (study id, data version, min_n) after the actor's view check."""
    study = storage.get_study(session, code)
    storage.require(session, actor, study, "view")
    return study.id, _version(session, study.id), min_n


def _version(session, study_id: int) -> int:
    return session.execute(sa.select(sa.func.max(AuditEntry.id)).where(
        AuditEntry.study_id == study_id, AuditEntry.action.in_(_DATA_ACTIONS))).scalar() or 0


def analyse(db: Database, actor: Actor, code: str, cache: dict | None = None,
            min_n: int = 10, session=None) -> Analysis:
    """Run the profile pipeline on a study (cached until its data change).

    Parameters
    ----------
    min_n : int
        Fewest healthy controls per reference cell
        (:class:`painmech.norms.ReferenceSet`).
    session : sqlalchemy.orm.Session, optional
        An open read session of the caller, used for the permission check and
        the data version (a page that already holds one saves a connection);
        a cache miss still reads the data in a session of its own.
    """
    if session is None:
        with db.read() as own:
            key = _checked_key(own, actor, code, min_n)
    else:
        key = _checked_key(session, actor, code, min_n)
    hit = cache.get(key) if cache is not None else None
    if hit is not None:
        return hit
    lock_key = (id(cache), key)
    lock = _key_lock(_LOCKS, lock_key, _LOCKS_GUARD) if cache is not None else threading.Lock()
    try:
        with lock:
            hit = cache.get(key) if cache is not None else None
            if hit is not None:
                return hit
            previous = None
            if cache is not None:
                with _LOCKS_GUARD:
                    previous = next((cache[k] for k in _versions_of(cache, key)), None)
            result, key = _run(db, actor, code, min_n, previous)
            if cache is not None:
                with _LOCKS_GUARD:
                    for old in _versions_of(cache, key):
                        del cache[old]  # older versions of this study are never asked again
                    if len(cache) >= 16:
                        cache.clear()
                    cache[key] = result
            return result
    finally:
        with _LOCKS_GUARD:
            _LOCKS.pop(lock_key, None)


def fingerprints(subjects: pd.DataFrame, observations: pd.DataFrame) -> pd.Series:
    """One number per subject that changes whenever its stored data change.

    The hash of the subject's row (:func:`pandas.util.hash_pandas_object`)
    plus the sum, modulo 2⁶⁴, of the hashes of its observation rows (any
    column), so the row order of the load does not matter.
    """
    subj = pd.util.hash_pandas_object(subjects.set_index("subject"), index=True)
    out = subj.to_numpy(dtype="uint64").copy()
    position = positions(observations["subject"], subj.index)
    if (position < 0).any():
        raise ValueError("observations of a subject missing from the subjects table")
    rows = pd.util.hash_pandas_object(observations, index=False).to_numpy(dtype="uint64")
    np.add.at(out, position, rows)  # unsigned: wraps modulo 2**64, no rounding
    return pd.Series(out, index=subj.index, dtype="uint64")


def _metrics(obs: pd.DataFrame, subjects: pd.DataFrame, prints: pd.Series,
             previous: Analysis | None) -> pd.DataFrame:
    """Metrics of the study, recomputing only subjects whose fingerprint changed."""
    from painmech.measures import compute_metrics

    if previous is None or previous.fingerprints is None:
        return compute_metrics(obs, subjects)
    old = previous.fingerprints.reindex(prints.index)
    changed = set(prints.index[old.isna() | old.ne(prints)])
    gone = set(previous.fingerprints.index) - set(prints.index)
    kept = previous.metrics.loc[~previous.metrics["subject"].isin(changed | gone)]
    if not changed:
        return kept.reset_index(drop=True)
    fresh = compute_metrics(obs.loc[obs["subject"].isin(changed)],
                            subjects.loc[subjects["subject"].isin(changed)])
    if kept.empty:
        return fresh
    both = pd.concat([kept, fresh], ignore_index=True)
    # compute_metrics orders by subject first and a subject's rows do not
    # depend on other subjects, so a stable sort by subject gives the full run
    order = np.argsort(both["subject"].to_numpy(dtype=object), kind="stable")
    return both.iloc[order].reset_index(drop=True)


def _run(db: Database, actor: Actor, code: str, min_n: int,
         previous: Analysis | None = None) -> tuple[Analysis, tuple]:
    from painmech.mechanisms import profile
    from painmech.norms import ReferenceSet, zscore

    with db.read() as session:
        # the version is read again in this transaction, before the data
        study = storage.get_study(session, code)
        key = (study.id, _version(session, study.id), min_n)
        subjects = storage.load_subjects(session, actor, study)
        obs = storage.load_observations(session, actor, study)
    prints = fingerprints(subjects, obs)
    metrics = _metrics(obs, subjects, prints, previous)
    ref = ReferenceSet(name=f"{code}_controls", source=f"healthy controls of study {code}",
                       min_n=min_n).fit(metrics, subjects)
    scores = zscore(metrics, subjects, ref)
    return Analysis(code, subjects, obs, metrics, scores, profile(scores, subjects), ref,
                    prints), key
