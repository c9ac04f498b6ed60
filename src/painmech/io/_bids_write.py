"""Writing painmech tables as BIDS participants and phenotype files.

See :mod:`painmech.io.bids` for the layout; this module holds the writer, the
column naming and the unit symbols.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from painmech.exceptions import InputFormatError, UnitError
from painmech.io._bids_table import write_tsv
from painmech.io._interop import check_exportable, format_numbers
from painmech.registry import CONDITIONS, MEASURES, METRICS, NO_SITE, SIDES, UNIT_LABELS

__all__ = ["FROM_BIDS", "bids_unit", "column_name", "parse_column", "write_bids"]

# BIDS asks for CMIXF unit symbols (SI); painmech ids without an SI symbol are
# written as they are (the registry reads both back).
_TO_BIDS = {"degC": "oC", "delta_degC": "K", "mm3": "mm^3", "cm2": "cm^2", "cm3": "cm^3",
            "percent": "%"}
FROM_BIDS = {v: k for k, v in _TO_BIDS.items()}
_SEX_LEVELS = {"female": "female", "male": "male", "other": "other or diverse"}
_SUBJECT_LABEL = re.compile(r"^[A-Za-z0-9]+$")


def bids_unit(unit: str) -> str:
    """BIDS ``Units`` text of a painmech unit id (``"degC"`` → ``"oC"``)."""
    return _TO_BIDS.get(unit, unit)


def column_name(ids: pd.Series, site: pd.Series, side: pd.Series,
                trial: pd.Series | None = None) -> pd.Series:
    """Column names ``<id>[_<site>][_<side>][_<trial>]`` (site/side left out when none)."""
    name = (ids.astype(str) + ("_" + site.astype(str)).where(site.ne(NO_SITE), "")
            + ("_" + side.astype(str)).where(side.ne(NO_SITE), ""))
    return name if trial is None else name + "_" + trial.astype(str)


def parse_column(name: str, *, kind: str = "measure") -> dict | None:
    """Split a painmech column name into id, site, side (and trial for measures).

    Returns ``None`` when the name does not start with a registered id (the
    longest matching id wins: ``cpm_ppt_before_...`` is not ``ppt``).
    """
    known = MEASURES if kind == "measure" else METRICS
    ids = [k for k in known if name == k or name.startswith(k + "_")]
    if not ids:
        return None
    ident = max(ids, key=len)
    rest = name[len(ident) + 1:]
    out = {kind: ident, "site": NO_SITE, "side": NO_SITE}
    if kind == "measure":
        head, _, trial = rest.rpartition("_")
        if not trial.isdigit():
            return None
        out["trial"], rest = int(trial), head
    for side in SIDES:
        if side != NO_SITE and (rest == side or rest.endswith("_" + side)):
            out["side"], rest = side, rest[: -len(side)].rstrip("_")
            break
    if rest:
        out["site"] = rest
    return out


# --- writing ------------------------------------------------------------------------------


def _participants(subjects: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    bad = ~subjects["subject"].astype(str).str.match(_SUBJECT_LABEL)
    if bad.any():
        raise InputFormatError(
            "BIDS participant labels must be alphanumeric; relabel these pseudonyms: "
            + ", ".join(subjects.loc[bad, "subject"].astype(str)))
    table = pd.DataFrame({"participant_id": "sub-" + subjects["subject"].astype(str),
                          "sex": subjects["sex"], "age": format_numbers(subjects["age"]),
                          "condition": subjects["condition"]})
    if "group" in subjects:
        table["group"] = subjects["group"]
    sidecar = {
        "participant_id": {"Description": "painmech subject pseudonym."},
        "sex": {"Description": "Sex as recorded in painmech.", "Levels": _SEX_LEVELS},
        "age": {"Description": "Age at inclusion.", "Units": "year"},
        "condition": {"Description": "Clinical condition (painmech condition id).",
                      "Levels": {c.id: c.label_en for c in CONDITIONS.values()}},
    }
    if "group" in subjects:
        sidecar["group"] = {"Description": "Study group."}
    return table, sidecar


def _wide(long: pd.DataFrame, names: pd.Series, columns) -> pd.DataFrame:
    long = long.assign(_col=names.to_numpy(), _text=format_numbers(long["value"]).to_numpy(),
                       session_id="ses-" + long["visit"].astype(str))
    wide = long.pivot(index=["subject", "session_id"], columns="_col", values="_text")
    # pivot of string columns leaves one block per column; copy() consolidates them,
    # so that reset_index on a wide tool (> 100 columns) does not fragment the frame
    wide = wide.reindex(columns=list(columns)).astype(object).fillna("n/a").copy().reset_index()
    wide.insert(0, "participant_id", "sub-" + wide.pop("subject").astype(str))
    wide.columns.name = None
    return wide


def _describe(first: pd.DataFrame, names: pd.Series, registry: dict, derivative: bool,
              term_urls: Mapping[str, str]) -> dict:
    out = {"participant_id": {"Description": "painmech subject pseudonym."},
           "session_id": {"Description": "Visit: ses-<n> is painmech visit n."}}
    kind = "measure" if registry is MEASURES else "metric"
    for name, rec in zip(names, first.itertuples(index=False), strict=True):  # per column
        entry = registry[rec.key]
        parsed = parse_column(name, kind=kind) or {}
        if (parsed.get(kind), parsed.get("site"), parsed.get("side")) != (
                rec.key, rec.site, rec.side):
            raise InputFormatError(f"column name {name!r} would not read back as {rec.key}, "
                                   f"site {rec.site!r}, side {rec.side!r}; rename the site")
        parts = [p for p in (rec.site, rec.side) if p != NO_SITE]
        trial = getattr(rec, "trial", None)
        long_name = entry.label_en + (f" ({', '.join(parts)})" if parts else "")
        desc = {"LongName": long_name + (f", trial {trial}" if trial is not None else ""),
                "Description": getattr(entry, "description", "") or
                f"{entry.label_en}; source: {entry.source}",
                "Units": bids_unit(rec.unit)}
        if not derivative:
            desc["Minimum"], desc["Maximum"] = entry.hard
        if rec.unit in UNIT_LABELS and bids_unit(rec.unit) != UNIT_LABELS[rec.unit]:
            desc["Description"] += f" Unit: {UNIT_LABELS[rec.unit]}."
        if rec.key in term_urls:
            desc["TermURL"] = term_urls[rec.key]
        if derivative:
            desc["Derivative"] = True
        out[name] = desc
    return out


def write_bids(root: str | Path, *, subjects: pd.DataFrame | None = None,
               observations: pd.DataFrame | None = None, metrics: pd.DataFrame | None = None,
               tools: Mapping[str, str] | None = None, metrics_tool: str = "painmech_metrics",
               term_urls: Mapping[str, str] | None = None) -> list[Path]:
    """Write painmech tables as BIDS participants and phenotype files.

    Parameters
    ----------
    root : path-like
        Dataset folder (created if needed).
    subjects : pandas.DataFrame, optional
        Validated subjects → ``participants.tsv``.
    observations : pandas.DataFrame, optional
        Validated observations (canonical units) → ``phenotype/<tool>.tsv``.
    metrics : pandas.DataFrame, optional
        Metrics table → ``phenotype/<metrics_tool>.tsv`` with every value
        column marked ``"Derivative": true``.
    tools : mapping of measure id to tool name, optional
        Phenotype file of each measure; default one file per measure.
    term_urls : mapping of measure or metric id to URL, optional
        ``TermURL`` of the columns (only written when given).

    Returns
    -------
    list of pathlib.Path
        The TSV files written (each with its ``.json`` sidecar).
    """
    root = Path(root)
    term_urls = dict(term_urls or {})
    written = []
    if subjects is not None:
        table, sidecar = _participants(subjects)
        written.append(write_tsv(table, sidecar, root / "participants.tsv"))
    if observations is not None:
        obs = observations.assign(key=observations["measure"])
        wrong = obs["unit"].ne(obs["measure"].map({m.id: m.unit for m in MEASURES.values()}))
        if wrong.any():
            raise UnitError("observations must be in canonical units; validate them first")
        tool = obs["measure"].map(dict(tools)) if tools else obs["measure"]
        if tool.isna().any():
            raise ValueError("tools: no file given for measure(s) "
                             + ", ".join(sorted(set(obs.loc[tool.isna(), "measure"]))))
        for name, part in obs.groupby(tool, sort=True):  # one iteration per file
            part = part.sort_values(["measure", "site", "side", "trial"], kind="stable")
            cols = column_name(part["measure"], part["site"], part["side"], part["trial"])
            first = part.assign(_c=cols.to_numpy()).drop_duplicates("_c")
            sidecar = _describe(first, first["_c"], MEASURES, False, term_urls)
            written.append(write_tsv(_wide(part, cols, first["_c"]), sidecar,
                                     root / "phenotype" / f"{name}.tsv"))
    if metrics is not None:
        check_exportable(metrics, "metrics", "sessions are 'ses-<n>'")
        met = metrics.assign(key=metrics["metric"]).sort_values(
            ["metric", "site", "side"], kind="stable")
        cols = column_name(met["metric"], met["site"], met["side"])
        first = met.assign(_c=cols.to_numpy()).drop_duplicates("_c")
        unknown = sorted(set(first["metric"]) - set(METRICS))
        if unknown:
            raise InputFormatError(f"metric(s) not in the registry: {', '.join(unknown)}")
        sidecar = _describe(first, first["_c"], METRICS, True, term_urls)
        kept = met["value"].notna()
        written.append(write_tsv(_wide(met.loc[kept], cols[kept], first["_c"]), sidecar,
                                 root / "phenotype" / f"{metrics_tool}.tsv"))
    return written
