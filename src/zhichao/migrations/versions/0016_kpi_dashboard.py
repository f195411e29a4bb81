"""the KPI dashboard: the bureau's targets, day counters, trucks of 80 t or more

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27

``daily_counts`` is filled from ``hourly_counts`` by local day (``ZHICHAO_DISPLAY_TIMEZONE``), and the
review items' gross weights from their records, so an upgraded database shows its past at once.
``gross_80t`` of past hours is counted from the records.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

import zhichao.adapters.db.types
from zhichao.config import load_settings

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
_FIELDS = ('trucks', 'overloaded', 'actionable', 'over_highway_line', 'gross_100t', 'gross_80t',
           'plate_unread', 'gross_kg_sum', 'overload_kg_sum')


def _time(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table('kpi_targets',
    sa.Column('kpi_id', sa.String(length=40), nullable=False),
    sa.Column('year', sa.SmallInteger(), nullable=False),
    sa.Column('target', sa.Float(), nullable=False),
    sa.Column('set_by', _ID, nullable=False),
    _time('set_at', False),
    sa.PrimaryKeyConstraint('kpi_id', 'year', name=op.f('pk_kpi_targets'))
    )
    with op.batch_alter_table('hourly_counts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gross_80t', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gross_kg', sa.Integer(), nullable=True))
    op.create_index('ix_review_items_heavy', 'review_items', ['captured_at', 'station_id', 'state', 'gross_kg'],
                    unique=False,
                    sqlite_where=sa.text('gross_kg >= 80000'), postgresql_where=sa.text('gross_kg >= 80000'))
    op.create_index('ix_cases_opened_at', 'cases', ['opened_at'], unique=False)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opened_on', sa.Date(), nullable=True))
    op.create_table('case_days',
    sa.Column('station_id', sa.String(length=32), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('plate_head', sa.String(length=2), nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('station_id', 'day', 'state', 'plate_head', name=op.f('pk_case_days'))
    )
    with op.batch_alter_table('case_days', schema=None) as batch_op:
        batch_op.create_index('ix_case_days_day', ['day'], unique=False)
    op.create_table('daily_counts',
    sa.Column('station_id', sa.String(length=32), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('band', sa.SmallInteger(), nullable=False),
    *(sa.Column(f, sa.BigInteger() if f.endswith('_sum') else sa.Integer(), nullable=False,
                server_default='0' if f == 'gross_80t' else None) for f in _FIELDS),
    sa.PrimaryKeyConstraint('station_id', 'day', 'band', name=op.f('pk_daily_counts'))
    )
    with op.batch_alter_table('daily_counts', schema=None) as batch_op:
        batch_op.create_index('ix_daily_counts_day', ['day'], unique=False)
    _backfill()
    _count_cases()


_UTC = zhichao.adapters.db.types.UtcDateTime()


def _backfill() -> None:
    conn = op.get_bind()
    conn.execute(sa.text(
        "UPDATE review_items SET gross_kg = (SELECT r.gross_weight_kg FROM records r "
        "WHERE r.station_id = review_items.station_id AND r.record_id = review_items.record_id)"))
    records = sa.table('records', sa.column('station_id'), sa.column('captured_at', _UTC), sa.column('axle_count'),
                       sa.column('band'), sa.column('gross_weight_kg'))
    heavy: dict[tuple[str, datetime, int, int], int] = defaultdict(int)
    query = sa.select(records.c.station_id, records.c.captured_at, records.c.axle_count, records.c.band)
    for s, at, axles, band in conn.execute(query.where(records.c.gross_weight_kg >= 80_000)):
        heavy[(s, at.replace(minute=0, second=0, microsecond=0), axles, band)] += 1
    hourly = sa.table('hourly_counts', sa.column('station_id'), sa.column('hour', _UTC), sa.column('axle_count'),
                      sa.column('band'), *(sa.column(f) for f in _FIELDS))
    c = hourly.c
    for (s, hour, axles, band), n in heavy.items():
        conn.execute(sa.update(hourly).values(gross_80t=n).where(
            c.station_id == s, c.hour == hour, c.axle_count == axles, c.band == band))
    tz = ZoneInfo(load_settings().display_timezone)
    days: dict[tuple[str, date, int], list[int]] = defaultdict(lambda: [0] * len(_FIELDS))
    for row in conn.execute(sa.select(hourly)):
        sums = days[(row.station_id, row.hour.astimezone(tz).date(), row.band)]
        for i, f in enumerate(_FIELDS):
            sums[i] += getattr(row, f)
    if days:
        daily = sa.table('daily_counts', sa.column('station_id'), sa.column('day'), sa.column('band'),
                         *(sa.column(f) for f in _FIELDS))
        op.bulk_insert(daily, [{'station_id': s, 'day': d, 'band': b, **dict(zip(_FIELDS, v, strict=True))}
                               for (s, d, b), v in days.items()])


def _count_cases() -> None:
    """Each case's local opening day, and the day counts of the cases (adapters/db/case_days.py)."""
    conn = op.get_bind()
    tz = ZoneInfo(load_settings().display_timezone)
    cases = sa.table('cases', sa.column('id'), sa.column('opened_at', _UTC), sa.column('opened_on'))
    days = [{'i': i, 'd': at.astimezone(tz).date()} for i, at in conn.execute(sa.select(cases.c.id, cases.c.opened_at))]
    if days:
        conn.execute(sa.update(cases).where(cases.c.id == sa.bindparam('i')).values(opened_on=sa.bindparam('d')),
                     days)
    conn.execute(sa.text(
        "INSERT INTO case_days (station_id, day, state, plate_head, cases) "
        "SELECT station_id, opened_on, state, substr(plate, 1, 2), count(*) FROM cases "
        "GROUP BY station_id, opened_on, state, substr(plate, 1, 2)"))


def downgrade() -> None:
    op.drop_table('case_days')
    op.drop_column('cases', 'opened_on')  # not in batch mode: SQLite would copy the table, which others reference
    op.drop_table('daily_counts')
    op.drop_index('ix_cases_opened_at', table_name='cases')
    op.drop_index('ix_review_items_heavy', table_name='review_items')
    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.drop_column('gross_kg')
    with op.batch_alter_table('hourly_counts', schema=None) as batch_op:
        batch_op.drop_column('gross_80t')
    op.drop_table('kpi_targets')
