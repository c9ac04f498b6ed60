"""``painmech report``: one subject's mechanism report as HTML or PDF (de/en)."""

from __future__ import annotations

from pathlib import Path

import typer

from painmech.cli._app import app, console
from painmech.cli._metrics import fail
from painmech.cli._profile import _INPUT_ERRORS, load_scores
from painmech.report import patient_report


@app.command(rich_help_panel="Analysis")
def report(
    data: Path = typer.Argument(..., help="Observations (or metrics) file."),
    subjects: Path = typer.Option(..., "--subjects", "-s", help="Subjects file."),
    subject: str = typer.Option(..., "--subject", help="Pseudonym of the subject to report."),
    output: Path = typer.Option(..., "--output", "-o", help="report.html or report.pdf."),
    lang: str = typer.Option("en", "--lang", help="Language: de or en."),
    visit: int | None = typer.Option(None, "--visit", help="Visit (default: the first)."),
    ref: Path | None = typer.Option(None, "--ref", "-r", help="Reference set (.csv with its "
                                    ".json). Without it, one is fitted on the healthy "
                                    "subjects of the input."),
    min_n: int = typer.Option(10, help="Smallest reference group kept when fitting."),
) -> None:
    """Write a patient report (HTML or PDF by the output's suffix) in German or English."""
    if lang not in ("de", "en"):
        raise typer.BadParameter(f"--lang must be 'de' or 'en', got {lang!r}")
    suffix = output.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise typer.BadParameter(f"--output must end in .html or .pdf, got {output.name!r}")
    try:
        subj, scores, reference = load_scores(data, subjects, ref, min_n)
        patient_report(scores, subj, subject=subject, visit=visit, lang=lang, path=output,
                       format="pdf" if suffix == ".pdf" else "html", reference=reference)
    except _INPUT_ERRORS as err:
        raise fail(err) from None
    console.print(f"[green]wrote[/green] the {lang} report of {subject!r} to {output}")
