"""joint punishment: case links to the four parties, sanctions, the partner check table, partner calls

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import zhichao.adapters.db.types

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def _time(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scopes', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('rate_per_s', sa.Integer(), nullable=True))

    op.create_table('case_links',
    sa.Column('case_id', _ID, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('plate', sa.String(length=16), nullable=False),
    sa.Column('act_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_links_case_id_cases')),
    sa.PrimaryKeyConstraint('case_id', 'kind', name=op.f('pk_case_links'))
    )
    with op.batch_alter_table('case_links', schema=None) as batch_op:
        batch_op.create_index('ix_case_links_kind_key', ['kind', 'key'], unique=False)

    op.create_table('sanctions',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('party_kind', sa.String(length=16), nullable=False),
    sa.Column('party_key', sa.String(length=32), nullable=False),
    sa.Column('rule', sa.String(length=32), nullable=False),
    sa.Column('basis', sa.Text(), nullable=False),
    sa.Column('judged_on', sa.Date(), nullable=False),
    sa.Column('window_from', sa.Date(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('threshold', sa.Float(), nullable=False),
    sa.Column('fleet', sa.Integer(), nullable=True),
    sa.Column('case_ids', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    _time('proposed_at', False),
    _time('decided_at'),
    sa.Column('decided_by', _ID, nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('confirmed_on', sa.Date(), nullable=True),
    sa.Column('listed_until', sa.Date(), nullable=True),
    sa.Column('lifted_on', sa.Date(), nullable=True),
    sa.Column('lifted_by', _ID, nullable=True),
    sa.Column('lift_reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sanctions'))
    )
    with op.batch_alter_table('sanctions', schema=None) as batch_op:
        batch_op.create_index('ix_sanctions_party_kind_party_key', ['party_kind', 'party_key'], unique=False)
        batch_op.create_index('ix_sanctions_state', ['state'], unique=False)

    op.create_table('plate_checks',
    sa.Column('plate', sa.String(length=16), nullable=False),
    sa.Column('unresolved_cases', sa.Integer(), nullable=False),
    sa.Column('worst_open_rate_x100', sa.Integer(), nullable=True),
    sa.Column('listed_until', sa.Date(), nullable=True),
    sa.Column('entries', sa.JSON(), nullable=False),
    _time('updated_at', False),
    sa.PrimaryKeyConstraint('plate', name=op.f('pk_plate_checks'))
    )

    op.create_table('partner_calls',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('partner_id', _ID, nullable=False),
    _time('at', False),
    sa.Column('plate', sa.String(length=32), nullable=False),
    sa.Column('status', sa.SmallInteger(), nullable=False),
    sa.Column('unresolved_cases', sa.Integer(), nullable=True),
    sa.Column('blacklisted', sa.Boolean(), nullable=True),
    sa.Column('refuse_entry', sa.Boolean(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_calls'))
    )
    with op.batch_alter_table('partner_calls', schema=None) as batch_op:
        batch_op.create_index('ix_partner_calls_partner_id_at', ['partner_id', 'at'], unique=False)


def downgrade() -> None:
    for table in ('partner_calls', 'plate_checks', 'sanctions', 'case_links'):
        op.drop_table(table)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('rate_per_s')
        batch_op.drop_column('scopes')
