"""``painmech profile``: observations (or metrics) → scores → mechanism profile."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer

from painmech.cli._app import app, console, frame_table
from painmech.cli._metrics import fail, write_table
from painmech.cli._zscore import _read_metrics
from painmech.exceptions import InputFormatError, ValidationError
from painmech.io import read_subjects
from painmech.mechanisms import STATUSES
from painmech.mechanisms import profile as mechanism_profile
from painmech.norms import ReferenceSet, zscore

__all__ = ["load_scores", "profile"]

_INPUT_ERRORS = (ValidationError, InputFormatError, ValueError, FileNotFoundError, KeyError)


def load_scores(data: Path, subjects: Path, ref: Path | None, min_n: int = 10
                ) -> tuple[pd.DataFrame, pd.DataFrame, ReferenceSet]:
    """Read the inputs and score them: (subjects, scores, reference set).

    Without ``ref`` a reference set is fitted on the healthy subjects of the
    input, and the console says so.
    """
    subj = read_subjects(subjects)
    metrics, _ = _read_metrics(data, subj)
    if ref is not None:
        reference = ReferenceSet.load(ref)
        console.print(f"reference set [bold]{reference.provenance_.name}[/bold]: "
                      f"{reference.provenance_.source}")
    else:
        if not subj["condition"].eq("healthy").any():
            raise ValueError("no --ref given and no healthy subjects in the input to fit a "
                             "reference set from")
        reference = ReferenceSet("fitted_from_input", min_n=min_n).fit(metrics, subj)
        console.print(f"[yellow]no --ref given:[/yellow] fitted the reference set "
                      f"'fitted_from_input' on the {reference.provenance_.n} healthy subjects "
                      f"of the input ({len(reference.table_)} rows, min_n={min_n})")
    return subj, zscore(metrics, subj, reference), reference


@app.command()
def profile(
    data: Path = typer.Argument(..., help="Observations (or metrics) file."),
    subjects: Path = typer.Option(..., "--subjects", "-s", help="Subjects file (sex, age, "
                                  "condition)."),
    output: Path = typer.Option(..., "--output", "-o", help="Profile file (.csv/.parquet)."),
    ref: Path | None = typer.Option(None, "--ref", "-r", help="Reference set (.csv with its "
                                    ".json). Without it, one is fitted on the healthy "
                                    "subjects of the input."),
    scores_out: Path | None = typer.Option(None, "--scores", help="Also write the scores."),
    min_n: int = typer.Option(10, help="Smallest reference group kept when fitting."),
) -> None:
    """Judge the ten mechanisms for every subject and visit (with evidence and caveats)."""
    try:
        subj, scores, _ = load_scores(data, subjects, ref, min_n)
        prof = mechanism_profile(scores, subj)
    except _INPUT_ERRORS as err:
        raise fail(err) from None
    write_table(prof, output)
    if scores_out is not None:
        write_table(scores, scores_out)
    counts = (prof.groupby(["mechanism", "status"], sort=False).size()
              .unstack(fill_value=0).reindex(columns=list(STATUSES), fill_value=0)
              .reset_index())
    console.print(frame_table(counts, title="Mechanisms by status (subject-visits)"))
    console.print(f"[green]wrote[/green] {len(prof)} profile rows for "
                  f"{prof[['subject', 'visit']].drop_duplicates().shape[0]} subject-visits "
                  f"to {output}")
