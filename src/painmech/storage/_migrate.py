"""Schema migrations (Alembic, shipped inside the package) and backups."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from importlib.resources import files
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from painmech.storage._engine import Database
from painmech.storage._errors import DatabaseMissing, SchemaOutdated

__all__ = ["migrate", "current_revision", "head_revision", "open_database", "backup",
           "sqlite_path", "check_exists", "check_writable"]


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(files("painmech.storage") / "migrations"))
    return cfg


def head_revision() -> str:
    """The newest schema revision this painmech knows."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(db: Database) -> str | None:
    """The schema revision of the database (``None`` when it is empty)."""
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(db: Database, revision: str = "head") -> str:
    """Upgrade the schema to ``revision`` (default: the newest); returns it.

    Runs in one transaction on both engines (SQLite and PostgreSQL have
    transactional DDL), so a failed migration leaves the old schema.
    """
    cfg = _config()
    with db._write_engine.begin() as conn:  # noqa: SLF001 - our own engine
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    return current_revision(db)


def open_database(url: str | None = None, *, create: bool = True,
                  audit_key: bytes | None = None) -> Database:
    """Open a painmech database, creating its schema on first use.

    Parameters
    ----------
    url : str, optional
        SQLAlchemy URL; see :class:`~painmech.storage.Database`.
    create : bool
        Create the schema when the database is empty.
    audit_key : bytes, optional
        Seal new audit entries with this key (see
        :func:`~painmech.storage.load_audit_key`); the key is never stored.

    Raises
    ------
    SchemaOutdated
        When the schema is older than this painmech (run ``painmech db migrate``)
        or newer (update painmech).
    DatabaseMissing
        When ``create`` is False and the SQLite file does not exist (it is not
        created).
    """
    if not create:
        check_exists(url)
    db = Database(url, audit_key=audit_key)
    current, head = current_revision(db), head_revision()
    if current is None and create:
        migrate(db)
    elif current != head:
        db.dispose()
        raise SchemaOutdated(
            f"database schema revision {current or 'none'} differs from painmech's {head}; "
            "run `painmech db migrate` (or update painmech if the database is newer)")
    return db


def check_writable(db: Database) -> None:
    """Commit one write that changes nothing, so that a read-only database fails now.

    A server started on a read-only file (permissions, a read-only disk) would
    otherwise run and answer every login and change with an error.

    Raises
    ------
    sqlalchemy.exc.OperationalError
        ``attempt to write a readonly database`` and the like.
    """
    from painmech.storage._models import Setting

    with db.write() as session:
        session.execute(sa.update(Setting).where(Setting.name == "throttle_salt")
                        .values(value=Setting.value))


def sqlite_path(url: str | None) -> Path | None:
    """The file of a SQLite URL (``None`` for other databases)."""
    from painmech.storage._engine import default_db_url

    parsed = make_url(url or default_db_url())
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return Path(parsed.database).expanduser()


def check_exists(url: str | None) -> None:
    """Raise :class:`DatabaseMissing` when ``url`` names a SQLite file that does not exist."""
    path = sqlite_path(url)
    if path is not None and str(path) != ":memory:" and not path.is_file():
        raise DatabaseMissing(f"no painmech database at {path} (create one with "
                              "`painmech db init`)")


def backup(db: Database, target: str | Path) -> Path:
    """Copy a SQLite database to ``target`` with SQLite's online backup API.

    The copy is consistent even while other processes write (the backup API
    restarts pages that changed). It is written to a temporary file (mode
    0600) in the target's folder, checked (``PRAGMA integrity_check``), flushed
    to disk and only then renamed to ``target``: a failure (a full disk, a
    crash) leaves no file at ``target`` and removes the temporary one, so that
    a partial copy can never pass for a backup. PostgreSQL databases are
    backed up with ``pg_dump``; this function refuses them with that hint.

    Raises
    ------
    FileExistsError
        When ``target`` exists.
    sqlite3.OperationalError
        When the copy could not be written (e.g. ``database or disk is full``).
    """
    if not db.is_sqlite:
        raise ValueError("backups of PostgreSQL databases are made with pg_dump "
                         "(e.g. `pg_dump -Fc -f painmech.dump DBNAME`)")
    target = Path(target)
    if target.exists():
        raise FileExistsError(f"{target}: exists already; choose a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial",
                                    dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        _copy(db.url.database, tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        try:
            os.link(tmp, target)  # fails instead of overwriting a file made meanwhile
        except FileExistsError:
            raise FileExistsError(f"{target}: exists already; choose a new file name") from None
        except OSError:  # a file system without hard links
            tmp.rename(target)
    finally:
        tmp.unlink(missing_ok=True)
        for extra in ("-journal", "-wal", "-shm"):
            Path(f"{tmp}{extra}").unlink(missing_ok=True)
    return target


def _copy(source_path: str, dest_path: Path) -> None:
    """SQLite online backup of ``source_path`` into ``dest_path``, then an integrity check."""
    source = sqlite3.connect(source_path)
    try:
        dest = sqlite3.connect(dest_path)
        try:
            source.backup(dest)
            ok = dest.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            dest.close()
    finally:
        with contextlib.suppress(sqlite3.Error):
            source.close()
    if ok != "ok":
        raise RuntimeError(f"{dest_path}: backup failed its integrity check ({ok})")


def table_counts(db: Database) -> dict[str, int]:
    """Number of rows in every painmech table (for checks and reports)."""
    out = {}
    with db.read() as session:
        for name in sa.inspect(db.engine).get_table_names():
            out[name] = session.execute(sa.text(f'SELECT COUNT(*) FROM "{name}"')).scalar()
    return out
