"""the accident register (事故登记)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import zhichao.adapters.db.types

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def _time(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table('accidents',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('ref', sa.String(length=64), nullable=False),
    _time('occurred_at', False),
    sa.Column('plate', sa.String(length=16), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('road', sa.String(length=64), nullable=True),
    sa.Column('county_code', sa.String(length=12), nullable=True),
    sa.Column('severity', sa.String(length=16), nullable=False),
    sa.Column('deaths', sa.SmallInteger(), server_default='0', nullable=False),
    sa.Column('injuries', sa.SmallInteger(), server_default='0', nullable=False),
    sa.Column('property_loss_yuan', sa.Integer(), nullable=True),
    sa.Column('overloaded', sa.Boolean(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    _time('imported_at', False),
    sa.Column('imported_by', _ID, nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accidents')),
    sa.UniqueConstraint('ref', name=op.f('uq_accidents_ref'))
    )
    with op.batch_alter_table('accidents', schema=None) as batch_op:
        batch_op.create_index('ix_accidents_occurred_at', ['occurred_at'], unique=False)
        batch_op.create_index('ix_accidents_plate', ['plate'], unique=False)


def downgrade() -> None:
    op.drop_table('accidents')
