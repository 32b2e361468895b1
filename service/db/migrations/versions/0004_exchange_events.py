"""The exchange event (Frivilligbørs): events, participants, catalogue, agreements, follow-up,
Frivilligtorg; broker/notary tokens bound to an event

Revision ID: 0002_events
Revises: 0003
Create Date: 2026-11-26 09:59:34.024323
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import DateTimeUTC
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0002_events'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('exchange_events',
    sa.Column('id', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('screen_key', sa.String(length=64), nullable=False),
    sa.Column('suggestions', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
              nullable=True),
    sa.Column('created_at', DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', DateTimeUTC(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_events')),
    sa.UniqueConstraint('screen_key', name=op.f('uq_exchange_events_screen_key'))
    )
    op.create_table('event_agreements',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('event_id', sa.String(length=200), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('broker_token_id', sa.String(length=64), nullable=True),
    sa.Column('registered_at', DateTimeUTC(timezone=True), nullable=False),
    sa.Column('confirmed_at', DateTimeUTC(timezone=True), nullable=True),
    sa.Column('follow_up_key', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['exchange_events.id'],
                            name=op.f('fk_event_agreements_event_id_exchange_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_agreements'))
    )
    with op.batch_alter_table('event_agreements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_agreements_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_agreements_registered_at'), ['registered_at'], unique=False)

    op.create_table('event_participants',
    sa.Column('event_id', sa.String(length=200), nullable=False),
    sa.Column('id', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['exchange_events.id'],
                            name=op.f('fk_event_participants_event_id_exchange_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'id', name=op.f('pk_event_participants'))
    )
    op.create_table('event_transitions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.String(length=200), nullable=False),
    sa.Column('from_state', sa.String(length=20), nullable=False),
    sa.Column('to_state', sa.String(length=20), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('at', DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['exchange_events.id'],
                            name=op.f('fk_event_transitions_event_id_exchange_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_transitions'))
    )
    with op.batch_alter_table('event_transitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_transitions_event_id'), ['event_id'], unique=False)

    op.create_table('event_volunteers',
    sa.Column('event_id', sa.String(length=200), nullable=False),
    sa.Column('volunteer_id', sa.String(length=200), nullable=False),
    sa.Column('participant_id', sa.String(length=200), nullable=True),
    sa.Column('signed_up_at', DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['exchange_events.id'],
                            name=op.f('fk_event_volunteers_event_id_exchange_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'volunteer_id', name=op.f('pk_event_volunteers'))
    )
    op.create_table('event_entries',
    sa.Column('event_id', sa.String(length=200), nullable=False),
    sa.Column('id', sa.String(length=200), nullable=False),
    sa.Column('participant_id', sa.String(length=200), nullable=False),
    sa.Column('side', sa.String(length=10), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id', 'participant_id'], ['event_participants.event_id', 'event_participants.id'],
                            name='fk_event_entries_participant', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['exchange_events.id'],
                            name=op.f('fk_event_entries_event_id_exchange_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'id', name=op.f('pk_event_entries'))
    )
    op.create_table('event_follow_ups',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.String(length=200), nullable=False),
    sa.Column('agreement_id', sa.String(length=64), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('reported_at', DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['event_agreements.id'],
                            name=op.f('fk_event_follow_ups_agreement_id_event_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['exchange_events.id'],
                            name=op.f('fk_event_follow_ups_event_id_exchange_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_follow_ups'))
    )
    with op.batch_alter_table('event_follow_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_follow_ups_agreement_id'), ['agreement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_follow_ups_event_id'), ['event_id'], unique=False)

    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event_id', sa.String(length=200), nullable=True))
        batch_op.create_index(batch_op.f('ix_tokens_event_id'), ['event_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tokens_event_id'))
        batch_op.drop_column('event_id')

    with op.batch_alter_table('event_follow_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_follow_ups_event_id'))
        batch_op.drop_index(batch_op.f('ix_event_follow_ups_agreement_id'))

    op.drop_table('event_follow_ups')
    op.drop_table('event_entries')
    op.drop_table('event_volunteers')
    with op.batch_alter_table('event_transitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_transitions_event_id'))

    op.drop_table('event_transitions')
    op.drop_table('event_participants')
    with op.batch_alter_table('event_agreements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_agreements_registered_at'))
        batch_op.drop_index(batch_op.f('ix_event_agreements_event_id'))

    op.drop_table('event_agreements')
    op.drop_table('exchange_events')
