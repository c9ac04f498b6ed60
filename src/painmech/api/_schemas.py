"""Pydantic request and response models of the REST API (separate from the ORM)."""

from __future__ import annotations

import datetime as _dt
from typing import Annotated, Literal

from fastapi import Path, Query
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictFloat, StrictInt

__all__ = [
    "Problem", "ErrorDetail", "ErrorBody", "LoginIn", "TokenIn", "TokenOut", "StudyIn",
    "StudyOut", "MemberIn", "SubjectIn", "SubjectOut", "SubjectPatch", "VisitIn", "VisitOut",
    "ObservationIn", "ObservationOut", "ObservationPatch", "BulkIn", "ImportOut", "ValidateOut",
    "ReasonIn", "Me", "ERROR_RESPONSES", "ObsId", "VisitNo", "Offset", "TokenId", "TokenInfo",
    "UserIn", "UserOut", "UserPatch", "PasswordIn", "LockOut",
]

#: Path and query numbers with bounds (SQLite integers are 64-bit).
ObsId = Annotated[int, Path(ge=1, le=2**62)]
TokenId = Annotated[int, Path(ge=1, le=2**62)]
VisitNo = Annotated[int, Path(ge=0, le=1_000_000)]
Offset = Annotated[int, Query(ge=0, le=1_000_000_000)]
Text64 = Annotated[str, Field(max_length=64)]
Text200 = Annotated[str, Field(max_length=200)]
#: A table cell: text (validated by the registry, e.g. "2,5") or a JSON number. Strict
#: numbers, so that ``true``/``false`` are refused instead of becoming 1 and 0.
Cell = Annotated[str, Field(max_length=64)] | StrictFloat | StrictInt


def _date_text(value: object) -> object:
    """Accept a date only as ISO text (or a date): a JSON number is not a date."""
    if value is None or isinstance(value, str | _dt.date):
        return value
    raise ValueError("a date must be written as text YYYY-MM-DD")


#: An ISO date (``YYYY-MM-DD``); numbers such as ``0`` are refused, not read as 1970-01-01.
IsoDate = Annotated[_dt.date, BeforeValidator(_date_text)]
Reason = Annotated[str, Field(min_length=3, max_length=2000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    """One row of the problem table."""

    file: str
    row: int
    column: str
    value: str
    reason: str


class ErrorDetail(BaseModel):
    """The ``error`` member of every error body."""

    code: str
    message: str
    problems: list[Problem] | None = None


class ErrorBody(BaseModel):
    """Every error response: ``{"error": {"code", "message", "problems"?}}``."""

    error: ErrorDetail


ERROR_RESPONSES = {status: {"model": ErrorBody} for status in
                   (400, 401, 403, 404, 409, 413, 422, 429, 503)}


class LoginIn(_Strict):
    username: Text64
    password: Annotated[str, Field(max_length=1024)]


class TokenIn(_Strict):
    name: Annotated[str, Field(max_length=100)] = ""
    study: Text64 | None = Field(None, description="Restrict the token to this study.")
    days: Annotated[int, Field(ge=1, le=366)] | None = Field(
        None, description="Lifetime in days (default 90).")


class TokenOut(BaseModel):
    token: str = Field(description="Shown once; only its SHA-256 is stored.")
    name: str
    study: str | None
    expires_at: _dt.datetime


class TokenInfo(BaseModel):
    """A token without its secret."""

    id: int
    username: str
    kind: Literal["api", "session"]
    name: str
    study: str | None
    created_at: _dt.datetime
    expires_at: _dt.datetime | None
    revoked_at: _dt.datetime | None
    parent_id: int | None
    state: Literal["active", "expired", "revoked"]


class UserIn(_Strict):
    username: Text64
    password: Annotated[str, Field(min_length=8, max_length=1024)]
    is_admin: bool = False
    may_create_studies: bool = False


class UserOut(BaseModel):
    username: str
    is_admin: bool
    is_active: bool
    may_create_studies: bool
    active_tokens: int
    locked_until: _dt.datetime | None
    created_at: _dt.datetime


class UserPatch(_Strict):
    is_active: bool | None = Field(None, description="False disables the account and "
                                   "revokes all its tokens.")
    may_create_studies: bool | None = None
    reason: Annotated[str, Field(max_length=2000)] = ""


class PasswordIn(_Strict):
    password: Annotated[str, Field(min_length=8, max_length=1024)]
    reason: Annotated[str, Field(max_length=2000)] = ""


class LockOut(BaseModel):
    scope: Literal["user", "address"]
    username: str
    failures: int
    refused: int
    first_at: _dt.datetime
    last_at: _dt.datetime
    locked_until: _dt.datetime | None
    locked: bool


class Me(BaseModel):
    username: str
    is_admin: bool
    token_study: str | None = None
    csrf_token: str | None = Field(None, description="Send as X-CSRF-Token with cookie auth.")


class StudyIn(_Strict):
    code: Annotated[str, Field(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9_\-]+$")]
    title: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(max_length=5000)] = ""


class StudyOut(BaseModel):
    code: str
    title: str
    description: str
    role: str | None
    n_subjects: int


class MemberIn(_Strict):
    username: Text64
    role: Literal["viewer", "editor", "owner"] | None = Field(
        description="null removes the user from the study")


class ReasonIn(_Strict):
    reason: Reason


class SubjectIn(_Strict):
    subject: Annotated[str, Field(min_length=1, max_length=64)]
    sex: Text64
    age: Cell
    condition: Text64
    group: Text64 | None = None


class SubjectOut(BaseModel):
    subject: str
    sex: str
    age: float
    condition: str
    group: str | None
    n_visits: int
    last_visit: int | None


class SubjectPatch(_Strict):
    sex: Text64 | None = None
    age: Cell | None = None
    condition: Text64 | None = None
    group: Text64 | None = None
    reason: Reason


class VisitIn(_Strict):
    visit: Annotated[int, Field(ge=0, le=1_000_000)]
    date: IsoDate | None = None


class VisitOut(BaseModel):
    visit: int
    date: _dt.date | None
    n_observations: int


class ObservationIn(_Strict):
    subject: Annotated[str, Field(min_length=1, max_length=64)]
    visit: Cell
    measure: Text64
    site: Annotated[str, Field(max_length=128)] = "none"
    side: Text64 = "none"
    trial: Cell = 1
    value: Cell
    unit: Text64
    date: IsoDate | None = None


class ObservationOut(BaseModel):
    id: int
    subject: str
    visit: int
    measure: str
    site: str
    side: str
    trial: int
    value: float
    unit: str
    value_raw: float
    unit_raw: str
    flag: str
    date: _dt.date | None


class ObservationPatch(_Strict):
    value: Cell
    unit: Text64 | None = None
    reason: Reason


class BulkIn(_Strict):
    observations: Annotated[list[ObservationIn], Field(min_length=1, max_length=200_000)]
    subjects: Annotated[list[SubjectIn], Field(max_length=50_000)] | None = None


class ImportOut(BaseModel):
    import_id: int
    n_subjects: int
    n_visits: int
    n_observations: int
    flags: list[Problem]


class ValidateOut(BaseModel):
    ok: bool
    problems: list[Problem]
    flags: list[Problem]
