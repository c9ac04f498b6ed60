"""Repository functions for studies, subjects and visits.

Every function takes a session and the acting :class:`Actor`, checks the
actor's role, and writes an audit entry for each change in the same
transaction. Deletes are soft (``deleted_at``) and need a reason.
"""

from __future__ import annotations

import re
import secrets
from datetime import date

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from painmech.registry import validate_subjects
from painmech.storage._audit import Actor, record
from painmech.storage._auth import require, role_of
from painmech.storage._errors import Conflict, NotFound, PermissionDenied, ReasonRequired
from painmech.storage._models import (
    Membership,
    Observation,
    Study,
    Subject,
    User,
    Visit,
    utcnow,
)

__all__ = [
    "STUDY_CODE_RULE", "check_study_code",
    "create_study", "get_study", "study_code", "list_studies", "delete_study", "add_subject",
    "get_subject", "list_subjects", "update_subject", "delete_subject", "add_visit",
    "get_visit",
    "list_visits", "delete_visit", "check_reason", "subject_state", "new_date_shift",
]

_CODE = re.compile(r"^[a-z0-9][a-z0-9_\-]{1,63}$")
#: What a study code may be, in words (every refusal quotes it). Codes are case-sensitive
#: identifiers in web addresses and the audit trail; painmech keeps them lower case rather
#: than folding "S1" to "s1" silently.
STUDY_CODE_RULE = ("2–64 characters: lower-case letters a–z, digits, '_' or '-', starting "
                   "with a letter or digit (e.g. 'lbp-2024')")
#: Date shifts of exports are drawn from ±1–180 days, per subject.
_MAX_SHIFT_DAYS = 180


def check_reason(reason: str | None) -> str:
    """Return the stripped reason; raise :class:`ReasonRequired` when it is empty."""
    text = (reason or "").strip()
    if len(text) < 3:
        raise ReasonRequired("a reason (at least 3 characters) is required to change or "
                             "remove stored data")
    return text[:2000]


def new_date_shift() -> int:
    """A random, non-zero date shift in days (±1–180), drawn once per subject."""
    days = secrets.randbelow(_MAX_SHIFT_DAYS) + 1
    return days if secrets.randbelow(2) else -days


def check_study_code(code: str) -> str:
    """Return ``code`` if it is a valid study code; otherwise say why (:data:`STUDY_CODE_RULE`).

    Raises
    ------
    ValueError
        With the rule, the code received and, when only its case is wrong,
        the lower-case code to use instead.
    """
    if _CODE.match(code or ""):
        return code
    hint = (f"; did you mean {code.lower()!r}?" if _CODE.match((code or "").lower())
            else "")
    raise ValueError(f"study code {code!r} is not valid: a study code is {STUDY_CODE_RULE}"
                     f"{hint}")


def create_study(session: Session, actor: Actor, code: str, title: str,
                 description: str = "") -> Study:
    """Create a study; the creating user becomes its owner.

    Only site administrators, the command line (:data:`SYSTEM`) and users an
    administrator allowed to (``may_create_studies``) create studies.

    Parameters
    ----------
    code : str
        Short identifier used in URLs: :data:`STUDY_CODE_RULE` (upper case is
        refused with the lower-case code suggested, not folded).

    Raises
    ------
    PermissionDenied
        When the actor may not create studies.
    ValueError
        If the code or the title is not acceptable.
    Conflict
        If a study with this code exists.
    """
    if actor.user_id is not None and not actor.is_admin and not session.execute(
            sa.select(User.may_create_studies).where(User.id == actor.user_id)).scalar():
        raise PermissionDenied(f"{actor.username!r} may not create studies: ask a site "
                               "administrator (`painmech db allow-studies NAME`)",
                               "create_study")
    check_study_code(code)
    title = (title or "").strip()
    if not title:
        raise ValueError("a study needs a title")
    if session.execute(sa.select(Study.id).where(Study.code == code)).first():
        raise Conflict(f"study {code!r} exists already")
    study = Study(code=code, title=title[:200], description=description or "")
    session.add(study)
    session.flush()
    if actor.user_id is not None:
        session.add(Membership(user_id=actor.user_id, study_id=study.id, role="owner"))
    record(session, actor, "create", "study", study.code, study_id=study.id,
           new={"code": code, "title": study.title, "description": study.description})
    return study


