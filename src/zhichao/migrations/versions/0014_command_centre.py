"""the command centre and 掌上执法: watchlist, alerts, officers on duty, inspections, evasion findings

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import zhichao.adapters.db.types

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def _time(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table('watchlist',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('plate', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('county_code', sa.String(length=6), nullable=True),
    sa.Column('created_by', _ID, nullable=False),
    _time('created_at', False),
    _time('ends_at', False),
    _time('lifted_at'),
    sa.Column('lifted_by', _ID, nullable=True),
    sa.Column('lift_reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_watchlist'))
    )
    with op.batch_alter_table('watchlist', schema=None) as batch_op:
        batch_op.create_index('ix_watchlist_plate', ['plate'], unique=False)

    op.create_table('alerts',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('rule', sa.String(length=24), nullable=False),
    sa.Column('plate', sa.String(length=16), nullable=False),
    sa.Column('station_id', sa.String(length=32), nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=False),
    _time('captured_at', False),
    _time('fired_at', False),
    sa.Column('county_code', sa.String(length=6), nullable=True),
    sa.Column('severity', sa.SmallInteger(), nullable=False),
    sa.Column('title', sa.String(length=128), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('acked_by', _ID, nullable=True),
    _time('acked_at'),
    sa.Column('assigned_to', _ID, nullable=True),
    sa.Column('assigned_by', _ID, nullable=True),
    _time('assigned_at'),
    sa.Column('outcome', sa.String(length=24), nullable=True),
    sa.Column('outcome_note', sa.Text(), nullable=True),
    sa.Column('resolved_by', _ID, nullable=True),
    _time('resolved_at'),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts'))
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index('ix_alerts_rule_plate_captured_at', ['rule', 'plate', 'captured_at'], unique=False)
        batch_op.create_index('ix_alerts_fired_at', ['fired_at'], unique=False)
        batch_op.create_index('ix_alerts_state', ['state'], unique=False)

    op.create_table('officer_duty',
    sa.Column('user_id', _ID, nullable=False),
    sa.Column('county_code', sa.String(length=6), nullable=True),
    _time('since', False),
    _time('until'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_officer_duty'))
    )

    op.create_table('inspections',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('officer_id', _ID, nullable=False),
    sa.Column('plate', sa.String(length=16), nullable=False),
    sa.Column('plate_raw', sa.String(length=32), nullable=False),
    _time('inspected_at', False),
    sa.Column('place', sa.String(length=128), nullable=False),
    sa.Column('county_code', sa.String(length=6), nullable=True),
    sa.Column('station_id', sa.String(length=32), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('result', sa.String(length=16), nullable=False),
    sa.Column('measured_weight_kg', sa.Integer(), nullable=True),
    sa.Column('limit_kg', sa.Integer(), nullable=True),
    sa.Column('cargo', sa.String(length=64), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('photos', sa.JSON(), nullable=False),
    sa.Column('signature_sha256', sa.String(length=64), nullable=True),
    sa.Column('alert_id', _ID, nullable=True),
    _time('created_at', False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspections')),
    sa.UniqueConstraint('client_id', name=op.f('uq_inspections_client_id'))
    )
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.create_index('ix_inspections_inspected_at', ['inspected_at'], unique=False)
        batch_op.create_index('ix_inspections_plate', ['plate'], unique=False)

    op.create_table('evasion_findings',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('plate', sa.String(length=16), nullable=False),
    sa.Column('station_id', sa.String(length=32), nullable=False),
    _time('first_at', False),
    _time('last_at', False),
    _time('found_at', False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=12), server_default='open', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evasion_findings')),
    sa.UniqueConstraint('kind', 'plate', 'station_id', 'first_at',
                        name=op.f('uq_evasion_findings_kind_plate_station_id_first_at'))
    )
    with op.batch_alter_table('evasion_findings', schema=None) as batch_op:
        batch_op.create_index('ix_evasion_findings_found_at', ['found_at'], unique=False)


def downgrade() -> None:
    for table in ('evasion_findings', 'inspections', 'officer_duty', 'alerts', 'watchlist'):
        op.drop_table(table)
