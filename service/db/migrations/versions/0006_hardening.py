"""Hardening: erased volunteers hold SQL NULL (not JSON null).

Revision ID: 0006_hardening
Revises: 0002_events
Create Date: 2026-11-29 12:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
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
        op.execute(sa.text("UPDATE volunteers SET data = NULL WHERE data IS NOT NULL AND json_type(data) = 'null'"))


def downgrade() -> None:
    pass  # SQL NULL is what the older code reads as erased too
