"""``painmech db`` commands that take access back (issue 21, point 2)."""

from __future__ import annotations

import stat

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from typer.testing import CliRunner

from painmech import storage
from painmech.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    """Argon2id with minimal cost (the real cost is slow by design)."""
    monkeypatch.setattr(storage._auth, "_HASHER",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def site(tmp_path):
    """A database with an administrator and a user holding an API and a session token."""
    url = f"sqlite:///{tmp_path / 'site.sqlite'}"
    db = storage.open_database(url)
    with db.write() as s:
        storage.create_user(s, storage.SYSTEM, "boss", "boss-password", is_admin=True)
        nurse = storage.create_user(s, storage.SYSTEM, "nurse", "nurse-password")
        api = storage.issue_token(s, nurse, name="laptop")
        web = storage.issue_token(s, nurse, kind="session")
    db.dispose()
    return url, {"api": api, "session": web}


def _resolves(url, token):
    db = storage.open_database(url)
    try:
        with db.read() as s:
            storage.resolve_token(s, token)
        return True
    except storage.AuthenticationError:
        return False
    finally:
        db.dispose()


def _run(*args, **kw):
    return runner.invoke(app, [*args], env={"COLUMNS": "300"}, **kw)


def test_users_and_tokens_are_listed_without_secrets(site):
    url, tokens = site
    listed = _run("db", "users", "--db", url)
    assert listed.exit_code == 0 and "nurse" in listed.output and "boss" in listed.output
    shown = _run("db", "tokens", "--db", url, "--user", "nurse")
    assert shown.exit_code == 0 and "laptop" in shown.output and "session" in shown.output
    assert tokens["api"] not in shown.output and storage.token_hash(tokens["api"]) \
        not in shown.output


def test_disable_user_revokes_every_token_and_enable_does_not_bring_them_back(site):
    url, tokens = site
    result = _run("db", "disable-user", "nurse", "--db", url, "--reason", "left the clinic")
    assert result.exit_code == 0 and "2 active token(s) revoked" in result.output
    assert not _resolves(url, tokens["api"]) and not _resolves(url, tokens["session"])
    assert _run("db", "enable-user", "nurse", "--db", url).exit_code == 0
    assert not _resolves(url, tokens["api"])
    missing = _run("db", "disable-user", "ghost", "--db", url)
    assert missing.exit_code == 1 and "no user 'ghost'" in missing.output


def test_reset_password_revokes_tokens_and_the_new_password_works(site):
    url, tokens = site
    result = _run("db", "reset-password", "nurse", "--db", url, "--password-stdin",
                  input="a-fresh-password\n")
    assert result.exit_code == 0 and "2 token(s) revoked" in result.output
    assert not _resolves(url, tokens["api"])
    db = storage.open_database(url)
    with db.write() as s:
        assert storage.authenticate(s, "nurse", "nurse-password") is None
        assert storage.authenticate(s, "nurse", "a-fresh-password").username == "nurse"
    db.dispose()


def test_revoke_one_token_or_all_of_a_user(site):
    url, tokens = site
    db = storage.open_database(url)
    with db.read() as s:
        api_id = storage.resolve_token(s, tokens["api"]).token_id
    db.dispose()
    result = _run("db", "revoke-token", str(api_id), "--db", url)
    assert result.exit_code == 0 and f"revoked 1 token(s): {api_id}" in result.output
    assert not _resolves(url, tokens["api"]) and _resolves(url, tokens["session"])
    result = _run("db", "revoke-tokens", "nurse", "--db", url)
    assert result.exit_code == 0 and "revoked 1 token(s) of nurse" in result.output
    assert not _resolves(url, tokens["session"])
    assert _run("db", "revoke-token", "999", "--db", url).exit_code == 1


def test_allow_studies_and_unlock(site):
    url, _ = site
    db = storage.open_database(url)
    policy = storage.LoginPolicy()
    with db.write() as s:
        for _ in range(5):
            storage.attempt_login(s, "nurse", "wrong-password", policy=policy)
        assert storage.attempt_login(s, "nurse", "nurse-password", policy=policy).locked
    locks = _run("db", "logins", "--db", url)
    assert locks.exit_code == 0 and "nurse" in locks.output and "True" in locks.output
    assert _run("db", "unlock", "nurse", "--db", url).exit_code == 0
    with db.write() as s:
        assert storage.attempt_login(s, "nurse", "nurse-password", policy=policy).user
    assert _run("db", "allow-studies", "nurse", "--db", url).exit_code == 0
    with db.read() as s:
        assert s.execute(sa.text("SELECT may_create_studies FROM users WHERE username = "
                                 "'nurse'")).scalar()
    db.dispose()


def test_database_backups_and_new_databases_are_private_files(tmp_path):
    path = tmp_path / "new.sqlite"
    result = _run("db", "init", "--db", f"sqlite:///{path}")
    assert result.exit_code == 0, result.output
    copy = tmp_path / "copy.sqlite"
    assert _run("db", "backup", str(copy), "--db", f"sqlite:///{path}").exit_code == 0
    key = tmp_path / "keys" / "audit.key"
    assert _run("db", "audit-key", str(key)).exit_code == 0
    for made in (path, copy, key):
        assert stat.S_IMODE(made.stat().st_mode) == 0o600, made
