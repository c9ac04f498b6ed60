"""Issue 21 on real server processes (uvicorn on 127.0.0.1): jobs that survive a
``kill -9`` (point 4), and a full disk under the server (points 6 and 7).

A full disk is a file size limit (``RLIMIT_FSIZE``) set in the server process just
above the database's size: the kernel refuses the writes that would grow a file
beyond it, as a full disk would.
"""

from __future__ import annotations

import os
import re
import resource
import signal
import time
from pathlib import Path

import httpx
import psutil
import pytest
from relhelpers import Server, record_figures
from relworkers import import_frames_for

from painmech import storage

LONG_JOB = {"n": 2000, "visits": 10, "seed": 1}  # minutes of work: it is killed long before
JOB_OPTIONS = {"job_heartbeat_s": 0.5, "job_stale_after_s": 2.0, "job_timeout_s": 300.0}


def _workers(server_pid: int) -> list[psutil.Process]:
    """The job worker processes (multiprocessing "spawn" children) of a server."""
    out = []
    for child in psutil.Process(server_pid).children(recursive=True):
        try:
            if "spawn_main" in " ".join(child.cmdline()):
                out.append(child)
        except psutil.NoSuchProcess:
            pass
    return out


def _opened_database(proc: psutil.Process) -> bool:
    try:
        return any(f.path.endswith(".sqlite") for f in proc.open_files())
    except psutil.NoSuchProcess:
        return False


def _gone(proc: psutil.Process) -> bool:
    try:
        return proc.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _wait(predicate, seconds: float, step: float = 0.1):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


def _status(http: httpx.Client, job_id: str) -> dict:
    return http.get(f"/api/jobs/{job_id}").json()


def _headers(db_url: str, tokens_for, who: str) -> dict:
    db = storage.Database(db_url)
    try:
        return tokens_for(db, [who])[who]
    finally:
        db.dispose()


def _kill(pids) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.mark.slow
@pytest.mark.parametrize("template", ["sqlite"], indirect=True)
def test_jobs_survive_kill_9_of_the_server_and_its_workers(seeded, tokens_for, tmp_path):
    headers = _headers(seeded, tokens_for, "owner")
    leftovers = []
    figures = {}
    try:
        # 1) kill -9 of the server alone: its worker dies with it (no orphan runs on)
        server = Server(seeded, tmp_path / "s1.log", **JOB_OPTIONS)
        with httpx.Client(base_url=server.url, headers=headers, timeout=60) as http:
            job_a = http.post("/api/simulations", json=LONG_JOB).json()["id"]
            assert _wait(lambda: _status(http, job_a)["status"] == "running", 60)
            workers = _wait(lambda: _workers(server.pid), 30)
            assert len(workers) == 1
            leftovers += [w.pid for w in workers]
            # the worker has imported painmech and opened the database: the job runs
            assert _wait(lambda: _opened_database(workers[0]), 120, 0.2)
            t0 = time.monotonic()
            os.kill(server.pid, signal.SIGKILL)
            server.proc.wait()
            assert _wait(lambda: _gone(workers[0]), 30, 0.05)
            figures["orphan_worker_exit_s"] = round(time.monotonic() - t0, 2)
        server.stop()
        # 2) kill -9 of the workers and then the server: nobody is left to tell
        server = Server(seeded, tmp_path / "s2.log", job_workers=1, **JOB_OPTIONS)
        with httpx.Client(base_url=server.url, headers=headers, timeout=60) as http:
            # marked failed by the start-up sweep (or by the worker, had it lived long enough)
            assert _status(http, job_a)["status"] == "failed"
            assert re.search("interrupted|server stopped", _status(http, job_a)["error"])
            job_b = http.post("/api/simulations", json=LONG_JOB).json()["id"]
            job_c = http.post("/api/simulations", json=LONG_JOB).json()["id"]  # queued
            assert _wait(lambda: _status(http, job_b)["status"] == "running", 60)
            assert _status(http, job_c)["status"] == "queued"
            workers = _wait(lambda: _workers(server.pid), 30)
            leftovers += [w.pid for w in workers]
            _kill([w.pid for w in workers] + [server.pid])
            server.proc.wait()
        server.stop()
        assert _wait(lambda: all(_gone(w) for w in workers), 10)
        # 3) restart: the jobs of the dead processes are marked failed, not left running
        t0 = time.monotonic()
        server = Server(seeded, tmp_path / "s3.log", **JOB_OPTIONS)
        with httpx.Client(base_url=server.url, headers=headers, timeout=60) as http:
            states = _wait(lambda: [s for s in (_status(http, j) for j in (job_b, job_c))
                                    if s["status"] == "failed"], 30)
            figures["restart_to_failed_s"] = round(time.monotonic() - t0, 2)
            assert len(states) == 2, [_status(http, j) for j in (job_b, job_c)]
            assert all("interrupted" in s["error"] for s in states)
            # the restarted server runs new jobs as before
            assert http.post("/api/simulations", json={"n": 4}).status_code == 202
        server.stop()
        assert "Traceback" not in server.log.read_text()
    finally:
        _kill(leftovers)
    record_figures("jobs_after_kill_9", heartbeat_s=0.5, stale_after_s=2.0,
                   jobs_killed=3, jobs_failed_after_restart=2,
                   stale_jobs_left_running=0, **figures)


@pytest.mark.slow
@pytest.mark.parametrize("template", ["sqlite"], indirect=True)
def test_a_full_disk_under_the_server_is_a_503_and_one_log_line(seeded, tokens_for, tmp_path):
    headers = _headers(seeded, tokens_for, "editor")
    limit = Path(seeded.removeprefix("sqlite:///")).stat().st_size + 64 * 1024

    def full_disk():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a killed process
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    server = Server(seeded, tmp_path / "server.log", preexec_fn=full_disk)
    subjects, obs = import_frames_for("diskfull", 0, 20_000)
    try:
        with httpx.Client(base_url=server.url, headers=headers, timeout=120) as http:
            response = http.post("/api/studies/s1/observations/bulk", json={
                "subjects": subjects.to_dict("records"),
                "observations": obs.to_dict("records")})
            still_reads = http.get("/api/studies/s1/subjects").status_code
    finally:
        server.stop()
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "unavailable"
    text = server.log.read_text()
    log = [line for line in text.splitlines() if line.strip()]
    assert len(log) == 1 and log[0].startswith("database error on POST "), log
    for leak in ("INSERT", "[SQL", "parameters", "diskfull_0", "Traceback"):
        assert leak not in text, leak
    assert still_reads == 200
    record_figures("server_full_disk", rows_posted=len(obs), status=response.status_code,
                   server_log_lines=len(log), values_in_log=0, reads_afterwards=still_reads)
