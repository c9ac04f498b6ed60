"""A ready-to-open demo database (used by ``painmech demo``)."""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from painmech.exceptions import ValidationError
from painmech.storage._audit import SYSTEM
from painmech.storage._auth import actor_for, create_user
from painmech.storage._imports import import_frames
from painmech.storage._instrument import import_instrument
from painmech.storage._migrate import open_database
from painmech.storage._studies import create_study

__all__ = ["DemoLogin", "build_demo_database", "foreign_content", "remove_sqlite_files"]

#: The files of one SQLite database: the database and its journals.
_SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")


@dataclass(frozen=True)
class DemoLogin:
    """How to open the demo.

    Attributes
    ----------
    db_url : str
    username, password : str
        The demo login (owner of the demo study and site administrator).
    study : str
        Code of the demo study.
    n_subjects, n_observations : int
    """

    db_url: str
    username: str
    password: str
    study: str
    n_subjects: int
    n_observations: int


def build_demo_database(db_url: str, subjects: pd.DataFrame, observations: pd.DataFrame, *,
                        instrument: Mapping[str, pd.DataFrame] | None = None,
                        study: str = "demo", title: str = "Demo study (virtual patients)",
                        username: str = "demo", password: str | None = None) -> DemoLogin:
    """Create a demo study with a demo login in a (new) database.

    Parameters
    ----------
    db_url : str
        Database URL, e.g. ``sqlite:///painmech-demo/painmech.sqlite``; the
        schema is created when the database is empty.
    subjects, observations : pandas.DataFrame
        Contract tables (design.md §3), e.g. from the simulator.
    instrument : mapping of kind to DataFrame, optional
        Instrument tables (``tms_grid``, ``tdcs_series``, ``roi_timeseries``).
    study, title : str
        Code and title of the demo study.
    username : str
        Demo user (created as administrator and study owner).
    password : str, optional
        Demo password; a random one is generated when omitted.

    Returns
    -------
    DemoLogin

    Raises
    ------
    ValidationError
        When the tables break a validation rule (nothing is stored).
    Conflict
        When the user or study exists already (use a new database file).
    """
    password = password or secrets.token_urlsafe(9)
    db = open_database(db_url)
    try:
        with db.write() as session:
            user = create_user(session, SYSTEM, username, password, is_admin=True)
            actor = actor_for(user)
            row = create_study(session, actor, study, title,
                               "Virtual patients from painmech.simulation; not real people.")
            result = import_frames(session, actor, row, observations, subjects,
                                   source="painmech demo", files=("<demo observations>",
                                                                  "<demo subjects>"))
            if not result.ok:
                raise ValidationError(result.problems)
            for kind, frame in (instrument or {}).items():
                extra = import_instrument(session, actor, row, kind, frame,
                                          source=f"painmech demo {kind}")
                if not extra.ok:
                    raise ValidationError(extra.problems)
    finally:
        db.dispose()
    return DemoLogin(str(db_url), username, password, study, result.n_subjects,
                     result.n_observations)


def foreign_content(path: str | Path, study: str = "demo", username: str = "demo") -> str | None:
    """What a SQLite file holds besides a demo study and demo user; ``None`` when nothing.

    The file is opened read-only. A file that is no painmech database (another
    SQLite database, or no database at all) counts as foreign content; a
    missing or empty file holds nothing.

    Returns
    -------
    str or None
        A description such as ``"2 other studies (lbp1, pilot) and 3 other
        users"``, or ``None`` when replacing the file loses nothing but the demo.
    """
    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        return None
    extra = [Path(f"{path}{suffix}") for suffix in ("-wal", "-shm")]
    made = [p for p in extra if not p.exists()]
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as err:
        return f"a file painmech cannot read as a database ({err})"
    try:
        return _describe(conn, study, username)
    finally:
        conn.close()
        # a read-only reader of a WAL database leaves an empty -wal and a -shm behind;
        # remove what this reader made (unless a writer has used the -wal meanwhile)
        wal = extra[0]
        if not (wal in made and wal.exists() and wal.stat().st_size > 0):
            for p in made:
                p.unlink(missing_ok=True)


def _describe(conn: sqlite3.Connection, study: str, username: str) -> str | None:
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not {"studies", "users"} <= tables:
            return f"a database that painmech did not make ({len(tables)} tables)"
        studies = [r[0] for r in conn.execute(
            "SELECT code FROM studies WHERE code <> ? ORDER BY code", (study,))]
        n_users = conn.execute("SELECT COUNT(*) FROM users WHERE username <> ?",
                               (username,)).fetchone()[0]
    except sqlite3.Error as err:
        return f"a file painmech cannot read as a database ({err})"
    parts = []
    if studies:
        shown = ", ".join(studies[:5]) + (", …" if len(studies) > 5 else "")
        parts.append(f"{len(studies)} other stud{'y' if len(studies) == 1 else 'ies'} "
                     f"({shown})")
    if n_users:
        parts.append(f"{n_users} other user{'' if n_users == 1 else 's'}")
    return " and ".join(parts) or None


def remove_sqlite_files(path: str | Path) -> list[Path]:
    """Delete a SQLite database with its ``-wal``, ``-shm`` and ``-journal`` files.

    Returns the files that were removed. A ``-wal`` file left behind would be
    replayed into a new database of the same name.
    """
    removed = []
    for suffix in _SQLITE_SUFFIXES:
        part = Path(f"{path}{suffix}")
        if part.exists():
            part.unlink()
            removed.append(part)
    return removed
