"""REST routes: login and tokens, studies, members, subjects and visits.

Routes are thin: parse, call :mod:`painmech.storage`, format.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
from fastapi import APIRouter, Depends, Query, Request, Response

from painmech import storage
from painmech.api._deps import (
    SESSION_COOKIE,
    check_login,
    check_same_origin,
    csrf_token,
    current_actor,
    database,
)
from painmech.api._errors import ApiError
from painmech.api._schemas import (
    ERROR_RESPONSES,
    ErrorBody,
    LoginIn,
    Me,
    MemberIn,
    Offset,
    ReasonIn,
    StudyIn,
    StudyOut,
    SubjectIn,
    SubjectOut,
    SubjectPatch,
    TokenId,
    TokenIn,
    TokenInfo,
    TokenOut,
    VisitIn,
    VisitNo,
    VisitOut,
)
from painmech.storage import Actor

__all__ = ["router", "records"]

router = APIRouter(prefix="/api", responses=ERROR_RESPONSES)


def records(frame: pd.DataFrame) -> list[dict]:
    """DataFrame rows as JSON-safe dicts (missing values → None)."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


@router.post("/auth/login", response_model=Me, tags=["auth"],
             responses={429: {"model": ErrorBody}})
def login(body: LoginIn, request: Request, response: Response) -> Me:
    """Log in with user name and password; sets the session cookie.

    Throttled: after 5 failed logins for a name (or 20 from one address) the
    name (or address) is locked for 1 minute, doubling with each further
    failure; while locked, logins are refused with 429 and ``Retry-After``.
    Cross-site requests are refused (403).
    """
    check_same_origin(request)
    user, token = check_login(request, body.username, body.password)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/",
                        max_age=int(storage.SESSION_TTL.total_seconds()))
    return Me(username=user.username, is_admin=user.is_admin,
              csrf_token=csrf_token(token, request.app.state.secret))


@router.post("/auth/logout", status_code=204, tags=["auth"])
def logout(request: Request, response: Response,
           actor: Actor = Depends(current_actor)) -> Response:
    """End the session: revokes the cookie's token and every API token created with it.

    With a Bearer token, that token (and the tokens created with it) is revoked.
    """
    token = getattr(request.state, "session_token", "") or _bearer(request)
    if token:
        with database(request).write() as s:
            storage.revoke_token(s, token)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.status_code = 204
    return response


def _bearer(request: Request) -> str:
    auth = request.headers.get("authorization", "")
    return auth[7:].strip() if auth[:7].lower() == "bearer " else ""


@router.get("/auth/me", response_model=Me, tags=["auth"])
def me(request: Request, actor: Actor = Depends(current_actor)) -> Me:
    """Who is logged in."""
    token = getattr(request.state, "session_token", "")
    study = None
    if actor.token_study_id is not None:
        with database(request).read() as s:
            study = storage.study_code(s, actor.token_study_id)
    return Me(username=actor.username, is_admin=actor.is_admin, token_study=study,
              csrf_token=csrf_token(token, request.app.state.secret) if token else None)


@router.post("/auth/tokens", response_model=TokenOut, status_code=201, tags=["auth"])
def create_token(body: TokenIn, request: Request,
                 actor: Actor = Depends(current_actor)) -> TokenOut:
    """Create an API token for yourself (optionally for one study only).

    Tokens expire after ``days`` (default 90). A token made while logged in
    is revoked when that session ends (logout); one made with another API
    token is revoked with it.
    """
    if actor.token_study_id is not None:
        raise ApiError(403, "a study-scoped token cannot create tokens")
    with database(request).write() as s:
        user = storage.get_user(s, actor.username)
        study_id = None
        if body.study:
            study = storage.get_study(s, body.study, actor)
            storage.require(s, actor, study, "view")
            study_id = study.id
        ttl = timedelta(days=body.days) if body.days else storage.API_TOKEN_TTL
        token = storage.issue_token(s, user, kind="api", study_id=study_id, name=body.name,
                                    ttl=ttl, parent_id=actor.token_id)
    return TokenOut(token=token, name=body.name, study=body.study,
                    expires_at=datetime.now(UTC) + ttl)


