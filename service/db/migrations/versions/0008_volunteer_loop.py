"""Volunteers in the loop: the notification outbox, sign-in links, attendance, the volunteer's own
settings (language, calendar key, a request to leave), and the reason a volunteer gives for saying no

Revision ID: 0008_volunteer_loop
Revises: 0002_events
Create Date: 2026-11-29 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import DateTimeUTC
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008_volunteer_loop"
down_revision = "0006_hardening"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("volunteer_id", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("lang", sa.String(length=5), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("sent_at", DateTimeUTC(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_idempotency_key")),
    )
    op.create_index(op.f("ix_outbox_state"), "outbox", ["state"])
    op.create_index(op.f("ix_outbox_next_attempt_at"), "outbox", ["next_attempt_at"])
    op.create_index(op.f("ix_outbox_volunteer_id"), "outbox", ["volunteer_id"])
    op.create_table(
        "login_links",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("volunteer_id", sa.String(length=200), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("expires_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("used_at", DateTimeUTC(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_login_links_token_hash")),
    )
    op.create_index(op.f("ix_login_links_volunteer_id"), "login_links", ["volunteer_id"])
    op.create_table(
        "attendance",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("placement_id", sa.String(length=64), nullable=False),
        sa.Column("volunteer_id", sa.String(length=200), nullable=False),
        sa.Column("site_id", sa.String(length=200), nullable=False),
        sa.Column("need_id", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("took_place", sa.Boolean(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_role", sa.String(length=20), nullable=False),
        sa.Column("recorded_at", DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance")),
        sa.UniqueConstraint("placement_id", "starts_at", name="uq_attendance_occurrence"),
    )
    op.create_index(op.f("ix_attendance_placement_id"), "attendance", ["placement_id"])
    op.create_index(op.f("ix_attendance_volunteer_id"), "attendance", ["volunteer_id"])
    op.create_index(op.f("ix_attendance_site_id"), "attendance", ["site_id"])
    op.create_table(
        "volunteer_accounts",
        sa.Column("volunteer_id", sa.String(length=200), nullable=False),
        sa.Column("lang", sa.String(length=5), nullable=False),
        sa.Column("calendar_key", sa.String(length=64), nullable=True),
        sa.Column("leave_requested_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("leave_note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("volunteer_id", name=op.f("pk_volunteer_accounts")),
        sa.UniqueConstraint("calendar_key", name=op.f("uq_volunteer_accounts_calendar_key")),
    )
    with op.batch_alter_table("placements") as batch:
        batch.add_column(sa.Column("decline_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("placements") as batch:
        batch.drop_column("decline_reason")
    op.drop_table("volunteer_accounts")
    op.drop_table("attendance")
    op.drop_table("login_links")
    op.drop_table("outbox")
