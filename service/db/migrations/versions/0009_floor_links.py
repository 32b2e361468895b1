"""The exchange floor: one-time sign-in links for brokers, notaries, the børsgeneral and the Frivilligtorg stand

Revision ID: 0009_floor
Revises: 0008_volunteer_loop
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import DateTimeUTC
from alembic import op

revision = '0009_floor'
down_revision = '0008_volunteer_loop'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('event_floor_links',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('event_id', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('link_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', DateTimeUTC(timezone=True), nullable=False),
    sa.Column('used_at', DateTimeUTC(timezone=True), nullable=True),
    sa.Column('revoked_at', DateTimeUTC(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['exchange_events.id'],
                            name=op.f('fk_event_floor_links_event_id_exchange_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_floor_links')),
    sa.UniqueConstraint('link_hash', name=op.f('uq_event_floor_links_link_hash'))
    )
    op.create_index(op.f('ix_event_floor_links_event_id'), 'event_floor_links', ['event_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_event_floor_links_event_id'), table_name='event_floor_links')
    op.drop_table('event_floor_links')
