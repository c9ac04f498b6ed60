"""The ``painmech`` command line (Typer + Rich).

Commands are thin: they parse arguments, call the public API and format the
result. Each command lives in its own module and registers itself on ``app``.
"""

from painmech.cli import (  # noqa: F401  (registers commands)
    _cohort,
    _db,
    _db_access,
    _demo,
    _interop,
    _metrics,
    _profile,
    _recovery,
    _report,
    _serve,
    _simulate,
    _validate,
    _zscore,
)
from painmech.cli._app import app
from painmech.cli._db_errors import wrap_commands

# database failures end in one line, not a traceback (after every command is registered)
wrap_commands(_db.db_app)
wrap_commands(app, ("serve", "demo"))

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``painmech`` console script."""
    app()
