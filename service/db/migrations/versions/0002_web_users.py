"""Web sign-in: users (argon2 password hashes), wrong-password log, onboarding steps.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import DateTimeUTC
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("site_id", sa.String(length=200), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("last_login_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("disabled_at", DateTimeUTC(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("at", DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_failures_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_login_failures_at"), ["at"], unique=False)
    op.create_table(
        "onboarding_steps",
        sa.Column("volunteer_id", sa.String(length=200), nullable=False),
        sa.Column("step", sa.String(length=40), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("volunteer_id", "step", name=op.f("pk_onboarding_steps")),
    )


def downgrade() -> None:
    op.drop_table("onboarding_steps")
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_failures_at"))
        batch_op.drop_index(batch_op.f("ix_login_failures_email"))
    op.drop_table("login_failures")
    op.drop_table("users")
