"""Needs remember who posted them (the token's or user's name and role).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 10:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("needs") as batch:
        batch.add_column(sa.Column("posted_by", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("needs") as batch:
        batch.drop_column("posted_by")
