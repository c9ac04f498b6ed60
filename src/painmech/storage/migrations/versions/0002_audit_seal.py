"""Audit log seals: a nullable ``mac`` column (key id + HMAC-SHA256 of the entry hash).

Entries written before this revision keep NULL ("unsealed"); their plain hash
chain stays verifiable without a key. ``ADD COLUMN`` is used directly (not a
batch table copy), so the append-only triggers on ``audit_log`` stay in place
and no row is rewritten.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.add_column("audit_log", sa.Column("mac", sa.String(length=96), nullable=True))


def downgrade() -> None:
    """Revert this revision (the seals are lost)."""
    op.drop_column("audit_log", "mac")
