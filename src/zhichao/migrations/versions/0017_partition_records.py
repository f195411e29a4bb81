"""PostgreSQL: records partitioned by month, their uniqueness held by record_keys

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-28

A partitioned table's unique keys must include its partition key, so ``(station_id, record_id)`` can no
longer be unique on ``records`` itself: ``record_keys`` holds it, one row per stored record, and
``records`` keeps ``(station_id, record_id, captured_at)`` unique within each month. The rows are copied
into month partitions (those of the stored data, this month and the next three; the scheduled task
creates later ones), under the same names of keys and indexes. SQLite is left as it is.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import zhichao.adapters.db.types
from zhichao.adapters.db import partitions

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

_OLD = 'records_unpartitioned'
_INDEXES = ('ix_records_captured_at', 'ix_records_plate_captured_at')


def _postgresql() -> bool:
    return op.get_bind().dialect.name == 'postgresql'


def _set_aside_old_table() -> None:
    op.execute(f'ALTER TABLE records RENAME TO {_OLD}')
    op.execute(f'ALTER TABLE {_OLD} RENAME CONSTRAINT pk_records TO pk_{_OLD}')
    op.execute(f'ALTER TABLE {_OLD} RENAME CONSTRAINT uq_records_station_id_record_id TO uq_{_OLD}')
    for name in _INDEXES:
        op.execute(f'ALTER INDEX {name} RENAME TO {name}_unpartitioned')
    op.execute('ALTER SEQUENCE records_id_seq OWNED BY NONE')


def upgrade() -> None:
    if not _postgresql():
        return
    _set_aside_old_table()
    op.execute(f'CREATE TABLE records (LIKE {_OLD} INCLUDING DEFAULTS) PARTITION BY RANGE (captured_at)')
    op.execute('ALTER TABLE records ADD CONSTRAINT pk_records PRIMARY KEY (id, captured_at)')
    op.execute('ALTER TABLE records ADD CONSTRAINT uq_records_station_id_record_id '
               'UNIQUE (station_id, record_id, captured_at)')
    op.execute('CREATE INDEX ix_records_captured_at ON records (captured_at)')
    op.execute('CREATE INDEX ix_records_plate_captured_at ON records (plate, captured_at)')
    op.execute(f'CREATE TABLE {partitions.DEFAULT} PARTITION OF records DEFAULT')
    conn = op.get_bind()
    stored = conn.execute(sa.text(
        f"SELECT DISTINCT date_trunc('month', captured_at AT TIME ZONE 'UTC')::date FROM {_OLD}")).scalars()
    partitions.ensure(conn, datetime.now(UTC).date(), 3, also=list(stored))
    op.execute(f'INSERT INTO records SELECT * FROM {_OLD}')
    op.create_table(
        'record_keys',
        sa.Column('station_id', sa.String(length=32), nullable=False),
        sa.Column('record_id', sa.String(length=64), nullable=False),
        sa.Column('captured_at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('station_id', 'record_id', name='pk_record_keys'),
    )
    op.execute(f'INSERT INTO record_keys SELECT station_id, record_id, captured_at FROM {_OLD}')
    op.execute(f'DROP TABLE {_OLD}')
    op.execute('ALTER SEQUENCE records_id_seq OWNED BY records.id')
    op.execute('ANALYZE records')
    op.execute('ANALYZE record_keys')


def downgrade() -> None:
    if not _postgresql():
        return
    op.execute('ALTER TABLE records RENAME TO records_partitioned')
    op.execute('ALTER TABLE records_partitioned RENAME CONSTRAINT pk_records TO pk_records_partitioned')
    op.execute('ALTER TABLE records_partitioned RENAME CONSTRAINT uq_records_station_id_record_id '
               'TO uq_records_partitioned')
    for name in _INDEXES:
        op.execute(f'ALTER INDEX {name} RENAME TO {name}_partitioned')
    op.execute('ALTER SEQUENCE records_id_seq OWNED BY NONE')
    op.execute('CREATE TABLE records (LIKE records_partitioned INCLUDING DEFAULTS)')
    op.execute('INSERT INTO records SELECT * FROM records_partitioned')
    op.execute('ALTER TABLE records ADD CONSTRAINT pk_records PRIMARY KEY (id)')
    op.execute('ALTER TABLE records ADD CONSTRAINT uq_records_station_id_record_id UNIQUE (station_id, record_id)')
    op.execute('CREATE INDEX ix_records_captured_at ON records (captured_at)')
    op.execute('CREATE INDEX ix_records_plate_captured_at ON records (plate, captured_at)')
    op.execute('DROP TABLE records_partitioned')
    op.execute('DROP TABLE record_keys')
    op.execute('ALTER SEQUENCE records_id_seq OWNED BY records.id')
