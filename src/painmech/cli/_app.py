"""The Typer application object and shared console helpers of the CLI."""

from __future__ import annotations

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from painmech import __version__

app = typer.Typer(
    name="painmech",
    help="Measure, score, profile and simulate the neurobiological mechanisms of back pain.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class _ConsoleProxy:
    """A Rich console made afresh at each use.

    The terminal width (``COLUMNS``) and the output streams are read when a
    command prints, not when the module is imported, so tests and pipes see
    what the user would.
    """

    def __init__(self, stderr: bool) -> None:
        self._stderr = stderr

    def __getattr__(self, name: str):
        return getattr(Console(stderr=self._stderr), name)


console = _ConsoleProxy(stderr=False)
err_console = _ConsoleProxy(stderr=True)


def _version(value: bool) -> None:
    if value:
        console.print(f"painmech {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Command-line interface of painmech."""


def frame_table(frame: pd.DataFrame, title: str | None = None, max_rows: int = 50) -> Table:
    """Render a DataFrame as a Rich table (at most ``max_rows`` rows)."""
    table = Table(title=title, show_lines=False)
    for col in frame.columns:
        table.add_column(str(col), overflow="fold")
    for rec in frame.head(max_rows).itertuples(index=False):
        table.add_row(*["" if pd.isna(v) else str(v) for v in rec])
    if len(frame) > max_rows:
        table.caption = f"{len(frame) - max_rows} more rows not shown"
    return table