def get_study(session: Session, code: str, actor: Actor | None = None) -> Study:
    """The study with this code (not deleted); :class:`NotFound` otherwise.

    Given the ``actor``, a study in which the actor holds no role (and is no
    site administrator) raises :class:`PermissionDenied` with ``hidden`` set,
    before anything else about the study is looked up: the API answers it
    exactly like a study that does not exist.
    """
    study = session.execute(sa.select(Study).where(Study.code == code,
                                                   Study.deleted_at.is_(None))).scalar()
    if study is None:
        lower = (code or "").lower()
        near = None if lower == code else session.execute(sa.select(Study).where(
            Study.code == lower, Study.deleted_at.is_(None))).scalar()
        if near is not None and actor is not None and not _visible(session, actor, near):
            near = None  # never name a study the actor may not see
        raise NotFound(f"no study {code!r}" + (f"; study codes are lower case — did you mean "
                                                f"{lower!r}?" if near else ""))
    if actor is not None and not _visible(session, actor, study):
        require(session, actor, study, "view")  # raises, hidden
    return study


def _visible(session: Session, actor: Actor, study: Study) -> bool:
    """True when the actor holds a role in the study or administers the site."""
    if actor.is_admin and actor.token_study_id in (None, study.id):
        return True
    return role_of(session, actor, study) is not None


def study_code(session: Session, study_id: int) -> str | None:
    """The code of the study with this id (``None`` when there is none)."""
    return session.execute(sa.select(Study.code).where(Study.id == study_id)).scalar()


def list_studies(session: Session, actor: Actor) -> pd.DataFrame:
    """Studies the actor can see: ``code, title, description, role, n_subjects``."""
    n_subj = (sa.select(Subject.study_id, sa.func.count().label("n"))
              .where(Subject.deleted_at.is_(None)).group_by(Subject.study_id).subquery())
    query = (sa.select(Study, sa.func.coalesce(n_subj.c.n, 0))
             .outerjoin(n_subj, n_subj.c.study_id == Study.id)
             .where(Study.deleted_at.is_(None)).order_by(Study.code))
    if actor.user_id is not None:
        query = query.join(Membership, sa.and_(Membership.study_id == Study.id,
                                               Membership.user_id == actor.user_id))
    if actor.token_study_id is not None:
        query = query.where(Study.id == actor.token_study_id)
    rows = session.execute(query).all()
    return pd.DataFrame(
        [{"code": s.code, "title": s.title, "description": s.description,
          "role": role_of(session, actor, s), "n_subjects": int(n)} for s, n in rows],
        columns=["code", "title", "description", "role", "n_subjects"])


def delete_study(session: Session, actor: Actor, study: Study, reason: str) -> None:
    """Soft-delete a study (owners only)."""
    require(session, actor, study, "delete")
    reason = check_reason(reason)
    study.deleted_at = utcnow()
    record(session, actor, "delete", "study", study.code, study_id=study.id,
           old={"code": study.code, "title": study.title}, reason=reason)


def subject_state(subject: Subject) -> dict:
    """The stored fields of a subject as a plain dict (for audit entries)."""
    return {"subject": subject.pseudonym, "sex": subject.sex, "age": subject.age,
            "condition": subject.condition, "group": subject.group}


def _validated_subject(pseudonym, sex, age, condition, group) -> dict:
    frame = pd.DataFrame({"subject": [pseudonym], "sex": [sex], "age": [age],
                          "condition": [condition]})
    if group is not None:
        frame["group"] = [group]
    checked = validate_subjects(frame, file="<subject>")
    out = checked.raise_if_problems().iloc[0].to_dict()
    if len(out["subject"]) > 64:
        raise ValueError("pseudonym longer than 64 characters")
    return out


