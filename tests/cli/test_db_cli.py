"""``painmech db`` and its exit codes."""

from __future__ import annotations

import sqlite3

from typer.testing import CliRunner

from painmech.cli import app

runner = CliRunner()


def test_init_add_user_backup_and_verify(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    result = runner.invoke(app, ["db", "init", "--db", url, "--admin", "boss",
                                 "--password-stdin"], input="a-long-password\n")
    assert result.exit_code == 0, result.output
    assert "user boss created (administrator)" in result.output
    result = runner.invoke(app, ["db", "add-user", "nurse", "--db", url, "--password-stdin"],
                           input="short\n")
    assert result.exit_code == 1 and "at least 8" in result.output
    assert runner.invoke(app, ["db", "migrate", "--db", url]).exit_code == 0
    backup = tmp_path / "copy.sqlite"
    result = runner.invoke(app, ["db", "backup", str(backup), "--db", url])
    assert result.exit_code == 0 and backup.is_file()
    result = runner.invoke(app, ["db", "verify-audit", "--db", url])
    assert result.exit_code == 0 and "audit log intact: 1 entries" in result.output


def test_verify_audit_fails_after_tampering(tmp_path):
    path = tmp_path / "t.sqlite"
    url = f"sqlite:///{path}"
    assert runner.invoke(app, ["db", "init", "--db", url, "--admin", "boss",
                               "--password-stdin"], input="a-long-password\n").exit_code == 0
    con = sqlite3.connect(path)
    con.execute("DROP TRIGGER audit_log_no_update")
    con.execute("UPDATE audit_log SET actor = 'someone else'")
    con.commit()
    con.close()
    result = runner.invoke(app, ["db", "verify-audit", "--db", url])
    assert result.exit_code == 1 and "NOT intact" in result.output