@router.get("/auth/tokens", response_model=list[TokenInfo], tags=["auth"])
def my_tokens(request: Request, actor: Actor = Depends(current_actor)) -> list[dict]:
    """Your active tokens (sessions and API tokens; never the secret itself)."""
    with database(request).read() as s:
        return records(storage.list_tokens(s, actor, actor.username))


@router.delete("/auth/tokens/{token_id}", status_code=204, tags=["auth"])
def revoke_my_token(token_id: TokenId, request: Request,
                    actor: Actor = Depends(current_actor)) -> Response:
    """Revoke one of your tokens (and the tokens created with it)."""
    with database(request).write() as s:
        storage.revoke_token_id(s, actor, token_id)
    return Response(status_code=204)


@router.get("/studies", response_model=list[StudyOut], tags=["studies"])
def studies(request: Request, actor: Actor = Depends(current_actor)) -> list[dict]:
    """Studies you are a member of, with your role."""
    with database(request).read() as s:
        return records(storage.list_studies(s, actor))


@router.post("/studies", response_model=StudyOut, status_code=201, tags=["studies"])
def create_study(body: StudyIn, request: Request,
                 actor: Actor = Depends(current_actor)) -> StudyOut:
    """Create a study; you become its owner."""
    if actor.token_study_id is not None:
        raise ApiError(403, "a study-scoped token cannot create studies")
    with database(request).write() as s:
        study = storage.create_study(s, actor, body.code, body.title, body.description)
    return StudyOut(code=study.code, title=study.title, description=study.description,
                    role="owner", n_subjects=0)


@router.get("/studies/{study}", response_model=StudyOut, tags=["studies"])
def get_study(study: str, request: Request, actor: Actor = Depends(current_actor)) -> StudyOut:
    """One study."""
    with database(request).read() as s:
        row = storage.get_study(s, study, actor)
        role = storage.require(s, actor, row, "view")
        n = len(storage.list_subjects(s, actor, row, limit=5000))
    return StudyOut(code=row.code, title=row.title, description=row.description, role=role,
                    n_subjects=n)


@router.delete("/studies/{study}", status_code=204, tags=["studies"])
def delete_study(study: str, body: ReasonIn, request: Request,
                 actor: Actor = Depends(current_actor)) -> Response:
    """Soft-delete a study (owners; a reason is required)."""
    with database(request).write() as s:
        storage.delete_study(s, actor, storage.get_study(s, study, actor), body.reason)
    return Response(status_code=204)


@router.get("/studies/{study}/members", tags=["studies"])
def members(study: str, request: Request, actor: Actor = Depends(current_actor)) -> list[dict]:
    """Members of a study and their roles (owners)."""
    import sqlalchemy as sa

    from painmech.storage._models import Membership, User

    with database(request).read() as s:
        row = storage.get_study(s, study, actor)
        storage.require(s, actor, row, "manage")
        found = s.execute(sa.select(User.username, Membership.role)
                          .join(Membership, Membership.user_id == User.id)
                          .where(Membership.study_id == row.id).order_by(User.username)).all()
    return [{"username": u, "role": r} for u, r in found]


@router.put("/studies/{study}/members", status_code=204, tags=["studies"])
def set_member(study: str, body: MemberIn, request: Request,
               actor: Actor = Depends(current_actor)) -> Response:
    """Give a user a role in the study, change it, or remove it (owners)."""
    with database(request).write() as s:
        storage.set_role(s, actor, storage.get_study(s, study, actor), body.username, body.role)
    return Response(status_code=204)


@router.get("/studies/{study}/subjects", response_model=list[SubjectOut], tags=["subjects"])
def subjects(study: str, request: Request, actor: Actor = Depends(current_actor),
             q: str | None = Query(None, max_length=64, description="Search text."),
             limit: int = Query(500, ge=1, le=5000), offset: Offset = 0) -> list:
    """Subjects of a study (pseudonyms), with search."""
    with database(request).read() as s:
        return records(storage.list_subjects(s, actor, storage.get_study(s, study, actor), q,
                                             limit, offset))


