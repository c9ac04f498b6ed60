"""Background jobs (simulations, cohort statistics) in separate processes.

Each job runs in its own process so that it can be stopped at its timeout
while the API stays responsive; its state and result live in the ``jobs``
table, so any API worker can report it.

Crashes: the runner (one per server process) writes a heartbeat for its jobs
every ``heartbeat_s``; at start-up and at every heartbeat it marks failed the
queued or running jobs not seen alive for ``stale_after_s`` (their server was
killed). A worker process dies with its server (Linux: the kernel kills it,
``PR_SET_PDEATHSIG``; elsewhere a watchdog thread notices within
:data:`WATCH_INTERVAL_S` of a free interpreter lock, marks the job failed and
exits), and it stops itself at its deadline (the job timeout), so no orphaned
worker runs on unwatched.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pandas as pd

from painmech.storage import (
    SYSTEM,
    Actor,
    Database,
    fail_runner_jobs,
    fail_stale_jobs,
    finish_job,
    get_study,
    heartbeat_jobs,
    job_state,
    load_observations,
    load_subjects,
    read_job,
    start_job,
)
from painmech.storage import create_job as _create_job

log = logging.getLogger("painmech.api")
#: How often a worker checks its deadline and whether its server is alive, in seconds.
WATCH_INTERVAL_S = 0.25
_PR_SET_PDEATHSIG = 1  # linux/prctl.h

__all__ = ["JobRunner", "JOB_KINDS", "WATCH_INTERVAL_S"]


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


def _end(db_url: str, job_id: str, runner: str, status: str, error: str) -> None:
    db = Database(db_url)
    try:
        with db.write() as session:
            finish_job(session, job_id, status, error, runner=runner)
    finally:
        db.dispose()


def _watch(db_url: str, job_id: str, runner: str, parent_pid: int, timeout_s: float) -> None:
    """Worker-side watchdog: stop when the server is gone or the deadline has passed."""
    deadline = time.monotonic() + timeout_s
    while True:
        time.sleep(WATCH_INTERVAL_S)
        if os.getppid() != parent_pid:
            _end(db_url, job_id, runner, "failed", "the server stopped while the job ran")
            os._exit(70)
        if time.monotonic() > deadline:
            _end(db_url, job_id, runner, "timeout", f"stopped after {timeout_s:g} s")
            os._exit(71)


def _die_with_parent(parent_pid: int) -> None:
    """On Linux, ask the kernel to kill this process when its parent (the server) dies.

    The watchdog thread cannot be relied on alone: a long numerical step may
    hold the interpreter lock for seconds.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:  # the server died before the line above
        os._exit(70)


def _child(db_url: str, job_id: str, runner: str, parent_pid: int,
           timeout_s: float) -> None:  # runs in the job process
    _die_with_parent(parent_pid)
    threading.Thread(target=_watch, args=(db_url, job_id, runner, parent_pid, timeout_s),
                     daemon=True, name="painmech-job-watch").start()
    db = Database(db_url)
    try:
        with db.read() as session:
            job = job_state(session, job_id)
        try:
            result, status, error = JOB_KINDS[job["kind"]](db, job["params"]), "done", ""
        except Exception as err:  # the job's failure is its result
            result, status, error = None, "failed", f"{type(err).__name__}: {err}"
        with db.write() as session:
            finish_job(session, job_id, status, error, result, runner=runner)
    finally:
        db.dispose()


