"""Jobs in the database (issue 21, points 3, 4 and 8): reads re-check the study
permission, jobs of dead processes are failed, late results are dropped, a per-user
cap; and migration 0003 on a database of revision 0002.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from painmech import storage


def _job(db, actor, study="s1", **kw):
    with db.write() as s:
        study_id = storage.get_study(s, study).id if study else None
        return storage.create_job(s, actor, "cohort", {"study": study}, study_id=study_id,
                                  runner="host:1:abc", **kw)


def test_a_removed_member_no_longer_reads_the_job_they_started(db, people):
    job_id = _job(db, people["viewer"])
    with db.read() as s:
        assert storage.read_job(s, people["viewer"], job_id)["status"] == "queued"
    with db.write() as s:
        storage.set_role(s, people["owner"], storage.get_study(s, "s1"), "viewer", None)
    with db.read() as s:
        with pytest.raises(storage.NotFound, match="no job"):
            storage.read_job(s, people["viewer"], job_id)
        # another user, and an unknown id, get the same answer
        with pytest.raises(storage.NotFound, match="no job"):
            storage.read_job(s, people["editor"], job_id)
        with pytest.raises(storage.NotFound, match="no job"):
            storage.read_job(s, people["editor"], "0" * 32)


def test_jobs_of_a_dead_runner_are_failed_and_its_late_result_is_dropped(db, people):
    old = datetime.now(UTC) - timedelta(minutes=10)
    stale = _job(db, people["editor"], now=old)
    fresh = _job(db, people["editor"])
    with db.write() as s:
        assert storage.start_job(s, stale, "host:1:abc", now=old)
        assert storage.fail_stale_jobs(s, timedelta(seconds=90)) == 1
    with db.read() as s:
        failed = storage.job_state(s, stale)
        assert storage.job_state(s, fresh)["status"] == "queued"
    assert failed["status"] == "failed" and "interrupted" in failed["error"]
    with db.write() as s:  # the orphaned worker reports late: nothing changes
        assert not storage.finish_job(s, stale, "done", result={"x": 1}, runner="host:1:abc")
        assert storage.heartbeat_jobs(s, "host:1:abc") == 1  # only the live one
    with db.read() as s:
        assert storage.job_state(s, stale)["result"] is None


def test_a_user_has_at_most_four_active_jobs(db, people):
    for _ in range(4):
        _job(db, people["viewer"])
    with pytest.raises(storage.TooManyRequests, match="4 jobs queued or running"):
        _job(db, people["viewer"])
    _job(db, people["editor"])  # others are not affected
    with db.write() as s:
        first = s.execute(sa.text("SELECT id FROM jobs WHERE user_id = :u ORDER BY id"),
                          {"u": people["viewer"].user_id}).scalars().first()
        assert storage.finish_job(s, first, "done")
    _job(db, people["viewer"])  # one ended: one more may be queued


def test_migration_0003_upgrades_a_database_of_revision_0002(db_url):
    db = storage.Database(db_url)
    try:
        assert storage.migrate(db, "0002") == "0002"
        with db.write() as s:
            s.execute(sa.text(
                "INSERT INTO users (username, password_hash, is_admin, is_active, lang, "
                "created_at) VALUES ('old', 'x', false, true, 'en', :t)"),
                {"t": datetime.now(UTC)})
            s.execute(sa.text(
                "INSERT INTO api_tokens (user_id, kind, name, token_hash, created_at) "
                "VALUES (1, 'api', 'forever', 'h', :t)"), {"t": datetime.now(UTC)})
            s.execute(sa.text(
                "INSERT INTO jobs (id, kind, status, params_json, error, created_at) "
                "VALUES ('j1', 'simulate', 'running', '{}', '', :t)"),
                {"t": datetime.now(UTC) - timedelta(hours=1)})
        assert storage.migrate(db) == storage.head_revision() == "0003"
        with db.write() as s:
            user = s.execute(sa.text("SELECT may_create_studies FROM users")).scalar()
            parent, expires = s.execute(sa.text("SELECT parent_id, expires_at FROM api_tokens")
                                        ).one()
            salt = s.execute(sa.text("SELECT value FROM settings WHERE name = "
                                     "'throttle_salt'")).scalar()
            # a job left running by an older server is failed by the first sweep
            assert storage.fail_stale_jobs(s, timedelta(seconds=90)) == 1
        assert not user and parent is None and len(bytes.fromhex(salt)) == 32
        # the token that never expired now does, 90 days after the upgrade
        with db.read() as s:
            assert storage.list_tokens(s, storage.SYSTEM)["expires_at"].notna().all()
        assert expires is not None
    finally:
        db.dispose()
