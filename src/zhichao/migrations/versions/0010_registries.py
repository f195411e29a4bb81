"""registries of 一超四罚: vehicles, drivers, transport enterprises, freight sources

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import zhichao.adapters.db.types

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def _updated() -> sa.Column[object]:
    return sa.Column('updated_at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table('vehicles',
    sa.Column('plate', sa.String(length=16), nullable=False),
    sa.Column('vehicle_type', sa.String(length=32), nullable=True),
    sa.Column('axle_count', sa.SmallInteger(), nullable=True),
    sa.Column('owner_name', sa.String(length=128), nullable=True),
    sa.Column('owner_id', sa.String(length=18), nullable=True),
    sa.Column('transport_cert', sa.String(length=64), nullable=True),
    sa.Column('enterprise_code', sa.String(length=18), nullable=True),
    sa.Column('engineering', sa.Boolean(), nullable=True),
    _updated(),
    sa.PrimaryKeyConstraint('plate', name=op.f('pk_vehicles'))
    )
    with op.batch_alter_table('vehicles', schema=None) as batch_op:
        batch_op.create_index('ix_vehicles_enterprise_code', ['enterprise_code'], unique=False)

    op.create_table('drivers',
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('qualification_no', sa.String(length=64), nullable=True),
    sa.Column('employer_code', sa.String(length=18), nullable=True),
    _updated(),
    sa.PrimaryKeyConstraint('id_number', name=op.f('pk_drivers'))
    )
    with op.batch_alter_table('drivers', schema=None) as batch_op:
        batch_op.create_index('ix_drivers_employer_code', ['employer_code'], unique=False)

    op.create_table('enterprises',
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('licence_no', sa.String(length=64), nullable=True),
    sa.Column('fleet_size', sa.Integer(), nullable=True),
    sa.Column('county_code', sa.String(length=6), nullable=True),
    sa.Column('address', sa.String(length=256), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    _updated(),
    sa.PrimaryKeyConstraint('credit_code', name=op.f('pk_enterprises'))
    )

    op.create_table('freight_sources',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('address', sa.String(length=256), nullable=True),
    sa.Column('county_code', sa.String(length=6), nullable=True),
    sa.Column('key_source', sa.Boolean(), nullable=True),
    sa.Column('scale', sa.String(length=128), nullable=True),
    sa.Column('enterprise_code', sa.String(length=18), nullable=True),
    _updated(),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_freight_sources'))
    )


def downgrade() -> None:
    for table in ('freight_sources', 'enterprises', 'drivers', 'vehicles'):
        op.drop_table(table)
