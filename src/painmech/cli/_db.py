"""``painmech db``: create, migrate, back up and check the study database."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from painmech.cli._app import app, console, err_console, frame_table

db_app = typer.Typer(help="Create, migrate, back up and check the study database.",
                     no_args_is_help=True)
app.add_typer(db_app, name="db", rich_help_panel="Database and web app")

_DB = typer.Option(None, "--db", help="Database URL (default: $PAINMECH_DB_URL or a SQLite "
                   "file in ~/.local/share/painmech).")


def _audit_key(path: Path | None = None) -> bytes | None:
    """The audit key from ``path`` or the environment (None when none is set); exit 1 if bad."""
    from painmech import storage

    try:
        return storage.load_audit_key(path, required=False)
    except (ValueError, OSError) as err:
        err_console.print(f"[red]error:[/red] audit key: {err}")
        raise typer.Exit(1) from None


def _open(db: str | None, create: bool = True):
    """Open the database; new audit entries are sealed when an audit key is configured."""
    from painmech import storage

    key = _audit_key()
    return open_or_exit(lambda: storage.open_database(db, create=create, audit_key=key))


def open_or_exit(opener):
    """``opener()``, or exit 1 with the message when the schema does not match."""
    from painmech import storage

    try:
        return opener()
    except storage.SchemaOutdated as err:
        err_console.print(f"[red]error:[/red] {err}; back it up first with `painmech db "
                          "backup NEW_FILE`")
        raise typer.Exit(1) from None


def _password(stdin: bool) -> str:
    if stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@db_app.command("init")
def init(db: str | None = _DB,
         admin: str | None = typer.Option(None, help="Also create this administrator."),
         password_stdin: bool = typer.Option(False, help="Read the password from stdin.")
         ) -> None:
    """Create the database schema (and optionally a first administrator)."""
    from painmech import storage

    database = _open(db)
    console.print(f"[green]schema[/green] {storage.current_revision(database)} at "
                  f"{database.url.render_as_string(hide_password=True)}")
    if admin:
        _add_user(database, admin, _password(password_stdin), True)
    database.dispose()


def _add_user(database, name: str, password: str, is_admin: bool) -> None:
    from painmech import storage

    try:
        with database.write() as session:
            storage.create_user(session, storage.SYSTEM, name, password, is_admin=is_admin)
    except (ValueError, storage.Conflict) as err:
        err_console.print(f"[red]error:[/red] {err}")
        raise typer.Exit(1) from None
    console.print(f"[green]user[/green] {name} created" + (" (administrator)" if is_admin
                                                            else ""))


@db_app.command("add-user")
def add_user(name: str = typer.Argument(..., help="User name."), db: str | None = _DB,
             admin: bool = typer.Option(False, "--admin", help="Site administrator."),
             password_stdin: bool = typer.Option(False, help="Read the password from stdin.")
             ) -> None:
    """Create a user (the password is asked for, or read from stdin)."""
    database = _open(db)
    _add_user(database, name, _password(password_stdin), admin)
    database.dispose()


@db_app.command("create-study")
def create_study(code: str = typer.Argument(..., help="Study code used in web addresses: "
                                            "2–64 lower-case letters, digits, '_' or '-'."),
                 name: str = typer.Option(..., "--name", help="Study title."),
                 description: str = typer.Option("", help="Longer description."),
                 owner: str | None = typer.Option(None, help="Existing user who becomes the "
                                                  "study's owner."),
                 db: str | None = _DB) -> None:
    """Create a study (as the command-line administrator), optionally with its owner.

    Study codes are lower case (e.g. ``lbp-2024``): a code in capitals is
    refused with the lower-case code suggested, never folded silently.
    """
    from painmech import storage

    database = _open(db, create=False)
    try:
        with database.write() as session:  # study and owner together, or neither
            study = storage.create_study(session, storage.SYSTEM, code, name, description)
            if owner:
                storage.set_role(session, storage.SYSTEM, study, owner, "owner")
    except (ValueError, storage.Conflict, storage.NotFound) as err:
        err_console.print(f"[red]error:[/red] {err}")
        raise typer.Exit(1) from None
    finally:
        database.dispose()
    console.print(f"[green]study[/green] {code} created" + (
        f", owner {owner}" if owner else "; no owner yet (administrators manage its members "
        "in the web app)"))


@db_app.command("migrate")
def migrate(db: str | None = _DB) -> None:
    """Upgrade the database schema to this painmech's revision."""
    from painmech import storage

    storage.check_exists(db)  # a missing file is named, not created
    database = storage.Database(db)
    before = storage.current_revision(database)
    after = storage.migrate(database)
    console.print(f"[green]schema[/green] {before or 'empty'} → {after}")
    database.dispose()


