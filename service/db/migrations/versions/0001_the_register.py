"""The register: catalogue, sites, volunteers, needs, plans, placements, tokens, audit.

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 09:25:08.010588
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import DateTimeUTC
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('activities',
    sa.Column('id', sa.String(length=200), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', DateTimeUTC(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activities'))
    )
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', DateTimeUTC(timezone=True), nullable=False),
    sa.Column('token_id', sa.String(length=64), nullable=True),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('volunteer_id', sa.String(length=200), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_volunteer_id'), ['volunteer_id'], unique=False)

    op.create_table('idempotency_keys',
    sa.Column('token_id', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('response', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
              nullable=False),
    sa.Column('created_at', DateTimeUTC(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('token_id', 'key', name=op.f('pk_idempotency_keys'))
    )
    op.create_table('locks',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('volunteer_id', sa.String(length=200), nullable=False),
    sa.Column('need_id', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', DateTimeUTC(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_locks')),
    sa.UniqueConstraint('kind', 'volunteer_id', 'need_id', name='uq_locks_pair')
    )
    with op.batch_alter_table('locks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_locks_need_id'), ['need_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_locks_volunteer_id'), ['volunteer_id'], unique=False)

    op.create_table('placements',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('volunteer_id', sa.String(length=200), nullable=False),
    sa.Column('need_id', sa.String(length=200), nullable=False),
    sa.Column('site_id', sa.String(length=200), nullable=False),
    sa.Column('activity_id', sa.String(length=200), nullable=False),
    sa.Column('plan_id', sa.String(length=64), nullable=True),
    sa.Column('proposal_id', sa.String(length=64), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('created_at', DateTimeUTC(timezone=True), nullable=False),
    sa.Column('responded_at', DateTimeUTC(timezone=True), nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('followups_done', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
              nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placements'))
    )
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_placements_need_id'), ['need_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_placements_site_id'), ['site_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_placements_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_placements_volunteer_id'), ['volunteer_id'], unique=False)

    op.create_table('plans',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('solver_status', sa.String(length=20), nullable=False),
    sa.Column('unfilled', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
              nullable=False),
    sa.Column('summary', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', DateTimeUTC(timezone=True), nullable=False),
    sa.Column('released_at', DateTimeUTC(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plans'))
    )
    register = op.create_table('register',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('horizon_start', sa.Date(), nullable=True),
    sa.Column('horizon_end', sa.Date(), nullable=True),
    sa.Column('weights', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('solving_since', DateTimeUTC(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_register'))
    )
    op.bulk_insert(register, [{"id": 1}])
    op.create_table('sites',
    sa.Column('id', sa.String(length=200), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', DateTimeUTC(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sites'))
    )
    op.create_table('tokens',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('site_id', sa.String(length=200), nullable=True),
    sa.Column('volunteer_id', sa.String(length=200), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', DateTimeUTC(timezone=True), nullable=False),
    sa.Column('revoked_at', DateTimeUTC(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_tokens_token_hash'))
    )
    op.create_table('trainings',
    sa.Column('id', sa.String(length=200), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', DateTimeUTC(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trainings'))
    )
    op.create_table('volunteers',
    sa.Column('id', sa.String(length=200), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('anonymised_at', DateTimeUTC(timezone=True), nullable=True),
    sa.Column('created_at', DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', DateTimeUTC(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteers'))
    )
    op.create_table('needs',
    sa.Column('id', sa.String(length=200), nullable=False),
    sa.Column('site_id', sa.String(length=200), nullable=False),
    sa.Column('activity_id', sa.String(length=200), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_needs_activity_id_activities'),
                            ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_needs_site_id_sites'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_needs'))
    )
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_needs_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_needs_site_id'), ['site_id'], unique=False)

    op.create_table('proposals',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('plan_id', sa.String(length=64), nullable=False),
    sa.Column('volunteer_id', sa.String(length=200), nullable=False),
    sa.Column('need_id', sa.String(length=200), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('reasons', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.Column('reject_reason', sa.Text(), nullable=True),
    sa.Column('decided_at', DateTimeUTC(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_proposals_need_id_needs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_proposals_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposals'))
    )
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposals_need_id'), ['need_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposals_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposals_volunteer_id'), ['volunteer_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposals_volunteer_id'))
        batch_op.drop_index(batch_op.f('ix_proposals_plan_id'))
        batch_op.drop_index(batch_op.f('ix_proposals_need_id'))

    op.drop_table('proposals')
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_needs_site_id'))
        batch_op.drop_index(batch_op.f('ix_needs_activity_id'))

    op.drop_table('needs')
    op.drop_table('volunteers')
    op.drop_table('trainings')
    op.drop_table('tokens')
    op.drop_table('sites')
    op.drop_table('register')
    op.drop_table('plans')
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_placements_volunteer_id'))
        batch_op.drop_index(batch_op.f('ix_placements_state'))
        batch_op.drop_index(batch_op.f('ix_placements_site_id'))
        batch_op.drop_index(batch_op.f('ix_placements_need_id'))

    op.drop_table('placements')
    with op.batch_alter_table('locks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_locks_volunteer_id'))
        batch_op.drop_index(batch_op.f('ix_locks_need_id'))

    op.drop_table('locks')
    op.drop_table('idempotency_keys')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_volunteer_id'))
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))

    op.drop_table('audit_log')
    op.drop_table('activities')

