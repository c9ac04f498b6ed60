"""Engines and transactions: SQLite by default, PostgreSQL by URL.

SQLite is opened in WAL mode with foreign keys on and a busy timeout; every
write transaction starts with ``BEGIN IMMEDIATE`` so that two writers queue on
the database lock instead of failing when a read lock would have to be upgraded
(the classic "database is locked" error). Read transactions start deferred,
so readers never wait for writers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from painmech.storage._keys import MIN_KEY_BYTES

__all__ = ["Database", "default_db_url", "BUSY_TIMEOUT_MS", "AUDIT_KEY_INFO"]

#: How long a SQLite writer waits for the lock before giving up, in milliseconds.
#: Long enough that a user never sees a lock error under normal clinic load.
BUSY_TIMEOUT_MS = 60_000

_WRITE = "painmech_write"
#: Name under which a session's ``info`` carries the audit key (or None).
AUDIT_KEY_INFO = "painmech_audit_key"


def default_db_url() -> str:
    """The database URL used when none is given.

    ``$PAINMECH_DB_URL`` when set; otherwise a SQLite file
    ``painmech.sqlite`` in ``$XDG_DATA_HOME/painmech`` (``~/.local/share``).
    """
    env = os.environ.get("PAINMECH_DB_URL")
    if env:
        return env
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return f"sqlite:///{base / 'painmech' / 'painmech.sqlite'}"


def _sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # noqa: ANN001
        # let SQLAlchemy, not the sqlite3 module, decide when a transaction begins
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # noqa: ANN001
        mode = "IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """A painmech study database.

    Parameters
    ----------
    url : str, optional
        SQLAlchemy URL (``sqlite:///path.sqlite`` or
        ``postgresql+psycopg2://user@host/db``). Defaults to
        :func:`default_db_url`. A SQLite file and its folder are created on
        first use.
    audit_key : bytes, optional
        Key that seals every audit entry written through this database's
        sessions (see :mod:`painmech.storage._audit`); it is kept in memory
        only. Load it with :func:`~painmech.storage.load_audit_key`.

    Examples
    --------
    >>> db = Database("sqlite:///study.sqlite")           # doctest: +SKIP
    >>> with db.write() as session:                       # doctest: +SKIP
    ...     ...
    """

    def __init__(self, url: str | URL | None = None, *, audit_key: bytes | None = None) -> None:
        self.url: URL = make_url(url or default_db_url())
        if audit_key is not None and len(audit_key) < MIN_KEY_BYTES:
            raise ValueError(f"the audit key must have at least {MIN_KEY_BYTES * 8} bits")
        self.audit_key = audit_key
        if self.is_sqlite:
            db_path = self.url.database
            if not db_path or db_path == ":memory:":
                raise ValueError(
                    "painmech needs a SQLite file (an in-memory database cannot be shared "
                    f"between connections); got {self.url.render_as_string()!r}")
            Path(db_path).expanduser().parent.mkdir(parents=True, exist_ok=True)
            self.engine = sa.create_engine(self.url, connect_args={"timeout":
                                                                   BUSY_TIMEOUT_MS / 1000})
            _sqlite_hooks(self.engine)
        else:
            self.engine = sa.create_engine(self.url, pool_pre_ping=True)
        self._write_engine = self.engine.execution_options(**{_WRITE: True})
        info = {AUDIT_KEY_INFO: audit_key}
        self._read = sessionmaker(self.engine, expire_on_commit=False, info=info)
        self._write = sessionmaker(self._write_engine, expire_on_commit=False, info=info)

    @property
    def is_sqlite(self) -> bool:
        """True for a SQLite database."""
        return self.url.get_backend_name() == "sqlite"

    @property
    def is_postgres(self) -> bool:
        """True for a PostgreSQL database."""
        return self.url.get_backend_name() == "postgresql"

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; closed (and its transaction rolled back) at the end.

        Objects loaded in it stay readable afterwards (detached, not expired).
        """
        session = self._read()
        try:
            yield session
        finally:
            session.close()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose work is committed as one transaction, or not at all.

        SQLite transactions begin immediately (the write lock is taken at once);
        on PostgreSQL the audit log serialises writers with an advisory lock.
        """
        session = self._write()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Database({self.url.render_as_string(hide_password=True)!r})"
