"""``painmech zscore``: metrics (or observations) → z-scores against a reference set."""

from __future__ import annotations

from pathlib import Path

import typer

from painmech.cli._app import app, console, frame_table
from painmech.cli._metrics import fail, write_table
from painmech.exceptions import InputFormatError, ValidationError
from painmech.io import read_observations, read_subjects, read_table
from painmech.measures import check_metrics, compute_metrics
from painmech.norms import ReferenceSet, quality_check
from painmech.norms import zscore as score


def _age_bands(text: str | None):
    if text is None:
        return None
    try:
        return [float(x) for x in text.split(",")]
    except ValueError:
        raise typer.BadParameter(f"--age-bands must be numbers separated by commas, got "
                                 f"{text!r}") from None


def _read_metrics(path: Path, subjects):
    table, _ = read_table(path)
    if "metric" in table.columns:
        return check_metrics(table, file=str(path)), "metrics"
    if "measure" in table.columns:
        return compute_metrics(read_observations(path, subjects=subjects), subjects), \
            "observations"
    raise InputFormatError(f"{path}: neither a metrics table (column 'metric') nor an "
                           "observations table (column 'measure')")


@app.command(rich_help_panel="Analysis")
def zscore(
    data: Path = typer.Argument(..., help="Metrics or observations file."),
    subjects: Path = typer.Option(..., "--subjects", "-s", help="Subjects file (sex, age, "
                                  "condition)."),
    ref: Path | None = typer.Option(None, "--ref", "-r", help="Reference set (.csv with its "
                                    ".json). Without it, one is fitted on the healthy "
                                    "subjects of the input."),
    output: Path = typer.Option(..., "--output", "-o", help="Scores file (.csv/.parquet)."),
    save_ref: Path | None = typer.Option(None, "--save-ref", help="Write the fitted "
                                         "reference set (CSV + JSON) here."),
    age_bands: str | None = typer.Option(None, help="Age band edges for fitting, e.g. "
                                         "'18,40,60,90'."),
    min_n: int = typer.Option(10, help="Smallest reference group kept when fitting."),
    qc: Path | None = typer.Option(None, "--qc", help="Write the lab quality check "
                                   "(binomial test among controls) here."),
) -> None:
    """Score metrics as z (positive = more pain-sensitive / abnormal)."""
    try:
        subj = read_subjects(subjects)
        metrics, kind = _read_metrics(data, subj)
        if ref is not None:
            reference = ReferenceSet.load(ref)
            console.print(f"reference set [bold]{reference.name}[/bold]: "
                          f"{reference.provenance_.source}")
        else:
            n_healthy = int(subj["condition"].eq("healthy").sum())
            if n_healthy == 0:
                raise ValueError("no --ref given and no healthy subjects in the input to fit "
                                 "a reference set from")
            reference = ReferenceSet("fitted_from_input", age_bands=_age_bands(age_bands),
                                     min_n=min_n).fit(metrics, subj)
            console.print(f"[yellow]no --ref given:[/yellow] fitted reference set "
                          f"'fitted_from_input' on the {reference.provenance_.n} healthy "
                          f"subjects of the input ({len(reference.table_)} rows, min_n="
                          f"{min_n})")
            if save_ref is not None:
                paths = reference.save(save_ref)
                console.print(f"saved the reference set to {paths[0]} and {paths[1]}")
        scores = score(metrics, subj, reference)
    except (ValidationError, InputFormatError, ValueError, FileNotFoundError) as err:
        raise fail(err) from None
    write_table(scores, output)
    n_z = int(scores["z"].notna().sum())
    n_abn = int(scores["abnormal"].fillna(False).sum())
    console.print(f"[green]wrote[/green] {len(scores)} rows from {kind} ({n_z} z-scores, "
                  f"{n_abn} abnormal by the Crawford–Howell limit) to {output}")
    if "ref_model" in scores and n_z:
        models = (scores.loc[scores["z"].notna(), "ref_model"].astype(str)
                  .str.split(":").str[0].value_counts())
        console.print("reference model per z-score: "
                      + ", ".join(f"{k} {v}" for k, v in models.items())
                      + " (column ref_model says why a value fell back to pooled)")
    if qc is not None:
        check = quality_check(scores, subj)
        write_table(check, qc)
        flagged = check.loc[check["flag"]]
        console.print(frame_table(flagged, title="Quality check: flagged", max_rows=50)
                      if len(flagged) else "quality check: nothing flagged")
