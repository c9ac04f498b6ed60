"""Request context: the database, the acting user, CSRF protection, login checks."""

from __future__ import annotations

import hashlib
import hmac
import os
from urllib.parse import urlsplit

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from painmech.api._errors import ApiError
from painmech.storage import (
    Actor,
    AuthenticationError,
    Database,
    PermissionDenied,
    TooManyRequests,
    attempt_login,
    issue_token,
    record,
    resolve_token,
)

__all__ = ["SESSION_COOKIE", "CSRF_HEADER", "database", "optional_actor", "current_actor",
           "csrf_token", "check_csrf", "audit_denial", "check_same_origin", "client_address",
           "check_login"]

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


def _host_of(url: str) -> str:
    return urlsplit(url).netloc.lower()


def check_same_origin(request: Request) -> None:
    """Refuse a request that a browser sent from another site (login CSRF).

    A browser names the page a form was sent from in ``Origin`` (or
    ``Referer``) and marks a cross-site request with ``Sec-Fetch-Site``; a form
    on another site that would log the visitor in to the attacker's account is
    refused with 403. The sending page's host must be this server's ``Host``,
    the ``X-Forwarded-Host`` a reverse proxy sets, or an origin listed in
    ``$PAINMECH_ORIGINS`` (comma-separated, e.g. ``https://painmech.example``).
    A page cannot set these headers on a victim's request, so trusting them
    here is safe. Requests without ``Origin`` and ``Referer`` (scripts,
    command-line clients) cannot be forged by a page and pass.
    """
    origin = request.headers.get("origin")
    referer = request.headers.get("referer")
    if request.headers.get("sec-fetch-site", "").lower() == "cross-site":
        sent_from = None
    elif origin is not None:
        sent_from = None if origin.strip().lower() == "null" else origin.strip().lower()
    elif referer:
        sent_from = referer.strip().lower()
    else:
        return
    own = {request.headers.get("host", "").lower()}
    forwarded = request.headers.get("x-forwarded-host", "")
    own.add(forwarded.split(",")[0].strip().lower())
    own.discard("")
    trusted = {o.strip().lower().rstrip("/") for o in
               os.environ.get("PAINMECH_ORIGINS", "").split(",") if o.strip()}
    if sent_from is None or not (_host_of(sent_from) in own or
                                 "/".join(sent_from.split("/")[:3]) in trusted):
        raise ApiError(403, "cross-site request refused: log in from painmech's own login "
                       "page", "cross_origin")


def client_address(request: Request) -> str:
    """The client's address as seen by this server (the proxy's behind a reverse proxy)."""
    return request.client.host if request.client is not None else "unknown"


def check_login(request: Request, username: str, password: str):
    """Check a login with throttling (in a write transaction); return the user or raise.

    Raises
    ------
    TooManyRequests
        While the user name or the client address is locked (HTTP 429).
    AuthenticationError
        For a wrong name, password or a disabled account (HTTP 401).

    Returns
    -------
    tuple
        ``(user, session token)``.
    """
    policy = request.app.state.login_policy
    with database(request).write() as s:
        attempt = attempt_login(s, username, password, address=client_address(request),
                                policy=policy)
        token = (issue_token(s, attempt.user, kind="session")
                 if attempt.user is not None else None)
    if attempt.locked:
        minutes = max(1, round(attempt.retry_after / 60))
        raise TooManyRequests(f"too many failed logins: try again in about {minutes} min",
                              attempt.retry_after)
    if attempt.user is None:
        raise AuthenticationError("wrong user name or password")
    return attempt.user, token


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
