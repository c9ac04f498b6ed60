"""REST routes for site administrators: users, tokens, login locks.

Every route needs a site administrator with an unscoped token or session;
every change is audited (:mod:`painmech.storage._accounts`). These are the
functions an admin area of the web app builds on.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request, Response

from painmech import storage
from painmech.api._deps import current_actor, database
from painmech.api._rest import records
from painmech.api._schemas import (
    ERROR_RESPONSES,
    LockOut,
    PasswordIn,
    TokenId,
    TokenInfo,
    UserIn,
    UserOut,
    UserPatch,
)
from painmech.storage import Actor

__all__ = ["router"]

router = APIRouter(prefix="/api/admin", responses=ERROR_RESPONSES, tags=["admin"])


def admin_actor(actor: Actor = Depends(current_actor)) -> Actor:
    """FastAPI dependency: the logged-in site administrator (403 for anyone else)."""
    storage.require_admin(actor, "use the admin API")
    return actor


def _user_out(request: Request, actor: Actor, username: str) -> dict:
    with database(request).read() as s:
        found = storage.list_users(s, actor)
    found = found.loc[found["username"] == username]
    if found.empty:
        raise storage.NotFound(f"no user {username!r}")
    return records(found)[0]


@router.get("/users", response_model=list[UserOut])
def users(request: Request, actor: Actor = Depends(admin_actor)) -> list[dict]:
    """Every user with role flags, active token count and login lock."""
    with database(request).read() as s:
        return records(storage.list_users(s, actor))


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(body: UserIn, request: Request, actor: Actor = Depends(admin_actor)) -> dict:
    """Create a user."""
    with database(request).write() as s:
        storage.create_user(s, actor, body.username, body.password, is_admin=body.is_admin,
                            may_create_studies=body.may_create_studies)
    return _user_out(request, actor, body.username)


@router.patch("/users/{username}", response_model=UserOut)
def patch_user(username: str, body: UserPatch, request: Request,
               actor: Actor = Depends(admin_actor)) -> dict:
    """Disable or enable a user (disabling revokes all their tokens), or allow studies."""
    with database(request).write() as s:
        storage.set_user_flags(s, actor, username, is_active=body.is_active,
                               may_create_studies=body.may_create_studies, reason=body.reason)
    return _user_out(request, actor, username)


@router.post("/users/{username}/password", status_code=204)
def reset_password(username: str, body: PasswordIn, request: Request,
                   actor: Actor = Depends(admin_actor)) -> Response:
    """Set a new password; every token of the user is revoked and their login lock lifted."""
    with database(request).write() as s:
        storage.reset_password(s, actor, username, body.password, reason=body.reason)
    return Response(status_code=204)


@router.post("/users/{username}/revoke-tokens")
def revoke_tokens(username: str, request: Request,
                  actor: Actor = Depends(admin_actor)) -> dict:
    """Revoke every token of a user (sessions and API tokens)."""
    with database(request).write() as s:
        revoked = storage.revoke_user_tokens(s, actor, username)
    return {"revoked": len(revoked)}


@router.get("/tokens", response_model=list[TokenInfo])
def tokens(request: Request, actor: Actor = Depends(admin_actor),
           user: str | None = Query(None, max_length=64),
           include_ended: bool = False) -> list[dict]:
    """Tokens of every user (or one), never the secret."""
    with database(request).read() as s:
        return records(storage.list_tokens(s, actor, user, include_ended=include_ended))


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(token_id: TokenId, request: Request,
                 actor: Actor = Depends(admin_actor)) -> Response:
    """Revoke a token (and the tokens created with it)."""
    with database(request).write() as s:
        storage.revoke_token_id(s, actor, token_id)
    return Response(status_code=204)


@router.get("/logins", response_model=list[LockOut])
def logins(request: Request, actor: Actor = Depends(admin_actor)) -> list[dict]:
    """Current failed-login windows and locks per user name and client address."""
    with database(request).read() as s:
        return records(storage.login_locks(s, actor, request.app.state.login_policy.clock()))


@router.delete("/logins/{username}", status_code=204)
def unlock(username: str, request: Request, actor: Actor = Depends(admin_actor)) -> Response:
    """Lift the login lock of a user name."""
    with database(request).write() as s:
        storage.unlock_login(s, actor, username)
    return Response(status_code=204)
