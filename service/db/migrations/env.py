"""Alembic environment: always called from service.db.migrate with a live connection."""

from __future__ import annotations

from alembic import context

from service.db.models import Base, ours

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise SystemExit("run migrations through `samspill db upgrade`, not the alembic command")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True, include_name=ours)
with context.begin_transaction():
    context.run_migrations()
