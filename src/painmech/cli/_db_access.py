"""``painmech db`` commands that take access back: users, passwords, tokens, login locks.

They act as the command-line administrator (:data:`painmech.storage.SYSTEM`)
and are audited like every change.
"""

from __future__ import annotations

import typer

from painmech.cli._app import console, err_console, frame_table
from painmech.cli._db import _DB, _open, _password, db_app

_PANEL = "Users and access"
_REASON = typer.Option("", "--reason", help="Why (stored in the audit log).")


def _run(db: str | None, work, create: bool = False):
    """``work(session)`` in a write transaction; expected refusals end in one line."""
    from painmech import storage

    database = _open(db, create=create)
    try:
        with database.write() as session:
            return work(session)
    except (storage.NotFound, storage.PermissionDenied, ValueError) as err:
        err_console.print(f"[red]error:[/red] {err}")
        raise typer.Exit(1) from None
    finally:
        database.dispose()


@db_app.command("users", rich_help_panel=_PANEL)
def users(db: str | None = _DB) -> None:
    """List the users: administrator, active, may create studies, tokens, login lock."""
    from painmech import storage

    table = _run(db, lambda s: storage.list_users(s, storage.SYSTEM))
    console.print(frame_table(table, title="Users", max_rows=1000))


def _flags(db: str | None, name: str, reason: str, **flags) -> None:
    from painmech import storage

    def work(s):
        before = storage.list_tokens(s, storage.SYSTEM, name)
        storage.set_user_flags(s, storage.SYSTEM, name, reason=reason, **flags)
        return len(before)

    n_tokens = _run(db, work)
    if flags.get("is_active") is False:
        console.print(f"[green]user {name} disabled[/green]; {n_tokens} active token(s) "
                      "revoked")
    elif flags.get("is_active"):
        console.print(f"[green]user {name} enabled[/green] (old tokens stay revoked)")
    else:
        allowed = "may" if flags["may_create_studies"] else "may no longer"
        console.print(f"[green]user {name} {allowed} create studies[/green]")


@db_app.command("disable-user", rich_help_panel=_PANEL)
def disable_user(name: str = typer.Argument(..., help="User name."), db: str | None = _DB,
                 reason: str = _REASON) -> None:
    """Disable a user: no login, and every session and API token is revoked at once."""
    _flags(db, name, reason, is_active=False)


@db_app.command("enable-user", rich_help_panel=_PANEL)
def enable_user(name: str = typer.Argument(..., help="User name."), db: str | None = _DB,
                reason: str = _REASON) -> None:
    """Enable a disabled user again (they log in anew; revoked tokens stay revoked)."""
    _flags(db, name, reason, is_active=True)


@db_app.command("allow-studies", rich_help_panel=_PANEL)
def allow_studies(name: str = typer.Argument(..., help="User name."), db: str | None = _DB,
                  revoke: bool = typer.Option(False, "--revoke", help="Take the right away."),
                  reason: str = _REASON) -> None:
    """Let a user create studies (site administrators always may)."""
    _flags(db, name, reason, may_create_studies=not revoke)


@db_app.command("reset-password", rich_help_panel=_PANEL)
def reset_password(name: str = typer.Argument(..., help="User name."), db: str | None = _DB,
                   password_stdin: bool = typer.Option(False, help="Read the password from "
                                                       "stdin."),
                   reason: str = _REASON) -> None:
    """Set a new password; every token of the user is revoked and a login lock lifted."""
    from painmech import storage

    password = _password(password_stdin)
    n = _run(db, lambda s: storage.reset_password(s, storage.SYSTEM, name, password,
                                                  reason=reason))
    console.print(f"[green]password of {name} reset[/green]; {n} token(s) revoked")


@db_app.command("tokens", rich_help_panel=_PANEL)
def tokens(db: str | None = _DB,
           user: str | None = typer.Option(None, "--user", help="Only this user's tokens."),
           all_: bool = typer.Option(False, "--all", help="Also expired and revoked ones.")
           ) -> None:
    """List tokens (sessions and API tokens) with their expiry; never the secret."""
    from painmech import storage

    table = _run(db, lambda s: storage.list_tokens(s, storage.SYSTEM, user,
                                                   include_ended=all_))
    console.print(frame_table(table, title="Tokens", max_rows=1000))


@db_app.command("revoke-token", rich_help_panel=_PANEL)
def revoke_token(token_id: int = typer.Argument(..., help="Token id (see `db tokens`)."),
                 db: str | None = _DB, reason: str = _REASON) -> None:
    """Revoke one token and every token created with it."""
    from painmech import storage

    ids = _run(db, lambda s: storage.revoke_token_id(s, storage.SYSTEM, token_id,
                                                     reason=reason))
    console.print(f"[green]revoked[/green] {len(ids)} token(s): "
                  f"{', '.join(map(str, ids)) or 'none (already ended)'}")


@db_app.command("revoke-tokens", rich_help_panel=_PANEL)
def revoke_tokens(name: str = typer.Argument(..., help="User name."), db: str | None = _DB,
                  reason: str = _REASON) -> None:
    """Revoke every token of a user (all sessions and API tokens)."""
    from painmech import storage

    ids = _run(db, lambda s: storage.revoke_user_tokens(s, storage.SYSTEM, name,
                                                        reason=reason))
    console.print(f"[green]revoked[/green] {len(ids)} token(s) of {name}")


@db_app.command("logins", rich_help_panel=_PANEL)
def logins(db: str | None = _DB) -> None:
    """Failed-login windows and locks (per user name and per client address)."""
    from painmech import storage

    table = _run(db, lambda s: storage.login_locks(s, storage.SYSTEM))
    console.print(frame_table(table, title="Failed logins", max_rows=1000))


@db_app.command("unlock", rich_help_panel=_PANEL)
def unlock(name: str | None = typer.Argument(None, help="User name."), db: str | None = _DB,
           address: str | None = typer.Option(None, "--address",
                                              help="Client address to unlock.")) -> None:
    """Lift a login lock of a user name and/or a client address."""
    from painmech import storage

    n = _run(db, lambda s: storage.unlock_login(s, storage.SYSTEM, name, address))
    console.print(f"[green]unlocked[/green] ({n} lock record(s) removed)")
