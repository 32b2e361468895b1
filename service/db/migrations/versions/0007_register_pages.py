"""The register in the browser: a need's state (open, paused, closed), why and when a placement ended
and its closing conversation, and the site contacts' reports (did not come, should end).

Revision ID: 0007_register_pages
Revises: 0008_volunteer_loop
Create Date: 2026-11-29 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import DateTimeUTC
from alembic import op

revision = "0007_register_pages"
down_revision = "0009_floor"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("needs") as batch:
        batch.add_column(sa.Column("state", sa.String(length=20), nullable=False, server_default="open"))
    with op.batch_alter_table("placements") as batch:
        batch.add_column(sa.Column("end_reason", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("closing_held", sa.Date(), nullable=True))
    op.create_table(
        "site_reports",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("placement_id", sa.String(length=64), nullable=False),
        sa.Column("site_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("reported_by", sa.String(length=300), nullable=False),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("resolved_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("resolution", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_reports")),
    )
    op.create_index(op.f("ix_site_reports_placement_id"), "site_reports", ["placement_id"])
    op.create_index(op.f("ix_site_reports_site_id"), "site_reports", ["site_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_site_reports_site_id"), table_name="site_reports")
    op.drop_index(op.f("ix_site_reports_placement_id"), table_name="site_reports")
    op.drop_table("site_reports")
    with op.batch_alter_table("placements") as batch:
        batch.drop_column("closing_held")
        batch.drop_column("end_reason")
    with op.batch_alter_table("needs") as batch:
        batch.drop_column("state")
