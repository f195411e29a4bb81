"""plate readings (the plate cross-check's outbox)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import zhichao.adapters.db.types

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('plate_readings',
    sa.Column('station_id', sa.String(length=32), nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('queued_at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('read_at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('text', sa.String(length=16), nullable=True),
    sa.Column('raw_text', sa.Text(), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('engine', sa.String(length=64), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('station_id', 'record_id', name=op.f('pk_plate_readings'))
    )
    with op.batch_alter_table('plate_readings', schema=None) as batch_op:
        batch_op.create_index('ix_plate_readings_state_queued_at', ['state', 'queued_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('plate_readings', schema=None) as batch_op:
        batch_op.drop_index('ix_plate_readings_state_queued_at')

    op.drop_table('plate_readings')
