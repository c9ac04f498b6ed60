"""Request context: the database, the acting user, CSRF protection."""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from painmech.api._errors import ApiError
from painmech.storage import (
    Actor,
    AuthenticationError,
    Database,
    PermissionDenied,
    record,
    resolve_token,
)

__all__ = ["SESSION_COOKIE", "CSRF_HEADER", "database", "optional_actor", "current_actor",
           "csrf_token", "check_csrf", "audit_denial"]

SESSION_COOKIE = "pm_session"
CSRF_HEADER = "x-csrf-token"
_SAFE = {"GET", "HEAD", "OPTIONS"}


def database(request: Request) -> Database:
    """The app's database."""
    return request.app.state.db


def csrf_token(session_token: str, secret: bytes) -> str:
    """The CSRF token that belongs to a session (HMAC of the session token)."""
    return hmac.new(secret, session_token.encode(), hashlib.sha256).hexdigest()[:40]


def check_csrf(request: Request, supplied: str | None) -> None:
    """Refuse a state-changing cookie request whose CSRF token is missing or wrong."""
    if getattr(request.state, "via", None) != "cookie":
        return  # bearer tokens are not sent by browsers on their own
    expected = csrf_token(request.state.session_token, request.app.state.secret)
    if not supplied or not hmac.compare_digest(expected, supplied):
        raise ApiError(403, "missing or wrong CSRF token; reload the page", "csrf")


def optional_actor(request: Request) -> Actor | None:
    """The user of the request from a Bearer token or the session cookie, or None.

    Raises
    ------
    AuthenticationError
        When a token is sent but is unknown, expired or revoked.
    """
    if hasattr(request.state, "actor"):
        return request.state.actor
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        token, kind, via = auth[7:].strip(), "api", "bearer"
    else:
        token, kind, via = request.cookies.get(SESSION_COOKIE, ""), "session", "cookie"
    if not token:
        return None
    with database(request).read() as session:
        actor = resolve_token(session, token, kind=kind)
    request.state.actor, request.state.via = actor, via
    request.state.session_token = token if via == "cookie" else ""
    return actor


def current_actor(request: Request) -> Actor:
    """FastAPI dependency: the logged-in user; CSRF-checked for cookie API writes."""
    actor = optional_actor(request)
    if actor is None:
        raise AuthenticationError("not logged in: send 'Authorization: Bearer <token>' or log "
                                  "in at /login")
    if request.method not in _SAFE and request.url.path.startswith("/api"):
        check_csrf(request, request.headers.get(CSRF_HEADER))
    return actor


def _write_denial(request: Request, exc: PermissionDenied) -> None:
    actor = getattr(request.state, "actor", None) or Actor(None, "anonymous")
    with database(request).write() as session:
        record(session, actor, "denied", "permission", exc.action or "unknown",
               study_id=exc.study_id, new={"method": request.method,
                                           "path": request.url.path[:200]})


def audit_denial(request: Request, exc: PermissionDenied):
    """Record a refused action in the audit log (its own transaction)."""
    return run_in_threadpool(_write_denial, request, exc)
