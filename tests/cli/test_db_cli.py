"""``painmech db`` and its exit codes."""

from __future__ import annotations

import sqlite3

import pytest
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


def test_create_study_with_owner_and_the_code_rule(tmp_path):
    url = f"sqlite:///{tmp_path / 'studies.sqlite'}"
    assert runner.invoke(app, ["db", "init", "--db", url, "--admin", "boss",
                               "--password-stdin"], input="a-long-password\n").exit_code == 0
    result = runner.invoke(app, ["db", "create-study", "lbp-2024", "--name", "LBP cohort",
                                 "--owner", "boss", "--db", url])
    assert result.exit_code == 0, result.output
    assert "study lbp-2024 created, owner boss" in result.output
    from painmech import storage

    database = storage.open_database(url, create=False)
    with database.write() as session:  # authenticate audits the login
        boss = storage.actor_for(storage.authenticate(session, "boss", "a-long-password"))
        mine = storage.list_studies(session, boss)
        assert mine[["code", "title", "role"]].values.tolist() == [
            ["lbp-2024", "LBP cohort", "owner"]]
        # a code in capitals: the rule is stated and the lower-case code suggested
        with pytest.raises(storage.NotFound, match="study codes are lower case — did you "
                           "mean 'lbp-2024'"):
            storage.get_study(session, "LBP-2024")
    database.dispose()
    result = runner.invoke(app, ["db", "create-study", "LBP-2025", "--name", "x", "--db", url])
    assert result.exit_code == 1
    assert "lower-case letters a–z, digits, '_' or '-'" in result.output
    assert "did you mean 'lbp-2025'?" in result.output
    # an unknown owner rolls the study back: nothing is half created
    result = runner.invoke(app, ["db", "create-study", "s2", "--name", "x", "--owner", "nobody",
                                 "--db", url])
    assert result.exit_code == 1 and "no user 'nobody'" in result.output
    result = runner.invoke(app, ["db", "create-study", "s2", "--name", "x", "--db", url])
    assert result.exit_code == 0 and "no owner yet" in result.output
    result = runner.invoke(app, ["db", "create-study", "s2", "--name", "x", "--db", url])
    assert result.exit_code == 1 and "exists already" in result.output
