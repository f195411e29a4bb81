"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import zhichao.adapters.db.types

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('hourly_counts',
    sa.Column('station_id', sa.String(length=32), nullable=False),
    sa.Column('hour', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('axle_count', sa.SmallInteger(), nullable=False),
    sa.Column('band', sa.SmallInteger(), nullable=False),
    sa.Column('trucks', sa.Integer(), nullable=False),
    sa.Column('overloaded', sa.Integer(), nullable=False),
    sa.Column('actionable', sa.Integer(), nullable=False),
    sa.Column('over_highway_line', sa.Integer(), nullable=False),
    sa.Column('gross_100t', sa.Integer(), nullable=False),
    sa.Column('plate_unread', sa.Integer(), nullable=False),
    sa.Column('gross_kg_sum', sa.BigInteger(), nullable=False),
    sa.Column('overload_kg_sum', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('station_id', 'hour', 'axle_count', 'band', name=op.f('pk_hourly_counts'))
    )
    op.create_table('records',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('station_id', sa.String(length=32), nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.Column('lane', sa.SmallInteger(), nullable=False),
    sa.Column('captured_at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('received_at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('plate', sa.String(length=16), nullable=False),
    sa.Column('plate_raw', sa.String(length=32), nullable=False),
    sa.Column('plate_color', sa.String(length=16), nullable=False),
    sa.Column('plate_confidence', sa.Float(), nullable=True),
    sa.Column('speed_kmh', sa.Float(), nullable=False),
    sa.Column('axle_count', sa.SmallInteger(), nullable=False),
    sa.Column('axle_weights_kg', sa.JSON(), nullable=False),
    sa.Column('gross_weight_kg', sa.Integer(), nullable=False),
    sa.Column('axle_groups', sa.String(length=32), nullable=True),
    sa.Column('vehicle_type', sa.String(length=24), nullable=True),
    sa.Column('drive_axle', sa.String(length=8), nullable=True),
    sa.Column('axle_spacings_mm', sa.JSON(), nullable=True),
    sa.Column('length_mm', sa.Integer(), nullable=True),
    sa.Column('width_mm', sa.Integer(), nullable=True),
    sa.Column('height_mm', sa.Integer(), nullable=True),
    sa.Column('direction', sa.String(length=32), nullable=True),
    sa.Column('images', sa.JSON(), nullable=True),
    sa.Column('video', sa.JSON(), nullable=True),
    sa.Column('flags', sa.JSON(), nullable=True),
    sa.Column('size_violations', sa.String(length=32), nullable=True),
    sa.Column('rule_set', sa.String(length=16), nullable=False),
    sa.Column('limit_kg', sa.Integer(), nullable=False),
    sa.Column('limit_basis', sa.String(length=96), nullable=False),
    sa.Column('limit_inferred', sa.Boolean(), nullable=False),
    sa.Column('overload_kg', sa.Integer(), nullable=False),
    sa.Column('overload_rate_x100', sa.Integer(), nullable=False),
    sa.Column('overloaded', sa.Boolean(), nullable=False),
    sa.Column('actionable', sa.Boolean(), nullable=False),
    sa.Column('fine_yuan', sa.Integer(), nullable=False),
    sa.Column('warning_only', sa.Boolean(), nullable=False),
    sa.Column('legal_basis', sa.String(length=64), nullable=False),
    sa.Column('band', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_records')),
    sa.UniqueConstraint('station_id', 'record_id', name=op.f('uq_records_station_id_record_id'))
    )
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.create_index('ix_records_captured_at', ['captured_at'], unique=False)
        batch_op.create_index('ix_records_plate_captured_at', ['plate', 'captured_at'], unique=False)

    op.create_table('rejected_input',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('station_id', sa.String(length=32), nullable=False),
    sa.Column('received_at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('record_index', sa.Integer(), nullable=True),
    sa.Column('record_id', sa.String(length=64), nullable=True),
    sa.Column('raw', sa.LargeBinary(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rejected_input'))
    )
    with op.batch_alter_table('rejected_input', schema=None) as batch_op:
        batch_op.create_index('ix_rejected_input_received_at', ['received_at'], unique=False)

    op.create_table('stations',
    sa.Column('station_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=16), server_default='site', nullable=False),
    sa.Column('county_code', sa.String(length=6), nullable=True),
    sa.Column('road', sa.String(length=32), nullable=True),
    sa.Column('stake', sa.String(length=32), nullable=True),
    sa.Column('lanes', sa.SmallInteger(), nullable=False),
    sa.Column('direction', sa.String(length=32), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('accuracy_class', sa.String(length=8), nullable=True),
    sa.Column('cert_number', sa.String(length=64), nullable=True),
    sa.Column('cert_body', sa.String(length=128), nullable=True),
    sa.Column('cert_valid_from', sa.Date(), nullable=True),
    sa.Column('cert_valid_to', sa.Date(), nullable=True),
    sa.Column('speed_min_kmh', sa.Float(), nullable=True),
    sa.Column('speed_max_kmh', sa.Float(), nullable=True),
    sa.Column('state', sa.String(length=16), server_default='enabled', nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=True),
    sa.Column('demo', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('last_record_at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('last_received_at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('last_heartbeat_at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('last_heartbeat_status', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('station_id', name=op.f('pk_stations'))
    )
    op.create_table('users',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('demo', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_users_token_hash')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('sessions',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_sessions'))
    )


def downgrade() -> None:
    op.drop_table('sessions')
    op.drop_table('users')
    op.drop_table('stations')
    with op.batch_alter_table('rejected_input', schema=None) as batch_op:
        batch_op.drop_index('ix_rejected_input_received_at')

    op.drop_table('rejected_input')
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.drop_index('ix_records_plate_captured_at')
        batch_op.drop_index('ix_records_captured_at')

    op.drop_table('records')
    op.drop_table('hourly_counts')
