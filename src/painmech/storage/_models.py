"""SQLAlchemy ORM models of the study database.

Rows are never deleted: ``deleted_at`` marks a soft delete, and uniqueness
holds among rows that are not deleted (partial unique indexes on SQLite and
PostgreSQL). Subjects carry pseudonyms only (design.md §3). Values of
observations are stored in the measure's canonical unit next to the raw value
and unit as written.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "Base", "Study", "User", "Membership", "ApiToken", "Subject", "Visit", "ImportBatch",
    "Observation", "InstrumentRecord", "AuditEntry", "Job", "LoginThrottle", "Setting",
    "ROLES", "utcnow",
]

#: Roles a user can hold in a study, from least to most rights.
ROLES = ("viewer", "editor", "owner")

_NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time in UTC (timezone-aware)."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base with a constraint naming convention (for migrations)."""

    metadata = MetaData(naming_convention=_NAMING)


def _created() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)


def _deleted() -> Mapped[datetime | None]:
    return mapped_column(DateTime(timezone=True), nullable=True)


def _alive(*cols: str, table: str) -> Index:
    """A unique index that only covers rows that are not soft-deleted."""
    where = sa.text("deleted_at IS NULL")
    return Index(f"uq_{table}_{'_'.join(cols)}_alive", *cols, unique=True,
                 sqlite_where=where, postgresql_where=where)


class Study(Base):
    """A study: the unit of data isolation and of permissions."""

    __tablename__ = "studies"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    created_at: Mapped[datetime] = _created()
    deleted_at: Mapped[datetime | None] = _deleted()


