"""``painmech validate-profiler``: recovery of simulated mechanisms by the profiler.

Thin wrapper over :func:`painmech.simulation.validate_profiler` (or, with
``--study``, :func:`painmech.simulation.recovery_study`),
:func:`painmech.simulation.recovery_markdown` and
:func:`painmech.report.recovery_figure`; writes ``recovery.csv``,
``recovery.md`` and ``recovery.png`` into the output folder and prints the
table. ``painmech validate-profiler --study -o docs/`` regenerates the
documentation in one command.
"""

from __future__ import annotations

import time
from pathlib import Path

import typer

from painmech.cli._app import app, console, frame_table
from painmech.cli._metrics import fail
from painmech.cli._simulate import parse_conditions

__all__ = ["parse_noise_scales", "parse_trials"]

_SHOWN = ["scenario", "noise_scale", "trials", "mechanism", "n_positive", "n_negative",
          "n_not_assessed", "sensitivity", "specificity", "auc", "auc_low", "auc_high"]


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


def parse_noise_scales(text: str) -> list[float]:
    """``"0.5,1,2"`` → ``[0.5, 1.0, 2.0]``."""
    out = []
    for item in (t.strip() for t in text.split(",") if t.strip()):
        try:
            out.append(float(item))
        except ValueError:
            raise ValueError(f"--noise-scales takes numbers > 0; got {item!r}") from None
    if not out:
        raise ValueError("--noise-scales needs at least one number")
    return out


def _names(text: str | None) -> list[str] | None:
    if text is None or text.strip().lower() == "all":
        return None
    return [t.strip() for t in text.split(",") if t.strip()]


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
    study: bool = typer.Option(False, "--study", help="Run the documentation study: the trial "
                               "levels, the scenarios and the noise scales one at a time "
                               "(default: every named scenario, noise scales 0.5,1,2,4)."),
    scenarios: str | None = typer.Option(None, "--scenarios", help="Scenarios (names of "
                                         "painmech.simulation.SCENARIOS, or 'all'); default "
                                         "'default' (with --study: all)."),
    noise_scales: str | None = typer.Option(None, "--noise-scales", help="Measurement-noise "
                                            "multipliers, e.g. '0.5,1,2' (default 1; with "
                                            "--study: 0.5,1,2,4)."),
    n_controls: int = typer.Option(600, "--n-controls", help="Virtual healthy controls for "
                                   "the reference set."),
    instruments: str = typer.Option("tms,tdcs,roi", "--instruments", help="Instrument tables "
                                    "to simulate (tms, tdcs, roi; 'none' for none)."),
    trunk_cpt: str = typer.Option("relative", "--trunk-cpt", help="relative (default) or "
                                  "absolute scoring of trunk CPT."),
) -> None:
    """Simulate patients with known mechanisms, profile them and report sensitivity,
    specificity and AUC per mechanism (by number of trials, scenario and noise scale).
    """
    from painmech.report import recovery_figure
    from painmech.simulation import (
        SCENARIOS,
        recovery_markdown,
        recovery_study,
        validate_profiler,
    )

    inst = [] if instruments.strip().lower() in ("", "none") else [
        t.strip() for t in instruments.split(",") if t.strip()]
    start = time.perf_counter()
    try:
        common = {"n": n, "seed": seed, "conditions": parse_conditions(conditions),
                  "trials": parse_trials(trials), "n_controls": n_controls,
                  "instruments": inst, "trunk_cpt": trunk_cpt}
        names = _names(scenarios)
        if study:
            noise = parse_noise_scales(noise_scales) if noise_scales else None
            table = recovery_study(**common, scenarios=names,
                                   **({"noise_scales": noise} if noise else {}))
        else:
            table = validate_profiler(
                **common, scenarios=names if names is not None else (
                    ["default"] if scenarios is None else list(SCENARIOS)),
                noise_scales=parse_noise_scales(noise_scales or "1"))
        markdown = recovery_markdown(table, table.attrs)
    except (ValueError, TypeError) as err:
        raise fail(err) from None
    seconds = time.perf_counter() - start
    output.mkdir(parents=True, exist_ok=True)
    table.to_csv(output / "recovery.csv", index=False, float_format="%.4f")
    (output / "recovery.md").write_text(markdown, encoding="utf-8")
    base = table.loc[table["scenario"].eq("default") & (table["noise_scale"] == 1.0)]
    fig = recovery_figure(base if len(base) else table,
                          title=f"Recovery of simulated mechanisms (n = {n} patients, "
                                f"{n_controls} controls, seed {seed})")
    fig.savefig(output / "recovery.png", dpi=120)
    shown = table[_SHOWN].round({c: 3 for c in ("sensitivity", "specificity", "auc",
                                                  "auc_low", "auc_high")})
    console.print(frame_table(shown, title="Recovery of simulated mechanisms", max_rows=200))
    console.print(f"[green]wrote[/green] {output / 'recovery.csv'}, "
                  f"{output / 'recovery.md'} and {output / 'recovery.png'} ({seconds:.0f} s)")
