"""Taking access back: disable users, reset passwords, list and revoke tokens, unlock logins.

These are the functions behind ``painmech db users|disable-user|reset-password|
tokens|revoke-token|unlock|allow-studies`` and the ``/api/admin`` routes. Every
change is audited. Site administrators act on every account; a user may list
and revoke their own tokens.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from painmech.storage._audit import Actor, record
from painmech.storage._auth import _aware, hash_password, revoke_tree
from painmech.storage._errors import NotFound, PermissionDenied
from painmech.storage._login import UNKNOWN_USER, throttle_key
from painmech.storage._models import ApiToken, LoginThrottle, Study, User, utcnow

__all__ = ["list_users", "get_user", "set_user_flags", "reset_password", "list_tokens",
           "revoke_token_id", "revoke_user_tokens", "unlock_login", "login_locks",
           "require_admin"]

_TOKEN_COLUMNS = ["id", "username", "kind", "name", "study", "created_at", "expires_at",
                  "revoked_at", "parent_id", "state"]


def require_admin(actor: Actor, what: str) -> None:
    """Raise :class:`PermissionDenied` unless ``actor`` is a site administrator.

    A study-scoped token of an administrator is not enough.
    """
    if not actor.is_admin or actor.token_study_id is not None:
        raise PermissionDenied(f"only site administrators {what}", "manage_users")


def get_user(session: Session, username: str) -> User:
    """The user with this name; :class:`NotFound` otherwise."""
    user = session.execute(sa.select(User).where(User.username == username)).scalar()
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def _active_tokens(session: Session) -> sa.Subquery:
    now = utcnow()
    return (sa.select(ApiToken.user_id, sa.func.count().label("n"))
            .where(ApiToken.revoked_at.is_(None), ApiToken.expires_at > now)
            .group_by(ApiToken.user_id).subquery())


def list_users(session: Session, actor: Actor) -> pd.DataFrame:
    """Every user: ``username, is_admin, is_active, may_create_studies, active_tokens,
    locked_until, created_at`` (administrators only).
    """
    require_admin(actor, "list users")
    tokens = _active_tokens(session)
    now = utcnow()
    locks = (sa.select(LoginThrottle.user_id,
                       sa.func.max(LoginThrottle.locked_until).label("until"))
             .where(LoginThrottle.user_id.is_not(None), LoginThrottle.locked_until > now)
             .group_by(LoginThrottle.user_id).subquery())
    rows = session.execute(
        sa.select(User, sa.func.coalesce(tokens.c.n, 0), locks.c.until)
        .outerjoin(tokens, tokens.c.user_id == User.id)
        .outerjoin(locks, locks.c.user_id == User.id).order_by(User.username)).all()
    return pd.DataFrame(
        [{"username": u.username, "is_admin": bool(u.is_admin), "is_active": bool(u.is_active),
          "may_create_studies": bool(u.may_create_studies), "active_tokens": int(n),
          "locked_until": _aware(until), "created_at": _aware(u.created_at)}
         for u, n, until in rows],
        columns=["username", "is_admin", "is_active", "may_create_studies", "active_tokens",
                 "locked_until", "created_at"])


def _revoke_all(session: Session, user: User) -> list[int]:
    ids = session.execute(sa.select(ApiToken.id).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))).scalars().all()
    return revoke_tree(session, list(ids))


def set_user_flags(session: Session, actor: Actor, username: str, *,
                   is_active: bool | None = None, may_create_studies: bool | None = None,
                   reason: str = "") -> User:
    """Disable or enable a user, or allow them to create studies (administrators).

    Disabling revokes every token of the user (sessions and API tokens), so
    access does not come back when the account is enabled again. An
    administrator cannot disable their own account.
    """
    require_admin(actor, "change users")
    user = get_user(session, username)
    old = {"is_active": bool(user.is_active), "may_create_studies": bool(user.may_create_studies)}
    if is_active is False and user.id == actor.user_id:
        raise PermissionDenied("you cannot disable your own account; ask another "
                               "administrator", "manage_users")
    revoked: list[int] = []
    if is_active is not None:
        user.is_active = bool(is_active)
        if not is_active:
            revoked = _revoke_all(session, user)
    if may_create_studies is not None:
        user.may_create_studies = bool(may_create_studies)
    new = {"is_active": bool(user.is_active), "may_create_studies": bool(user.may_create_studies)}
    session.flush()
    if new != old or revoked:
        record(session, actor, "update", "user", user.id, old=old,
               new={**new, "revoked_tokens": revoked}, reason=reason)
    return user


def reset_password(session: Session, actor: Actor, username: str, password: str,
                   reason: str = "") -> int:
    """Set a new password (administrators) and revoke every token of the user.

    Returns
    -------
    int
        Number of tokens revoked (sessions and API tokens).
    """
    require_admin(actor, "reset passwords")
    user = get_user(session, username)
    user.password_hash = hash_password(password)
    revoked = _revoke_all(session, user)
    session.execute(sa.delete(LoginThrottle).where(
        LoginThrottle.scope == "user", LoginThrottle.key == throttle_key(session, "user",
                                                                          username)))
    record(session, actor, "reset_password", "user", user.id,
           new={"revoked_tokens": revoked}, reason=reason)
    return len(revoked)


def list_tokens(session: Session, actor: Actor, username: str | None = None,
                include_ended: bool = False) -> pd.DataFrame:
    """Tokens with their state (``active``, ``expired``, ``revoked``); never the secret.

    Administrators list everybody's tokens (or ``username``'s); other users
    only their own. Ended tokens are left out unless ``include_ended``.
    """
    if username is not None and username != actor.username:
        require_admin(actor, "list other users' tokens")
    elif username is None and not actor.is_admin:
        username = actor.username
    query = (sa.select(ApiToken, User.username, Study.code)
             .join(User, User.id == ApiToken.user_id)
             .outerjoin(Study, Study.id == ApiToken.study_id).order_by(ApiToken.id))
    if username is not None:
        query = query.where(User.username == username)
    if actor.token_study_id is not None:
        query = query.where(ApiToken.study_id == actor.token_study_id)
    now, out = utcnow(), []
    for tok, name, code in session.execute(query).all():
        state = ("revoked" if tok.revoked_at is not None
                 else "expired" if _aware(tok.expires_at) is not None
                 and _aware(tok.expires_at) <= now else "active")
        if state != "active" and not include_ended:
            continue
        out.append({"id": tok.id, "username": name, "kind": tok.kind, "name": tok.name,
                    "study": code, "created_at": _aware(tok.created_at),
                    "expires_at": _aware(tok.expires_at), "revoked_at": _aware(tok.revoked_at),
                    "parent_id": tok.parent_id, "state": state})
    return pd.DataFrame(out, columns=_TOKEN_COLUMNS)


def revoke_token_id(session: Session, actor: Actor, token_id: int, reason: str = "") -> list[int]:
    """Revoke one token by id (its owner or an administrator) and the tokens made with it.

    Raises
    ------
    NotFound
        When there is no such token, or it is another user's and ``actor`` is
        no administrator (the same answer, so that ids cannot be probed).
    """
    tok = session.get(ApiToken, int(token_id))
    if tok is None or (tok.user_id != actor.user_id and not (
            actor.is_admin and actor.token_study_id is None)):
        raise NotFound(f"no token {token_id}")
    revoked = revoke_tree(session, [tok.id])
    record(session, actor, "revoke", "api_token", tok.id, new={"revoked": revoked},
           reason=reason)
    return revoked


def revoke_user_tokens(session: Session, actor: Actor, username: str,
                       reason: str = "") -> list[int]:
    """Revoke every token of a user (administrators, or the user themselves)."""
    if username != actor.username:
        require_admin(actor, "revoke other users' tokens")
    user = get_user(session, username)
    revoked = _revoke_all(session, user)
    record(session, actor, "revoke", "api_token", f"user:{user.id}", new={"revoked": revoked},
           reason=reason)
    return revoked


def unlock_login(session: Session, actor: Actor, username: str | None = None,
                 address: str | None = None) -> int:
    """Lift the login lock of a user name and/or client address (administrators).

    Returns the number of throttle rows removed (their counts go into the
    audit entry).
    """
    require_admin(actor, "unlock logins")
    if username is None and address is None:
        raise ValueError("name a user or an address to unlock")
    keys = [("user", throttle_key(session, "user", username))] if username else []
    keys += [("address", throttle_key(session, "address", address))] if address else []
    rows = session.execute(sa.select(LoginThrottle).where(sa.or_(*[
        sa.and_(LoginThrottle.scope == sc, LoginThrottle.key == k) for sc, k in keys]))
    ).scalars().all()
    counts = {r.scope: {"failures": r.failures, "refused": r.refused} for r in rows}
    for row in rows:
        session.delete(row)
    record(session, actor, "unlock", "login", username or "address", new=counts or None)
    return len(rows)


def login_locks(session: Session, actor: Actor, now: datetime | None = None) -> pd.DataFrame:
    """Current throttle windows: ``scope, username, failures, refused, first_at, last_at,
    locked_until, locked`` (administrators). Names of no user show as "unknown user";
    addresses are not shown (only their salted hash is stored). ``now`` defaults
    to the current time.
    """
    require_admin(actor, "see login locks")
    now = now or utcnow()
    rows = session.execute(sa.select(LoginThrottle, User.username)
                           .outerjoin(User, User.id == LoginThrottle.user_id)
                           .order_by(LoginThrottle.last_at.desc())).all()
    return pd.DataFrame(
        [{"scope": r.scope, "username": name or (UNKNOWN_USER if r.scope == "user" else ""),
          "failures": r.failures, "refused": r.refused, "first_at": _aware(r.first_at),
          "last_at": _aware(r.last_at), "locked_until": _aware(r.locked_until),
          "locked": r.locked_until is not None and _aware(r.locked_until) > now}
         for r, name in rows],
        columns=["scope", "username", "failures", "refused", "first_at", "last_at",
                 "locked_until", "locked"])
