"""evidence screening review

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import zhichao.adapters.db.types

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cases',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('station_id', sa.String(length=32), nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.Column('plate', sa.String(length=16), nullable=False),
    sa.Column('captured_at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('fine_yuan', sa.Integer(), nullable=False),
    sa.Column('opened_at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('opened_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('station_id', 'record_id', name=op.f('uq_cases_station_id_record_id'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_plate'), ['plate'], unique=False)

    op.create_table('evidence',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('station_id', sa.String(length=32), nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.Column('received_at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_evidence'))
    )
    op.create_table('onsite_handlings',
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('plate', sa.String(length=16), nullable=False),
    sa.Column('handled_at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('place', sa.String(length=64), nullable=True),
    sa.Column('created_at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('reference', name=op.f('pk_onsite_handlings'))
    )
    with op.batch_alter_table('onsite_handlings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_onsite_handlings_plate'), ['plate'], unique=False)

    op.create_table('permits',
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('plate', sa.String(length=16), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=False),
    sa.Column('roads', sa.JSON(), nullable=False),
    sa.Column('max_gross_kg', sa.Integer(), nullable=True),
    sa.Column('issuer', sa.String(length=64), nullable=True),
    sa.Column('created_at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('number', name=op.f('pk_permits'))
    )
    with op.batch_alter_table('permits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_permits_plate'), ['plate'], unique=False)

    op.create_table('record_flags',
    sa.Column('station_id', sa.String(length=32), nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('blocking', sa.Boolean(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('raised_at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('cleared_at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('station_id', 'record_id', 'code', name=op.f('pk_record_flags'))
    )
    op.create_table('review_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('station_id', sa.String(length=32), nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.Column('at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('from_state', sa.String(length=16), nullable=False),
    sa.Column('to_state', sa.String(length=16), nullable=False),
    sa.Column('reason_code', sa.String(length=32), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_events'))
    )
    with op.batch_alter_table('review_events', schema=None) as batch_op:
        batch_op.create_index('ix_review_events_actor_at', ['actor_id', 'at'], unique=False)
        batch_op.create_index('ix_review_events_record', ['station_id', 'record_id'], unique=False)

    op.create_table('review_items',
    sa.Column('station_id', sa.String(length=32), nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.Column('captured_at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('plate', sa.String(length=16), nullable=False),
    sa.Column('band', sa.SmallInteger(), nullable=False),
    sa.Column('overload_rate_x100', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('queued_at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('first_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('first_at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('second_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('second_at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('reason_code', sa.String(length=32), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('station_id', 'record_id', name=op.f('pk_review_items'))
    )
    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.create_index('ix_review_items_state_captured_at', ['state', 'captured_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.drop_index('ix_review_items_state_captured_at')

    op.drop_table('review_items')
    with op.batch_alter_table('review_events', schema=None) as batch_op:
        batch_op.drop_index('ix_review_events_record')
        batch_op.drop_index('ix_review_events_actor_at')

    op.drop_table('review_events')
    op.drop_table('record_flags')
    with op.batch_alter_table('permits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_permits_plate'))

    op.drop_table('permits')
    with op.batch_alter_table('onsite_handlings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_onsite_handlings_plate'))

    op.drop_table('onsite_handlings')
    op.drop_table('evidence')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_plate'))

    op.drop_table('cases')
