"""Engines for SQLite (default) and PostgreSQL.

SQLite gets two engines over the same file: a writer whose transactions start with
``BEGIN IMMEDIATE`` (so a transaction that reads, then writes, never fails half-way on a lock
upgrade — writers queue on the busy timeout instead) and a reader with plain deferred
transactions, which in WAL mode never block the writer. PostgreSQL uses one pooled engine for both.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from zhichao.config import Settings


@dataclass(frozen=True)
class Database:
    writer: Engine
    reader: Engine

    @property
    def dialect(self) -> str:
        return self.writer.dialect.name

    def dispose(self) -> None:
        self.writer.dispose()
        if self.reader is not self.writer:
            self.reader.dispose()


def _sqlite_engine(url: str, settings: Settings, begin: str) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Autocommit at the driver; SQLAlchemy's "begin" event below issues BEGIN itself, so the
        # driver's own implicit (deferred) transactions never interfere.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={settings.sqlite_synchronous}")
        cursor.execute(f"PRAGMA busy_timeout={int(settings.sqlite_busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)

    return engine


def open_database(settings: Settings) -> Database:
    """Open the configured database (creating the data directory for SQLite)."""
    url = settings.sqlalchemy_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        return Database(
            writer=_sqlite_engine(url, settings, "BEGIN IMMEDIATE"),
            reader=_sqlite_engine(url, settings, "BEGIN"),
        )
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine = create_engine(parsed, pool_size=settings.db_pool_size, pool_pre_ping=True)
    return Database(writer=engine, reader=engine)
