"""case workflow: dates, parties, outbox, payments, documents, transfers

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import zhichao.adapters.db.types

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('document_counters',
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('year', sa.SmallInteger(), nullable=False),
    sa.Column('next_seq', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'year', name=op.f('pk_document_counters'))
    )
    op.create_table('outbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('recipient', sa.String(length=256), nullable=False),
    sa.Column('subject', sa.String(length=256), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=True),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('dedupe_key', sa.String(length=128), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('sent_at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('delivery_ref', sa.String(length=128), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_dedupe_key'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_case_id', ['case_id'], unique=False)
        batch_op.create_index('ix_outbox_state_next_attempt_at', ['state', 'next_attempt_at'], unique=False)

    op.create_table('case_documents',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('year', sa.SmallInteger(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('created_at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=256), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_documents_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_documents')),
    sa.UniqueConstraint('kind', 'year', 'seq', name=op.f('uq_case_documents_kind_year_seq'))
    )
    with op.batch_alter_table('case_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_documents_case_id'), ['case_id'], unique=False)

    op.create_table('case_parties',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('id_number', sa.String(length=32), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('address', sa.String(length=256), nullable=True),
    sa.Column('licence', sa.String(length=64), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('updated_at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_parties_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_parties')),
    sa.UniqueConstraint('case_id', 'role', name=op.f('uq_case_parties_case_id_role'))
    )
    op.create_table('payments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('amount_yuan', sa.Integer(), nullable=False),
    sa.Column('late_fee_yuan', sa.Integer(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('recorded_at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_payments_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('method', 'reference', name=op.f('uq_payments_method_reference'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_case_id'), ['case_id'], unique=False)

    op.create_table('transfers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('region', sa.String(length=8), nullable=False),
    sa.Column('authority', sa.String(length=128), nullable=False),
    sa.Column('long_triangle', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('created_at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('outcome_at', zhichao.adapters.db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('package_key', sa.String(length=256), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_transfers_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfers')),
    sa.UniqueConstraint('case_id', name=op.f('uq_transfers_case_id'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('major', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('assignee_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('notice_code', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('notified_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('reported_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('pre_decision_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('decided_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('reminded_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('paid_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('closed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('due_kind', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('paid_yuan', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('late_fee_yuan', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_index(batch_op.f('ix_cases_due_on'), ['due_on'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_cases_notice_code'), ['notice_code'])



def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_cases_notice_code'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_cases_due_on'))
        batch_op.drop_column('late_fee_yuan')
        batch_op.drop_column('paid_yuan')
        batch_op.drop_column('due_kind')
        batch_op.drop_column('due_on')
        batch_op.drop_column('closed_on')
        batch_op.drop_column('paid_on')
        batch_op.drop_column('reminded_on')
        batch_op.drop_column('decided_on')
        batch_op.drop_column('pre_decision_on')
        batch_op.drop_column('reported_on')
        batch_op.drop_column('notified_on')
        batch_op.drop_column('notice_code')
        batch_op.drop_column('assignee_id')
        batch_op.drop_column('major')

    op.drop_table('transfers')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_case_id'))

    op.drop_table('payments')
    op.drop_table('case_parties')
    with op.batch_alter_table('case_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_documents_case_id'))

    op.drop_table('case_documents')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_state_next_attempt_at')
        batch_op.drop_index('ix_outbox_case_id')

    op.drop_table('outbox')
    op.drop_table('document_counters')
