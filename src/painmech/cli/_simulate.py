"""``painmech simulate``: write a virtual cohort as a study folder.

Thin wrapper over :func:`painmech.simulation.simulate_cohort` and
:meth:`painmech.simulation.SimulationResult.write`. The folder it writes
(``subjects.csv``, ``observations.csv``, ``tms.csv``, ``tdcs.csv``,
``roi.csv``/``roi.parquet``, ``truth.csv``, ``latent.csv``) is the layout that
``painmech cohort`` and ``painmech claims`` read.
"""

from __future__ import annotations

from pathlib import Path

import typer

from painmech.cli._app import app, console, frame_table
from painmech.cli._metrics import fail

__all__ = ["parse_conditions", "parse_visits"]


def parse_conditions(text: str | None) -> dict[str, float] | list[str] | None:
    """``"healthy,chronic_lbp"`` (equal shares) or ``"healthy=1,chronic_lbp=3"`` (shares)."""
    if text is None or not text.strip():
        return None
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not any("=" in t for t in items):
        return items
    shares = {}
    for item in items:
        name, sep, share = item.partition("=")
        try:
            shares[name.strip()] = float(share) if sep else 1.0
        except ValueError:
            raise ValueError(f"condition share must be a number: {item!r}") from None
    return shares


def parse_visits(text: str) -> int | list[float]:
    """``"3"`` (three visits, ``--interval`` months apart) or ``"0,6,12"`` (months)."""
    text = text.strip()
    try:
        if "," not in text:
            return int(text)
        return [float(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise ValueError(f"--visits must be a count (e.g. 3) or months (e.g. 0,6,12); "
                         f"got {text!r}") from None


@app.command(rich_help_panel="Simulation")
def simulate(
    n: int = typer.Option(..., "--n", help="Number of virtual patients."),
    output: Path = typer.Option(..., "--output", "-o", help="Folder to write the tables into."),
    seed: int = typer.Option(0, "--seed", help="Seed; the same seed gives byte-identical "
                             "files."),
    conditions: str | None = typer.Option(
        None, "--conditions", help="Comma-separated condition ids, optionally with shares "
        "(healthy=1,chronic_lbp=3). Default: all seven, equal shares."),
    visits: str = typer.Option("1", "--visits", help="Number of visits, or the visit times "
                               "in months (0,6,12)."),
    interval: float = typer.Option(6.0, "--interval", help="Months between visits when "
                                   "--visits is a count."),
    instruments: str = typer.Option("tms,tdcs,roi,nwr,palpation", "--instruments",
                                    help="Instrument tables (tms, tdcs, roi) and optional "
                                    "tests (nwr: withdrawal-reflex thresholds, palpation: "
                                    "tender points) to simulate; 'none' for none."),
    roi_format: str = typer.Option("auto", "--roi-format", help="auto, csv or parquet."),
    noise_scale: float = typer.Option(1.0, "--noise-scale", help="Multiplier of every "
                                      "measurement-noise term (1 = calibrated)."),
    scenario: str = typer.Option("default", "--scenario", help="Scenario of "
                                 "painmech.simulation.SCENARIOS (e.g. psychological_cpt)."),
) -> None:
    """Simulate virtual patients (subjects, observations, instrument tables, truth)."""
    from painmech.simulation import simulate_cohort

    inst = [] if instruments.strip().lower() in ("", "none") else [
        t.strip() for t in instruments.split(",") if t.strip()]
    try:
        result = simulate_cohort(n, parse_conditions(conditions), parse_visits(visits), seed,
                                 interval_months=interval, instruments=inst,
                                 noise_scale=noise_scale, scenario=scenario)
        files = result.write(output, roi_format=roi_format)
    except (ValueError, TypeError) as err:
        raise fail(err) from None
    counts = (result.subjects.groupby("condition", sort=False).size().rename("n")
              .reset_index())
    console.print(frame_table(counts, title=f"Virtual cohort (seed {seed})"))
    active = (result.truth.groupby("mechanism", sort=False)["active"].mean().mul(100).round(1)
              .rename("active_percent").reset_index())
    console.print(frame_table(active, title="Active mechanisms (% of subject-visits)"))
    rows = {name: len(getattr(result, name)) for name in files}
    for name, path in files.items():
        console.print(f"[green]wrote[/green] {path} ({rows[name]} rows)")
