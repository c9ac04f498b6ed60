"""`painmech demo`: the whole chain on a small virtual cohort, then the web app on its database."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import stat
import warnings

import pandas as pd
import pytest
from typer.testing import CliRunner

from painmech.cli import app
from painmech.mechanisms import STATUSES
from painmech.registry import MECHANISMS

with warnings.catch_warnings():  # starlette asks for httpx2, which is not a dependency
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "painmech-demo"
    result = runner.invoke(app, ["demo", "--n", "40", "--seed", "7", "-o", str(out)],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return out, result.output


def test_demo_writes_every_stage(demo_run):
    out, output = demo_run
    for step in range(1, 8):
        assert f"{step}/7" in output
    subjects = pd.read_csv(out / "cohort" / "subjects.csv")
    # DEMO_CONDITIONS: half of the 40 are healthy controls
    assert (subjects["condition"] == "healthy").sum() == 20
    prof = pd.read_csv(out / "profile.csv", keep_default_na=False)
    assert set(prof["mechanism"]) == set(MECHANISMS)
    assert set(prof["status"]) <= set(STATUSES)
    # 40 people x 2 visits x 10 mechanisms
    assert len(prof) == 40 * 2 * 10
    claims = pd.read_csv(out / "claims.csv")
    assert {"claim", "verdict"} <= set(claims.columns) and len(claims) > 0
    reports = sorted(p.name for p in out.glob("report-*"))
    assert len(reports) == 4 and {p.rsplit(".", 1)[1] for p in reports} == {"html", "pdf"}
    assert all((out / r).stat().st_size > 1000 for r in reports)
    assert (out / "reference.json").exists()


def test_demo_database_opens_with_the_printed_login(demo_run):
    from painmech.api import create_app

    out, output = demo_run
    # the password file and the database are readable by their owner only
    for private in ("LOGIN.txt", "painmech.sqlite"):
        assert stat.S_IMODE((out / private).stat().st_mode) == 0o600, private
    login = dict(line.split(": ", 1) for line in (out / "LOGIN.txt").read_text().splitlines())
    assert login["password"] in output and login["database"] in output.replace("\n", "")
    with TestClient(create_app(login["database"])) as client:
        assert client.get("/api/studies").status_code == 401
        me = client.post("/api/auth/login", json={"username": login["user"],
                                                  "password": login["password"]})
        assert me.status_code == 200, me.text
        studies = client.get("/api/studies").json()
        assert [(s["code"], s["n_subjects"]) for s in studies] == [("demo", 40)]


def _leave_stale_wal(db_file, tmp_path):
    """Leave a -wal/-shm pair next to the database, as a crashed server would."""
    con = sqlite3.connect(db_file)
    con.execute("PRAGMA wal_autocheckpoint = 0")
    con.execute("INSERT INTO settings (name, value) VALUES ('stale-wal-marker', 'x')")
    con.commit()
    for part in ("-wal", "-shm"):
        shutil.copy(f"{db_file}{part}", tmp_path / f"copy{part}")
    con.close()  # checkpoints and removes the WAL
    for part in ("-wal", "-shm"):
        shutil.copy(tmp_path / f"copy{part}", f"{db_file}{part}")


def test_demo_reruns_in_its_own_folder_but_refuses_a_foreign_one(demo_run, tmp_path):
    out, _ = demo_run
    db_file = out / "painmech.sqlite"
    _leave_stale_wal(db_file, tmp_path)
    again = runner.invoke(app, ["demo", "--n", "40", "--seed", "7", "-o", str(out)])
    assert again.exit_code == 0, again.output
    # the whole file set was replaced: nothing of the old WAL came back
    con = sqlite3.connect(db_file)
    assert con.execute("SELECT COUNT(*) FROM settings WHERE name = 'stale-wal-marker'"
                       ).fetchone() == (0,)
    con.close()
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.docx").write_text("precious")
    refused = runner.invoke(app, ["demo", "-o", str(foreign)])
    assert refused.exit_code != 0
    assert "not made by 'painmech demo'" in refused.output
    assert (foreign / "thesis.docx").read_text() == "precious"


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.glob("painmech.sqlite*"))}


def test_demo_refuses_to_overwrite_a_database_with_other_studies_and_users(tmp_path):
    """Issue 21, point 5: the demo replaced a database holding other studies, users and
    283 audit entries, with exit code 0."""
    from painmech import storage

    out = tmp_path / "painmech-demo"
    out.mkdir()
    (out / ".painmech-demo").write_text("folder written by 'painmech demo'\n")
    db = storage.open_database(f"sqlite:///{out / 'painmech.sqlite'}")
    with db.write() as s:
        storage.create_user(s, storage.SYSTEM, "demo", "demo-password", is_admin=True)
        storage.create_user(s, storage.SYSTEM, "clinician", "clinician-password")
        storage.create_study(s, storage.SYSTEM, "demo", "Demo")
        storage.create_study(s, storage.SYSTEM, "lbp-2026", "Real study")
        for i in range(280):
            storage.record(s, storage.SYSTEM, "note", "test", i)
    with db.read() as s:
        n_audit = len(storage.audit_frame(s, limit=1000))
    db.dispose()
    before = _digest(out)
    refused = runner.invoke(app, ["demo", "--n", "40", "-o", str(out)],
                            env={"COLUMNS": "300"})
    assert refused.exit_code == 2, refused.output
    assert "holds 1 other study (lbp-2026) and 1 other user" in refused.output
    assert "1/7" not in refused.output  # refused before any work
    assert _digest(out) == before and n_audit == 284


def test_replacing_the_demo_database_removes_its_wal_and_shm(tmp_path):
    """The old demo deleted painmech.sqlite but left painmech.sqlite-wal/-shm behind
    (e.g. of a server still running on it); the whole file set goes now."""
    from painmech import storage
    from painmech.cli._demo import _replace_database

    db_file = tmp_path / "painmech.sqlite"
    db = storage.open_database(f"sqlite:///{db_file}")
    with db.write() as s:
        storage.create_study(s, storage.SYSTEM, "demo", "Demo")
    with db.read() as s:  # an open reader keeps the -wal and -shm files in place
        s.execute(storage._models.Study.__table__.select()).all()
        assert {p.name for p in tmp_path.iterdir()} == {
            "painmech.sqlite", "painmech.sqlite-wal", "painmech.sqlite-shm"}
        _replace_database(db_file)
        assert list(tmp_path.iterdir()) == []
    db.dispose()
