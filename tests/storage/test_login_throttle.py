"""Login throttling: per-name and per-address locks, bounded audit, no names in clear.

Issue 21, point 1: 200 wrong passwords for one user in 25 s were 200 plain
failures, each with an audit row, and the right password then worked at once.
Every test drives a fake clock, so no test sleeps. The limits are the
defaults of :class:`painmech.storage.LoginPolicy` (5 per name, 20 per
address, first lock 60 s, doubling, at most 1 h).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from painmech import storage
from painmech.storage._models import AuditEntry, LoginThrottle


@pytest.fixture
def clock(fake_clock):
    return fake_clock


@pytest.fixture
def policy(clock):
    return storage.LoginPolicy(clock=clock)


def _try(db, policy, name, password, address="192.0.2.7"):
    with db.write() as s:
        attempt = storage.attempt_login(s, name, password, address=address, policy=policy)
        return attempt.user.username if attempt.user else None, attempt.retry_after


def _audit(db, action=None):
    query = sa.select(AuditEntry).order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    with db.read() as s:
        return s.execute(query).scalars().all()


def test_200_wrong_passwords_lock_the_name_after_5_with_one_audit_entry(db, people, clock,
                                                                         policy):
    before = len(_audit(db))
    outcomes = []
    for _ in range(200):  # the attack of issue 21: 200 attempts in 25 s
        outcomes.append(_try(db, policy, "owner", "guess-password"))
        clock.advance(0.125)
    checked = [o for o in outcomes if o[1] is None]
    refused = [o for o in outcomes if o[1] is not None]
    assert len(checked) == 5 and all(user is None for user, _ in checked)
    assert len(refused) == 195
    # the 5th failure (at t = 0.5 s) locked the name for 60 s: the first refusal, at
    # t = 0.625 s, waits 60 - 0.125 = 59.875 s
    assert refused[0][1] == pytest.approx(59.875)
    entries = _audit(db)[before:]
    assert [(e.action, e.actor) for e in entries] == [("login_failed", "owner")]
    # the right password is refused too while the lock holds (no password oracle)
    assert _try(db, policy, "owner", "owner-password")[1] is not None
    clock.advance(60)
    assert _try(db, policy, "owner", "owner-password") == ("owner", None)
    login = _audit(db, "login")[-1]
    # 5 failures checked, 195 + 1 refusals; they reach the audit log with the login
    assert login.new == '{"failures_before":5,"refused_before":196}'


def test_each_failure_after_the_first_lock_doubles_it_up_to_one_hour(db, people, clock, policy):
    for _ in range(5):
        _try(db, policy, "viewer", "wrong-password")
    wait, waits = 60.0, []
    for _ in range(8):
        clock.advance(wait)  # the lock has just ended: one more wrong password is checked
        assert _try(db, policy, "viewer", "wrong-password")[1] is None
        wait = _try(db, policy, "viewer", "wrong-password")[1]
        waits.append(wait)
    # 60 s x 2^1 .. 2^5, then capped at 3600 s
    assert waits == [120, 240, 480, 960, 1920, 3600, 3600, 3600]
    # the window lasts 15 min past the end of a lock, so waiting the lock out does not
    # restart the count; only a quiet quarter of an hour after it does
    clock.advance(3600 + 15 * 60)
    assert [_try(db, policy, "viewer", "wrong-password")[1] for _ in range(6)] == [
        None] * 5 + [60.0]


def test_spraying_many_names_from_one_address_is_cut_off_and_names_are_never_stored(
        db, people, clock, policy):
    names = [f"Sommer2026!{i:03d}" for i in range(100)]  # passwords typed as names
    before = len(_audit(db))
    outcomes = [_try(db, policy, name, "anything-at-all") for name in names]
    refused = sum(wait is not None for _, wait in outcomes)
    assert refused == 80  # the address locks at its 20th failure
    entries = _audit(db)[before:]
    assert len(entries) == 20 and {e.actor for e in entries} == {storage.UNKNOWN_USER}
    # no table holds any of the typed names (throttle rows keep salted HMACs only)
    with db.read() as s:
        for table in sa.inspect(db.engine).get_table_names():
            text = repr(s.execute(sa.text(f'SELECT * FROM "{table}"')).all())
            assert "Sommer2026" not in text, table
    # another address is not affected
    assert _try(db, policy, "editor", "editor-password", address="198.51.100.3") == (
        "editor", None)


def test_a_known_and_an_unknown_name_are_throttled_alike(db, people, clock, policy):
    known = [_try(db, policy, "editor", "wrong-password", address="192.0.2.1")
             for _ in range(6)]
    unknown = [_try(db, policy, "no-such-user", "wrong-password", address="192.0.2.2")
               for _ in range(6)]
    assert known == unknown == [(None, None)] * 5 + [(None, 60.0)]


def test_success_does_not_reset_the_address_window(db, people, clock, policy):
    # an attacker with one valid account cannot reset the per-address count with it
    for i in range(19):
        assert _try(db, policy, f"victim{i:02d}", "guess-password")[1] is None
        assert _try(db, policy, "viewer", "viewer-password") == ("viewer", None)
    _try(db, policy, "victim19", "guess-password")  # 20th failure from this address
    assert _try(db, policy, "viewer", "viewer-password")[1] == 60.0


def test_a_new_window_carries_the_counts_of_the_last_one(db, people, clock, policy):
    for _ in range(3):
        _try(db, policy, "editor", "wrong-password")
    clock.advance(16 * 60)  # quiet for longer than the 15-minute window
    _try(db, policy, "editor", "wrong-password")
    failed = _audit(db, "login_failed")
    assert len(failed) == 2
    assert '"failures":3' in failed[-1].new and '"refused":0' in failed[-1].new


def test_administrators_unlock_and_password_resets_lift_the_lock(db, people, clock, policy):
    for _ in range(5):
        _try(db, policy, "editor", "wrong-password", address="192.0.2.9")
    assert _try(db, policy, "editor", "editor-password", address="192.0.2.10")[1] == 60.0
    with db.read() as s:
        locks = storage.login_locks(s, people["admin"], now=clock())
    assert locks.loc[locks["scope"] == "user", ["username", "failures", "refused",
                                                 "locked"]].values.tolist() == [
        ["editor", 5, 1, True]]
    with db.write() as s, pytest.raises(storage.PermissionDenied, match="administrators"):
        storage.unlock_login(s, people["owner"], "editor")
    with db.write() as s:
        assert storage.unlock_login(s, people["admin"], "editor") == 1
    assert _try(db, policy, "editor", "editor-password", address="192.0.2.10") == (
        "editor", None)
    for _ in range(5):
        _try(db, policy, "viewer", "wrong-password", address="192.0.2.11")
    with db.write() as s:
        storage.reset_password(s, people["admin"], "viewer", "brand-new-password")
    assert _try(db, policy, "viewer", "brand-new-password", address="192.0.2.12") == (
        "viewer", None)


def test_disabled_accounts_count_as_failures(db, people, clock, policy):
    with db.write() as s:
        storage.set_user_flags(s, people["admin"], "viewer", is_active=False)
    results = [_try(db, policy, "viewer", "viewer-password") for _ in range(6)]
    assert results == [(None, None)] * 5 + [(None, 60.0)]


def test_idle_throttle_rows_are_forgotten_after_a_day(db, people, clock, policy):
    _try(db, policy, "ghost-name", "x-password")
    clock.advance(86400 + 1)
    _try(db, policy, "editor", "editor-password", address="203.0.113.5")
    with db.read() as s:
        assert s.execute(sa.select(sa.func.count()).select_from(LoginThrottle)).scalar() == 0


def test_policy_refuses_nonsense_limits():
    with pytest.raises(ValueError, match="at least 1"):
        storage.LoginPolicy(user_limit=0)
    with pytest.raises(ValueError, match="max_lock"):
        storage.LoginPolicy(base_lock=timedelta(minutes=5), max_lock=timedelta(minutes=1))
