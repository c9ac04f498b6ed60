"""Logins with throttling: per user name and per client address, with lockout.

Every login goes through :func:`attempt_login`. Failed attempts are counted
in the ``login_throttle`` table, once for the user name and once for the
client address, in a *window* that ends :attr:`LoginPolicy.window` after its
last failure or after the end of its lock, whichever is later. Within a window:

- the first :attr:`LoginPolicy.user_limit` failures for a name are answered
  as usual; the failure that reaches the limit locks the name for
  :attr:`LoginPolicy.base_lock`, and every later failure doubles the lock (up
  to :attr:`LoginPolicy.max_lock`);
- the same holds per client address with :attr:`LoginPolicy.address_limit`
  (password spraying: many names from one address);
- while a lock holds, every attempt is refused at once, *without checking the
  password* (the right password is refused too, so a lock cannot be used to
  test passwords, and no Argon2 work is spent on an attacker);
- a successful login ends the name's window; the address window is not reset
  by a success (else one valid account would reset the limit for an attacker).

Audit: one ``login_failed`` entry per name and window (at its first failure);
further failures and refusals are only counted. The counts reach the audit
log with the next ``login`` entry of that name (``failures_before``,
``refused_before``) or with the first ``login_failed`` entry of its next
window (``previous_window``), and administrators see live counts with
:func:`~painmech.storage.login_locks`. Names that belong to no user are
audited as ``"unknown user"`` (never the text typed, which may be a password).
Names and addresses are stored only as HMAC-SHA256 with a random per-database
salt (``settings.throttle_salt``); rows idle for a day are deleted. Each
unauthenticated client address therefore writes at most ``address_limit``
audit entries per window, plus one per lock that expires.

The limits are painmech choices within the bounds of NIST SP 800-63B §5.2.2
(at most 100 consecutive failed attempts per account) and the OWASP
Authentication Cheat Sheet (lock after a few failures, exponential back-off).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from painmech.storage._audit import Actor, _lock, record
from painmech.storage._auth import actor_for, dummy_verify, verify_password
from painmech.storage._models import LoginThrottle, Setting, User, utcnow

__all__ = ["LoginPolicy", "LoginAttempt", "DEFAULT_LOGIN_POLICY", "attempt_login",
           "authenticate", "throttle_key", "UNKNOWN_USER"]

#: How an audit entry names a login attempt for a name that belongs to no user.
UNKNOWN_USER = "unknown user"
_SALT = "throttle_salt"
#: Rows without activity for this long are deleted.
_FORGET_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class LoginPolicy:
    """Limits of login throttling (painmech choices, see the module docstring).

    Attributes
    ----------
    user_limit : int
        Failures per user name within a window before it is locked (5).
    address_limit : int
        Failures per client address within a window before it is locked (20).
    window : timedelta
        A window ends after this long without a failure and without a lock (15 min).
    base_lock : timedelta
        First lock (60 s); each further failure doubles it.
    max_lock : timedelta
        Longest lock (1 h).
    clock : callable
        Returns the current time (timezone-aware); tests pass a fake clock.
    """

    user_limit: int = 5
    address_limit: int = 20
    window: timedelta = timedelta(minutes=15)
    base_lock: timedelta = timedelta(seconds=60)
    max_lock: timedelta = timedelta(hours=1)
    clock: Callable[[], datetime] = field(default=utcnow, compare=False)

    def __post_init__(self) -> None:
        if self.user_limit < 1 or self.address_limit < 1:
            raise ValueError("login limits must be at least 1 failure")
        if self.base_lock <= timedelta(0) or self.max_lock < self.base_lock:
            raise ValueError("locks must be positive and max_lock >= base_lock")

    def lock_for(self, failures: int, limit: int) -> timedelta | None:
        """Length of the lock after ``failures`` failures (None below ``limit``)."""
        if failures < limit:
            return None
        doublings = min(failures - limit, 32)
        return min(self.base_lock * (2 ** doublings), self.max_lock)


DEFAULT_LOGIN_POLICY = LoginPolicy()


@dataclass(frozen=True)
class LoginAttempt:
    """Outcome of :func:`attempt_login`.

    Attributes
    ----------
    user : User or None
        The user when name and password were right and the account is active.
    retry_after : float or None
        Seconds until the lock ends when the attempt was refused unchecked
        (HTTP 429); ``None`` otherwise.
    """

    user: User | None
    retry_after: float | None = None

    @property
    def locked(self) -> bool:
        """True when the attempt was refused because of a lock."""
        return self.retry_after is not None


def _aware(ts: datetime | None) -> datetime | None:
    return ts.replace(tzinfo=UTC) if ts is not None and ts.tzinfo is None else ts


def _salt(session: Session) -> bytes:
    value = session.get(Setting, _SALT)
    if value is None:  # a database whose salt row was removed: make a new one
        value = Setting(name=_SALT, value=secrets.token_hex(32))
        session.add(value)
        session.flush()
    return bytes.fromhex(value.value)


def throttle_key(session: Session, scope: str, text: str) -> str:
    """The stored form of a user name (case-folded) or address: salted HMAC-SHA256 (hex)."""
    norm = text.casefold() if scope == "user" else text
    return hmac.new(_salt(session), f"{scope}:{norm}".encode(), hashlib.sha256).hexdigest()


def _rows(session: Session, keys: dict[str, str]) -> dict[str, LoginThrottle]:
    found = session.execute(sa.select(LoginThrottle).where(sa.or_(*[
        sa.and_(LoginThrottle.scope == scope, LoginThrottle.key == key)
        for scope, key in keys.items()]))).scalars().all()
    return {row.scope: row for row in found}


def _expired(row: LoginThrottle, now: datetime, window: timedelta) -> bool:
    """A window ends ``window`` after its last failure or the end of its lock, if later."""
    last = _aware(row.last_at)
    if row.locked_until is not None:
        last = max(last, _aware(row.locked_until))
    return now - last >= window


def _counts(row: LoginThrottle) -> dict:
    return {"failures": row.failures, "refused": row.refused,
            "from": _aware(row.first_at), "to": _aware(row.last_at)}


def attempt_login(session: Session, username: str, password: str, *,
                  address: str | None = None,
                  policy: LoginPolicy = DEFAULT_LOGIN_POLICY) -> LoginAttempt:
    """Check a login with throttling; count and audit it (see the module docstring).

    Parameters
    ----------
    session : Session
        A write session: counters and audit entries commit with it (the
        function never raises for a wrong login, so that they do).
    username, password : str
    address : str, optional
        The client's address (per-address limit); ``None`` skips that limit.
    policy : LoginPolicy

    Returns
    -------
    LoginAttempt
    """
    _lock(session)  # serialise counters with the audit writers (PostgreSQL)
    now = policy.clock()
    forget = now - _FORGET_AFTER
    session.execute(sa.delete(LoginThrottle).where(
        LoginThrottle.last_at < forget,
        sa.or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < forget)))
    username = str(username)
    keys = {"user": throttle_key(session, "user", username)}
    if address:
        keys["address"] = throttle_key(session, "address", str(address))
    rows = _rows(session, keys)
    previous = None
    for scope, row in list(rows.items()):
        if _expired(row, now, policy.window):
            if scope == "user":
                previous = _counts(row)
            session.delete(row)
            del rows[scope]
    session.flush()
    locks = [_aware(r.locked_until) for r in rows.values()
             if r.locked_until is not None and _aware(r.locked_until) > now]
    if locks:
        for row in rows.values():
            if row.locked_until is not None and _aware(row.locked_until) > now:
                row.refused += 1
                row.last_at = now
        return LoginAttempt(None, retry_after=(max(locks) - now).total_seconds())

    user = session.execute(sa.select(User).where(User.username == username)).scalar()
    if user is None:
        ok = dummy_verify(password)  # same work as for a real user
    else:
        ok = verify_password(user.password_hash, password) and user.is_active
    if ok:
        before = rows.get("user")
        record(session, actor_for(user), "login", "user", user.id,
               new={"failures_before": before.failures, "refused_before": before.refused}
               if before is not None else None)
        if before is not None:
            session.delete(before)
        return LoginAttempt(user)

    new_window = "user" not in rows
    limits = {"user": policy.user_limit, "address": policy.address_limit}
    for scope, key in keys.items():
        row = rows.get(scope)
        if row is None:
            row = LoginThrottle(scope=scope, key=key, failures=0, refused=0, first_at=now,
                                last_at=now, user_id=user.id if user and scope == "user"
                                else None)
            session.add(row)
        row.failures += 1
        row.last_at = now
        lock = policy.lock_for(row.failures, limits[scope])
        if lock is not None:
            row.locked_until = now + lock
    if new_window:
        who = actor_for(user) if user is not None else Actor(None, UNKNOWN_USER)
        record(session, who, "login_failed", "user", user.id if user is not None else "",
               new={"previous_window": previous} if previous else None)
    session.flush()
    return LoginAttempt(None)


def authenticate(session: Session, username: str, password: str) -> User | None:
    """Check a user name and password (throttled per name, default policy).

    Returns
    -------
    User or None
        ``None`` for an unknown user, a wrong password, a disabled account or
        a locked name (the caller answers all alike, so that user names cannot
        be probed); use :func:`attempt_login` to tell a lock apart (HTTP 429).
    """
    return attempt_login(session, username, password).user
