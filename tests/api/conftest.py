"""App fixtures: the API and web tests run on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import shutil
import uuid

import pytest
import sqlalchemy as sa
from apihelpers import PASSWORDS, TestClient
from argon2 import PasswordHasher
from sqlalchemy.engine import make_url

from painmech import storage
from painmech.datasets import dataset_path
from painmech.io import read_observations, read_subjects

PG_URL = os.environ.get("PAINMECH_TEST_PG_URL")


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    """Argon2id with minimal cost in tests (the real cost is slow by design)."""
    monkeypatch.setattr(storage._auth, "_HASHER",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def _seed(db_url):
    """Users of every role; study s1 with the example data, study s2 of the outsider."""
    subj, obs = dataset_path("example")
    subjects = read_subjects(subj)
    observations = read_observations(obs, subjects=subjects)
    hasher, storage._auth._HASHER = storage._auth._HASHER, PasswordHasher(
        time_cost=1, memory_cost=1024, parallelism=1)
    db = storage.open_database(db_url)
    try:
        with db.write() as s:
            admin = storage.actor_for(storage.create_user(s, storage.SYSTEM, "admin",
                                                          PASSWORDS["admin"], is_admin=True))
            # owner and outsider create their studies (an administrator allowed them to)
            actors = {name: storage.actor_for(storage.create_user(
                s, admin, name, PASSWORDS[name], may_create_studies=name in ("owner",
                                                                            "outsider")))
                      for name in ("owner", "editor", "viewer", "outsider")}
            s1 = storage.create_study(s, actors["owner"], "s1", "Study one")
            storage.create_study(s, actors["outsider"], "s2", "Study two")
            storage.set_role(s, actors["owner"], s1, "editor", "editor")
            storage.set_role(s, actors["owner"], s1, "viewer", "viewer")
            assert storage.import_frames(s, actors["owner"], s1, observations, subjects).ok
    finally:
        db.dispose()
        storage._auth._HASHER = hasher


@pytest.fixture(scope="session",
                params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def template(request, tmp_path_factory):
    """A seeded database built once per engine; each test gets a copy."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("template") / "seeded.sqlite"
        _seed(f"sqlite:///{path}")
        yield "sqlite", path
        return
    if not PG_URL:
        pytest.skip("PAINMECH_TEST_PG_URL is not set (no PostgreSQL server)")
    name = f"pm_seed_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    _seed(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
    yield "postgres", name
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def seeded(template, tmp_path):
    """URL of a fresh copy of the seeded database."""
    kind, source = template
    if kind == "sqlite":
        target = tmp_path / "api.sqlite"
        shutil.copyfile(source, target)
        yield f"sqlite:///{target}"
        return
    name = f"pm_api_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def app(seeded):
    from painmech.api import create_app

    application = create_app(seeded, reference_min_n=3, job_timeout_s=120)
    yield application
    application.state.jobs.shutdown()
    application.state.db.dispose()


@pytest.fixture
def client(app):
    with TestClient(app) as c:
        yield c


@pytest.fixture
def token(app):
    """Bearer headers of each user (API tokens issued directly)."""
    out = {}
    with app.state.db.write() as s:
        for name in PASSWORDS:
            user = s.execute(sa.select(storage._models.User)
                             .where(storage._models.User.username == name)).scalar()
            out[name] = {"Authorization": f"Bearer {storage.issue_token(s, user)}"}
    return out


def counts(app) -> dict:
    c = storage.table_counts(app.state.db)
    return {k: c[k] for k in ("subjects", "visits", "observations", "imports")}


@pytest.fixture
def snapshot(app):
    return lambda: counts(app)