class User(Base):
    """A person who logs in; ``password_hash`` is an Argon2id hash."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    #: may create studies (site administrators always may); granted by an administrator
    may_create_studies: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False,
                                                     server_default=sa.false())
    lang: Mapped[str] = mapped_column(String(2), default="en", nullable=False)
    created_at: Mapped[datetime] = _created()


class Membership(Base):
    """The role (owner, editor, viewer) of a user in a study."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("user_id", "study_id", name="uq_memberships_user_study"),
        CheckConstraint("role IN ('viewer', 'editor', 'owner')", name="role"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id"), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[datetime] = _created()


class ApiToken(Base):
    """An API or session token; only the SHA-256 of the token is stored.

    A token with a ``study_id`` reaches that study only. ``parent_id`` is the
    token that authenticated the request which created this one (``None`` for
    tokens made by a login or on the command line); revoking a token revokes
    its descendants, so logging out ends the API tokens made in that session.
    """

    __tablename__ = "api_tokens"
    __table_args__ = (CheckConstraint("kind IN ('api', 'session')", name="kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    study_id: Mapped[int | None] = mapped_column(ForeignKey("studies.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    name: Mapped[str] = mapped_column(String(100), default="", nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = _created()
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"), nullable=True,
                                                  index=True)


class Subject(Base):
    """A study participant, known by pseudonym only."""

    __tablename__ = "subjects"
    __table_args__ = (_alive("study_id", "pseudonym", table="subjects"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id"), nullable=False, index=True)
    pseudonym: Mapped[str] = mapped_column(String(64), nullable=False)
    sex: Mapped[str] = mapped_column(String(8), nullable=False)
    age: Mapped[float] = mapped_column(Float, nullable=False)
    condition: Mapped[str] = mapped_column(String(32), nullable=False)
    group: Mapped[str | None] = mapped_column("group_label", String(64), nullable=True)
    #: days added to every date of this subject in date-shifted exports
    date_shift_days: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = _created()
    deleted_at: Mapped[datetime | None] = _deleted()


class Visit(Base):
    """One assessment of a subject (visit number ≥ 0, optional date)."""

    __tablename__ = "visits"
    __table_args__ = (_alive("subject_id", "visit", table="visits"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id"), nullable=False, index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), nullable=False)
    visit: Mapped[int] = mapped_column(Integer, nullable=False)
    date: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = _created()
    deleted_at: Mapped[datetime | None] = _deleted()


class ImportBatch(Base):
    """One all-or-nothing import; its rows point back to it."""

    __tablename__ = "imports"
    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id"), nullable=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    source: Mapped[str] = mapped_column(String(255), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    n_subjects: Mapped[int] = mapped_column(Integer, nullable=False)
    n_visits: Mapped[int] = mapped_column(Integer, nullable=False)
    n_observations: Mapped[int] = mapped_column(Integer, nullable=False)
    n_instrument_rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = _created()


class Observation(Base):
    """One recorded number, in the canonical unit (``value``/``unit``) and as
    written (``value_raw``/``unit_raw``).
    """

    __tablename__ = "observations"
    __table_args__ = (
        _alive("visit_id", "measure", "site", "side", "trial", table="observations"),
        Index("ix_observations_study_measure", "study_id", "measure"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id"), nullable=False)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), nullable=False,
                                            index=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), nullable=False)
    measure: Mapped[str] = mapped_column(String(64), nullable=False)
    site: Mapped[str] = mapped_column(String(128), nullable=False)
    side: Mapped[str] = mapped_column(String(16), nullable=False)
    trial: Mapped[int] = mapped_column(Integer, nullable=False)
    value: Mapped[float] = mapped_column(Float, nullable=False)
    unit: Mapped[str] = mapped_column(String(32), nullable=False)
    value_raw: Mapped[float] = mapped_column(Float, nullable=False)
    unit_raw: Mapped[str] = mapped_column(String(32), nullable=False)
    flag: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"), nullable=True,
                                                  index=True)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    deleted_at: Mapped[datetime | None] = _deleted()


class InstrumentRecord(Base):
    """A non-scalar protocol table of one visit (TMS grid, tDCS MEP series,
    ROI time series) stored as column-oriented JSON.
    """

    __tablename__ = "instrument_data"
    __table_args__ = (
        CheckConstraint("kind IN ('tms_grid', 'tdcs_series', 'roi_timeseries')", name="kind"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id"), nullable=False)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), nullable=False)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    data_json: Mapped[str] = mapped_column(Text, nullable=False)
    n_rows: Mapped[int] = mapped_column(Integer, nullable=False)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"), nullable=True)
    created_at: Mapped[datetime] = _created()
    deleted_at: Mapped[datetime | None] = _deleted()


class AuditEntry(Base):
    """One entry of the append-only, hash-chained audit log.

    ``hash = sha256(prev_hash + canonical JSON of the entry)``; JSON values are
    kept as text so that the bytes hashed are the bytes stored on every engine.
    ``mac`` is the entry's seal (key id and HMAC-SHA256 of the hash with the audit
    key kept outside the database), NULL for entries written without a key
    ("unsealed").
    """

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    ts: Mapped[str] = mapped_column(String(40), nullable=False)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor: Mapped[str] = mapped_column(String(64), nullable=False)
    study_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    entity: Mapped[str] = mapped_column(String(32), nullable=False)
    entity_id: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    old: Mapped[str] = mapped_column(Text, nullable=False, default="null")
    new: Mapped[str] = mapped_column(Text, nullable=False, default="null")
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    mac: Mapped[str | None] = mapped_column(String(96), nullable=True)


class Job(Base):
    """A background job (simulation, cohort statistics) and its result.

    ``runner`` names the server process that owns a queued or running job and
    ``heartbeat_at`` is the last time that process said it was alive; a job
    whose heartbeat is older than the stale limit belongs to a dead process
    and is marked failed (:func:`painmech.storage.fail_stale_jobs`).
    """

    __tablename__ = "jobs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    study_id: Mapped[int | None] = mapped_column(ForeignKey("studies.id"), nullable=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    params_json: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    result_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    error: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = _created()
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    runner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class LoginThrottle(Base):
    """Failed logins of one user name or one client address in the current window.

    ``key`` is an HMAC-SHA256 of the name or address with the database's
    throttle salt (:class:`Setting` ``throttle_salt``), so that a password
    typed into the user-name field is never stored in clear. ``user_id`` is
    set when the name belongs to a user (for the administrators' list).
    """

    __tablename__ = "login_throttle"
    __table_args__ = (
        UniqueConstraint("scope", "key", name="uq_login_throttle_scope_key"),
        CheckConstraint("scope IN ('user', 'address')", name="scope"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(16), nullable=False)
    key: Mapped[str] = mapped_column(String(64), nullable=False)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    refused: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    first_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    last_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                          nullable=True)


class Setting(Base):
    """A named value of the database itself (e.g. the random throttle salt)."""

    __tablename__ = "settings"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)
