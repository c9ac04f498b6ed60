"""Instrument tables (TMS grid, tDCS MEP series, ROI time series) per visit.

They are stored as one column-oriented JSON document per subject, visit and
kind, and imported all or nothing like observations.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from painmech._utils._checks import problem_frame
from painmech.registry import parse_numbers
from painmech.storage._audit import Actor, record
from painmech.storage._auth import require
from painmech.storage._imports import ImportResult
from painmech.storage._models import ImportBatch, InstrumentRecord, Study, Subject, Visit

__all__ = ["INSTRUMENT_KINDS", "import_instrument", "load_instrument"]

#: Columns of each instrument table (design.md §3): (text columns, numeric columns).
INSTRUMENT_KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "tms_grid": (("muscle", "hemisphere"), ("x_cm", "y_cm", "stimulus", "mep_uv")),
    "tdcs_series": (("timepoint",), ("pulse", "mep_uv")),
    "roi_timeseries": (("roi",), ("t", "signal")),
}


def _check(frame: pd.DataFrame, kind: str, file: str, known: set[str]):
    texts, nums = INSTRUMENT_KINDS[kind]
    missing = [c for c in ("subject", "visit", *texts, *nums) if c not in frame.columns]
    if missing:
        return None, problem_frame([pd.DataFrame({"file": file, "row": 1, "column": missing,
                                                  "value": "",
                                                  "reason": "required column is missing"})])
    rows = frame["_row"] if "_row" in frame else pd.Series(np.arange(len(frame)) + 2,
                                                          index=frame.index)
    out = pd.DataFrame({"subject": frame["subject"].astype("string").fillna("").str.strip()})
    probs = []
    orphan = ~out["subject"].isin(known)
    probs.append(pd.DataFrame({"file": file, "row": rows[orphan], "column": "subject",
                               "value": out["subject"][orphan],
                               "reason": "subject is not in this study"}))
    visit = pd.to_numeric(frame["visit"], errors="coerce")
    bad = ~(visit.notna() & (visit >= 0) & (visit == np.floor(visit)))
    probs.append(pd.DataFrame({"file": file, "row": rows[bad], "column": "visit",
                               "value": frame["visit"][bad].astype(str),
                               "reason": "visit must be a whole number ≥ 0"}))
    out["visit"] = visit.where(~bad, -1).astype("int64")
    for col in texts:
        out[col] = frame[col].astype("string").fillna("").str.strip().astype(object)
        empty = out[col].eq("")
        probs.append(pd.DataFrame({"file": file, "row": rows[empty], "column": col,
                                   "value": "", "reason": "empty value"}))
    for col in nums:
        out[col], reason = parse_numbers(frame[col])
        bad = reason.ne("")
        probs.append(pd.DataFrame({"file": file, "row": rows[bad], "column": col,
                                   "value": frame[col][bad].astype(str), "reason": reason[bad]}))
    return out, problem_frame(probs)


def import_instrument(session: Session, actor: Actor, study: Study, kind: str,
                      frame: pd.DataFrame, *, source: str = "api") -> ImportResult:
    """Import an instrument table, all or nothing.

    Parameters
    ----------
    kind : {"tms_grid", "tdcs_series", "roi_timeseries"}
    frame : pandas.DataFrame
        ``subject, visit`` plus the columns of :data:`INSTRUMENT_KINDS`
        (e.g. TMS: ``muscle, hemisphere, x_cm, y_cm, stimulus, mep_uv`` with
        MEP amplitudes in µV and grid coordinates in cm). Subjects must exist
        in the study; visits are created when missing.

    Returns
    -------
    ImportResult
        ``n_observations`` counts the instrument rows stored.
    """
    if kind not in INSTRUMENT_KINDS:
        raise ValueError(f"Invalid value for the 'kind' parameter: {kind!r}. Allowed values "
                         f"are {', '.join(map(repr, INSTRUMENT_KINDS))}.")
    require(session, actor, study, "enter")
    subjects = dict(session.execute(sa.select(Subject.pseudonym, Subject.id).where(
        Subject.study_id == study.id, Subject.deleted_at.is_(None))).all())
    data, problems = _check(frame, kind, source, set(subjects))
    if not problems.empty:
        return ImportResult(False, problems)
    data["subject_id"] = data["subject"].map(subjects).astype("int64")
    visits = {(s, v): i for s, v, i in session.execute(
        sa.select(Visit.subject_id, Visit.visit, Visit.id).where(
            Visit.study_id == study.id, Visit.deleted_at.is_(None))).all()}
    taken = {(s, v) for s, v in session.execute(
        sa.select(Visit.subject_id, Visit.visit)
        .join(InstrumentRecord, InstrumentRecord.visit_id == Visit.id)
        .where(InstrumentRecord.kind == kind, InstrumentRecord.deleted_at.is_(None),
               Visit.study_id == study.id)).all()}
    groups = data.groupby(["subject_id", "visit"], sort=True)
    clash = [k for k in groups.groups if k in taken]
    if clash:
        return ImportResult(False, problem_frame([pd.DataFrame({
            "file": source, "row": 1, "column": "visit", "value": [str(v) for _, v in clash],
            "reason": f"{kind} data of this visit is stored already"})]))
    payload = data.to_csv(index=False).encode("utf-8")
    batch = ImportBatch(study_id=study.id, user_id=actor.user_id, source=source[:255],
                        sha256=hashlib.sha256(payload).hexdigest(), n_subjects=0, n_visits=0,
                        n_observations=0, n_instrument_rows=len(data))
    session.add(batch)
    session.flush()
    new_visits = [Visit(study_id=study.id, subject_id=int(s), visit=int(v))
                  for s, v in groups.groups if (s, v) not in visits]
    session.add_all(new_visits)
    session.flush()
    visits.update({(v.subject_id, v.visit): v.id for v in new_visits})
    cols = [c for c in data.columns if c not in ("subject", "visit", "subject_id")]
    session.add_all([
        InstrumentRecord(study_id=study.id, subject_id=int(s), visit_id=visits[(s, v)],
                         kind=kind, n_rows=len(part), import_id=batch.id,
                         data_json=part[cols].to_json(orient="split", index=False))
        for (s, v), part in groups])
    batch.n_visits = len(new_visits)
    session.flush()
    record(session, actor, "import", "instrument_data", batch.id, study_id=study.id,
           new={"kind": kind, "source": batch.source, "sha256": batch.sha256,
                "n_rows": len(data), "n_visits": len(new_visits)})
    return ImportResult(True, problem_frame(), import_id=batch.id, n_visits=len(new_visits),
                        n_observations=len(data))


def load_instrument(session: Session, actor: Actor, study: Study, kind: str,
                    subjects: list[str] | None = None) -> pd.DataFrame:
    """All stored rows of one instrument kind: ``subject, visit`` + its columns."""
    if kind not in INSTRUMENT_KINDS:
        raise ValueError(f"Invalid value for the 'kind' parameter: {kind!r}. Allowed values "
                         f"are {', '.join(map(repr, INSTRUMENT_KINDS))}.")
    require(session, actor, study, "view")
    query = (sa.select(Subject.pseudonym, Visit.visit, InstrumentRecord.data_json)
             .join(Subject, Subject.id == InstrumentRecord.subject_id)
             .join(Visit, Visit.id == InstrumentRecord.visit_id)
             .where(InstrumentRecord.study_id == study.id, InstrumentRecord.kind == kind,
                    InstrumentRecord.deleted_at.is_(None))
             .order_by(Subject.pseudonym, Visit.visit))
    if subjects is not None:
        query = query.where(Subject.pseudonym.in_(subjects))
    texts, nums = INSTRUMENT_KINDS[kind]
    parts = []
    for pseudonym, visit, doc in session.execute(query).all():
        spec = json.loads(doc)
        part = pd.DataFrame(spec["data"], columns=spec["columns"])
        parts.append(part.assign(subject=pseudonym, visit=int(visit)))
    cols = ["subject", "visit", *texts, *nums]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    out = pd.concat(parts, ignore_index=True)[cols]
    return out.astype({"visit": "int64", **{c: "float64" for c in nums}})
