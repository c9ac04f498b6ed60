"""``painmech profile``: observations (or metrics) → scores → mechanism profile.

``DATA`` may also be a subject-partitioned Parquet dataset directory
(``part-*.parquet``, :func:`painmech.io.write_partitioned`): it is then
profiled partition by partition with bounded memory (reference set fitted
once), optionally on a Dask scheduler, and written as a partitioned profile.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer

from painmech.cli._app import app, console, frame_table
from painmech.cli._metrics import fail, write_table
from painmech.cli._zscore import _read_metrics
from painmech.distributed import profile_dataset
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


def _profile_directory(data: Path, subjects: Path, output: Path, ref: Path | None,
                       scores_out: Path | None, min_n: int, scheduler: str | None
                       ) -> pd.DataFrame:
    """Profile a partitioned observations dataset into a partitioned profile directory."""
    if output.suffix.lower() in {".csv", ".parquet", ".pq"}:
        raise ValueError(f"{data} is a dataset directory: --output must be a directory "
                         f"(one profile file per partition), got {output}")
    subj = read_subjects(subjects)
    reference = None
    if ref is not None:
        reference = ReferenceSet.load(ref)
        console.print(f"reference set [bold]{reference.provenance_.name}[/bold]: "
                      f"{reference.provenance_.source}")
    counts, reference = profile_dataset(data, subj, ref=reference, output=output,
                                        scores_output=scores_out, min_n=min_n,
                                        address=scheduler)
    if ref is None:
        console.print(f"[yellow]no --ref given:[/yellow] fitted the reference set "
                      f"'fitted_from_input' on the {reference.provenance_.n} healthy subjects "
                      f"of the input ({len(reference.table_)} rows, min_n={min_n})")
    return counts


@app.command(rich_help_panel="Analysis")
def profile(
    data: Path = typer.Argument(..., help="Observations (or metrics) file, or a "
                                "subject-partitioned Parquet dataset directory "
                                "(part-*.parquet)."),
    subjects: Path = typer.Option(..., "--subjects", "-s", help="Subjects file (sex, age, "
                                  "condition)."),
    output: Path = typer.Option(..., "--output", "-o", help="Profile file (.csv/.parquet); "
                                "a directory when DATA is a dataset directory."),
    ref: Path | None = typer.Option(None, "--ref", "-r", help="Reference set (.csv with its "
                                    ".json). Without it, one is fitted on the healthy "
                                    "subjects of the input."),
    scores_out: Path | None = typer.Option(None, "--scores", help="Also write the scores."),
    min_n: int = typer.Option(10, help="Smallest reference group kept when fitting."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Dask scheduler address "
                                         "(tcp://host:port) for a dataset directory; "
                                         "default: this process, one partition at a time."),
) -> None:
    """Judge the ten mechanisms for every subject and visit (with evidence and caveats)."""
    if data.is_dir():
        try:
            counts = _profile_directory(data, subjects, output, ref, scores_out, min_n,
                                        scheduler)
        except _INPUT_ERRORS as err:
            raise fail(err) from None
        table = (counts.pivot_table(index="mechanism", columns="status", values="n",
                                    aggfunc="sum", fill_value=0, sort=False)
                 .reindex(columns=list(STATUSES), fill_value=0).reset_index())
        console.print(frame_table(table, title="Mechanisms by status (subject-visits)"))
        n_units = int(counts["n"].sum() // max(counts["mechanism"].nunique(), 1))
        console.print(f"[green]wrote[/green] {int(counts['n'].sum())} profile rows for "
                      f"{n_units} subject-visits to {output}/part-*.parquet")
        return
    if scheduler is not None:
        raise fail(ValueError("--scheduler needs a dataset directory as DATA"))
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
