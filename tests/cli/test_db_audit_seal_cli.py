"""``painmech db audit-key``, sealed writes and ``verify-audit --key-file``."""

from __future__ import annotations

import sqlite3
import stat

import pytest
from typer.testing import CliRunner

from painmech import storage
from painmech.cli import app
from painmech.storage._audit import _chain_hash
from painmech.storage._models import AuditEntry

runner = CliRunner()


@pytest.fixture
def no_key_env(monkeypatch):
    monkeypatch.delenv("PAINMECH_AUDIT_KEY", raising=False)
    monkeypatch.delenv("PAINMECH_AUDIT_KEY_FILE", raising=False)
    return monkeypatch


def _text(result) -> str:
    """The output with rich's line wrapping undone."""
    return " ".join(result.output.split())


def _init(url, password="a-long-password"):
    result = runner.invoke(app, ["db", "init", "--db", url, "--admin", "boss",
                                 "--password-stdin"], input=f"{password}\n")
    assert result.exit_code == 0, result.output


def _append_forged(path):
    """Insert an entry with a correct plain hash and no seal, as sqlite3 would."""
    con = sqlite3.connect(path)
    prev = con.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()[0]
    entry = AuditEntry(ts="2026-11-27T00:00:00+00:00", user_id=None, actor="mallory",
                       study_id=None, action="create", entity="user", entity_id="99",
                       old="null", new="null", reason="", prev_hash=prev)
    entry.hash = _chain_hash(prev, entry)
    cur = con.execute(
        "INSERT INTO audit_log (ts, user_id, actor, study_id, action, entity, entity_id, old, "
        "new, reason, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (entry.ts, None, entry.actor, None, entry.action, entry.entity, entry.entity_id,
         entry.old, entry.new, entry.reason, prev, entry.hash))
    con.commit()
    con.close()
    return cur.lastrowid


def test_audit_key_is_created_once_with_owner_only_permissions(tmp_path, no_key_env):
    path = tmp_path / "keys" / "audit.hex"
    result = runner.invoke(app, ["db", "audit-key", str(path)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert storage.audit_key_id(storage.load_audit_key(path)) in _text(result)
    result = runner.invoke(app, ["db", "audit-key", str(path)])
    assert result.exit_code == 1 and "refusing to overwrite" in _text(result)


def test_sealed_log_verifies_and_forged_append_is_found_only_with_the_key(tmp_path,
                                                                          no_key_env):
    key_file, other = tmp_path / "audit.hex", tmp_path / "other.hex"
    for path in (key_file, other):
        assert runner.invoke(app, ["db", "audit-key", str(path)]).exit_code == 0
    db_path = tmp_path / "k.sqlite"
    url = f"sqlite:///{db_path}"
    no_key_env.setenv("PAINMECH_AUDIT_KEY_FILE", str(key_file))
    _init(url)                                   # the `db` writers seal with the env key
    no_key_env.delenv("PAINMECH_AUDIT_KEY_FILE")

    result = runner.invoke(app, ["db", "verify-audit", "--db", url, "--key-file", str(key_file)])
    assert result.exit_code == 0, result.output
    assert "seals checked" in _text(result) and "1 of 1 entries sealed" in _text(result)
    result = runner.invoke(app, ["db", "verify-audit", "--db", url])
    assert result.exit_code == 0 and "seals NOT checked" in _text(result)

    forged = _append_forged(db_path)
    result = runner.invoke(app, ["db", "verify-audit", "--db", url])
    assert result.exit_code == 0  # the plain chain cannot tell ...
    assert "1 unsealed entries after the first sealed one" in _text(result)
    result = runner.invoke(app, ["db", "verify-audit", "--db", url, "--key-file", str(key_file)])
    assert result.exit_code == 1  # ... the key can
    assert "NOT intact" in _text(result) and f"│ {forged} │" in _text(result)
    assert "unsealed entry after sealed ones" in _text(result)

    result = runner.invoke(app, ["db", "verify-audit", "--db", url, "--key-file", str(other)])
    assert result.exit_code == 1 and "wrong audit key" in _text(result)
    result = runner.invoke(app, ["db", "verify-audit", "--db", url, "--key-file",
                                 str(tmp_path / "missing.hex")])
    assert result.exit_code == 1 and "no audit key file" in _text(result)


def test_db_migrate_upgrades_a_database_of_the_previous_revision(tmp_path, no_key_env):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    db = storage.Database(url)
    storage.migrate(db, "0001")
    db.dispose()
    # an outdated schema is a message, not a traceback, for every command that opens it
    obs = tmp_path / "x.csv"
    obs.write_text("subject,visit,measure,site,side,trial,value,unit\n"
                   "p1,0,ppt,lumbar,left,1,300,kPa\n")
    for args in (["db", "verify-audit"], ["serve"], ["db", "import", str(obs), "--study", "s1"]):
        result = runner.invoke(app, [*args, "--db", url], env={"COLUMNS": "200"})
        assert result.exit_code == 1, (args, result.output)
        assert isinstance(result.exception, SystemExit), (args, result.exception)
        assert (f"schema revision 0001 differs from painmech's {storage.head_revision()}; "
                "run `painmech db migrate`") in _text(result), args
    # backing up must work before migrating; a missing file is named and not created
    result = runner.invoke(app, ["db", "backup", str(tmp_path / "copy.sqlite"), "--db", url])
    assert result.exit_code == 0 and (tmp_path / "copy.sqlite").is_file()
    nowhere = tmp_path / "nowhere.sqlite"
    result = runner.invoke(app, ["db", "backup", str(tmp_path / "copy2.sqlite"), "--db",
                                 f"sqlite:///{nowhere}"])
    assert result.exit_code == 1 and "no painmech database at" in _text(result)
    assert not nowhere.exists() and not (tmp_path / "copy2.sqlite").exists()
    result = runner.invoke(app, ["db", "migrate", "--db", url])
    assert result.exit_code == 0 and f"0001 → {storage.head_revision()}" in _text(result)
    result = runner.invoke(app, ["db", "verify-audit", "--db", url])
    assert result.exit_code == 0 and "0 of 0 entries sealed" in _text(result)
