"""The web app seals its audit entries when an audit key is configured."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from apihelpers import TestClient

from painmech import storage
from painmech.storage._models import AuditEntry

KEY = bytes(range(32))  # a fixed 256-bit test key


@pytest.fixture
def keyed_app(seeded, monkeypatch, tmp_path):
    from painmech.api import create_app

    key_file = tmp_path / "audit.hex"
    key_file.write_text(KEY.hex() + "\n")
    monkeypatch.delenv("PAINMECH_AUDIT_KEY", raising=False)
    monkeypatch.setenv("PAINMECH_AUDIT_KEY_FILE", str(key_file))
    application = create_app(seeded, reference_min_n=3)
    yield application
    application.state.jobs.shutdown()
    application.state.db.dispose()


def test_entries_written_through_the_api_are_sealed(keyed_app):
    db = keyed_app.state.db
    with db.read() as s:
        n_before = s.execute(sa.select(sa.func.count()).select_from(AuditEntry)).scalar()
    with TestClient(keyed_app) as client:
        login = client.post("/api/auth/login", json={"username": "owner",
                                                     "password": "owner-password"})
        assert login.status_code == 200, login.text
        made = client.post("/api/studies", json={"code": "sealed", "title": "Sealed study"},
                           headers={"X-CSRF-Token": login.json()["csrf_token"]})
        assert made.status_code == 201, made.text
    with db.read() as s:
        rows = s.execute(sa.select(AuditEntry).where(AuditEntry.id > n_before)
                         .order_by(AuditEntry.id)).scalars().all()
        report = storage.verify_audit(s, key=KEY)
    # the seeded entries were written without a key; the login and the new study are sealed
    assert {r.action for r in rows} >= {"login", "create"}
    assert all(r.mac == storage.seal(KEY, r.hash) for r in rows)
    assert report.ok and report.n_sealed == len(rows) and report.n_entries == n_before + len(rows)


def test_rest_verification_checks_the_seals_with_the_apps_key(keyed_app, seeded):
    with TestClient(keyed_app) as client:
        login = client.post("/api/auth/login", json={"username": "admin",
                                                     "password": "admin-password"})
        assert login.status_code == 200, login.text
        good = client.get("/api/audit/verify").json()
        assert good["ok"] and good["seals_checked"] and good["n_sealed"] >= 1
        # a writer without the key appends a well-formed entry: the plain chain
        # still holds, the seal check names the unsealed entry
        outsider = storage.open_database(seeded)
        try:
            with outsider.write() as s:
                forged = storage.record(s, storage.SYSTEM, "update", "study", "s1",
                                        new={"title": "changed behind the app's back"})
                forged_id = forged.id
            with outsider.read() as s:
                assert storage.verify_audit(s).ok
        finally:
            outsider.dispose()
        bad = client.get("/api/audit/verify").json()
    assert not bad["ok"] and bad["seals_checked"] and bad["n_unsealed_late"] == 1
    assert [p["id"] for p in bad["problems"]] == [forged_id]
