"""Fixtures of the reliability and security suite.

The seeded study database of the API tests and the per-engine database of the
storage tests are reused (loaded from their conftest files), so every scenario
runs on the same data as the rest of the suite: study ``s1`` with the example
data set (12 subjects), study ``s2`` of the user ``outsider``, and one user per
role. Tests that need PostgreSQL use ``PAINMECH_TEST_PG_URL`` like tests/storage
and skip without it.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

HERE = Path(__file__).parent
for folder in (HERE, HERE.parent / "api"):  # relhelpers, apihelpers
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import relhelpers  # noqa: E402


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_api = _load("_painmech_api_conftest", HERE.parent / "api" / "conftest.py")
_storage = _load("_painmech_storage_conftest", HERE.parent / "storage" / "conftest.py")

# re-exported fixtures (see their docstrings in tests/api and tests/storage)
fast_password_hashing = _api.fast_password_hashing
template = _api.template
seeded = _api.seeded
app = _api.app
client = _api.client
token = _api.token
db_url = _storage.db_url
db = _storage.db
people = _storage.people
PG_URL = _api.PG_URL


@pytest.fixture(scope="session", autouse=True)
def _figures_dir(tmp_path_factory):
    out = os.environ.get("PAINMECH_RELIABILITY_OUT")
    relhelpers.set_figures_dir(Path(out) if out else tmp_path_factory.getbasetemp())


@pytest.fixture
def tokens_for():
    """Issue API tokens directly in a database: ``tokens_for(db, names, study=None)``."""
    from painmech import storage
    from painmech.storage._models import Study, User

    def issue(db, names, study=None):
        out = {}
        with db.write() as s:
            study_id = (s.execute(sa.select(Study.id).where(Study.code == study)).scalar()
                        if study else None)
            for name in names:
                user = s.execute(sa.select(User).where(User.username == name)).scalar()
                out[name] = {"Authorization":
                             f"Bearer {storage.issue_token(s, user, study_id=study_id)}"}
        return out
    return issue