@router.post("/studies/{study}/subjects", response_model=SubjectOut, status_code=201,
             tags=["subjects"])
def add_subject(study: str, body: SubjectIn, request: Request,
                actor: Actor = Depends(current_actor)) -> SubjectOut:
    """Add a subject (editors, owners)."""
    with database(request).write() as s:
        row = storage.add_subject(s, actor, storage.get_study(s, study, actor), body.subject,
                                  body.sex, body.age, body.condition, body.group)
    return SubjectOut(subject=row.pseudonym, sex=row.sex, age=row.age,
                      condition=row.condition, group=row.group, n_visits=0, last_visit=None)


def _subject_out(s, actor, study_row, pseudonym) -> dict:
    found = storage.list_subjects(s, actor, study_row, limit=5000)
    found = found.loc[found["subject"] == pseudonym]
    if found.empty:
        raise storage.NotFound(f"no subject {pseudonym!r} in study {study_row.code!r}")
    return records(found)[0]


@router.get("/studies/{study}/subjects/{subject}", response_model=SubjectOut,
            tags=["subjects"])
def get_subject(study: str, subject: str, request: Request,
                actor: Actor = Depends(current_actor)) -> dict:
    """One subject."""
    with database(request).read() as s:
        row = storage.get_study(s, study, actor)
        storage.get_subject(s, row, subject)
        return _subject_out(s, actor, row, subject)


@router.patch("/studies/{study}/subjects/{subject}", response_model=SubjectOut,
              tags=["subjects"])
def patch_subject(study: str, subject: str, body: SubjectPatch, request: Request,
                  actor: Actor = Depends(current_actor)) -> dict:
    """Change sex, age, condition or group (editors, owners; a reason is required)."""
    changes = body.model_dump(exclude={"reason"}, exclude_unset=True)
    with database(request).write() as s:
        row = storage.get_study(s, study, actor)
        storage.update_subject(s, actor, row, subject, changes, body.reason)
        return _subject_out(s, actor, row, subject)


@router.delete("/studies/{study}/subjects/{subject}", status_code=204, tags=["subjects"])
def delete_subject(study: str, subject: str, body: ReasonIn, request: Request,
                   actor: Actor = Depends(current_actor)) -> Response:
    """Soft-delete a subject with its visits and observations (owners)."""
    with database(request).write() as s:
        storage.delete_subject(s, actor, storage.get_study(s, study, actor), subject, body.reason)
    return Response(status_code=204)


@router.get("/studies/{study}/subjects/{subject}/visits", response_model=list[VisitOut],
            tags=["subjects"])
def visits(study: str, subject: str, request: Request,
           actor: Actor = Depends(current_actor)) -> list[dict]:
    """Visits of a subject."""
    with database(request).read() as s:
        return records(storage.list_visits(s, actor, storage.get_study(s, study, actor), subject))


@router.post("/studies/{study}/subjects/{subject}/visits", response_model=VisitOut,
             status_code=201, tags=["subjects"])
def add_visit(study: str, subject: str, body: VisitIn, request: Request,
              actor: Actor = Depends(current_actor)) -> VisitOut:
    """Add a visit to a subject (editors, owners)."""
    with database(request).write() as s:
        row = storage.add_visit(s, actor, storage.get_study(s, study, actor), subject, body.visit,
                                body.date)
    return VisitOut(visit=row.visit, date=row.date, n_observations=0)


@router.delete("/studies/{study}/subjects/{subject}/visits/{visit}", status_code=204,
               tags=["subjects"])
def delete_visit(study: str, subject: str, visit: VisitNo, body: ReasonIn, request: Request,
                 actor: Actor = Depends(current_actor)) -> Response:
    """Soft-delete a visit and its observations (owners)."""
    with database(request).write() as s:
        storage.delete_visit(s, actor, storage.get_study(s, study, actor), subject, visit,
                             body.reason)
    return Response(status_code=204)
