"""highway entrance refusals (劝返) and entries through another entrance

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import zhichao.adapters.db.types

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def _time(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table('entrance_refusals',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('station_id', sa.String(length=32), nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.Column('plate', sa.String(length=16), nullable=False),
    _time('captured_at', False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('gross_weight_kg', sa.Integer(), nullable=False),
    sa.Column('limit_kg', sa.Integer(), nullable=False),
    sa.Column('entered_station_id', sa.String(length=32), nullable=True),
    sa.Column('entered_record_id', sa.String(length=64), nullable=True),
    _time('entered_at'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entrance_refusals')),
    sa.UniqueConstraint('station_id', 'record_id', name=op.f('uq_entrance_refusals_station_id_record_id'))
    )
    with op.batch_alter_table('entrance_refusals', schema=None) as batch_op:
        batch_op.create_index('ix_entrance_refusals_plate_captured_at', ['plate', 'captured_at'], unique=False)
        batch_op.create_index('ix_entrance_refusals_captured_at', ['captured_at'], unique=False)


def downgrade() -> None:
    op.drop_table('entrance_refusals')
