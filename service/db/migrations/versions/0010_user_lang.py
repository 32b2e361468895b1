"""The language a web user reads the pages in, so that mail to coordinators follows it

Revision ID: 0010_user_lang
Revises: 0007_register_pages
Create Date: 2026-11-30 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_user_lang"
down_revision = "0007_register_pages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("lang", sa.String(length=5), nullable=False, server_default="nb"))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("lang")
