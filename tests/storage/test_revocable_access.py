"""Taking access back (issue 21, point 2): token expiry, revocation, disabled users,
password resets, logout ends the tokens of its session; study creation is restricted
and studies one holds no role in stay hidden.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from painmech import storage
from painmech.storage._models import ApiToken, AuditEntry, User


def _user(s, name):
    return s.execute(sa.select(User).where(User.username == name)).scalar()


def _works(db, token, kind=None):
    with db.read() as s:
        try:
            storage.resolve_token(s, token, kind=kind)
        except storage.AuthenticationError:
            return False
    return True


def test_api_tokens_expire_after_90_days_by_default(db, people):
    with db.write() as s:
        storage.issue_token(s, _user(s, "viewer"), name="laptop")
        storage.issue_token(s, _user(s, "viewer"), name="short", ttl=timedelta(days=7))
        storage.issue_token(s, _user(s, "viewer"), kind="session")
    with db.read() as s:
        rows = s.execute(sa.select(ApiToken).order_by(ApiToken.id)).scalars().all()
    lifetimes = [(r.expires_at - r.created_at).total_seconds() / 3600 for r in rows]
    # 90 days = 2160 h, 7 days = 168 h, a web session 12 h (created_at and expires_at
    # are taken a few microseconds apart)
    assert lifetimes == pytest.approx([2160, 168, 12], abs=1e-3)
    assert storage.API_TOKEN_TTL == timedelta(days=90)


def test_logout_revokes_the_session_and_every_token_made_with_it(db, people):
    with db.write() as s:
        user = _user(s, "editor")
        session = storage.issue_token(s, user, kind="session")
        session_id = storage.resolve_token(s, session).token_id
        made_in_session = storage.issue_token(s, user, name="script", parent_id=session_id)
        child_id = storage.resolve_token(s, made_in_session).token_id
        grandchild = storage.issue_token(s, user, name="from script", parent_id=child_id)
        elsewhere = storage.issue_token(s, user, name="made on another login")
    assert all(_works(db, t) for t in (session, made_in_session, grandchild, elsewhere))
    with db.write() as s:
        revoked = storage.revoke_token(s, session)  # what POST /logout does
    assert len(revoked) == 3
    assert [_works(db, t) for t in (session, made_in_session, grandchild, elsewhere)] == [
        False, False, False, True]
    with db.read() as s:
        last = s.execute(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).scalar()
    assert (last.action, last.entity, last.actor) == ("revoke", "api_token", "editor")


def test_tokens_are_revoked_by_id_by_their_owner_or_an_administrator(db, people):
    with db.write() as s:
        mine = storage.issue_token(s, _user(s, "viewer"), name="mine")
        mine_id = storage.resolve_token(s, mine).token_id
        other = storage.issue_token(s, _user(s, "editor"), name="other")
        other_id = storage.resolve_token(s, other).token_id
    with db.write() as s, pytest.raises(storage.NotFound, match=f"no token {other_id}"):
        storage.revoke_token_id(s, people["viewer"], other_id)
    with db.write() as s:
        assert storage.revoke_token_id(s, people["viewer"], mine_id) == [mine_id]
        assert storage.revoke_token_id(s, people["admin"], other_id) == [other_id]
    assert not _works(db, mine) and not _works(db, other)
    with db.read() as s:
        ended = storage.list_tokens(s, people["admin"], include_ended=True)
        own = storage.list_tokens(s, people["viewer"], include_ended=True)
        with pytest.raises(storage.PermissionDenied, match="administrators"):
            storage.list_tokens(s, people["viewer"], "editor")
    assert set(ended["state"]) == {"revoked"} and len(ended) == 2
    assert own["username"].tolist() == ["viewer"] and "token_hash" not in own.columns


def test_disabling_a_user_revokes_their_tokens_for_good(db, people):
    with db.write() as s:
        user = _user(s, "viewer")
        tokens = [storage.issue_token(s, user), storage.issue_token(s, user, kind="session")]
    with db.write() as s:
        with pytest.raises(storage.PermissionDenied, match="administrators"):
            storage.set_user_flags(s, people["owner"], "viewer", is_active=False)
        storage.set_user_flags(s, people["admin"], "viewer", is_active=False,
                               reason="left the lab")
    assert not any(_works(db, t) for t in tokens)
    with db.write() as s:
        assert storage.authenticate(s, "viewer", "viewer-password") is None
        storage.set_user_flags(s, people["admin"], "viewer", is_active=True)
    # enabled again: the user logs in anew, the old tokens stay revoked
    assert not any(_works(db, t) for t in tokens)
    with db.write() as s:
        assert storage.authenticate(s, "viewer", "viewer-password").username == "viewer"
        with pytest.raises(storage.PermissionDenied, match="your own account"):
            storage.set_user_flags(s, people["admin"], "admin", is_active=False)
    with db.read() as s:
        users = storage.list_users(s, people["admin"]).set_index("username")
    assert bool(users.loc["viewer", "is_active"]) and users.loc["viewer", "active_tokens"] == 0


def test_a_password_reset_revokes_every_token(db, people):
    with db.write() as s:
        token = storage.issue_token(s, _user(s, "editor"))
    with db.write() as s:
        assert storage.reset_password(s, people["admin"], "editor", "new-editor-pass") == 1
        with pytest.raises(ValueError, match="at least 8"):
            storage.reset_password(s, people["admin"], "editor", "short")
        with pytest.raises(storage.NotFound, match="no user"):
            storage.reset_password(s, people["admin"], "ghost", "long-enough-1")
    assert not _works(db, token)
    with db.write() as s:
        assert storage.authenticate(s, "editor", "editor-password") is None
        assert storage.authenticate(s, "editor", "new-editor-pass").username == "editor"


def test_only_administrators_and_allowed_users_create_studies(db, people):
    with db.write() as s, pytest.raises(storage.PermissionDenied, match="may not create"):
        storage.create_study(s, people["editor"], "e1", "Editor's study")
    with db.write() as s:
        storage.set_user_flags(s, people["admin"], "editor", may_create_studies=True)
    with db.write() as s:
        assert storage.create_study(s, people["editor"], "e1", "Editor's study").code == "e1"
        assert storage.create_study(s, people["admin"], "a1", "Admin's study").code == "a1"
        assert storage.create_study(s, storage.SYSTEM, "c1", "Command line").code == "c1"


def test_a_study_without_a_role_is_hidden_from_its_lookup(db, people):
    with db.read() as s:
        with pytest.raises(storage.PermissionDenied) as hidden:
            storage.get_study(s, "s1", people["outsider"])
        with pytest.raises(storage.PermissionDenied) as forbidden:
            storage.require(s, people["viewer"], storage.get_study(s, "s1"), "edit")
        assert storage.get_study(s, "s1", people["viewer"]).code == "s1"
        assert storage.get_study(s, "s1", people["admin"]).code == "s1"  # admins manage all
    assert hidden.value.hidden and hidden.value.study_code == "s1"
    assert not forbidden.value.hidden
