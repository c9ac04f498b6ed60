"""Database fixtures: every storage test runs on SQLite and on PostgreSQL.

PostgreSQL runs when ``PAINMECH_TEST_PG_URL`` is set (``.ci/run`` starts a
throw-away server and sets it); each test gets its own fresh schema.
"""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from sqlalchemy.engine import make_url

from painmech import storage

PG_URL = os.environ.get("PAINMECH_TEST_PG_URL")


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    """Argon2id with minimal cost in tests (the real cost is slow by design)."""
    monkeypatch.setattr(storage._auth, "_HASHER",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """URL of an empty database (SQLite file or a new PostgreSQL database)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite'}"
        return
    if not PG_URL:
        pytest.skip("PAINMECH_TEST_PG_URL is not set (no PostgreSQL server)")
    # a fresh schema per test (much faster than a fresh database)
    name = f"pm_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{name}"')
    url = make_url(PG_URL)
    yield url.set(query={**url.query, "options": f"-csearch_path={name}"}).render_as_string(
        hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA "{name}" CASCADE')
    admin.dispose()


@pytest.fixture
def db(db_url):
    """An opened database with the current schema."""
    database = storage.open_database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def people(db):
    """An administrator and one user per role in study ``s1``; a second study ``s2``.

    Returns a dict of actors: admin, owner, editor, viewer, outsider.
    """
    actors = {}
    with db.write() as s:
        admin = storage.actor_for(storage.create_user(s, storage.SYSTEM, "admin",
                                                      "admin-password", is_admin=True))
        actors["admin"] = admin
        for name in ("owner", "editor", "viewer", "outsider"):
            actors[name] = storage.actor_for(storage.create_user(
                s, admin, name, f"{name}-password",
                may_create_studies=name in ("owner", "outsider")))
        s1 = storage.create_study(s, actors["owner"], "s1", "Study one")
        storage.create_study(s, actors["outsider"], "s2", "Study two")
        storage.set_role(s, actors["owner"], s1, "editor", "editor")
        storage.set_role(s, actors["owner"], s1, "viewer", "viewer")
    return actors


@pytest.fixture
def drop_audit_protection():
    """A function that drops the append-only triggers of a database's audit log.

    Tampering tests play an attacker with full database rights, who can do this.
    """
    def drop(db):
        with db.write() as s:
            if db.is_sqlite:
                s.execute(sa.text("DROP TRIGGER audit_log_no_update"))
                s.execute(sa.text("DROP TRIGGER audit_log_no_delete"))
            else:
                s.execute(sa.text("DROP TRIGGER audit_log_append_only ON audit_log"))
    return drop
