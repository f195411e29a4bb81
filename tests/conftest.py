"""Shared fixtures: a real database per test, on SQLite always and on PostgreSQL when configured.

Set ``ZHICHAO_TEST_DATABASE_URL`` to a PostgreSQL server URL whose user may create databases
(e.g. ``postgresql://postgres@127.0.0.1:5432/postgres``). The schema is migrated once into a
template database; each test gets a fresh copy of it (``CREATE DATABASE … TEMPLATE``). On SQLite, likewise,
once into a template file per worker, copied for each test.

Passwords in tests protect nothing: they are hashed with Argon2id at a small cost (``TEST_HASHING``), the
same algorithm with other parameters, so that creating a test's users does not dominate its time.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from zhichao.adapters.db.engine import open_database
from zhichao.adapters.db.migrate import upgrade
from zhichao.bootstrap import Container, build
from zhichao.config import Settings

PG_ADMIN_URL = os.environ.get("ZHICHAO_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_ADMIN_URL else [])
TEMPLATE_DB = "zhichao_test_template"
TEST_HASHING = {"password_hash_memory_kib": 1024, "password_hash_time_cost": 1}


class FixedClock:
    """A clock a test can set and move."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _admin_engine():  # type: ignore[no-untyped-def]
    url = make_url(PG_ADMIN_URL).set(drivername="postgresql+psycopg")
    return create_engine(url, isolation_level="AUTOCOMMIT")


def _pg_url(database: str) -> str:
    url = make_url(PG_ADMIN_URL).set(drivername="postgresql+psycopg", database=database)
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_template(worker_id: str) -> Iterator[str]:
    """A migrated template database, one per pytest-xdist worker (and per process, so that two test runs
    on one server never drop each other's template)."""
    template = f"{TEMPLATE_DB}_{worker_id}_{os.getpid()}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {template} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {template}"))
    db = open_database(Settings(database_url=_pg_url(template)))
    upgrade(db)
    db.dispose()
    yield template
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {template} WITH (FORCE)"))
    admin.dispose()


def fresh_pg_database(template: str) -> tuple[str, str]:
    name = f"zhichao_test_{uuid.uuid4().hex[:12]}"
    with _admin_engine().connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {template}"))
    return name, _pg_url(name)


def drop_pg_database(name: str) -> None:
    with _admin_engine().connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database file, one per worker (closed, so that it is one file without a journal)."""
    s = Settings(data_dir=tmp_path_factory.mktemp("sqlite-template"))
    db = open_database(s)
    upgrade(db)
    db.dispose()
    return s.data_dir / "zhichao.sqlite3"


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings for a fresh, migrated database of each backend."""
    if request.param == "sqlite":
        s = Settings(data_dir=tmp_path / "data", **TEST_HASHING)  # type: ignore[arg-type]
        s.data_dir.mkdir(parents=True)
        shutil.copyfile(request.getfixturevalue("sqlite_template"), s.data_dir / "zhichao.sqlite3")
        yield s
        return
    name, url = fresh_pg_database(request.getfixturevalue("pg_template"))
    yield Settings(data_dir=tmp_path / "data", database_url=url, **TEST_HASHING)  # type: ignore[arg-type]
    drop_pg_database(name)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 26, 6, 0, tzinfo=UTC))


@pytest.fixture
def container(settings: Settings, clock: FixedClock) -> Iterator[Container]:
    c = build(settings, clock=clock)
    yield c
    c.close()