def add_subject(session: Session, actor: Actor, study: Study, pseudonym: str, sex: str,
                age: float, condition: str, group: str | None = None) -> Subject:
    """Add a subject (editors and owners); validated like a subjects file.

    Raises
    ------
    ValidationError
        With the problem table when a field is invalid (e.g. unknown condition).
    Conflict
        When the pseudonym is taken in this study.
    """
    require(session, actor, study, "enter")
    rec = _validated_subject(pseudonym, sex, age, condition, group)
    if _find_subject(session, study, rec["subject"]) is not None:
        raise Conflict(f"subject {rec['subject']!r} exists already in study {study.code!r}")
    subject = Subject(study_id=study.id, pseudonym=rec["subject"], sex=rec["sex"],
                      age=float(rec["age"]), condition=rec["condition"],
                      group=rec.get("group") or None, date_shift_days=new_date_shift())
    session.add(subject)
    session.flush()
    record(session, actor, "create", "subject", subject.pseudonym, study_id=study.id,
           new=subject_state(subject))
    return subject


def _find_subject(session: Session, study: Study, pseudonym: str) -> Subject | None:
    return session.execute(sa.select(Subject).where(
        Subject.study_id == study.id, Subject.pseudonym == pseudonym,
        Subject.deleted_at.is_(None))).scalar()


def get_subject(session: Session, study: Study, pseudonym: str) -> Subject:
    """The subject with this pseudonym in the study; :class:`NotFound` otherwise."""
    subject = _find_subject(session, study, pseudonym)
    if subject is None:
        raise NotFound(f"no subject {pseudonym!r} in study {study.code!r}")
    return subject


def list_subjects(session: Session, actor: Actor, study: Study, search: str | None = None,
                  limit: int = 500, offset: int = 0) -> pd.DataFrame:
    """Subjects of a study: ``subject, sex, age, condition, group, n_visits, last_visit``.

    ``search`` matches part of the pseudonym, condition or group (case-insensitive).
    """
    require(session, actor, study, "view")
    visits = (sa.select(Visit.subject_id, sa.func.count().label("n"),
                        sa.func.max(Visit.visit).label("last"))
              .where(Visit.deleted_at.is_(None)).group_by(Visit.subject_id).subquery())
    query = (sa.select(Subject, sa.func.coalesce(visits.c.n, 0), visits.c.last)
             .outerjoin(visits, visits.c.subject_id == Subject.id)
             .where(Subject.study_id == study.id, Subject.deleted_at.is_(None))
             .order_by(Subject.pseudonym).limit(min(int(limit), 5000)).offset(int(offset)))
    if search:
        pattern = "%" + search.strip().lower().replace("\\", "\\\\").replace("%", "\\%") \
            .replace("_", "\\_") + "%"
        query = query.where(sa.or_(
            sa.func.lower(Subject.pseudonym).like(pattern, escape="\\"),
            sa.func.lower(Subject.condition).like(pattern, escape="\\"),
            sa.func.lower(sa.func.coalesce(Subject.group, "")).like(pattern, escape="\\")))
    rows = session.execute(query).all()
    cols = ["subject", "sex", "age", "condition", "group", "n_visits", "last_visit"]
    return pd.DataFrame(
        [{**subject_state(s), "n_visits": int(n), "last_visit": last} for s, n, last in rows],
        columns=cols)


def update_subject(session: Session, actor: Actor, study: Study, pseudonym: str,
                   changes: dict, reason: str) -> Subject:
    """Change a subject's sex, age, condition or group (a reason is required)."""
    require(session, actor, study, "edit")
    reason = check_reason(reason)
    subject = get_subject(session, study, pseudonym)
    unknown = set(changes) - {"sex", "age", "condition", "group"}
    if unknown:
        raise ValueError(f"cannot change {', '.join(sorted(unknown))}; allowed: sex, age, "
                         "condition, group (a pseudonym is never renamed)")
    old = subject_state(subject)
    merged = {**old, **changes}
    rec = _validated_subject(subject.pseudonym, merged["sex"], merged["age"],
                             merged["condition"], merged["group"])
    subject.sex, subject.age, subject.condition = rec["sex"], float(rec["age"]), rec["condition"]
    subject.group = rec.get("group") or None
    session.flush()
    record(session, actor, "update", "subject", subject.pseudonym, study_id=study.id,
           old=old, new=subject_state(subject), reason=reason)
    return subject


