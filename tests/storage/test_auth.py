"""Passwords, tokens, roles and the permission matrix."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from painmech import storage
from painmech.storage._models import ApiToken, AuditEntry, User


def test_passwords_are_stored_as_argon2id_hashes(db, people):
    with db.read() as s:
        stored = s.execute(sa.select(User.password_hash).where(User.username == "owner")).scalar()
    assert stored.startswith("$argon2id$")
    assert "owner-password" not in stored
    assert storage.verify_password(stored, "owner-password")
    assert not storage.verify_password(stored, "owner-passwort")
    assert not storage.verify_password("not a hash", "owner-password")


def test_short_passwords_and_bad_user_names_are_refused(db, people):
    with db.write() as s, pytest.raises(ValueError, match="at least 8"):
        storage.create_user(s, people["admin"], "newbie", "short")
    with db.write() as s, pytest.raises(ValueError, match="user name"):
        storage.create_user(s, people["admin"], "x'; DROP TABLE users;--", "long-enough")
    with db.write() as s, pytest.raises(storage.Conflict, match="exists already"):
        storage.create_user(s, people["admin"], "owner", "long-enough")
    with db.write() as s, pytest.raises(storage.PermissionDenied, match="administrators"):
        storage.create_user(s, people["owner"], "newbie", "long-enough")


def test_login_success_and_failure_are_audited(db, people):
    with db.write() as s:
        assert storage.authenticate(s, "editor", "editor-password").username == "editor"
        assert storage.authenticate(s, "editor", "wrong-password") is None
        assert storage.authenticate(s, "nobody", "wrong-password") is None
    with db.read() as s:
        actions = s.execute(sa.select(AuditEntry.action, AuditEntry.actor)
                            .where(AuditEntry.action.like("login%"))
                            .order_by(AuditEntry.id)).all()
    # a name that belongs to no user is never stored (it may be a mistyped password)
    assert actions == [("login", "editor"), ("login_failed", "editor"),
                       ("login_failed", "unknown user")]


def test_tokens_are_stored_hashed_and_resolve_to_their_user(db, people):
    with db.write() as s:
        user = s.execute(sa.select(User).where(User.username == "viewer")).scalar()
        token = storage.issue_token(s, user, name="laptop")
    with db.read() as s:
        stored = s.execute(sa.select(ApiToken.token_hash)).scalars().all()
        actor = storage.resolve_token(s, token)
    assert token not in stored and storage.token_hash(token) in stored
    assert actor.username == "viewer" and actor.token_study_id is None
    with db.write() as s:
        storage.revoke_token(s, token)
    with db.read() as s, pytest.raises(storage.AuthenticationError, match="revoked"):
        storage.resolve_token(s, token)
    with db.read() as s, pytest.raises(storage.AuthenticationError, match="invalid"):
        storage.resolve_token(s, "pm_guess")


def test_expired_and_wrong_kind_tokens_are_refused(db, people):
    with db.write() as s:
        user = s.execute(sa.select(User).where(User.username == "viewer")).scalar()
        old = storage.issue_token(s, user, ttl=timedelta(seconds=-1))
        session = storage.issue_token(s, user, kind="session")
    with db.read() as s:
        with pytest.raises(storage.AuthenticationError, match="expired"):
            storage.resolve_token(s, old)
        with pytest.raises(storage.AuthenticationError, match="not valid here"):
            storage.resolve_token(s, session, kind="api")
        assert storage.resolve_token(s, session, kind="session").username == "viewer"


def test_disabled_users_cannot_log_in_or_use_tokens(db, people):
    with db.write() as s:
        user = s.execute(sa.select(User).where(User.username == "viewer")).scalar()
        token = storage.issue_token(s, user)
        user.is_active = False
    with db.write() as s:
        assert storage.authenticate(s, "viewer", "viewer-password") is None
        with pytest.raises(storage.AuthenticationError):
            storage.resolve_token(s, token)


# role × permission, from storage.PERMISSIONS (design.md §8: owner, editor, viewer)
MATRIX = {
    "owner": {"view", "enter", "edit", "export", "delete", "manage"},
    "editor": {"view", "enter", "edit", "export"},
    "viewer": {"view"},
    "outsider": set(),
}


@pytest.mark.parametrize("who", list(MATRIX))
@pytest.mark.parametrize("permission", list(storage.PERMISSIONS))
def test_permission_matrix(db, people, who, permission):
    with db.read() as s:
        study = storage.get_study(s, "s1")
        if permission in MATRIX[who]:
            assert storage.require(s, people[who], study, permission) == who
        else:
            with pytest.raises(storage.PermissionDenied, match=f"may not {permission}"):
                storage.require(s, people[who], study, permission)


def test_study_scoped_token_never_reaches_another_study(db, people):
    with db.write() as s:
        s2 = storage.get_study(s, "s2")
        storage.set_role(s, people["outsider"], s2, "owner", "owner")
        user = s.execute(sa.select(User).where(User.username == "owner")).scalar()
        token = storage.issue_token(s, user, study_id=storage.get_study(s, "s1").id)
    with db.read() as s:
        actor = storage.resolve_token(s, token)
        assert storage.require(s, actor, storage.get_study(s, "s1"), "delete") == "owner"
        with pytest.raises(storage.PermissionDenied):
            storage.require(s, actor, storage.get_study(s, "s2"), "view")
        assert storage.list_studies(s, actor)["code"].tolist() == ["s1"]


def test_roles_are_changed_and_removed_by_owners_only(db, people):
    with db.write() as s:
        study = storage.get_study(s, "s1")
        with pytest.raises(storage.PermissionDenied):
            storage.set_role(s, people["editor"], study, "viewer", "owner")
    with db.write() as s:
        study = storage.get_study(s, "s1")
        storage.set_role(s, people["owner"], study, "viewer", "editor")
        assert storage.role_of(s, people["viewer"], study) == "editor"
        storage.set_role(s, people["owner"], study, "viewer", None)
        assert storage.role_of(s, people["viewer"], study) is None
        with pytest.raises(ValueError, match="role must be one of"):
            storage.set_role(s, people["owner"], study, "viewer", "superuser")
        with pytest.raises(storage.NotFound, match="no user"):
            storage.set_role(s, people["owner"], study, "ghost", "viewer")