class JobRunner:
    """Start jobs in worker processes, at most ``workers`` at a time, each with a timeout.

    Parameters
    ----------
    db : Database
    timeout_s : float
        A job still running after this many seconds is stopped (``timeout``).
    workers : int
        Jobs run at the same time.
    max_active_per_user : int or None
        Most queued or running jobs per user (HTTP 429 beyond); ``None``: no cap.
    heartbeat_s : float
        Interval of the heartbeat and the stale-job sweep, in seconds.
    stale_after_s : float, optional
        A queued or running job without a heartbeat for this long is marked
        failed (default: three heartbeats). Must exceed the heartbeat interval
        of every server sharing the database.
    clock : callable, optional
        Returns the current time (tests pass a fake clock).
    """

    def __init__(self, db: Database, timeout_s: float = 600.0, workers: int = 2, *,
                 max_active_per_user: int | None = 4, heartbeat_s: float = 30.0,
                 stale_after_s: float | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        if timeout_s <= 0 or heartbeat_s <= 0:
            raise ValueError("job timeout and heartbeat interval must be positive seconds")
        self.db = db
        self.timeout_s = float(timeout_s)
        self.max_active_per_user = max_active_per_user
        self.heartbeat_s = float(heartbeat_s)
        self.stale_after = timedelta(seconds=stale_after_s or 3 * heartbeat_s)
        if self.stale_after.total_seconds() <= self.heartbeat_s:
            raise ValueError("stale_after_s must be longer than the heartbeat interval")
        self.clock = clock or (lambda: datetime.now(UTC))
        self.runner = f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="painmech-job")
        self._ctx = multiprocessing.get_context("spawn")
        self._procs: dict[str, multiprocessing.Process] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.n_stale_at_start = self.sweep()
        self._beat = threading.Thread(target=self._heartbeat_loop, daemon=True,
                                      name="painmech-job-heartbeat")
        self._beat.start()

    def sweep(self) -> int:
        """Mark failed the jobs of dead processes; return how many."""
        with self.db.write() as session:
            return fail_stale_jobs(session, self.stale_after, now=self.clock())

    def beat(self) -> None:
        """One heartbeat for this runner's jobs, then a stale-job sweep."""
        with self.db.write() as session:
            heartbeat_jobs(session, self.runner, now=self.clock())
            fail_stale_jobs(session, self.stale_after, now=self.clock())

    def _heartbeat_loop(self) -> None:
        while not self._stop.wait(self.heartbeat_s):
            try:
                self.beat()
            except Exception:  # a busy or unreachable database: try at the next beat
                log.warning("job heartbeat failed; retrying in %g s", self.heartbeat_s)

    def submit(self, kind: str, params: dict, *, actor: Actor,
               study_id: int | None = None) -> str:
        """Queue a job for ``actor``; return its id.

        Raises
        ------
        TooManyRequests
            When the user has ``max_active_per_user`` jobs queued or running.
        """
        if kind not in JOB_KINDS:
            raise ValueError(f"unknown job kind {kind!r}; known: {', '.join(JOB_KINDS)}")
        with self.db.write() as session:
            job_id = _create_job(session, actor, kind, params, study_id=study_id,
                                 runner=self.runner, max_active=self.max_active_per_user,
                                 now=self.clock())
        self._pool.submit(self._run, job_id)
        return job_id

    def _finish(self, job_id: str, status: str, error: str) -> None:
        with self.db.write() as session:
            finish_job(session, job_id, status, error, runner=self.runner, now=self.clock())

    def _run(self, job_id: str) -> None:
        with self.db.write() as session:
            if not start_job(session, job_id, self.runner, now=self.clock()):
                return  # ended meanwhile (marked failed as stale)
        url = self.db.url.render_as_string(hide_password=False)
        proc = self._ctx.Process(target=_child, args=(url, job_id, self.runner, os.getpid(),
                                                      self.timeout_s), daemon=True)
        with self._lock:
            self._procs[job_id] = proc
        proc.start()
        proc.join(self.timeout_s)
        if proc.is_alive():
            proc.kill()
            proc.join()
            self._finish(job_id, "timeout", f"stopped after {self.timeout_s:g} s")
        else:
            self._finish(job_id, "failed", f"worker process ended with code {proc.exitcode}")
        with self._lock:
            self._procs.pop(job_id, None)

    def read(self, job_id: str, actor: Actor) -> dict:
        """State and result of a job, if ``actor`` may still read it (else NotFound)."""
        with self.db.read() as session:
            return read_job(session, actor, job_id)

    def worker_pids(self) -> dict[str, int]:
        """Process ids of the running workers by job id."""
        with self._lock:
            return {job: p.pid for job, p in self._procs.items() if p.pid is not None}

    def shutdown(self) -> None:
        """Stop the heartbeat and every job process; mark this runner's jobs failed."""
        if self._stop.is_set():
            return
        self._stop.set()
        with self._lock:
            for proc in self._procs.values():
                proc.kill()
        self._pool.shutdown(wait=False, cancel_futures=True)
        try:
            with self.db.write() as session:
                fail_runner_jobs(session, self.runner, "the server stopped before the job "
                                 "ended; start it again", now=self.clock())
        except Exception:  # the database is gone too: the next start-up sweep marks them
            log.warning("could not mark the jobs of the stopping server as failed")
