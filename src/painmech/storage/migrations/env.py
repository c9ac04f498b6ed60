"""Alembic environment: runs migrations on the connection painmech hands over."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from painmech.storage._models import Base

config = context.config
connection = config.attributes.get("connection")


def _run(conn: sa.Connection) -> None:
    context.configure(connection=conn, target_metadata=Base.metadata, render_as_batch=True,
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    _run(connection)
else:  # pragma: no cover - plain ``alembic`` command line
    engine = sa.create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as conn:
        _run(conn)
