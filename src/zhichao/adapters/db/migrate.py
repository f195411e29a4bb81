"""Apply the Alembic migrations shipped inside the package (works the same on SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from zhichao.adapters.db.engine import Database

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema to ``revision``. Safe to run repeatedly."""
    config = _config()
    with db.writer.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def is_current(db: Database) -> bool:
    """True when the database is at the newest revision."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    with db.reader.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head


def revision(db: Database, message: str) -> None:
    """Write a new migration by comparing the tables with the database (developer use)."""
    config = _config()
    with db.writer.begin() as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)
