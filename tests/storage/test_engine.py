"""Engine settings, schema creation and migrations on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
import threading

import pytest
import sqlalchemy as sa

from painmech import storage
from painmech.storage._migrate import _config


def test_schema_is_created_on_first_use(db):
    assert storage.current_revision(db) == storage.head_revision()
    counts = storage.table_counts(db)
    for table in ("studies", "subjects", "visits", "observations", "users", "memberships",
                  "api_tokens", "audit_log", "instrument_data", "imports", "jobs"):
        assert counts[table] == 0


def test_sqlite_file_and_folder_are_created(tmp_path):
    path = tmp_path / "new" / "folder" / "db.sqlite"
    db = storage.open_database(f"sqlite:///{path}")
    db.dispose()
    assert path.is_file()


def test_sqlite_pragmas(tmp_path):
    db = storage.open_database(f"sqlite:///{tmp_path / 'p.sqlite'}")
    with db.read() as s:
        assert s.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert s.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        timeout = s.execute(sa.text("PRAGMA busy_timeout")).scalar()
        assert timeout == storage._engine.BUSY_TIMEOUT_MS
    db.dispose()


def test_in_memory_sqlite_is_refused():
    with pytest.raises(ValueError, match="needs a SQLite file"):
        storage.Database("sqlite://")


def test_write_transactions_take_the_lock_at_once_reads_do_not(tmp_path):
    path = tmp_path / "lock.sqlite"
    db = storage.open_database(f"sqlite:///{path}")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    with db.read() as s:
        s.execute(sa.text("SELECT 1")).all()
        other.execute("BEGIN IMMEDIATE")  # a reader does not block a writer
        other.execute("ROLLBACK")
    with db.write() as s:
        s.execute(sa.text("SELECT 1")).all()  # no write yet, but BEGIN IMMEDIATE ran
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")
    other.close()
    db.dispose()


def test_concurrent_writers_queue_instead_of_failing(tmp_path):
    db = storage.open_database(f"sqlite:///{tmp_path / 'c.sqlite'}")
    errors = []

    def work(i):
        try:
            for j in range(10):
                with db.write() as s:
                    storage.record(s, storage.SYSTEM, "create", "probe", f"{i}-{j}")
        except Exception as err:  # pragma: no cover - shown on failure
            errors.append(err)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with db.read() as s:
        report = storage.verify_audit(s)
    assert report.ok and report.n_entries == 60
    db.dispose()


def test_outdated_schema_is_refused(db_url):
    db = storage.open_database(db_url)
    with db.write() as s:
        s.execute(sa.text("UPDATE alembic_version SET version_num = '0000old'"))
    db.dispose()
    with pytest.raises(storage.SchemaOutdated, match="painmech db migrate"):
        storage.open_database(db_url)


def test_downgrade_and_upgrade_round_trip(db):
    from alembic import command

    cfg = _config()
    with db._write_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert "observations" not in sa.inspect(db.engine).get_table_names()
    assert storage.migrate(db) == storage.head_revision()
    assert "observations" in sa.inspect(db.engine).get_table_names()


def test_backup_copies_a_consistent_database(tmp_path):
    db = storage.open_database(f"sqlite:///{tmp_path / 'b.sqlite'}")
    with db.write() as s:
        storage.create_study(s, storage.SYSTEM, "bk", "Backup test")
    target = storage.backup(db, tmp_path / "copy" / "b-copy.sqlite")
    copy = storage.open_database(f"sqlite:///{target}")
    assert storage.table_counts(copy) == storage.table_counts(db)
    with pytest.raises(FileExistsError, match="exists already"):
        storage.backup(db, target)
    copy.dispose()
    db.dispose()


@pytest.mark.postgres
def test_backup_of_postgres_points_to_pg_dump(db):
    if db.is_sqlite:
        pytest.skip("PostgreSQL only")
    with pytest.raises(ValueError, match="pg_dump"):
        storage.backup(db, "x.sqlite")
