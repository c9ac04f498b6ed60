"""Users, passwords, tokens, roles and permission checks.

Passwords are hashed with Argon2id (argon2-cffi defaults, RFC 9106 low-memory
profile). API and session tokens are 256-bit random strings shown once; the
database keeps only their SHA-256, so a stolen database does not hand out
working tokens. Every token expires: session tokens after
:data:`SESSION_TTL` (12 h), API tokens after :data:`API_TOKEN_TTL` (90 days)
unless a shorter or longer lifetime is given. Revoking a token revokes the
tokens created with it (its descendants), so logging out ends the API tokens
made in that session. Logins are checked in :mod:`painmech.storage._login`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from painmech.storage._audit import Actor, record
from painmech.storage._errors import AuthenticationError, Conflict, NotFound, PermissionDenied
from painmech.storage._models import ROLES, ApiToken, Membership, Study, User, utcnow

__all__ = [
    "PERMISSIONS", "hash_password", "verify_password", "create_user",
    "issue_token", "resolve_token", "revoke_token", "revoke_tree", "set_role", "role_of",
    "require", "actor_for", "token_hash", "MIN_PASSWORD_LENGTH", "SESSION_TTL",
    "API_TOKEN_TTL", "check_username",
]

#: Which roles may do what in a study.
PERMISSIONS: dict[str, tuple[str, ...]] = {
    "view": ("viewer", "editor", "owner"),
    "enter": ("editor", "owner"),
    "edit": ("editor", "owner"),
    "export": ("editor", "owner"),
    "delete": ("owner",),
    "manage": ("owner",),
}
#: NIST SP 800-63B §5.1.1.2 asks for at least 8 characters.
MIN_PASSWORD_LENGTH = 8
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{2,63}$")
_HASHER = PasswordHasher()
_DUMMY: list = [None, ""]  # (hasher, a hash made with it)
#: Lifetime of a web session (painmech choice: one working day).
SESSION_TTL = timedelta(hours=12)
#: Default lifetime of an API token (painmech choice: 90 days, so a forgotten
#: token stops working within a quarter; give ``ttl`` for another lifetime).
API_TOKEN_TTL = timedelta(days=90)


def hash_password(password: str) -> str:
    """Argon2id hash of a password (with its own random salt)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password too short: at least {MIN_PASSWORD_LENGTH} characters")
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches ``password_hash``."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def dummy_verify(password: str) -> bool:
    """Verify ``password`` against a throw-away hash: the same work as for a real user,
    so that an unknown user name is not told apart by the answer's timing. Returns False.
    """
    if _DUMMY[0] is not _HASHER:  # made with the current hasher (and its cost)
        _DUMMY[:] = [_HASHER, _HASHER.hash("painmech-dummy-password")]
    verify_password(_DUMMY[1], password)
    return False


