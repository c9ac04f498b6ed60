"""``painmech validate``: check files and list every problem."""

from __future__ import annotations

from pathlib import Path

import typer

from painmech.cli._app import app, console, err_console, frame_table
from painmech.exceptions import InputFormatError
from painmech.io import check_files


@app.command(rich_help_panel="Data")
def validate(
    observations: Path = typer.Argument(..., help="Observations file (CSV, XLSX, Parquet)."),
    subjects: Path | None = typer.Option(None, "--subjects", "-s", help="Subjects file."),
    sep: str | None = typer.Option(None, help="CSV separator (detected if omitted)."),
    decimal: str | None = typer.Option(None, help="Decimal mark '.' or ',' (detected)."),
    encoding: str | None = typer.Option(None, help="Text encoding (detected)."),
    problems_out: Path | None = typer.Option(
        None, "--problems", "-p", help="Also write the problem table to this CSV file."),
) -> None:
    """Validate an observations file (and its subjects file).

    Exit code 0 with a summary when valid; 1 with the problem table when not.
    """
    try:
        result = check_files(observations, subjects, sep=sep, decimal=decimal, encoding=encoding)
    except (InputFormatError, ValueError) as err:
        err_console.print(f"[red]error:[/red] {err}")
        raise typer.Exit(1) from None
    if not result.ok:
        if problems_out is not None:
            result.problems.to_csv(problems_out, index=False)
        err_console.print(frame_table(result.problems, title="Problems", max_rows=200))
        err_console.print(f"[red]{len(result.problems)} problem(s); nothing was accepted.[/red]")
        raise typer.Exit(1)
    obs = result.observations
    console.print(
        f"[green]valid:[/green] {len(obs)} observations, {obs['subject'].nunique()} subjects, "
        f"{obs['visit'].nunique()} visit(s), {obs['measure'].nunique()} measures"
    )
    if not result.flags.empty:
        console.print(frame_table(result.flags, title="Flagged (kept) values", max_rows=50))
    summary = (obs.groupby(["measure", "unit"], observed=True)["value"]
               .agg(["count", "min", "median", "max"]).reset_index().round(3))
    console.print(frame_table(summary, title="Measures"))
