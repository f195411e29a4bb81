"""SQL for on-site inspections (检查记录): the idempotent insert by ``client_id``, lists and KPI 2's counts."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects import postgresql, sqlite

from zhichao.adapters.db import audit
from zhichao.adapters.db.engine import Database
from zhichao.adapters.db.tables import inspections, officer_duty, stations, users

i = inspections.c


def insert_new(conn: Connection, row: Mapping[str, Any]) -> int | None:
    """Insert the row unless one with its ``client_id`` exists; the new id, or None. On PostgreSQL a second
    transaction with the same ``client_id`` waits on the unique index until the first commits, then does
    nothing; on SQLite ``BEGIN IMMEDIATE`` lets one writer at a time in."""
    dialect: Any = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(inspections).values(**row).on_conflict_do_nothing(index_elements=["client_id"])
    # RETURNING, not rowcount: the drivers do not all report a row count for an INSERT that did nothing
    found = conn.execute(statement.returning(i.id)).first()
    return None if found is None else int(found[0])


def _listed() -> Any:
    return (select(inspections, users.c.display_name.label("officer_name"), stations.c.name.label("station_name"))
            .outerjoin(users, users.c.id == i.officer_id).outerjoin(stations, stations.c.station_id == i.station_id))


def inspection_list_query(start: datetime, end: datetime, county: str | None, channel: str | None,
                          officer_id: int | None = None) -> Any:
    """Inspections in [start, end), newest first: the list's query, shared by the list and its export."""
    query = _listed().where(i.inspected_at >= start, i.inspected_at < end)
    if county:
        query = query.where(i.county_code == county)
    if channel:
        query = query.where(i.channel == channel)
    if officer_id is not None:
        query = query.where(i.officer_id == officer_id)
    return query.order_by(i.inspected_at.desc(), i.id.desc())


class SqlInspectionTransaction:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, row: Mapping[str, Any]) -> int | None:
        return insert_new(self._conn, row)

    def by_client_id(self, client_id: str) -> dict[str, Any] | None:
        found = self._conn.execute(_listed().where(i.client_id == client_id)).first()
        return None if found is None else dict(found._mapping)

    def audit(self, *, at: datetime, actor: str, origin: str, action: str, subject: str,
              details: Mapping[str, Any]) -> None:
        audit.append(self._conn, at=at, actor=actor, origin=origin, action=action, subject=subject, details=details)


class SqlInspectionRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    @contextmanager
    def transaction(self) -> Iterator[SqlInspectionTransaction]:
        with self._db.writer.begin() as conn:
            yield SqlInspectionTransaction(conn)

    def station_county(self, station_id: str) -> tuple[bool, str | None]:
        """Whether the station exists, and its county."""
        with self._db.reader.connect() as conn:
            row = conn.execute(select(stations.c.county_code).where(stations.c.station_id == station_id)).first()
        return (False, None) if row is None else (True, row[0])

    def duty(self, user_id: int) -> tuple[bool, str | None]:
        """Whether the officer is on duty now, and for which county (None: the whole city)."""
        d = officer_duty.c
        with self._db.reader.connect() as conn:
            row = conn.execute(select(d.county_code).where(d.user_id == user_id, d.until.is_(None))).first()
        return (False, None) if row is None else (True, row[0])

    def duty_county(self, user_id: int) -> str | None:
        return self.duty(user_id)[1]

    def inspection(self, inspection_id: int) -> dict[str, Any] | None:
        with self._db.reader.connect() as conn:
            found = conn.execute(_listed().where(i.id == inspection_id)).first()
        return None if found is None else dict(found._mapping)

    def inspections(self, start: datetime, end: datetime, county: str | None, channel: str | None,
                    officer_id: int | None, limit: int) -> list[dict[str, Any]]:
        query = inspection_list_query(start, end, county, channel, officer_id).limit(limit)
        with self._db.reader.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def channel_counts(self, start: datetime, end: datetime, county: str | None) -> dict[str, int]:
        """Inspections per channel in [start, end)."""
        query = (select(i.channel, func.count()).where(i.inspected_at >= start, i.inspected_at < end)
                 .group_by(i.channel))
        if county:
            query = query.where(i.county_code == county)
        with self._db.reader.connect() as conn:
            return {channel: int(n) for channel, n in conn.execute(query)}
