"""``painmech cohort DIR`` and ``painmech claims DIR``: cohort statistics and the
fact-sheet claims check on a study folder.

A study folder holds ``subjects.csv`` and ``observations.csv`` and optionally
the instrument tables ``tms.csv``, ``tdcs.csv`` and ``roi.csv`` — the layout
``painmech simulate`` writes. A ready ``metrics.csv`` in the folder is used
instead of recomputing the metrics.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer

from painmech.cli._app import app, console, frame_table
from painmech.cli._metrics import fail, write_table
from painmech.exceptions import InputFormatError, ValidationError

__all__ = ["load_study"]

_SHOWN = ["claim", "metric", "site", "effect", "ci_low", "ci_high", "sesoi", "mde", "n", "p",
          "verdict"]


def load_study(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a study folder and return ``(subjects, metrics)``.

    Instrument tables may be CSV or Parquet (``painmech simulate`` writes large
    ROI tables as ``roi.parquet``).
    """
    from painmech.io import (
        read_observations,
        read_roi_timeseries,
        read_subjects,
        read_tdcs_series,
        read_tms_grid,
    )
    from painmech.measures import study_metrics

    folder = Path(folder)
    if not folder.is_dir():
        raise InputFormatError(f"{folder} is not a folder")
    subj_path = folder / "subjects.csv"
    if not subj_path.exists():
        raise InputFormatError(f"{folder} has no subjects.csv")
    subjects = read_subjects(subj_path)
    if (folder / "metrics.csv").exists():
        metrics = pd.read_csv(folder / "metrics.csv",
                              dtype={"subject": str, "site": str, "side": str})
        return subjects, metrics.astype({"visit": "int64"})
    obs_path = folder / "observations.csv"
    if not obs_path.exists():
        raise InputFormatError(f"{folder} has neither metrics.csv nor observations.csv")
    tables = {}
    for name, reader in (("tms", read_tms_grid), ("tdcs", read_tdcs_series),
                         ("roi", read_roi_timeseries)):
        found = [p for p in (folder / f"{name}.csv", folder / f"{name}.parquet") if p.exists()]
        if len(found) > 1:
            raise InputFormatError(f"{folder} holds both {found[0].name} and {found[1].name}; "
                                   "keep one")
        if found:
            tables[name] = reader(found[0])
    return subjects, study_metrics(read_observations(obs_path, subjects=subjects), subjects,
                                   **tables)


def _round(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.round({c: 3 for c in frame.select_dtypes("number").columns})


@app.command(rich_help_panel="Cohort")
def cohort(
    folder: Path = typer.Argument(..., help="Study folder (subjects.csv, observations.csv, "
                                  "tms.csv, tdcs.csv, roi.csv or metrics.csv)."),
    output: Path | None = typer.Option(None, "--output", "-o",
                                       help="Folder to write the result tables (CSV) into."),
    n_boot: int = typer.Option(2000, "--n-boot", help="Bootstrap resamples for CIs."),
    seed: int = typer.Option(0, "--seed", help="Random seed of the bootstrap."),
) -> None:
    """Patients vs controls (Hedges g, bootstrap CI), associations with pain, duration
    and disability, and the whiplash prognostic rules.
    """
    from painmech.cohort import cohort_summary

    try:
        subjects, metrics = load_study(folder)
        tables = cohort_summary(metrics, subjects, n_boot=n_boot, seed=seed)
    except (ValidationError, InputFormatError, ValueError) as err:
        raise fail(err) from None
    titles = {"subjects": "Subjects", "comparison": "Patients vs controls (Hedges g)",
              "associations": "Associations (Spearman, partial for age and sex)",
              "whiplash": "Whiplash prognostic rules (Sterling 2011; Ritchie 2013)"}
    for key, table in tables.items():
        console.print(frame_table(_round(table), title=titles.get(key, key), max_rows=40))
    if output is not None:
        output.mkdir(parents=True, exist_ok=True)
        for key, table in tables.items():
            write_table(table, output / f"{key}.csv")
        console.print(f"[green]wrote[/green] {len(tables)} tables to {output}")


@app.command(rich_help_panel="Cohort")
def claims(
    folder: Path = typer.Argument(..., help="Study folder (as for `painmech cohort`)."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Claims table to write "
                                       "(.csv or .parquet)."),
    n_boot: int = typer.Option(2000, "--n-boot", hidden=True,
                               help="Ignored: the claims check uses analytic intervals "
                                    "(accepted so that older scripts keep running)."),
    seed: int = typer.Option(0, "--seed", hidden=True, help="Ignored, as --n-boot."),
    min_n: int = typer.Option(10, "--min-n", help="Smallest group size for a testable claim."),
) -> None:
    """Test each statement of the fact sheet on the study and give a verdict
    (supported, contradicted, absent, inconclusive, not_testable) from family-wise
    intervals.
    """
    from painmech.cohort import VERDICTS, check_claims

    try:
        subjects, metrics = load_study(folder)
        table = check_claims(subjects, metrics, min_n=min_n)
    except (ValidationError, InputFormatError, ValueError) as err:
        raise fail(err) from None
    console.print(frame_table(_round(table[_SHOWN]), title="Fact-sheet claims", max_rows=100))
    counts = table["verdict"].value_counts()
    console.print(", ".join(f"{v}: {counts.get(v, 0)}" for v in VERDICTS))
    levels = table["ci_level"].dropna()
    if len(levels):
        console.print(f"intervals at the level {levels.iloc[0]:.4g} = 1 − 0.05/{len(levels)} "
                      "(Bonferroni over the testable claims); absent = interval inside "
                      "±sesoi; mde = minimal detectable effect (80 % power)")
    if output is not None:
        write_table(table, output)
        console.print(f"[green]wrote[/green] {len(table)} claims to {output}")
