"""Glue from stored data to the core pipeline (metrics → z-scores → profile).

It only loads tables from :mod:`painmech.storage` and calls the public API of
:mod:`painmech.measures`, :mod:`painmech.norms` and :mod:`painmech.mechanisms`.
The reference set is fitted on the study's own healthy controls (design.md
§6, the recommended route); metrics without enough controls get no z-score
and say why.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from painmech import storage
from painmech.storage import Actor, Database
from painmech.storage._models import AuditEntry

__all__ = ["Analysis", "analyse"]

_DATA_ACTIONS = ("create", "update", "delete", "import")


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


def _version(session, study_id: int) -> int:
    return session.execute(sa.select(sa.func.max(AuditEntry.id)).where(
        AuditEntry.study_id == study_id, AuditEntry.action.in_(_DATA_ACTIONS))).scalar() or 0


def analyse(db: Database, actor: Actor, code: str, cache: dict | None = None,
            min_n: int = 10) -> Analysis:
    """Run the profile pipeline on a study (cached until its data change).

    Parameters
    ----------
    min_n : int
        Fewest healthy controls per reference cell
        (:class:`painmech.norms.ReferenceSet`).
    """
    from painmech.measures import compute_metrics
    from painmech.mechanisms import profile
    from painmech.norms import ReferenceSet, zscore

    with db.read() as session:
        study = storage.get_study(session, code)
        storage.require(session, actor, study, "view")
        key = (study.id, _version(session, study.id), min_n)
        if cache is not None and key in cache:
            return cache[key]
        subjects = storage.load_subjects(session, actor, study)
        obs = storage.load_observations(session, actor, study)
    metrics = compute_metrics(obs, subjects)
    ref = ReferenceSet(name=f"{code}_controls", source=f"healthy controls of study {code}",
                       min_n=min_n).fit(metrics, subjects)
    scores = zscore(metrics, subjects, ref)
    result = Analysis(code, subjects, obs, metrics, scores, profile(scores, subjects), ref)
    if cache is not None:
        if len(cache) > 16:
            cache.clear()
        cache[key] = result
    return result
