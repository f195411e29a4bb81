"""SQL for highway entrance refusals: written by ingest in its transaction, read by the API and the KPI."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, update

from zhichao.adapters.db.engine import Database
from zhichao.adapters.db.tables import daily_counts, entrance_refusals, stations
from zhichao.domain.entrance import Entry, Refusal

r = entrance_refusals.c


def add(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(entrance_refusals), list(rows))


def open_refusals(conn: Connection, plates: Sequence[str], start: datetime, end: datetime) -> list[Refusal]:
    """Refusals of these plates in [start, end) not yet matched with an entry elsewhere."""
    query = (select(r.id, r.station_id, r.plate, r.captured_at)
             .where(r.plate.in_(sorted(set(plates))), r.captured_at >= start, r.captured_at < end,
                    r.entered_at.is_(None)))
    return [Refusal(row.id, row.station_id, row.plate, row.captured_at) for row in conn.execute(query)]


def mark_entered(conn: Connection, matches: Sequence[tuple[Refusal, Entry]]) -> None:
    for refusal, entry in matches:
        conn.execute(update(entrance_refusals).where(r.id == refusal.id, r.entered_at.is_(None))
                     .values(entered_station_id=entry.station_id, entered_record_id=entry.record_id,
                             entered_at=entry.at))


def refusals(conn: Connection, start: datetime, end: datetime, station_id: str | None,
             entered_elsewhere: bool | None, limit: int) -> list[dict[str, Any]]:
    query = (select(entrance_refusals, stations.c.name.label("station_name"))
             .outerjoin(stations, stations.c.station_id == r.station_id)
             .where(r.captured_at >= start, r.captured_at < end).order_by(r.captured_at.desc()).limit(limit))
    if station_id:
        query = query.where(r.station_id == station_id)
    if entered_elsewhere is not None:
        query = query.where(r.entered_at.is_not(None) if entered_elsewhere else r.entered_at.is_(None))
    return [dict(row._mapping) for row in conn.execute(query)]


def highway_counts(conn: Connection, start: date, end: date, county: str | None) -> list[tuple[str, int, int]]:
    """(station, trucks weighed, trucks over 105 %) at highway entrance scales on the local days start–end."""
    h = daily_counts.c
    query = (select(h.station_id, func.sum(h.trucks), func.sum(h.over_highway_line))
             .join(stations, and_(stations.c.station_id == h.station_id, stations.c.kind == "highway"))
             .where(h.day >= start, h.day <= end).group_by(h.station_id).order_by(h.station_id))
    if county:
        query = query.where(stations.c.county_code == county)
    return [(s, int(t or 0), int(o or 0)) for s, t, o in conn.execute(query)]


class SqlEntranceReader:
    def __init__(self, db: Database) -> None:
        self._db = db

    def refusals(self, start: datetime, end: datetime, station_id: str | None, entered_elsewhere: bool | None,
                 limit: int) -> list[dict[str, Any]]:
        with self._db.reader.connect() as conn:
            return refusals(conn, start, end, station_id, entered_elsewhere, limit)

    def highway_counts(self, start: date, end: date, county: str | None) -> list[tuple[str, int, int]]:
        with self._db.reader.connect() as conn:
            return highway_counts(conn, start, end, county)
