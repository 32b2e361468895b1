"""Hardening: erased volunteers hold SQL NULL (not JSON null); server-side web sessions.

Revision ID: 0006_hardening
Revises: 0002_events
Create Date: 2026-11-29 12:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import DateTimeUTC
from alembic import op

revision = "0006_hardening"
down_revision = "0002_events"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    # An erasure used to store the JSON value `null`, which `data IS NOT NULL` keeps: lists then broke.
    if bind.dialect.name == "postgresql":
        op.execute(sa.text("UPDATE volunteers SET data = NULL WHERE data = 'null'::jsonb"))
    else:
        op.execute(
            sa.text("UPDATE volunteers SET data = NULL WHERE data IS NOT NULL AND json_type(data) = 'null'")
        )

    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=250), nullable=False),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("last_seen", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("expires_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("revoked_at", DateTimeUTC(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
    )
    op.create_index(op.f("ix_web_sessions_subject"), "web_sessions", ["subject"])
    op.create_index(op.f("ix_web_sessions_expires_at"), "web_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_web_sessions_expires_at"), table_name="web_sessions")
    op.drop_index(op.f("ix_web_sessions_subject"), table_name="web_sessions")
    op.drop_table("web_sessions")
    # Erased volunteers' SQL NULL is what the older code reads as erased too.
