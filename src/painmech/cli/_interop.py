"""``painmech export redcap|bids|fhir`` and ``painmech import redcap|bids|fhir``."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import typer

from painmech.cli._app import app, console, frame_table
from painmech.cli._metrics import fail, write_table
from painmech.exceptions import InputFormatError, UnitError, ValidationError
from painmech.io import read_observations, read_subjects
from painmech.io.bids import read_bids, write_bids
from painmech.io.redcap import (
    FieldMap,
    event_visits,
    mapping_from_dictionary,
    read_redcap_dictionary,
    read_redcap_metrics,
    read_redcap_records,
    write_redcap,
)

export_app = typer.Typer(help="Write painmech tables in REDCap, BIDS or FHIR format.",
                         no_args_is_help=True)
import_app = typer.Typer(help="Read REDCap, BIDS or FHIR files into painmech tables.",
                         no_args_is_help=True)
app.add_typer(export_app, name="export", rich_help_panel="Data")
app.add_typer(import_app, name="import", rich_help_panel="Data")

_ERRORS = (ValidationError, InputFormatError, UnitError, ValueError, KeyError,
           FileNotFoundError)


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"subject": str})


@export_app.command("redcap")
def export_redcap(
    observations: Path | None = typer.Argument(None, help="Observations file."),
    output: Path = typer.Option(..., "--output", "-o", help="Folder for dictionary.csv, "
                                "data.csv and event.csv."),
    metrics: Path | None = typer.Option(None, "--metrics", help="Metrics table (CSV), "
                                        "written to the painmech_metrics instrument."),
    lang: str = typer.Option("en", help="Language of field labels: en or de."),
) -> None:
    """Write observations and/or metrics as a REDCap data dictionary, records and events."""
    if observations is None and metrics is None:
        raise fail(ValueError("give an observations file, --metrics, or both"))
    try:
        paths = write_redcap(read_observations(observations) if observations else None,
                             output, metrics=_csv(metrics) if metrics else None, lang=lang)
    except _ERRORS as err:
        raise fail(err) from None
    console.print("wrote " + ", ".join(str(p) for p in paths.values()))


@export_app.command("bids")
def export_bids(
    output: Path = typer.Option(..., "--output", "-o", help="BIDS dataset folder."),
    observations: Path | None = typer.Option(None, "--observations", help="Observations."),
    subjects: Path | None = typer.Option(None, "--subjects", "-s", help="Subjects file."),
    metrics: Path | None = typer.Option(None, "--metrics", help="Metrics table (CSV)."),
) -> None:
    """Write participants.tsv and phenotype/<tool>.tsv files with JSON sidecars."""
    try:
        written = write_bids(
            output, subjects=read_subjects(subjects) if subjects else None,
            observations=read_observations(observations) if observations else None,
            metrics=_csv(metrics) if metrics else None)
    except _ERRORS as err:
        raise fail(err) from None
    console.print(f"wrote {len(written)} table(s) with sidecars to {output}")


@export_app.command("fhir")
def export_fhir(
    output: Path = typer.Option(..., "--output", "-o", help="Bundle JSON file."),
    scores: Path | None = typer.Option(None, "--scores", help="Scores (or metrics) CSV."),
    profile: Path | None = typer.Option(None, "--profile", help="Mechanism profile CSV."),
) -> None:
    """Write scores and profiles as a FHIR R4 Bundle of validated Observations."""
    from painmech.io.fhir import fhir_bundle, profile_to_fhir, scores_to_fhir

    try:
        resources = []
        if scores is not None:
            table = _csv(scores)
            if "abnormal" in table:
                table["abnormal"] = table["abnormal"].astype("boolean")
            resources += scores_to_fhir(table)
        if profile is not None:
            resources += profile_to_fhir(_csv(profile))
        bundle = fhir_bundle(resources)
    except _ERRORS as err:
        raise fail(err) from None
    output.write_text(json.dumps(bundle, indent=1, ensure_ascii=False), encoding="utf-8")
    console.print(f"wrote a Bundle of {len(resources)} Observation(s) to {output}")


def _mapping(path: Path) -> dict[str, FieldMap]:
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    return {r["field"]: FieldMap(r["measure"], r["unit"], r.get("site") or "none",
                                 r.get("side") or "none",
                                 int(r["trial"]) if r.get("trial") else None)
            for r in table.to_dict("records")}


@import_app.command("redcap")
def import_redcap(
    records: Path = typer.Argument(..., help="REDCap record export (CSV, raw values)."),
    output: Path = typer.Option(..., "--output", "-o", help="Observations file to write."),
    dictionary: Path | None = typer.Option(None, "--dictionary", "-d",
                                           help="Data dictionary of the project."),
    mapping: Path | None = typer.Option(None, "--mapping", "-m", help="CSV with columns "
                                        "field, measure, unit, site, side, trial; default: "
                                        "the painmech notes in the dictionary."),
    events: Path | None = typer.Option(None, "--events", "-e", help="REDCap event table "
                                       "(longitudinal projects)."),
    by: str = typer.Option("order", help="Events to visits: 'order' or 'label'."),
    visit: int = typer.Option(0, help="Visit of every row when there are no events."),
    metrics_output: Path | None = typer.Option(None, "--metrics-output", help="Also read the "
                                               "painmech metric fields into this table."),
) -> None:
    """Read a REDCap record export into validated observations (and metrics).

    The dictionary may be the Data Dictionary download or the API's metadata
    export; fields validated with a decimal comma are read with their comma.
    """
    try:
        dd = read_redcap_dictionary(dictionary) if dictionary else None
        if mapping is not None:
            fields = _mapping(mapping)
        elif dd is not None:
            fields = mapping_from_dictionary(dd)
        else:
            raise InputFormatError("pass --mapping, or --dictionary written by painmech")
        if metrics_output is not None and dd is None:
            raise InputFormatError("--metrics-output needs --dictionary (the metric fields "
                                   "are named in its annotations)")
        if not fields and metrics_output is None:
            raise InputFormatError("the dictionary has no painmech measure fields; pass "
                                   "--mapping, or --metrics-output for metric fields")
        ev = event_visits(pd.read_csv(events), by=by) if events else None
        obs = (read_redcap_records(records, fields, events=ev, dictionary=dd, visit=visit)
               if fields else None)
        met = (read_redcap_metrics(records, dd, events=ev, visit=visit)
               if metrics_output is not None else None)
    except _ERRORS as err:
        raise fail(err) from None
    if obs is not None:
        write_table(obs, output)
        console.print(f"[green]read[/green] {len(obs)} observations of "
                      f"{obs['subject'].nunique()} subject(s) into {output}")
    if met is not None:
        write_table(met, metrics_output)
        console.print(f"[green]read[/green] {len(met)} metric value(s) into {metrics_output}")


@import_app.command("bids")
def import_bids(
    root: Path = typer.Argument(..., help="BIDS dataset written by painmech."),
    output: Path = typer.Option(..., "--output", "-o", help="Folder for subjects.csv, "
                                "observations.csv and metrics.csv."),
    missing: list[float] = typer.Option([], "--missing", help="Declared missing-value code "
                                        "(repeatable), e.g. --missing -9999."),
) -> None:
    """Read participants and phenotype files back into painmech tables."""
    try:
        data = read_bids(root, missing=missing or None)
    except _ERRORS as err:
        raise fail(err) from None
    output.mkdir(parents=True, exist_ok=True)
    for name in ("subjects", "observations", "metrics"):
        table = getattr(data, name)
        if table is not None:
            write_table(table, output / f"{name}.csv")
            console.print(f"{name}: {len(table)} row(s) → {output / f'{name}.csv'}")


def _key_map(path: Path, key: str, value: str) -> dict:
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in (key, value) if c not in table.columns]
    if missing:
        raise InputFormatError(f"{path}: needs the columns {key} and {value} "
                               f"(missing: {', '.join(missing)})")
    return dict(zip(table[key], table[value], strict=True))


@import_app.command("fhir")
def import_fhir(
    bundle: list[Path] = typer.Argument(..., help="FHIR JSON file(s): Bundles or Observations."),
    output: Path = typer.Option(..., "--output", "-o", help="Observations file to write."),
    subject: str | None = typer.Option(None, help="Pseudonym, when every Observation is of one "
                                       "patient."),
    subject_map: Path | None = typer.Option(None, help="CSV with columns reference "
                                            "(e.g. Patient/123) and pseudonym."),
    visit: int | None = typer.Option(None, help="Visit of every Observation."),
    visit_map: Path | None = typer.Option(None, help="CSV with columns key (encounter "
                                          "reference, or date YYYY-MM-DD) and visit."),
    skipped: Path | None = typer.Option(None, help="Also write what was skipped (per code "
                                        "and reason) to this CSV."),
) -> None:
    """Read a clinic's LOINC-coded Observations (pain 72514-3, CRP, IL-6, TNF-α, IL-1β).

    Units are converted to the registry's (mg/dL → mg/L …); everything not read
    is listed, counted per code and reason. The patient is never read from the
    file: give --subject or --subject-map.
    """
    from painmech.io.fhir import read_fhir_observations

    try:
        if (subject is None) == (subject_map is None):
            raise ValueError("give exactly one of --subject and --subject-map")
        if (visit is None) == (visit_map is None):
            raise ValueError("give exactly one of --visit and --visit-map")
        who = subject if subject is not None else _key_map(subject_map, "reference",
                                                           "pseudonym")
        when = visit if visit is not None else {
            k: int(v) for k, v in _key_map(visit_map, "key", "visit").items()}
        result = read_fhir_observations(list(bundle), subject=who, visit=when, warn=False)
    except _ERRORS as err:
        raise fail(err) from None
    write_table(result.observations, output)
    obs = result.observations
    console.print(f"[green]read[/green] {len(obs)} observation(s) of "
                  f"{obs['subject'].nunique()} subject(s) into {output}")
    if len(result.skipped):
        console.print(frame_table(result.skipped, title="Skipped (not read)"))
        console.print(f"[yellow]{int(result.skipped['n'].sum())} resource(s) skipped[/yellow]")
    if skipped is not None:
        result.skipped.to_csv(skipped, index=False)
