"""``painmech validate-profiler``: recovery of simulated mechanisms by the profiler.

Thin wrapper over :func:`painmech.simulation.validate_profiler` and
:func:`painmech.report.recovery_figure`; writes ``recovery.csv`` and
``recovery.png`` into the output folder and prints the table.
"""

from __future__ import annotations

import time
from pathlib import Path

import typer

from painmech.cli._app import app, console, frame_table
from painmech.cli._metrics import fail
from painmech.cli._simulate import parse_conditions

__all__ = ["parse_trials"]

_SHOWN = ["trials", "mechanism", "n_positive", "n_negative", "n_not_assessed", "sensitivity",
          "specificity", "auc", "auc_low", "auc_high"]


def parse_trials(text: str) -> list[int | None]:
    """``"protocol,1,3,5"`` → ``[None, 1, 3, 5]``."""
    out: list[int | None] = []
    for item in (t.strip() for t in text.split(",") if t.strip()):
        if item == "protocol":
            out.append(None)
            continue
        try:
            out.append(int(item))
        except ValueError:
            raise ValueError(f"--trials takes 'protocol' or whole numbers; got {item!r}"
                             ) from None
    if not out:
        raise ValueError("--trials needs at least one level")
    return out


@app.command("validate-profiler", rich_help_panel="Simulation")
def validate_profiler_command(
    n: int = typer.Option(2000, "--n", help="Virtual patients in the test cohort."),
    seed: int = typer.Option(1, "--seed", help="Seed of the simulation."),
    output: Path = typer.Option(..., "--output", "-o", help="Folder for recovery.csv and "
                                "recovery.png."),
    conditions: str | None = typer.Option(None, "--conditions", help="Patient conditions "
                                          "(default: the six patient conditions)."),
    trials: str = typer.Option("protocol,1,3,5", "--trials", help="Trial levels per repeated "
                               "test; 'protocol' = each test's own count."),
    n_controls: int = typer.Option(600, "--n-controls", help="Virtual healthy controls for "
                                   "the reference set."),
    instruments: str = typer.Option("tms,tdcs,roi", "--instruments", help="Instrument tables "
                                    "to simulate (tms, tdcs, roi; 'none' for none)."),
    trunk_cpt: str = typer.Option("relative", "--trunk-cpt", help="relative (default) or "
                                  "absolute scoring of trunk CPT."),
) -> None:
    """Simulate patients with known mechanisms, profile them and report sensitivity,
    specificity and AUC per mechanism (also by number of trials).
    """
    from painmech.report import recovery_figure
    from painmech.simulation import validate_profiler

    inst = [] if instruments.strip().lower() in ("", "none") else [
        t.strip() for t in instruments.split(",") if t.strip()]
    start = time.perf_counter()
    try:
        table = validate_profiler(n=n, seed=seed, conditions=parse_conditions(conditions),
                                  trials=parse_trials(trials), n_controls=n_controls,
                                  instruments=inst, trunk_cpt=trunk_cpt)
    except (ValueError, TypeError) as err:
        raise fail(err) from None
    seconds = time.perf_counter() - start
    output.mkdir(parents=True, exist_ok=True)
    table.to_csv(output / "recovery.csv", index=False, float_format="%.4f")
    fig = recovery_figure(table, title=f"Recovery of simulated mechanisms (n = {n} patients, "
                          f"{n_controls} controls, seed {seed})")
    fig.savefig(output / "recovery.png", dpi=120)
    shown = table[_SHOWN].round({c: 3 for c in ("sensitivity", "specificity", "auc",
                                                  "auc_low", "auc_high")})
    console.print(frame_table(shown, title="Recovery of simulated mechanisms", max_rows=200))
    console.print(f"[green]wrote[/green] {output / 'recovery.csv'} and "
                  f"{output / 'recovery.png'} ({seconds:.0f} s)")