def delete_subject(session: Session, actor: Actor, study: Study, pseudonym: str,
                   reason: str) -> None:
    """Soft-delete a subject with all its visits and observations (owners only)."""
    require(session, actor, study, "delete")
    reason = check_reason(reason)
    subject = get_subject(session, study, pseudonym)
    now = utcnow()
    n_obs = session.execute(sa.update(Observation).where(
        Observation.subject_id == subject.id, Observation.deleted_at.is_(None))
        .values(deleted_at=now)).rowcount
    session.execute(sa.update(Visit).where(Visit.subject_id == subject.id,
                                           Visit.deleted_at.is_(None)).values(deleted_at=now))
    subject.deleted_at = now
    session.flush()
    record(session, actor, "delete", "subject", subject.pseudonym, study_id=study.id,
           old={**subject_state(subject), "n_observations": n_obs}, reason=reason)


def add_visit(session: Session, actor: Actor, study: Study, pseudonym: str, visit: int,
              visit_date: date | None = None) -> Visit:
    """Add a visit (number ≥ 0, optional date) to a subject."""
    require(session, actor, study, "enter")
    subject = get_subject(session, study, pseudonym)
    visit = int(visit)
    if visit < 0:
        raise ValueError(f"visit must be a whole number ≥ 0, got {visit}")
    if _find_visit(session, subject, visit) is not None:
        raise Conflict(f"visit {visit} of {pseudonym!r} exists already")
    row = Visit(study_id=study.id, subject_id=subject.id, visit=visit, date=visit_date)
    session.add(row)
    session.flush()
    record(session, actor, "create", "visit", f"{pseudonym}/{visit}", study_id=study.id,
           new={"subject": pseudonym, "visit": visit, "date": visit_date})
    return row


def _find_visit(session: Session, subject: Subject, visit: int) -> Visit | None:
    return session.execute(sa.select(Visit).where(
        Visit.subject_id == subject.id, Visit.visit == int(visit),
        Visit.deleted_at.is_(None))).scalar()


def get_visit(session: Session, study: Study, pseudonym: str, visit: int) -> Visit:
    """A subject's visit; :class:`NotFound` otherwise."""
    row = _find_visit(session, get_subject(session, study, pseudonym), visit)
    if row is None:
        raise NotFound(f"no visit {visit} of {pseudonym!r} in study {study.code!r}")
    return row


def list_visits(session: Session, actor: Actor, study: Study, pseudonym: str) -> pd.DataFrame:
    """Visits of a subject: ``visit, date, n_observations``."""
    require(session, actor, study, "view")
    subject = get_subject(session, study, pseudonym)
    n_obs = (sa.select(Observation.visit_id, sa.func.count().label("n"))
             .where(Observation.deleted_at.is_(None)).group_by(Observation.visit_id).subquery())
    rows = session.execute(
        sa.select(Visit.visit, Visit.date, sa.func.coalesce(n_obs.c.n, 0))
        .outerjoin(n_obs, n_obs.c.visit_id == Visit.id)
        .where(Visit.subject_id == subject.id, Visit.deleted_at.is_(None))
        .order_by(Visit.visit)).all()
    return pd.DataFrame([{"visit": v, "date": d, "n_observations": int(n)} for v, d, n in rows],
                        columns=["visit", "date", "n_observations"])


def delete_visit(session: Session, actor: Actor, study: Study, pseudonym: str, visit: int,
                 reason: str) -> None:
    """Soft-delete a visit and its observations (owners only)."""
    require(session, actor, study, "delete")
    reason = check_reason(reason)
    row = get_visit(session, study, pseudonym, visit)
    now = utcnow()
    n_obs = session.execute(sa.update(Observation).where(
        Observation.visit_id == row.id, Observation.deleted_at.is_(None))
        .values(deleted_at=now)).rowcount
    row.deleted_at = now
    session.flush()
    record(session, actor, "delete", "visit", f"{pseudonym}/{row.visit}", study_id=study.id,
           old={"subject": pseudonym, "visit": row.visit, "date": row.date,
                "n_observations": n_obs}, reason=reason)
