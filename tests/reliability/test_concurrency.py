"""Concurrency: several processes write at once through the API and the CLI.

Two uvicorn server processes serve the same database; six API clients (three
per server) post all-or-nothing bulk imports while two command-line loops run
``painmech db import`` (a new process per import). Every write must succeed --
no "database is locked" (or any 5xx) reaches a user -- and none may be lost:
afterwards each import is present with exactly its rows (content digest).
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import sqlalchemy as sa
from relhelpers import Server, record_figures
from relworkers import content_digest, expected_digest, import_frames_for

from painmech import storage
from painmech.storage._models import ImportBatch, Observation, Subject

API_CLIENTS_PER_SERVER = 3
API_IMPORTS_EACH = 6
CLI_LOOPS = 2
CLI_IMPORTS_EACH = 2
ROWS = 50
#: the ``painmech`` command, run by this interpreter
PAINMECH = [sys.executable, "-c", "import sys; from painmech.cli import main; "
            "sys.argv[0] = 'painmech'; main()"]


def _api_writer(server: Server, headers: dict, tag: str) -> list[tuple[int, str]]:
    out = []
    with httpx.Client(base_url=server.url, headers=headers, timeout=120) as http:
        for i in range(API_IMPORTS_EACH):
            subjects, obs = import_frames_for(tag, i, ROWS)
            body = {"subjects": subjects.to_dict("records"),
                    "observations": obs.to_dict("records")}
            response = http.post("/api/studies/s1/observations/bulk", json=body)
            out.append((response.status_code, response.text))
    return out


def _cli_writer(db_url: str, folder, tag: str) -> list[tuple[int, str]]:
    out = []
    for i in range(CLI_IMPORTS_EACH):
        subjects, obs = import_frames_for(tag, i, ROWS)
        obs_path, subj_path = folder / f"{tag}_{i}_obs.csv", folder / f"{tag}_{i}_subj.csv"
        obs.to_csv(obs_path, index=False)
        subjects.to_csv(subj_path, index=False)
        done = subprocess.run(
            [*PAINMECH, "db", "import", str(obs_path), "--study",
             "s1", "--subjects", str(subj_path), "--db", db_url], capture_output=True,
            text=True, timeout=300, env={**os.environ, "COLUMNS": "200"})
        out.append((done.returncode, done.stdout + done.stderr))
    return out


@pytest.mark.slow
def test_parallel_writers_through_api_and_cli_lose_nothing(seeded, tokens_for, tmp_path):
    db = storage.Database(seeded)
    headers = tokens_for(db, ["editor"])["editor"]
    db.dispose()
    servers = [Server(seeded, tmp_path / f"server{k}.log") for k in range(2)]
    try:
        with ThreadPoolExecutor(2 * API_CLIENTS_PER_SERVER + CLI_LOOPS) as pool:
            api = [pool.submit(_api_writer, servers[k % 2], headers, f"a{k}")
                   for k in range(2 * API_CLIENTS_PER_SERVER)]
            cli = [pool.submit(_cli_writer, seeded, tmp_path, f"c{k}")
                   for k in range(CLI_LOOPS)]
            api_results = [r for f in api for r in f.result()]
            cli_results = [r for f in cli for r in f.result()]
        logs = "".join(s.output() for s in servers)
    finally:
        for server in servers:
            server.stop()
    texts = [t for _, t in api_results + cli_results] + [logs]
    locked = sum("locked" in t.lower() for t in texts)
    assert [c for c, _ in api_results if c != 201] == [], api_results[:3]
    assert [c for c, _ in cli_results if c != 0] == [], cli_results[:3]
    assert locked == 0 and "Traceback" not in logs, logs[-2000:]

    expected = {(f"a{k}", i) for k in range(2 * API_CLIENTS_PER_SERVER)
                for i in range(API_IMPORTS_EACH)}
    expected |= {(f"c{k}", i) for k in range(CLI_LOOPS) for i in range(CLI_IMPORTS_EACH)}
    db = storage.Database(seeded)
    try:
        with db.read() as s:
            rows = s.execute(sa.select(Subject.pseudonym, Observation.trial, Observation.value)
                             .join(Subject, Subject.id == Observation.subject_id)
                             .where(Subject.pseudonym.like("%\\_%\\_%", escape="\\"))).all()
            n_imports = s.execute(sa.select(sa.func.count()).select_from(ImportBatch)).scalar()
            report = storage.verify_audit(s)
    finally:
        db.dispose()
    found: dict = {}
    for pseudonym, trial, value in rows:
        tag, i, _ = pseudonym.split("_")
        found.setdefault((tag, int(i)), []).append((pseudonym, trial, value))
    assert set(found) == expected
    wrong = [k for k in expected if content_digest(found[k]) != expected_digest(*k, ROWS)]
    assert wrong == [] and len(rows) == ROWS * len(expected)
    assert report.ok
    record_figures(
        f"concurrency[{db.url.get_backend_name()}]", server_processes=len(servers),
        api_clients=2 * API_CLIENTS_PER_SERVER, cli_processes=CLI_LOOPS * CLI_IMPORTS_EACH,
        writes=len(expected), succeeded=len(api_results) + len(cli_results),
        lock_errors_seen=locked, lost=len(expected - set(found)), wrong_content=len(wrong),
        observations_written=len(rows), imports_in_db=n_imports, audit_ok=report.ok)
