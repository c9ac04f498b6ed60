"""The ``painmech`` command line (Typer + Rich).

Commands are thin: they parse arguments, call the public API and format the
result. Each command lives in its own module and registers itself on ``app``.
"""

from painmech.cli import (  # noqa: F401  (registers commands)
    _cohort,
    _db,
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

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``painmech`` console script."""
    app()
