"""Database failures on the command line: one clear line and exit code 1, never a traceback.

:func:`wrap_commands` wraps the ``db`` commands, ``serve`` and ``demo``: a
missing database, a read-only or full disk, a locked or damaged file end in
``error: <database>: <what happened>`` on stderr. The SQL statement and its
values are never printed (the engines hide bound parameters too).
"""

from __future__ import annotations

import functools
import sqlite3

import typer
from sqlalchemy.exc import SQLAlchemyError

from painmech.cli._app import err_console

__all__ = ["wrap_commands", "database_errors"]


def _where(kwargs: dict) -> str:
    from sqlalchemy.engine import make_url

    from painmech.storage import default_db_url

    url = kwargs.get("db") or default_db_url()
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is named by the error itself
        return str(url)


def database_errors(func):
    """Decorate a command: database errors become one line on stderr and exit code 1."""
    from painmech import storage

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except storage.DatabaseMissing as err:
            message = str(err)
        except (SQLAlchemyError, sqlite3.Error) as err:
            message = f"{_where(kwargs)}: {storage.database_error_message(err)}"
        except PermissionError as err:
            message = f"{err.filename or _where(kwargs)}: permission denied ({err.strerror})"
        err_console.print(f"[red]error:[/red] {message}", soft_wrap=True)
        raise typer.Exit(1)

    return wrapper


def wrap_commands(typer_app: typer.Typer, names: tuple[str, ...] | None = None) -> None:
    """Wrap the commands of ``typer_app`` (all, or those in ``names``) with
    :func:`database_errors`; call once, after the commands are registered.
    """
    for info in typer_app.registered_commands:
        name = info.name or (info.callback.__name__ if info.callback else None)
        if info.callback is not None and (names is None or name in names) and \
                not getattr(info.callback, "_painmech_db_errors", False):
            info.callback = database_errors(info.callback)
            info.callback._painmech_db_errors = True
