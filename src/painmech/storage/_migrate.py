"""Schema migrations (Alembic, shipped inside the package) and backups."""

from __future__ import annotations

import sqlite3
from importlib.resources import files
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from painmech.storage._engine import Database
from painmech.storage._errors import SchemaOutdated

__all__ = ["migrate", "current_revision", "head_revision", "open_database", "backup"]


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
    """
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


def backup(db: Database, target: str | Path) -> Path:
    """Copy a SQLite database to ``target`` with SQLite's online backup API.

    The copy is consistent even while other processes write (the backup API
    restarts pages that changed). PostgreSQL databases are backed up with
    ``pg_dump``; this function refuses them with that hint.
    """
    if not db.is_sqlite:
        raise ValueError("backups of PostgreSQL databases are made with pg_dump "
                         "(e.g. `pg_dump -Fc -f painmech.dump DBNAME`)")
    target = Path(target)
    if target.exists():
        raise FileExistsError(f"{target}: exists already; choose a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(db.url.database)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
            ok = dest.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            dest.close()
    finally:
        source.close()
    if ok != "ok":
        raise RuntimeError(f"{target}: backup failed its integrity check ({ok})")
    return target


def table_counts(db: Database) -> dict[str, int]:
    """Number of rows in every painmech table (for checks and reports)."""
    out = {}
    with db.read() as session:
        for name in sa.inspect(db.engine).get_table_names():
            out[name] = session.execute(sa.text(f'SELECT COUNT(*) FROM "{name}"')).scalar()
    return out
