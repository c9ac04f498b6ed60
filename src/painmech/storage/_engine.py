"""Engines and transactions: SQLite by default, PostgreSQL by URL.

SQLite is opened in WAL mode with foreign keys on and a busy timeout; every
write transaction starts with ``BEGIN IMMEDIATE`` so that two writers queue on
the database lock instead of failing when a read lock would have to be upgraded
(the classic "database is locked" error). Read transactions start deferred,
so readers never wait for writers. A new SQLite file is created with mode
0600 (owner only; SQLite gives its ``-wal`` and ``-shm`` files the same mode).

Engines are created with ``hide_parameters=True``: an error message or log line
never carries the values bound to a statement (pseudonyms, measures, values).
:func:`database_error_message` turns a database error into one plain line
without the statement.
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

__all__ = ["Database", "default_db_url", "BUSY_TIMEOUT_MS", "AUDIT_KEY_INFO",
           "database_error_message", "create_private_file"]

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


def create_private_file(path: str | Path) -> bool:
    """Create an empty file readable and writable by its owner only (mode 0600).

    Returns False when the file exists already (it is left as it is).
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    os.close(fd)
    return True


#: SQLite and PostgreSQL error texts -> what a user should read (first match wins).
_DB_ERRORS = (
    (("database or disk is full", "no space left", "file too large"),
     "the disk holding the database is full (or a file size limit was reached); nothing "
     "was stored"),
    (("disk i/o error",),
     "the database could not be written or read (disk I/O error: a full disk, a file size "
     "limit or a failing disk); nothing was stored"),
    (("readonly database", "read-only file system", "read-only transaction"),
     "the database is read-only (file or folder permissions, or a read-only disk); nothing "
     "was stored"),
    (("unable to open database file",),
     "cannot open the database file (its folder is missing, or the file or its -wal/-shm "
     "files cannot be read or created there)"),
    (("database is locked",),
     f"the database stayed locked by another writer for {BUSY_TIMEOUT_MS // 1000} s; nothing "
     "was stored, try again"),
    (("file is not a database", "malformed"),
     "the file is not a readable SQLite database (damaged, or another kind of file)"),
    (("could not connect", "connection refused", "server closed the connection",
      "could not translate host name"),
     "cannot reach the database server"),
)


def database_error_message(err: BaseException) -> str:
    """One line describing a database error, without the SQL statement or its values.

    Parameters
    ----------
    err : BaseException
        Usually a :class:`sqlalchemy.exc.DBAPIError` (its ``orig`` is the
        driver's error).
    """
    orig = getattr(err, "orig", None) or err
    text = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    low = text.lower()
    for needles, message in _DB_ERRORS:
        if any(n in low for n in needles):
            return message
    # the first line of a driver message names the problem; PostgreSQL puts the
    # values (DETAIL) on later lines, which are dropped
    return f"database error ({type(orig).__name__}): {text[:200]}"


def _sqlite_hooks(engine: Engine, path: Path) -> None:
    @event.listens_for(engine, "do_connect")
    def _private_file(_dialect, _record, _cargs, _cparams):  # noqa: ANN001
        # before SQLite opens (and would create) the file: create it 0600
        if not path.exists():
            create_private_file(path)

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
            path = Path(db_path).expanduser()
            path.parent.mkdir(parents=True, exist_ok=True)
            self.engine = sa.create_engine(self.url, hide_parameters=True,
                                           connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
            _sqlite_hooks(self.engine, path)
        else:
            self.engine = sa.create_engine(self.url, pool_pre_ping=True, hide_parameters=True)
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
