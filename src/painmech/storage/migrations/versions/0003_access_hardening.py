"""Revocable access, login throttling and jobs that survive crashes.

- ``users.may_create_studies``: study creation is limited to site
  administrators and the users they allow (existing users start without it).
- ``api_tokens.parent_id``: the token whose request created a token, so that
  logging out revokes the API tokens made in that session. Tokens that never
  expired get an expiry 90 days after the upgrade (the new default lifetime).
- ``jobs.runner`` and ``jobs.heartbeat_at``: the server process that owns a
  job and when it was last seen alive; jobs of dead processes are marked failed.
- ``login_throttle``: failed logins per user name and per client address in
  the current window (names and addresses only as salted HMACs).
- ``settings`` with a random ``throttle_salt``.

The audit log is not touched (its append-only triggers stay in place).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.add_column("users", sa.Column("may_create_studies", sa.Boolean(), nullable=False,
                                     server_default=sa.false()))
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_api_tokens_parent_id_api_tokens"),
                                    "api_tokens", ["parent_id"], ["id"])
        batch_op.create_index(batch_op.f("ix_api_tokens_parent_id"), ["parent_id"],
                              unique=False)
    tokens = sa.table("api_tokens", sa.column("expires_at", sa.DateTime(timezone=True)))
    op.execute(tokens.update().where(tokens.c.expires_at.is_(None)).values(
        expires_at=datetime.now(UTC) + timedelta(days=90)))
    op.add_column("jobs", sa.Column("runner", sa.String(length=64), nullable=True))
    op.add_column("jobs", sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "login_throttle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("scope IN ('user', 'address')",
                           name=op.f("ck_login_throttle_scope")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_throttle")),
        sa.UniqueConstraint("scope", "key", name="uq_login_throttle_scope_key"),
    )
    settings = op.create_table(
        "settings",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_settings")),
    )
    op.bulk_insert(settings, [{"name": "throttle_salt", "value": secrets.token_hex(32)}])


def downgrade() -> None:
    """Revert this revision (throttle state, salt, token lineage and job owners are lost)."""
    op.drop_table("settings")
    op.drop_table("login_throttle")
    op.drop_column("jobs", "heartbeat_at")
    op.drop_column("jobs", "runner")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_parent_id"))
        batch_op.drop_constraint(batch_op.f("fk_api_tokens_parent_id_api_tokens"),
                                 type_="foreignkey")
        batch_op.drop_column("parent_id")
    op.drop_column("users", "may_create_studies")
