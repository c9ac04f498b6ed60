"""Background jobs in the database: a per-user cap, permission-checked reads, owners
with heartbeats, and failing the jobs of processes that died.

A job belongs to a *runner* (one server process) from the moment it is
queued. The runner writes a heartbeat for its queued and running jobs at a
fixed interval; a queued or running job whose last heartbeat is older than
the stale limit belongs to a process that is gone (killed, crashed, host
restarted) and is marked ``failed`` by :func:`fail_stale_jobs`, which every
runner calls at start-up and at each heartbeat. A result arriving late from a
worker never overwrites a job that has ended (:func:`finish_job`).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from painmech.storage._audit import Actor, _lock, canonical_json
from painmech.storage._auth import PERMISSIONS, require, role_of
from painmech.storage._errors import NotFound, TooManyRequests
from painmech.storage._models import Job, Study, utcnow

__all__ = ["ACTIVE_JOB_STATES", "MAX_ACTIVE_JOBS_PER_USER", "create_job", "read_job",
           "job_state", "start_job", "finish_job", "heartbeat_jobs", "fail_stale_jobs",
           "fail_runner_jobs"]

#: States of a job that has not ended.
ACTIVE_JOB_STATES = ("queued", "running")
#: Most queued or running jobs a user may have at a time (painmech choice: two
#: workers run by default, so four keeps each user's queue short).
MAX_ACTIVE_JOBS_PER_USER = 4


def _aware(ts: datetime | None) -> datetime | None:
    return ts.replace(tzinfo=UTC) if ts is not None and ts.tzinfo is None else ts


def create_job(session: Session, actor: Actor, kind: str, params: dict, *,
               study_id: int | None = None, runner: str = "",
               max_active: int | None = MAX_ACTIVE_JOBS_PER_USER,
               now: datetime | None = None) -> str:
    """Queue a job for ``actor``; return its id.

    Parameters
    ----------
    study_id : int, optional
        The study whose data the job reads; the actor needs ``view`` in it.
    runner : str
        Name of the server process that will run the job.
    max_active : int or None
        Most queued or running jobs per user (``None``: no cap).

    Raises
    ------
    TooManyRequests
        When the user already has ``max_active`` jobs queued or running.
    PermissionDenied
        When the actor may not view the study.
    """
    if study_id is not None:
        study = session.get(Study, study_id)
        if study is None or study.deleted_at is not None:
            raise NotFound(f"no study with id {study_id}")
        require(session, actor, study, "view")
    if max_active is not None and actor.user_id is not None:
        _lock(session)
        n = session.execute(sa.select(sa.func.count()).select_from(Job).where(
            Job.user_id == actor.user_id, Job.status.in_(ACTIVE_JOB_STATES))).scalar()
        if n >= max_active:
            raise TooManyRequests(f"you have {n} jobs queued or running (at most "
                                  f"{max_active}); wait until one has finished")
    job_id = uuid.uuid4().hex
    session.add(Job(id=job_id, kind=kind, status="queued", user_id=actor.user_id,
                    study_id=study_id, params_json=canonical_json(params), runner=runner[:64],
                    heartbeat_at=now or utcnow()))
    session.flush()
    return job_id


def _as_dict(job: Job) -> dict:
    return {"id": job.id, "kind": job.kind, "status": job.status, "error": job.error,
            "study_id": job.study_id, "user_id": job.user_id,
            "params": json.loads(job.params_json),
            "result": json.loads(job.result_json) if job.result_json else None}


def read_job(session: Session, actor: Actor, job_id: str) -> dict:
    """State and result of a job, checked against the actor's *current* rights.

    The job's owner (or a site administrator) reads it, and for a job on a
    study's data only while they may still ``view`` that study: a member
    removed from the study no longer reads the result of a job they started.

    Returns
    -------
    dict
        ``id, kind, status, error, study_id, user_id, params, result``.

    Raises
    ------
    NotFound
        When there is no such job or the actor may not read it (the same
        answer, so that job ids and studies cannot be probed).
    """
    job = session.get(Job, str(job_id))
    missing = NotFound(f"no job {job_id!r}")
    if job is None:
        raise missing
    if job.user_id != actor.user_id and not (actor.is_admin and actor.token_study_id is None):
        raise missing
    if job.study_id is not None:
        study = session.get(Study, job.study_id)
        if study is None or study.deleted_at is not None or \
                role_of(session, actor, study) not in PERMISSIONS["view"]:
            raise missing
    elif actor.token_study_id is not None:
        raise missing  # a study-scoped token reaches that study's jobs only
    return _as_dict(job)


def job_state(session: Session, job_id: str) -> dict | None:
    """A job as a dict, unchecked (for the runner and its worker); ``None`` if unknown."""
    job = session.get(Job, str(job_id))
    return None if job is None else _as_dict(job)


def start_job(session: Session, job_id: str, runner: str, now: datetime | None = None) -> bool:
    """Mark a queued job of ``runner`` as running; False when it is no longer queued."""
    done = session.execute(sa.update(Job).where(
        Job.id == job_id, Job.status == "queued", Job.runner == runner[:64])
        .values(status="running", heartbeat_at=now or utcnow()))
    return done.rowcount == 1


def finish_job(session: Session, job_id: str, status: str, error: str = "",
               result: object = None, runner: str | None = None,
               now: datetime | None = None) -> bool:
    """End a job that is still queued or running (of ``runner``, when given).

    Returns False, changing nothing, when the job had ended already (e.g. it
    was marked failed as stale, or timed out) — a late result is dropped.
    """
    if status in ACTIVE_JOB_STATES:
        raise ValueError(f"finish_job needs a final state, got {status!r}")
    query = sa.update(Job).where(Job.id == job_id, Job.status.in_(ACTIVE_JOB_STATES))
    if runner is not None:
        query = query.where(Job.runner == runner[:64])
    done = session.execute(query.values(
        status=status, error=error[:2000], finished_at=now or utcnow(),
        result_json=canonical_json(result) if result is not None else None))
    return done.rowcount == 1


def heartbeat_jobs(session: Session, runner: str, now: datetime | None = None) -> int:
    """Record that ``runner`` is alive for its queued and running jobs; return their number."""
    done = session.execute(sa.update(Job).where(
        Job.runner == runner[:64], Job.status.in_(ACTIVE_JOB_STATES))
        .values(heartbeat_at=now or utcnow()))
    return done.rowcount


def _stale(stale_after: timedelta, now: datetime):
    seen = sa.func.coalesce(Job.heartbeat_at, Job.created_at)
    return sa.and_(Job.status.in_(ACTIVE_JOB_STATES), seen < now - stale_after)


def fail_stale_jobs(session: Session, stale_after: timedelta,
                    now: datetime | None = None) -> int:
    """Mark failed every queued or running job not seen alive for ``stale_after``.

    Such a job belongs to a server or worker process that is gone (killed,
    crashed, or a server of an older painmech). Returns how many were marked.
    """
    now = now or utcnow()
    n = session.execute(sa.select(sa.func.count()).select_from(Job)
                        .where(_stale(stale_after, now))).scalar()
    if not n:
        return 0
    since = f"{stale_after.total_seconds():g} s"
    session.execute(sa.update(Job).where(_stale(stale_after, now)).values(
        status="failed", finished_at=now,
        error=f"interrupted: the process running this job stopped (no sign of life for more "
              f"than {since}); start the job again"))
    return n


def fail_runner_jobs(session: Session, runner: str, error: str,
                     now: datetime | None = None) -> int:
    """Mark failed every queued or running job of ``runner`` (a server that stops)."""
    done = session.execute(sa.update(Job).where(
        Job.runner == runner[:64], Job.status.in_(ACTIVE_JOB_STATES))
        .values(status="failed", error=error[:2000], finished_at=now or utcnow()))
    return done.rowcount
