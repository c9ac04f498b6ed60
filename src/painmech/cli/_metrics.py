"""``painmech metrics``: observations → metrics table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer

from painmech.cli._app import app, console, err_console, frame_table
from painmech.cli._instruments import InstrumentInputs
from painmech.exceptions import InputFormatError, ValidationError
from painmech.io import read_observations, read_subjects
from painmech.measures import compute_metrics
from painmech.registry import site_role

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


@app.command(rich_help_panel="Analysis")
def metrics(
    observations: Path | None = typer.Argument(
        None, help="Observations file (CSV, XLSX, Parquet); optional with instrument inputs."),
    subjects: Path | None = typer.Option(
        None, "--subjects", "-s", help="Subjects file; adds the local/remote site role."),
    output: Path = typer.Option(..., "--output", "-o", help="Metrics file to write (.csv or "
                                ".parquet)."),
    tms: Path | None = typer.Option(None, "--tms", help="TMS grid table (motor maps)."),
    tdcs: Path | None = typer.Option(None, "--tdcs", help="tDCS MEP series table."),
    roi: list[Path] = typer.Option(
        [], "--roi", help="ROI time series: a long table or one file per scan (repeatable)."),
    roi_map: Path | None = typer.Option(
        None, "--roi-map", help="CSV with columns label, roi renaming ROI labels."),
    fc_kind: str = typer.Option("correlation", "--fc-kind",
                                help="'correlation' or 'partial correlation'."),
    freesurfer: list[Path] = typer.Option(
        [], "--freesurfer", help="FreeSurfer subject directory (repeatable)."),
    blood: Path | None = typer.Option(
        None, "--blood", help="Blood-marker observations; '<0.3' cells = below detection."),
) -> None:
    """Compute metrics from observations and instrument data.

    QST, CPM, somatosensory, questionnaire and blood metrics come from
    observations; TMS maps, tDCS homeostatic responses, connectivity and grey
    matter from the instrument options. Exit code 1 with the problem table
    when an input file is invalid.
    """
    extra = InstrumentInputs(tms=tms, tdcs=tdcs, roi=list(roi), roi_map=roi_map,
                             fc_kind=fc_kind, freesurfer=list(freesurfer), blood=blood)
    if observations is None and not extra.given:
        raise fail(ValueError("give an observations file or an instrument option "
                              "(--tms, --tdcs, --roi, --freesurfer, --blood)"))
    try:
        subj = read_subjects(subjects) if subjects is not None else None
        obs = [read_observations(observations, subjects=subj)] if observations else []
        obs += extra.observations(subj)
        parts = [compute_metrics(pd.concat(obs, ignore_index=True), subj)] if obs else []
        table = pd.concat(parts + extra.metrics(), ignore_index=True)
        if subj is not None:
            cond = table["subject"].map(subj.set_index("subject")["condition"])
            table["site_role"] = site_role(table["site"], cond).to_numpy()
    except (ValidationError, InputFormatError, ValueError) as err:
        raise fail(err) from None
    write_table(table, output)
    console.print(f"[green]wrote[/green] {len(table)} metric rows of "
                  f"{table['subject'].nunique()} subjects to {output}")
    summary = (table.groupby(["metric", "unit"])["value"].agg(["count", "median"])
               .round(3).reset_index())
    console.print(frame_table(summary, title="Metrics", max_rows=100))
