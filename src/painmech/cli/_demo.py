"""``painmech demo``: the whole system, end to end, on a virtual cohort.

The demo simulates virtual patients and healthy controls, writes them as
files in the real data format, reads them back through the validating
readers, computes metrics, fits a reference set on the controls, profiles
every subject-visit, checks the cohort claims, writes a German and an English
patient report (HTML and PDF) and stores the cohort in an embedded SQLite
database that ``painmech serve`` opens. It finishes on its own unless
``--serve`` is given.
"""

from __future__ import annotations

import os
import time
import warnings
from pathlib import Path

import pandas as pd
import typer

from painmech.cli._app import app, console, frame_table
from painmech.exceptions import UnusualValueWarning

__all__ = ["demo"]

#: Share of each condition in the demo cohort: half healthy controls (they
#: form the reference set), the rest the three conditions of the fact sheet.
DEMO_CONDITIONS = {"healthy": 0.5, "chronic_lbp": 0.25, "neck_pain": 0.125, "whiplash": 0.125}
_MARKER = ".painmech-demo"


def _prepare_folder(out: Path) -> None:
    """Create ``out`` or reuse a folder an earlier demo made; refuse any other."""
    if out.exists() and not out.is_dir():
        raise typer.BadParameter(f"{out} exists and is not a folder", param_hint="--output")
    if out.is_dir() and any(out.iterdir()) and not (out / _MARKER).exists():
        raise typer.BadParameter(
            f"{out} is not empty and was not made by 'painmech demo'; choose another folder",
            param_hint="--output")
    out.mkdir(parents=True, exist_ok=True)
    (out / _MARKER).write_text("folder written by 'painmech demo'; safe to delete\n")


def _check_database(db_file: Path) -> None:
    """Refuse to go on when ``db_file`` holds more than an earlier demo's study and user.

    ``painmech demo`` replaces only its own database: a study or user that
    the demo did not make (e.g. added through the web app, or a database
    copied into the folder) ends the command before anything is written.
    """
    from painmech.storage import foreign_content

    found = foreign_content(db_file)
    if found:
        raise typer.BadParameter(
            f"{db_file} holds {found}; painmech demo replaces only its own demo database. "
            "Choose another folder, or move the database away first", param_hint="--output")


def _replace_database(db_file: Path) -> None:
    """Remove an earlier demo database with its -wal/-shm files (after checking it again)."""
    from painmech.storage import remove_sqlite_files

    _check_database(db_file)
    remove_sqlite_files(db_file)


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to a new file with mode 0600 (it holds the demo password)."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


def _step(number: int, text: str) -> None:
    console.print(f"[bold cyan]{number}/7[/bold cyan] {text}")


def _status_table(prof: pd.DataFrame, subjects: pd.DataFrame) -> pd.DataFrame:
    """Per mechanism: % of subject-visits indicated / inconclusive, patients vs controls."""
    healthy = prof["subject"].map(subjects.set_index("subject")["condition"]).eq("healthy")
    share = (pd.crosstab([prof["mechanism"], healthy.rename("healthy")], prof["status"],
                         normalize="index")
             .reindex(columns=["indicated", "inconclusive", "not_assessed"], fill_value=0.0)
             .mul(100).round().astype(int))
    pct = share["indicated"].astype(str) + " / " + share["inconclusive"].astype(str)
    table = pct.unstack("healthy").rename(columns={False: "patients", True: "controls"})
    table["% not assessed"] = share["not_assessed"].groupby("mechanism").max()
    return table.reset_index()


