"""freight sources name the station of their scale

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('freight_sources', schema=None) as batch_op:
        batch_op.add_column(sa.Column('station_id', sa.String(length=32), nullable=True))
        batch_op.create_index('ix_freight_sources_station_id', ['station_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('freight_sources', schema=None) as batch_op:
        batch_op.drop_index('ix_freight_sources_station_id')
        batch_op.drop_column('station_id')
