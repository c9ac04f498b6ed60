"""Background jobs (simulations, cohort statistics) in separate processes.

Each job runs in its own process so that it can be stopped at its timeout
while the API stays responsive; its state and result live in the ``jobs``
table, so any API worker can report it.
"""

from __future__ import annotations

import json
import multiprocessing
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pandas as pd

from painmech.storage import SYSTEM, Database, get_study, load_observations, load_subjects
from painmech.storage._audit import canonical_json
from painmech.storage._models import Job, utcnow

__all__ = ["JobRunner", "JOB_KINDS"]


def _frame_json(frame: pd.DataFrame, limit: int = 2000) -> dict:
    head = frame.head(limit)
    return {"columns": [str(c) for c in head.columns], "n_rows": len(frame),
            "rows": json.loads(head.to_json(orient="values", date_format="iso"))}


def _simulate(db: Database, params: dict) -> dict:
    from painmech.simulation import simulate_cohort

    result = simulate_cohort(int(params["n"]), params.get("conditions"),
                             visits=int(params.get("visits", 1)), seed=int(params.get("seed", 0)),
                             instruments=())
    counts = result.subjects.groupby("condition").size().rename("n").reset_index()
    active = (result.truth.groupby(["mechanism"])["active"].mean().mul(100).round(1)
              .rename("percent_active").reset_index())
    summary = (result.observations.merge(result.subjects[["subject", "condition"]], on="subject")
               .groupby(["measure", "unit", "condition"])["value"].median().round(2)
               .rename("median").reset_index())
    return {"conditions": _frame_json(counts), "mechanisms_active": _frame_json(active),
            "measures": _frame_json(summary), "n_observations": len(result.observations)}


#: Columns of the claims check shown on the cohort dashboard.
_CLAIM_SHOWN = ["claim", "section", "metric", "site", "effect_type", "effect", "ci_low",
                "ci_high", "ci_level", "effect_unadjusted", "sesoi", "mde", "n", "p_holm",
                "verdict", "reason"]


def _cohort(db: Database, params: dict) -> dict:
    from painmech.cohort import check_claims, cohort_summary
    from painmech.measures import compute_metrics

    with db.read() as session:
        study = get_study(session, params["study"])
        subjects = load_subjects(session, SYSTEM, study)
        obs = load_observations(session, SYSTEM, study)
    metrics = compute_metrics(obs, subjects)
    n_boot = int(params.get("n_boot", 500))
    tables = cohort_summary(metrics, subjects, n_boot=n_boot)
    claims = check_claims(subjects, metrics, n_boot=n_boot)[_CLAIM_SHOWN]
    tables["claims"] = claims.round({"effect": 3, "ci_low": 3, "ci_high": 3, "ci_level": 5,
                                     "effect_unadjusted": 3, "sesoi": 3, "mde": 3,
                                     "p_holm": 4})
    return {name: _frame_json(frame) for name, frame in tables.items()}


JOB_KINDS = {"simulate": _simulate, "cohort": _cohort}


def _child(db_url: str, job_id: str) -> None:  # runs in the job process
    db = Database(db_url)
    try:
        with db.read() as session:
            job = session.get(Job, job_id)
            kind, params = job.kind, json.loads(job.params_json)
        try:
            result, status, error = JOB_KINDS[kind](db, params), "done", ""
        except Exception as err:  # the job's failure is its result
            result, status, error = None, "failed", f"{type(err).__name__}: {err}"
        with db.write() as session:
            job = session.get(Job, job_id)
            job.status, job.error = status, error[:2000]
            job.result_json = canonical_json(result) if result is not None else None
            job.finished_at = utcnow()
    finally:
        db.dispose()


class JobRunner:
    """Start jobs in worker processes, at most ``workers`` at a time, each with a timeout."""

    def __init__(self, db: Database, timeout_s: float = 600.0, workers: int = 2) -> None:
        self.db = db
        self.timeout_s = float(timeout_s)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="painmech-job")
        self._ctx = multiprocessing.get_context("spawn")
        self._procs: dict[str, multiprocessing.Process] = {}
        self._lock = threading.Lock()

    def submit(self, kind: str, params: dict, *, user_id: int | None,
               study_id: int | None = None) -> str:
        """Queue a job; return its id."""
        if kind not in JOB_KINDS:
            raise ValueError(f"unknown job kind {kind!r}; known: {', '.join(JOB_KINDS)}")
        job_id = uuid.uuid4().hex
        with self.db.write() as session:
            session.add(Job(id=job_id, kind=kind, status="queued", user_id=user_id,
                            study_id=study_id, params_json=canonical_json(params)))
        self._pool.submit(self._run, job_id)
        return job_id

    def _set(self, job_id: str, status: str, error: str = "") -> None:
        with self.db.write() as session:
            job = session.get(Job, job_id)
            if job.status in ("queued", "running"):
                job.status, job.error = status, error
                if status not in ("running",):
                    job.finished_at = utcnow()

    def _run(self, job_id: str) -> None:
        self._set(job_id, "running")
        proc = self._ctx.Process(target=_child, args=(
            self.db.url.render_as_string(hide_password=False), job_id), daemon=True)
        with self._lock:
            self._procs[job_id] = proc
        proc.start()
        proc.join(self.timeout_s)
        if proc.is_alive():
            proc.kill()
            proc.join()
            self._set(job_id, "timeout", f"stopped after {self.timeout_s:g} s")
        else:
            self._set(job_id, "failed", f"worker process ended with code {proc.exitcode}")
        with self._lock:
            self._procs.pop(job_id, None)

    def get(self, job_id: str) -> dict | None:
        """State of a job: ``id, kind, status, error, result, study_id, user_id``."""
        with self.db.read() as session:
            job = session.get(Job, job_id)
            if job is None:
                return None
            return {"id": job.id, "kind": job.kind, "status": job.status, "error": job.error,
                    "study_id": job.study_id, "user_id": job.user_id,
                    "params": json.loads(job.params_json),
                    "result": json.loads(job.result_json) if job.result_json else None}

    def shutdown(self) -> None:
        """Stop every running job process."""
        with self._lock:
            for proc in self._procs.values():
                proc.kill()
        self._pool.shutdown(wait=False, cancel_futures=True)