@db_app.command("backup")
def backup(target: Path = typer.Argument(..., help="New SQLite file to write."),
           db: str | None = _DB) -> None:
    """Copy a SQLite database consistently (online backup API), even while in use."""
    from painmech import storage

    database = storage.Database(db)  # any schema revision: back up before migrating
    missing = database.is_sqlite and not Path(database.url.database or "").is_file()
    if missing or storage.current_revision(database) is None:
        database.dispose()
        err_console.print(f"[red]error:[/red] no painmech database at "
                          f"{database.url.render_as_string(hide_password=True)}")
        raise typer.Exit(1)
    try:
        path = storage.backup(database, target)
    except (ValueError, FileExistsError) as err:
        err_console.print(f"[red]error:[/red] {err}")
        raise typer.Exit(1) from None
    finally:
        database.dispose()
    console.print(f"[green]backup[/green] written to {path}")


@db_app.command("import")
def import_(observations: Path = typer.Argument(..., help="Observations file (CSV, XLSX, "
                                                "Parquet)."),
            study: str = typer.Option(..., "--study", help="Code of the study to import into."),
            subjects: Path | None = typer.Option(None, "--subjects", "-s",
                                                 help="Subjects file (new subjects)."),
            db: str | None = _DB) -> None:
    """Import files into a study, all or nothing (as the command-line administrator).

    Exit code 0 with the counts when stored; 1 with the problem table (file,
    row, column, value, reason) when anything is wrong -- then nothing is stored.
    """
    from painmech import storage

    database = _open(db, create=False)
    try:
        with database.write() as session:
            result = storage.import_files(session, storage.SYSTEM,
                                          storage.get_study(session, study), observations,
                                          subjects)
    except storage.NotFound as err:
        err_console.print(f"[red]error:[/red] {err}")
        raise typer.Exit(1) from None
    finally:
        database.dispose()
    if not result.ok:
        err_console.print(frame_table(result.problems, title="Problems", max_rows=200))
        err_console.print(f"[red]{len(result.problems)} problem(s); nothing was stored.[/red]")
        raise typer.Exit(1)
    console.print(f"[green]import {result.import_id}[/green]: {result.n_subjects} subject(s), "
                  f"{result.n_visits} visit(s), {result.n_observations} observation(s)")


@db_app.command("audit-key")
def audit_key(path: Path = typer.Argument(..., help="New key file (never inside the "
                                          "database or its backups).")) -> None:
    """Create a random 256-bit audit key (hex, mode 0600) that seals audit entries.

    Point ``$PAINMECH_AUDIT_KEY_FILE`` at it for the web app and the ``db``
    commands; from then on every new audit entry carries an HMAC seal.
    """
    from painmech import storage

    try:
        storage.generate_audit_key(path)
    except FileExistsError as err:
        err_console.print(f"[red]error:[/red] {err}")
        raise typer.Exit(1) from None
    key_id = storage.audit_key_id(storage.load_audit_key(path))
    console.print(f"[green]audit key[/green] {key_id} written to {path} (mode 0600); set "
                  f"PAINMECH_AUDIT_KEY_FILE={path}")


@db_app.command("verify-audit")
def verify_audit(db: str | None = _DB,
                 expect_head: str | None = typer.Option(
                     None, help="Head hash recorded earlier (detects removed last entries)."),
                 key_file: Path | None = typer.Option(
                     None, "--key-file", help="Audit key; checks the seals (default: "
                     "$PAINMECH_AUDIT_KEY or $PAINMECH_AUDIT_KEY_FILE when set).")
                 ) -> None:
    """Recompute the audit log's hash chain and seals; exit code 1 when it was tampered with."""
    from painmech import storage

    key = _audit_key(key_file)
    database = open_or_exit(lambda: storage.open_database(db, create=False))
    with database.read() as session:
        report = storage.verify_audit(session, expect_head=expect_head, key=key)
    database.dispose()
    seals = f"{report.n_sealed} of {report.n_entries} entries sealed" + (
        f" (from entry {report.first_sealed_id} on)" if report.n_sealed else "")
    if not report.ok:
        err_console.print(frame_table(report.problems, title="Audit log problems"))
        err_console.print(f"[red]audit log NOT intact[/red]: {len(report.problems)} "
                          f"problem(s) in {report.n_entries} entries; {seals}")
        raise typer.Exit(1)
    console.print(f"[green]audit log intact[/green]: {report.n_entries} entries, "
                  f"head {report.head}")
    if report.seals_checked:
        console.print(f"[green]seals checked[/green] with key {storage.audit_key_id(key)}: "
                      f"{seals}")
        return
    console.print(f"seals NOT checked (no audit key): {seals}")
    if report.n_unsealed_late:
        err_console.print(f"[yellow]warning:[/yellow] {report.n_unsealed_late} unsealed "
                          "entries after the first sealed one; check with --key-file")
