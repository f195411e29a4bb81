"""Alembic environment: runs against the connection handed in by ``zhichao.adapters.db.migrate``."""

from __future__ import annotations

from alembic import context

from zhichao.adapters.db import partitions
from zhichao.adapters.db.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode rebuilds the table
    compare_type=True,
    include_object=partitions.differs_on_purpose(connection.dialect.name),
)
with context.begin_transaction():
    context.run_migrations()
