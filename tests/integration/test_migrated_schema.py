"""The migrations build the schema ``adapters/db/tables.py`` describes, on both databases, and the newest ones
step down and up again."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from zhichao.adapters.db import partitions
from zhichao.adapters.db.engine import open_database
from zhichao.adapters.db.migrate import MIGRATIONS_DIR, upgrade
from zhichao.adapters.db.tables import metadata
from zhichao.config import Settings


def test_the_migrated_schema_is_the_metadata(settings: Settings) -> None:
    db = open_database(settings)
    try:
        with db.reader.connect() as conn:
            context = MigrationContext.configure(conn, opts={
                "compare_type": True, "compare_server_default": True,
                "include_object": partitions.differs_on_purpose(conn.dialect.name)})
            assert compare_metadata(context, metadata) == []
    finally:
        db.dispose()


def test_the_accident_register_migration_steps_down_and_up(tmp_path: Path) -> None:
    db = open_database(Settings(data_dir=tmp_path))
    try:
        upgrade(db, "0015")
        assert "accidents" in inspect(db.writer).get_table_names()
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        with db.writer.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0014")
        assert "accidents" not in inspect(db.writer).get_table_names()
        upgrade(db)
        assert {"ix_accidents_occurred_at", "ix_accidents_plate"} <= {
            i["name"] for i in inspect(db.writer).get_indexes("accidents")}
    finally:
        db.dispose()
