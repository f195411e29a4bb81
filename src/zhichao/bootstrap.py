"""The one place where real adapters are wired into services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from zhichao.adapters.db.engine import Database, open_database
from zhichao.adapters.db.ingest_store import SqlIngestStore
from zhichao.adapters.db.repositories import SqlRecordReader, SqlStationRepository, SqlUserRepository
from zhichao.adapters.passwords import Argon2Hasher
from zhichao.config import Settings, load_settings
from zhichao.domain.rulesets import get_rule_set
from zhichao.services.ingest import IngestPolicy
from zhichao.services.stations import HealthPolicy


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Container:
    """Everything an entry point needs, built once per process."""

    settings: Settings
    db: Database
    ingest_store: SqlIngestStore
    stations: SqlStationRepository
    users: SqlUserRepository
    records: SqlRecordReader
    hasher: Argon2Hasher
    ingest_policy: IngestPolicy
    health_policy: HealthPolicy
    clock: Callable[[], datetime] = field(default=utc_now)

    def close(self) -> None:
        self.db.dispose()


def build(settings: Settings | None = None, clock: Callable[[], datetime] = utc_now) -> Container:
    settings = settings or load_settings()
    db = open_database(settings)
    return Container(
        settings=settings,
        db=db,
        ingest_store=SqlIngestStore(db),
        stations=SqlStationRepository(db),
        users=SqlUserRepository(db),
        records=SqlRecordReader(db, ZoneInfo(settings.display_timezone)),
        hasher=Argon2Hasher(),
        ingest_policy=IngestPolicy(
            rules=get_rule_set(settings.rule_set),
            max_batch_records=settings.max_batch_records,
            future_skew=timedelta(seconds=settings.future_skew_s),
        ),
        health_policy=HealthPolicy(
            late_after=timedelta(seconds=settings.station_late_after_s),
            down_after=timedelta(seconds=settings.station_down_after_s),
        ),
        clock=clock,
    )


def build_current(settings: Settings | None = None) -> Container:
    """``build``, refusing a database whose schema is not at the newest migration."""
    from zhichao.adapters.db.migrate import is_current
    from zhichao.services.errors import InvalidInput

    c = build(settings)
    if not is_current(c.db):
        c.close()
        raise InvalidInput("schema_out_of_date", "数据库结构不是最新版本，请先运行 zhichao db upgrade")
    return c
