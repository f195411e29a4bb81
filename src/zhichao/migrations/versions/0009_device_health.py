"""device health: swept states on stations, station events, per-day summaries, repair tickets, certificates

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import zhichao.adapters.db.types

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def _time(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table('stations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('health', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('health_reason', sa.String(length=32), nullable=True))
        batch_op.add_column(_time('health_since'))
        batch_op.add_column(sa.Column('quality', sa.String(length=8), nullable=True))
        batch_op.add_column(_time('quality_since'))
        batch_op.add_column(_time('suspended_since'))
        batch_op.add_column(sa.Column('baseline_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('heartbeat_interval_s', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('grace_s', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('mpe_pct', sa.Float(), nullable=True))

    op.create_table('station_events',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('station_id', sa.String(length=32), nullable=False),
    _time('at', False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('from_state', sa.String(length=16), nullable=True),
    sa.Column('to_state', sa.String(length=16), nullable=True),
    sa.Column('reason', sa.String(length=32), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=True),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['station_id'], ['stations.station_id'],
                            name=op.f('fk_station_events_station_id_stations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_station_events'))
    )
    with op.batch_alter_table('station_events', schema=None) as batch_op:
        batch_op.create_index('ix_station_events_station_id_at', ['station_id', 'at'], unique=False)

    op.create_table('station_days',
    sa.Column('station_id', sa.String(length=32), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('trucks', sa.Integer(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('pairs', sa.JSON(), nullable=False),
    sa.Column('findings', sa.JSON(), nullable=False),
    sa.Column('drift_pct', sa.Float(), nullable=True),
    sa.Column('pair_median_pct', sa.Float(), nullable=True),
    sa.Column('online', sa.Boolean(), nullable=False),
    sa.Column('normal', sa.Boolean(), nullable=False),
    sa.Column('complete', sa.Boolean(), nullable=False),
    _time('computed_at', False),
    sa.PrimaryKeyConstraint('station_id', 'day', name=op.f('pk_station_days'))
    )
    with op.batch_alter_table('station_days', schema=None) as batch_op:
        batch_op.create_index('ix_station_days_day', ['day'], unique=False)

    op.create_table('repair_tickets',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('station_id', sa.String(length=32), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('fault', sa.Text(), nullable=False),
    _time('opened_at', False),
    sa.Column('opened_by', sa.String(length=64), nullable=False),
    sa.Column('assignee', sa.String(length=64), nullable=True),
    _time('assigned_at'),
    _time('closed_at'),
    sa.Column('closed_by', sa.String(length=64), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['station_id'], ['stations.station_id'],
                            name=op.f('fk_repair_tickets_station_id_stations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_repair_tickets'))
    )
    with op.batch_alter_table('repair_tickets', schema=None) as batch_op:
        batch_op.create_index('ix_repair_tickets_station_id', ['station_id'], unique=False)
        batch_op.create_index('ix_repair_tickets_state', ['state'], unique=False)

    op.create_table('certificates',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('station_id', sa.String(length=32), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('body', sa.String(length=128), nullable=True),
    sa.Column('accuracy_class', sa.String(length=8), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=False),
    _time('recorded_at', False),
    sa.Column('recorded_by', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['station_id'], ['stations.station_id'],
                            name=op.f('fk_certificates_station_id_stations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates'))
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index('ix_certificates_station_id', ['station_id'], unique=False)


def downgrade() -> None:
    for table in ('certificates', 'repair_tickets', 'station_days', 'station_events'):
        op.drop_table(table)
    with op.batch_alter_table('stations', schema=None) as batch_op:
        for column in ('mpe_pct', 'grace_s', 'heartbeat_interval_s', 'baseline_from', 'suspended_since',
                       'quality_since', 'quality', 'health_since', 'health_reason', 'health'):
            batch_op.drop_column(column)
