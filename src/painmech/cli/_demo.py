"""``painmech demo``: run the system end to end on shipped example data."""

from __future__ import annotations

import typer

from painmech.cli._app import app, console, frame_table
from painmech.datasets import dataset_path, list_datasets
from painmech.io import read_observations, read_subjects


@app.command()
def demo() -> None:
    """Read, validate and summarise the shipped example study."""
    subj_path, obs_path = dataset_path("example")
    console.rule("painmech demo")
    console.print(list_datasets()["example"])
    subjects = read_subjects(subj_path)
    obs = read_observations(obs_path, subjects=subjects)
    console.print(f"[green]validated[/green] {len(obs)} observations of {len(subjects)} subjects")
    counts = subjects.groupby("condition").size().rename("n").reset_index()
    console.print(frame_table(counts, title="Subjects by condition"))
    summary = (
        obs.merge(subjects[["subject", "condition"]], on="subject")
        .groupby(["measure", "unit", "condition"], observed=True)["value"]
        .agg(["count", "median"]).round(2).reset_index()
    )
    console.print(frame_table(summary, title="Measures (canonical units)", max_rows=100))
    raise typer.Exit(0)