@app.command(rich_help_panel="Simulation")
def demo(
    output: Path = typer.Option(Path("painmech-demo"), "--output", "-o",
                                help="Folder for every file the demo writes."),
    n: int = typer.Option(240, "--n", min=40, max=20000,
                          help="Virtual people (half of them healthy controls)."),
    seed: int = typer.Option(2026, "--seed", help="Seed of the simulation."),
    serve: bool = typer.Option(False, "--serve", help="Start the web app on the demo "
                               "database afterwards (Ctrl+C stops it)."),
    port: int = typer.Option(8000, "--port", help="Port for --serve."),
) -> None:
    """Simulate a virtual cohort and run it through painmech: metrics, reference set,
    mechanism profiles, claims, reports (de/en, HTML/PDF) and the demo database.
    """
    from painmech.cli._cohort import load_study
    from painmech.cohort import check_claims
    from painmech.mechanisms import profile
    from painmech.norms import ReferenceSet, zscore
    from painmech.report import patient_report
    from painmech.simulation import simulate_cohort
    from painmech.storage import build_demo_database

    started = time.perf_counter()
    _prepare_folder(output)
    _check_database(output / "painmech.sqlite")
    console.rule("painmech demo: virtual patients, not real people")

    with console.status("simulating …"):
        sim = simulate_cohort(n, DEMO_CONDITIONS, visits=2, seed=seed)
        sim.write(output / "cohort")
    shares = sim.subjects["condition"].value_counts().to_dict()
    _step(1, f"simulated {n} virtual people ({', '.join(f'{v} {k}' for k, v in shares.items())})"
             f", 2 visits 6 months apart, seed {seed} → {output / 'cohort'}")

    with console.status("reading and validating the files …"), \
            warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UnusualValueWarning)
        subjects, metrics = load_study(output / "cohort")
    for warning in caught:
        console.print(f"[yellow]note:[/yellow] {warning.message}")
    metrics.to_csv(output / "metrics.csv", index=False)
    _step(2, f"read back through the validating readers and computed {len(metrics):,} metric "
             f"values ({metrics['metric'].nunique()} metrics) → {output / 'metrics.csv'}")

    reference = ReferenceSet("demo_controls", min_n=10).fit(metrics, subjects)
    reference.save(output / "reference.csv")
    _step(3, f"fitted the reference set on the {reference.provenance_.n} healthy controls "
             f"(first visit; {len(reference.table_)} rows: regressions on age and sex, "
             f"sex strata, pooled) → {output / 'reference.csv'}")

    with console.status("scoring and profiling …"):
        scores = zscore(metrics, subjects, reference)
        prof = profile(scores, subjects)
    scores.to_csv(output / "scores.csv", index=False)
    prof.to_csv(output / "profile.csv", index=False)
    _step(4, f"profiled {prof[['subject', 'visit']].drop_duplicates().shape[0]} subject-visits "
             f"→ {output / 'profile.csv'}")
    console.print(frame_table(_status_table(prof, subjects),
                              title="% of subject-visits indicated / inconclusive"))

    with console.status("testing the fact-sheet claims …"):
        claims = check_claims(subjects, metrics, seed=seed)
    claims.to_csv(output / "claims.csv", index=False)
    _step(5, f"tested {len(claims)} cohort claims → {output / 'claims.csv'}")
    verdicts = claims["verdict"].value_counts().rename_axis("verdict").reset_index(name="claims")
    console.print(frame_table(verdicts, title="Claims by verdict"))

    patients = prof.merge(subjects[["subject", "condition"]], on="subject")
    indicated = (patients[patients["condition"].ne("healthy") & patients["status"].eq("indicated")
                          & patients["visit"].eq(0)]
                 .groupby("subject").size().sort_values(kind="stable"))
    example = str(indicated.index[-1]) if len(indicated) else str(patients["subject"].iloc[0])
    with console.status("writing reports …"):
        for lang in ("de", "en"):
            for fmt in ("html", "pdf"):
                patient_report(scores, subjects, subject=example, visit=0, lang=lang,
                               path=output / f"report-{example}-{lang}.{fmt}",
                               profile_table=prof, reference=reference)
    _step(6, f"wrote the reports of patient {example} (de/en, HTML/PDF) → "
             f"{output / f'report-{example}-de.pdf'} …")

    db_file = (output / "painmech.sqlite").resolve()
    _replace_database(db_file)
    db_url = f"sqlite:///{db_file}"
    with console.status("building the demo database …"):
        login = build_demo_database(db_url, sim.subjects, sim.observations,
                                    instrument={"tms_grid": sim.tms, "tdcs_series": sim.tdcs,
                                                "roi_timeseries": sim.roi})
    _write_private(output / "LOGIN.txt",
                   f"database: {db_url}\nuser: {login.username}\npassword: {login.password}\n")
    _step(7, f"stored {login.n_subjects} subjects and {login.n_observations:,} observations "
             f"in {db_file}")

    url = f"http://127.0.0.1:{port}/"
    console.rule(f"done in {time.perf_counter() - started:.0f} s")
    console.print(f"web app: [bold]painmech serve --db {db_url} --port {port}[/bold] then open "
                  f"[bold]{url}[/bold]\nlogin: user [bold]{login.username}[/bold], password "
                  f"[bold]{login.password}[/bold] (also in {output / 'LOGIN.txt'})")
    if serve:
        import uvicorn

        from painmech.api import create_app

        console.print(f"serving at [bold]{url}[/bold] (Ctrl+C stops)")
        uvicorn.run(create_app(db_url), host="127.0.0.1", port=port, log_level="warning")