def token_hash(token: str) -> str:
    """SHA-256 (hex) of a token, the form in which tokens are stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _aware(ts: datetime | None) -> datetime | None:
    return ts.replace(tzinfo=UTC) if ts is not None and ts.tzinfo is None else ts


def actor_for(user: User, token_study_id: int | None = None,
              token_id: int | None = None) -> Actor:
    """The :class:`Actor` of a user (acting through token ``token_id``, if given)."""
    return Actor(user.id, user.username, bool(user.is_admin), token_study_id, token_id)


def check_username(username: str) -> str:
    """Return ``username`` when it is acceptable, else raise ValueError."""
    if not _USERNAME.match(username or ""):
        raise ValueError("user name must be 3–64 letters, digits, '.', '_' or '-'")
    return username


def create_user(session: Session, actor: Actor, username: str, password: str, *,
                is_admin: bool = False, lang: str = "en",
                may_create_studies: bool = False) -> User:
    """Create a user (site administrators only).

    ``may_create_studies`` lets the user create studies (administrators always may).

    Raises
    ------
    PermissionDenied
        If ``actor`` is not an administrator.
    Conflict
        If the user name is taken.
    ValueError
        If the user name or password is not acceptable.
    """
    if not actor.is_admin:
        raise PermissionDenied("only administrators create users", "manage_users")
    check_username(username)
    if session.execute(sa.select(User.id).where(User.username == username)).first():
        raise Conflict(f"user {username!r} exists already")
    user = User(username=username, password_hash=hash_password(password),
                is_admin=is_admin, lang=lang if lang in ("de", "en") else "en",
                may_create_studies=bool(may_create_studies))
    session.add(user)
    session.flush()
    record(session, actor, "create", "user", user.id,
           new={"username": username, "is_admin": is_admin,
                "may_create_studies": bool(may_create_studies)})
    return user


def issue_token(session: Session, user: User, *, kind: str = "api", study_id: int | None = None,
                name: str = "", ttl: timedelta | None = None,
                parent_id: int | None = None) -> str:
    """Create a token for ``user`` and return it (the only time it is shown).

    Parameters
    ----------
    kind : {"api", "session"}
        Session tokens live in the web app's cookie.
    study_id : int, optional
        Restrict the token to one study.
    ttl : timedelta, optional
        Lifetime; by default :data:`SESSION_TTL` (12 h) for session tokens and
        :data:`API_TOKEN_TTL` (90 days) for API tokens. Tokens always expire.
    parent_id : int, optional
        Id of the token whose request creates this one; revoking the parent
        (e.g. logging out) revokes this token too.
    """
    if kind not in ("api", "session"):
        raise ValueError(f"token kind must be 'api' or 'session', got {kind!r}")
    if ttl is None:
        ttl = SESSION_TTL if kind == "session" else API_TOKEN_TTL
    token = "pm_" + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, study_id=study_id, kind=kind, name=name[:100],
                   token_hash=token_hash(token), expires_at=utcnow() + ttl,
                   parent_id=parent_id)
    session.add(row)
    session.flush()
    if kind == "api":
        record(session, actor_for(user), "create", "api_token", row.id, study_id=study_id,
               new={"name": row.name, "study_id": study_id,
                    "expires_at": _aware(row.expires_at), "parent_id": parent_id})
    return token


def resolve_token(session: Session, token: str, kind: str | None = None) -> Actor:
    """The actor a token belongs to.

    Raises
    ------
    AuthenticationError
        If the token is unknown, revoked, expired, of another kind, or its
        user is disabled.
    """
    row = session.execute(sa.select(ApiToken, User).join(User, User.id == ApiToken.user_id)
                          .where(ApiToken.token_hash == token_hash(token or ""))).first()
    if row is None:
        raise AuthenticationError("invalid token")
    tok, user = row
    expired = tok.expires_at is not None and _aware(tok.expires_at) <= utcnow()
    if tok.revoked_at is not None or expired or not user.is_active or \
            (kind is not None and tok.kind != kind):
        raise AuthenticationError("token revoked, expired or not valid here")
    return actor_for(user, tok.study_id, tok.id)


def revoke_tree(session: Session, token_ids: list[int]) -> list[int]:
    """Revoke tokens and every token created through them; return the ids newly revoked."""
    now, revoked, frontier, seen = utcnow(), [], list(token_ids), set()
    while frontier:
        frontier = [i for i in frontier if i not in seen]
        seen.update(frontier)
        live = session.execute(sa.select(ApiToken.id).where(
            ApiToken.id.in_(frontier), ApiToken.revoked_at.is_(None))).scalars().all()
        if live:
            session.execute(sa.update(ApiToken).where(ApiToken.id.in_(live))
                            .values(revoked_at=now))
            revoked.extend(live)
        frontier = session.execute(sa.select(ApiToken.id).where(
            ApiToken.parent_id.in_(frontier))).scalars().all() if frontier else []
    return sorted(revoked)


def revoke_token(session: Session, token: str) -> list[int]:
    """Revoke a token (logout) and the tokens created with it; return the revoked ids.

    The API tokens among them get one audit entry (``revoke``, ``api_token``).
    """
    row = session.execute(sa.select(ApiToken).where(
        ApiToken.token_hash == token_hash(token or ""))).scalar()
    if row is None:
        return []
    revoked = revoke_tree(session, [row.id])
    children = [i for i in revoked if i != row.id]
    if children:
        user = session.get(User, row.user_id)
        record(session, actor_for(user), "revoke", "api_token", row.id,
               new={"revoked": children, "because": f"{row.kind} token {row.id} ended"})
    return revoked


def role_of(session: Session, actor: Actor, study: Study) -> str | None:
    """The actor's role in ``study`` (``None`` when not a member)."""
    if actor.token_study_id is not None and actor.token_study_id != study.id:
        return None
    if actor.user_id is None:  # command line maintenance acts as owner
        return "owner" if actor.is_admin else None
    return session.execute(sa.select(Membership.role).where(
        Membership.user_id == actor.user_id, Membership.study_id == study.id)).scalar()


def require(session: Session, actor: Actor, study: Study, permission: str) -> str:
    """Return the actor's role when it grants ``permission``, else raise.

    Raises
    ------
    PermissionDenied
        Naming the permission and the study; the API records the refusal in
        the audit log in a separate transaction.
    """
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}; known: {', '.join(PERMISSIONS)}")
    role = role_of(session, actor, study)
    if role not in PERMISSIONS[permission]:
        if permission == "manage" and actor.is_admin and actor.token_study_id in (None,
                                                                                 study.id):
            return role or "admin"
        hidden = role is None and not (actor.is_admin and actor.token_study_id is None)
        raise PermissionDenied(
            f"{actor.username!r} may not {permission} in study {study.code!r}"
            f" (role: {role or 'none'})", permission, study.id,
            study_code=study.code if hidden else None)
    return role


def set_role(session: Session, actor: Actor, study: Study, username: str,
             role: str | None) -> None:
    """Give ``username`` a role in ``study``, change it, or remove it (``None``).

    Needs the ``manage`` permission (study owner or administrator).
    """
    require(session, actor, study, "manage")
    if role is not None and role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    user = session.execute(sa.select(User).where(User.username == username)).scalar()
    if user is None:
        raise NotFound(f"no user {username!r}")
    member = session.execute(sa.select(Membership).where(
        Membership.user_id == user.id, Membership.study_id == study.id)).scalar()
    old = member.role if member is not None else None
    if member is not None and role is None:
        session.delete(member)
    elif member is not None:
        member.role = role
    elif role is not None:
        session.add(Membership(user_id=user.id, study_id=study.id, role=role))
    session.flush()
    record(session, actor, "update" if old and role else ("delete" if old else "create"),
           "membership", username, study_id=study.id, old={"role": old}, new={"role": role})
