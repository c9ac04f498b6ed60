"""Read observations as contract tables; change or remove single values.

Tables come back in the data contract of design.md §3, so every core function
(``measures``, ``norms``, ``mechanisms``, ...) can run on them directly.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from painmech.registry import validate_observations
from painmech.storage._audit import Actor, record
from painmech.storage._auth import require
from painmech.storage._errors import NotFound
from painmech.storage._models import Observation, Study, Subject, Visit, utcnow
from painmech.storage._studies import check_reason

__all__ = ["load_subjects", "load_observations", "update_observation", "delete_observation",
           "observation_state", "OBS_COLUMNS", "SUBJECT_COLUMNS"]

SUBJECT_COLUMNS = ["subject", "sex", "age", "condition", "group"]
OBS_COLUMNS = ["subject", "visit", "measure", "site", "side", "trial", "value", "unit",
               "value_raw", "unit_raw", "flag", "date"]


def load_subjects(session: Session, actor: Actor, study: Study,
                  subjects: Sequence[str] | None = None) -> pd.DataFrame:
    """The subjects table of a study: ``subject, sex, age, condition, group``."""
    require(session, actor, study, "view")
    query = (sa.select(Subject.pseudonym, Subject.sex, Subject.age, Subject.condition,
                       Subject.group)
             .where(Subject.study_id == study.id, Subject.deleted_at.is_(None))
             .order_by(Subject.pseudonym))
    if subjects is not None:
        query = query.where(Subject.pseudonym.in_(list(subjects)))
    rows = session.execute(query).all()
    frame = pd.DataFrame(rows, columns=SUBJECT_COLUMNS)
    frame["age"] = frame["age"].astype("float64")
    frame["group"] = frame["group"].astype(object).where(frame["group"].notna(), "")
    return frame


def _frame(session: Session, query, columns: list[str]) -> pd.DataFrame:
    """Rows of a column query as a DataFrame, fetched as the driver's plain tuples.

    Skipping SQLAlchemy's per-row objects makes a 150,000-row study load about
    3× faster; the only column whose driver value differs (SQLite gives the
    visit date as ISO text, PostgreSQL as a date) is parsed by the caller
    with :func:`pandas.to_datetime`, which accepts both.
    """
    result = session.connection().execute(query)
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    return pd.DataFrame.from_records(rows, columns=columns, nrows=len(rows))


def load_observations(session: Session, actor: Actor, study: Study, *,
                      subjects: Sequence[str] | None = None,
                      visits: Sequence[int] | None = None,
                      measures: Sequence[str] | None = None,
                      with_ids: bool = False) -> pd.DataFrame:
    """Observations of a study in canonical units.

    Returns
    -------
    pandas.DataFrame
        ``subject, visit, measure, site, side, trial, value, unit, value_raw,
        unit_raw, flag, date`` (``date`` of the visit, may be missing), plus
        ``id`` when ``with_ids``. ``visit`` and ``trial`` are int64, ``value``
        float64 in the measure's canonical unit.
    """
    require(session, actor, study, "view")
    query = (sa.select(Subject.pseudonym, Visit.visit, Observation.measure, Observation.site,
                       Observation.side, Observation.trial, Observation.value, Observation.unit,
                       Observation.value_raw, Observation.unit_raw, Observation.flag, Visit.date,
                       Observation.id)
             .join(Subject, Subject.id == Observation.subject_id)
             .join(Visit, Visit.id == Observation.visit_id)
             .where(Observation.study_id == study.id, Observation.deleted_at.is_(None))
             .order_by(Subject.pseudonym, Visit.visit, Observation.measure, Observation.site,
                       Observation.side, Observation.trial))
    if subjects is not None:
        query = query.where(Subject.pseudonym.in_(list(subjects)))
    if visits is not None:
        query = query.where(Visit.visit.in_([int(v) for v in visits]))
    if measures is not None:
        query = query.where(Observation.measure.in_(list(measures)))
    frame = _frame(session, query, [*OBS_COLUMNS, "id"])
    for col in ("visit", "trial", "id"):
        frame[col] = frame[col].astype("int64")
    for col in ("value", "value_raw"):
        frame[col] = frame[col].astype("float64")
    # dates (datetime.date from PostgreSQL, ISO text from SQLite) at day-exact second resolution
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[s]")
    return frame if with_ids else frame.drop(columns="id")


def observation_state(obs: Observation) -> dict:
    """The stored fields of an observation (for audit entries)."""
    return {"measure": obs.measure, "site": obs.site, "side": obs.side, "trial": obs.trial,
            "value": obs.value, "unit": obs.unit, "value_raw": obs.value_raw,
            "unit_raw": obs.unit_raw, "flag": obs.flag}


def _get(session: Session, study: Study, obs_id: int) -> tuple[Observation, str, int]:
    row = session.execute(
        sa.select(Observation, Subject.pseudonym, Visit.visit)
        .join(Subject, Subject.id == Observation.subject_id)
        .join(Visit, Visit.id == Observation.visit_id)
        .where(Observation.id == int(obs_id), Observation.study_id == study.id,
               Observation.deleted_at.is_(None))).first()
    if row is None:
        raise NotFound(f"no observation {obs_id} in study {study.code!r}")
    return row[0], row[1], row[2]


def update_observation(session: Session, actor: Actor, study: Study, obs_id: int,
                       value: object, unit: str | None = None, *, reason: str) -> Observation:
    """Change a stored value (editors and owners; a reason is required).

    The new value is validated like an imported one (unit conversion, hard
    limits) and the audit entry records the old and new value.

    Raises
    ------
    ReasonRequired, NotFound, ValidationError
    """
    require(session, actor, study, "edit")
    reason = check_reason(reason)
    obs, pseudonym, visit = _get(session, study, obs_id)
    frame = pd.DataFrame({"subject": [pseudonym], "visit": [str(visit)],
                          "measure": [obs.measure], "site": [obs.site], "side": [obs.side],
                          "trial": [str(obs.trial)], "value": [value],
                          "unit": [unit if unit is not None else obs.unit_raw]})
    new = validate_observations(frame, file="<observation>", warn=False).raise_if_problems()
    old = observation_state(obs)
    rec = new.iloc[0]
    obs.value, obs.unit = float(rec["value"]), str(rec["unit"])
    obs.value_raw, obs.unit_raw, obs.flag = float(rec["value_raw"]), str(rec["unit_raw"]), \
        str(rec["flag"])
    obs.updated_at = utcnow()
    session.flush()
    record(session, actor, "update", "observation", obs.id, study_id=study.id,
           old={"subject": pseudonym, "visit": visit, **old},
           new={"subject": pseudonym, "visit": visit, **observation_state(obs)}, reason=reason)
    return obs


def delete_observation(session: Session, actor: Actor, study: Study, obs_id: int, *,
                       reason: str) -> None:
    """Soft-delete one observation (owners only; a reason is required)."""
    require(session, actor, study, "delete")
    reason = check_reason(reason)
    obs, pseudonym, visit = _get(session, study, obs_id)
    obs.deleted_at = utcnow()
    session.flush()
    record(session, actor, "delete", "observation", obs.id, study_id=study.id,
           old={"subject": pseudonym, "visit": visit, **observation_state(obs)}, reason=reason)

