"""All-or-nothing imports of subjects and observations.

An import is validated completely — file format, every rule of the registry
(:func:`painmech.registry.validate_subjects`,
:func:`painmech.registry.validate_observations`) and the clashes with what the
study already holds — before a single row is written. On any problem nothing
is written and the problem table (``file, row, column, value, reason``) is
returned. Otherwise subjects, visits and observations are inserted in the
caller's transaction together with one audit entry.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from painmech._utils._checks import problem_frame
from painmech.exceptions import InputFormatError
from painmech.io import read_table
from painmech.registry import validate_observations, validate_subjects
from painmech.storage._audit import Actor, record
from painmech.storage._auth import require
from painmech.storage._models import ImportBatch, Observation, Study, Subject, Visit
from painmech.storage._studies import new_date_shift

__all__ = ["ImportResult", "import_files", "import_frames"]

_KEY = ["subject", "visit", "measure", "site", "side", "trial"]
#: An Excel workbook may unpack to at most this many bytes, at most this ratio
#: of its packed size (zip-bomb guard; real study workbooks stay far below).
MAX_XLSX_UNPACKED = 200 * 1024 * 1024
MAX_XLSX_RATIO = 150


def _zip_bomb(path: Path) -> str:
    """Why an .xlsx file must not be opened, or ``""``."""
    if path.suffix.lower() not in (".xlsx", ".xlsm") or not zipfile.is_zipfile(path):
        return ""
    with zipfile.ZipFile(path) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    packed = max(path.stat().st_size, 1)
    if unpacked > MAX_XLSX_UNPACKED or unpacked / packed > MAX_XLSX_RATIO:
        return (f"the workbook unpacks to {unpacked / 1e6:.0f} MB ({unpacked / packed:.0f}× its "
                f"size); refused as a possible zip bomb (limits {MAX_XLSX_UNPACKED / 1e6:.0f} "
                f"MB, {MAX_XLSX_RATIO}×)")
    return ""


@dataclass
class ImportResult:
    """Outcome of an import.

    Attributes
    ----------
    ok : bool
        True when the import was stored.
    problems : pandas.DataFrame
        ``file, row, column, value, reason``; empty when ``ok``.
    flags : pandas.DataFrame
        Values kept but outside the usual range (same columns).
    import_id : int or None
    n_subjects, n_visits, n_observations : int
        Rows created.
    """

    ok: bool
    problems: pd.DataFrame
    flags: pd.DataFrame = field(default_factory=problem_frame)
    import_id: int | None = None
    n_subjects: int = 0
    n_visits: int = 0
    n_observations: int = 0


def _problem(file: str, row: int, column: str, value: object, reason: str) -> pd.DataFrame:
    return pd.DataFrame({"file": [file], "row": [row], "column": [column], "value": [value],
                         "reason": [reason]})


def _rejected(problems: list[pd.DataFrame], flags: pd.DataFrame | None = None) -> ImportResult:
    return ImportResult(False, problem_frame(problems),
                        flags if flags is not None else problem_frame())


def import_files(session: Session, actor: Actor, study: Study, observations: str | Path,
                 subjects: str | Path | None = None, *, names: tuple[str, str] | None = None,
                 sep: str | None = None, decimal: str | None = None,
                 encoding: str | None = None, sheet: str | int = 0) -> ImportResult:
    """Import an observations file (and a subjects file), all or nothing.

    Parameters
    ----------
    session : Session
        A write session (``Database.write()``).
    actor : Actor
        Needs the ``enter`` permission in ``study``.
    study : Study
    observations, subjects : path-like
        CSV (English or German conventions), Excel or Parquet, as read by
        :func:`painmech.io.read_table`.
    names : (str, str), optional
        Names shown in the problem table instead of the paths (e.g. the
        original names of uploaded files).
    sep, decimal, encoding, sheet
        Passed to :func:`painmech.io.read_table`; detected when omitted.

    Returns
    -------
    ImportResult
    """
    require(session, actor, study, "enter")
    paths = [Path(observations)] + ([Path(subjects)] if subjects is not None else [])
    labels = list(names or ()) + [str(p) for p in paths][len(names or ()):]
    tables = []
    for path, label in zip(paths, labels, strict=False):
        bomb = _zip_bomb(path) if path.is_file() else ""
        if bomb:
            return _rejected([_problem(label, 1, "", "", bomb)])
        try:
            tables.append(read_table(path, sep=sep, decimal=decimal, encoding=encoding,
                                     sheet=sheet))
        except InputFormatError as err:
            return _rejected([_problem(label, err.row or 1, err.column, err.value,
                                       str(err).replace(str(path), label))])
    digest = hashlib.sha256()
    for path in paths:
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    subj_table = tables[1][0] if subjects is not None else None
    if subj_table is not None:
        subj_table.attrs["decimal"] = tables[1][1].decimal
    return import_frames(session, actor, study, tables[0][0], subj_table,
                         source=" + ".join(labels), decimal=tables[0][1].decimal,
                         files=tuple(labels), digest=digest.hexdigest())


def _existing_subjects(session: Session, study: Study) -> pd.DataFrame:
    rows = session.execute(sa.select(Subject.id, Subject.pseudonym, Subject.sex, Subject.age,
                                     Subject.condition)
                           .where(Subject.study_id == study.id, Subject.deleted_at.is_(None)))
    return pd.DataFrame(rows.all(), columns=["id", "subject", "sex", "age", "condition"])


def _subject_clashes(new: pd.DataFrame, rows: pd.Series, old: pd.DataFrame,
                     file: str) -> list[pd.DataFrame]:
    both = new.assign(_row=rows.to_numpy()).merge(old, on="subject", suffixes=("", "_db"))
    out = []
    for col in ("sex", "condition"):
        bad = both[col].ne(both[f"{col}_db"])
        out.append(pd.DataFrame({"file": file, "row": both.loc[bad, "_row"], "column": col,
                                 "value": both.loc[bad, col],
                                 "reason": "subject is stored with " + col + " "
                                 + both.loc[bad, f"{col}_db"].astype(str)
                                 + "; change it in the subject record with a reason"}))
    bad = ~np.isclose(both["age"].astype(float), both["age_db"].astype(float))
    out.append(pd.DataFrame({"file": file, "row": both.loc[bad, "_row"], "column": "age",
                             "value": both.loc[bad, "age"],
                             "reason": "subject is stored with age "
                             + both.loc[bad, "age_db"].astype(str)
                             + "; change it in the subject record with a reason"}))
    return out


def _observation_clashes(session: Session, study: Study, obs: pd.DataFrame, rows: np.ndarray,
                         file: str) -> list[pd.DataFrame]:
    subjects = pd.unique(obs["subject"]).tolist()
    stored = []
    for start in range(0, len(subjects), 500):  # bounded IN lists
        stored += session.execute(
            sa.select(Subject.pseudonym, Visit.visit, Observation.measure, Observation.site,
                      Observation.side, Observation.trial, Observation.id)
            .join(Subject, Subject.id == Observation.subject_id)
            .join(Visit, Visit.id == Observation.visit_id)
            .where(Observation.study_id == study.id, Observation.deleted_at.is_(None),
                   Subject.pseudonym.in_(subjects[start:start + 500]))).all()
    if not stored:
        return []
    stored = pd.DataFrame(stored, columns=[*_KEY, "id"]).astype({"visit": "int64",
                                                                 "trial": "int64"})
    hit = obs[_KEY].assign(_row=rows).merge(stored, on=_KEY, how="inner")
    return [pd.DataFrame({"file": file, "row": hit["_row"], "column": "value",
                          "value": hit["measure"],
                          "reason": "already stored as observation " + hit["id"].astype(str)
                          + " (same subject, visit, measure, site, side, trial); change the "
                          "stored value with a reason instead"})]


def import_frames(session: Session, actor: Actor, study: Study, observations: pd.DataFrame,
                  subjects: pd.DataFrame | None = None, *, source: str = "api",
                  decimal: str = ".", files: tuple[str, ...] = ("<observations>",
                                                                "<subjects>"),
                  digest: str | None = None) -> ImportResult:
    """Import observation (and subject) tables, all or nothing.

    Parameters
    ----------
    observations : pandas.DataFrame
        Raw cells as read from a file or sent by a client: ``subject, visit,
        measure, value, unit[, site, side, trial, date]`` (``_row`` gives
        source row numbers).
    subjects : pandas.DataFrame, optional
        ``subject, sex, age, condition[, group]`` for new subjects. Observed
        subjects must be in this table or already in the study.
    source : str
        Name recorded with the import (file names, "web form", "api").
    decimal : {".", ","}
        Decimal mark of text cells.
    files : tuple of str
        Names of the observations and subjects sources in the problem table.
    digest : str, optional
        SHA-256 of the source bytes (computed from the validated rows if omitted).

    Returns
    -------
    ImportResult
    """
    require(session, actor, study, "enter")
    obs_file = files[0]
    subj_file = files[1] if len(files) > 1 else "<subjects>"
    existing = _existing_subjects(session, study)
    problems: list[pd.DataFrame] = []
    flags: list[pd.DataFrame] = []
    new_subjects = pd.DataFrame(columns=["subject", "sex", "age", "condition", "group"])
    known = set(existing["subject"])
    if subjects is not None:
        checked = validate_subjects(subjects, file=subj_file)
        problems.append(checked.problems)
        flags.append(checked.flags)
        if checked.ok:
            rows = subjects["_row"] if "_row" in subjects else pd.Series(
                np.arange(len(subjects)) + 2)
            problems += _subject_clashes(checked.data, rows, existing, subj_file)
            new_subjects = checked.data.loc[~checked.data["subject"].isin(known)]
            known |= set(checked.data["subject"])
        elif "subject" in subjects.columns:
            known |= set(subjects["subject"].astype(str).str.strip())
    checked = validate_observations(observations, subjects=pd.DataFrame(
        {"subject": sorted(known)}), file=obs_file, decimal=decimal, warn=False)
    problems.append(checked.problems)
    flags.append(checked.flags)
    flag_table = problem_frame(flags)
    if not checked.ok or not problem_frame(problems).empty:
        return _rejected(problems, flag_table)
    obs = checked.data
    rows = (observations["_row"].to_numpy() if "_row" in observations
            else np.arange(len(observations)) + 2)
    clashes = problem_frame(_observation_clashes(session, study, obs, rows, obs_file))
    if not clashes.empty:
        return _rejected([clashes], flag_table)
    return _store(session, actor, study, obs, new_subjects, existing, source, digest, flag_table)


def _store(session, actor, study, obs, new_subjects, existing, source, digest, flags):
    if digest is None:
        digest = hashlib.sha256(obs.to_csv(index=False).encode("utf-8")).hexdigest()
    batch = ImportBatch(study_id=study.id, user_id=actor.user_id, source=source[:255],
                        sha256=digest, n_subjects=len(new_subjects), n_visits=0,
                        n_observations=len(obs))
    session.add(batch)
    created = [Subject(study_id=study.id, pseudonym=r.subject, sex=r.sex, age=float(r.age),
                       condition=r.condition, group=(getattr(r, "group", "") or None),
                       date_shift_days=new_date_shift())
               for r in new_subjects.itertuples(index=False)]
    session.add_all(created)
    session.flush()
    subject_ids = dict(zip(existing["subject"], existing["id"].astype(int), strict=True))
    subject_ids.update({s.pseudonym: s.id for s in created})
    obs = obs.assign(subject_id=obs["subject"].map(subject_ids).astype("int64"))
    stored_visits = pd.DataFrame(session.execute(
        sa.select(Visit.subject_id, Visit.visit, Visit.id)
        .where(Visit.study_id == study.id, Visit.deleted_at.is_(None),
               Visit.subject_id.in_(pd.unique(obs["subject_id"]).tolist()))).all(),
        columns=["subject_id", "visit", "visit_id"]).astype("int64")
    pairs = obs.drop_duplicates(["subject_id", "visit"])
    pairs = pairs.merge(stored_visits, on=["subject_id", "visit"], how="left")
    missing = pairs.loc[pairs["visit_id"].isna()]
    dates = (missing["date"] if "date" in missing else pd.Series(pd.NaT, index=missing.index))
    new_visits = [Visit(study_id=study.id, subject_id=int(s), visit=int(v),
                        date=None if pd.isna(d) else pd.Timestamp(d).date())
                  for s, v, d in zip(missing["subject_id"], missing["visit"], dates,
                                     strict=True)]
    session.add_all(new_visits)
    session.flush()
    visit_ids = pd.concat([stored_visits, pd.DataFrame(
        {"subject_id": [v.subject_id for v in new_visits], "visit": [v.visit for v in new_visits],
         "visit_id": [v.id for v in new_visits]}, dtype="int64")], ignore_index=True)
    obs = obs.merge(visit_ids, on=["subject_id", "visit"], how="left", validate="many_to_one")
    records = pd.DataFrame({
        "study_id": study.id, "subject_id": obs["subject_id"], "visit_id": obs["visit_id"],
        "measure": obs["measure"], "site": obs["site"], "side": obs["side"],
        "trial": obs["trial"], "value": obs["value"], "unit": obs["unit"],
        "value_raw": obs["value_raw"], "unit_raw": obs["unit_raw"], "flag": obs["flag"],
        "import_id": batch.id,
    }).astype(object).to_dict("records")
    if records:
        session.execute(sa.insert(Observation), records)
    batch.n_visits = len(new_visits)
    session.flush()
    record(session, actor, "import", "import", batch.id, study_id=study.id, new={
        "source": batch.source, "sha256": digest, "n_subjects": len(created),
        "n_visits": len(new_visits), "n_observations": len(records),
        "new_subjects": [s.pseudonym for s in created]})
    return ImportResult(True, problem_frame(), flags, batch.id, len(created), len(new_visits),
                        len(records))
