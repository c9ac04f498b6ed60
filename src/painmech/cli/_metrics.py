"""``painmech metrics``: observations → metrics table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer

from painmech.cli._app import app, console, err_console, frame_table
from painmech.exceptions import InputFormatError, ValidationError
from painmech.io import read_observations, read_subjects
from painmech.measures import compute_metrics

__all__ = ["fail", "write_table"]


def fail(err: Exception) -> typer.Exit:
    """Print an input error (with its problem table, if any) and return exit code 1."""
    if isinstance(err, ValidationError):
        err_console.print(frame_table(err.problems, title="Problems", max_rows=200))
        err_console.print(f"[red]{len(err.problems)} problem(s); nothing was written.[/red]")
    else:
        err_console.print(f"[red]error:[/red] {err}")
    return typer.Exit(1)


def write_table(table: pd.DataFrame, path: Path) -> None:
    """Write a result table as CSV, or Parquet when the name ends in .parquet."""
    if path.suffix.lower() in {".parquet", ".pq"}:
        table.to_parquet(path, index=False)
    else:
        table.to_csv(path, index=False)


@app.command()
def metrics(
    observations: Path = typer.Argument(..., help="Observations file (CSV, XLSX, Parquet)."),
    subjects: Path | None = typer.Option(
        None, "--subjects", "-s", help="Subjects file; adds the local/remote site role."),
    output: Path = typer.Option(..., "--output", "-o", help="Metrics file to write (.csv or "
                                ".parquet)."),
) -> None:
    """Compute QST, CPM, somatosensory and questionnaire metrics from observations.

    Exit code 1 with the problem table when an input file is invalid.
    """
    try:
        subj = read_subjects(subjects) if subjects is not None else None
        obs = read_observations(observations, subjects=subj)
        table = compute_metrics(obs, subj)
    except (ValidationError, InputFormatError, ValueError) as err:
        raise fail(err) from None
    write_table(table, output)
    console.print(f"[green]wrote[/green] {len(table)} metric rows of "
                  f"{table['subject'].nunique()} subjects to {output}")
    summary = (table.groupby(["metric", "unit"])["value"].agg(["count", "median"])
               .round(3).reset_index())
    console.print(frame_table(summary, title="Metrics", max_rows=100))
