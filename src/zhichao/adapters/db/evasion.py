"""SQL for the evasion sweep: the few columns each detector reads from `records`, and `evasion_findings`
written idempotently (a finding's key is kind, plate, station and first time; an open detour is updated)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, distinct, func, literal_column, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from zhichao.adapters.db.engine import Database
from zhichao.adapters.db.tables import evasion_findings, records, stations
from zhichao.domain.evasion_detectors import DETOUR, DaySeen, Passage, Place, stake_m

r, f = records.c, evasion_findings.c
CHUNK = 500  # plates per IN list: well inside both databases' limits on bound parameters
_KEY = ["kind", "plate", "station_id", "first_at"]
ZONE_NAME = re.compile(r"[A-Za-z0-9_+/-]+")


def places(conn: Connection) -> list[Place]:
    s = stations.c
    rows = conn.execute(select(s.station_id, s.kind, s.road, s.stake, s.lat, s.lon, s.speed_min_kmh)
                        .order_by(s.station_id))
    return [Place(row.station_id, row.kind, row.road or "", stake_m(row.stake), row.lat, row.lon, row.speed_min_kmh)
            for row in rows]


def repeated_plates(conn: Connection, start: datetime, end: datetime) -> list[str]:
    """Read plates seen more than once in [start, end)."""
    query = (select(r.plate).where(r.captured_at >= start, r.captured_at < end, r.plate != "")
             .group_by(r.plate).having(func.count() > 1).order_by(r.plate))
    return list(conn.execute(query).scalars())


def sightings(conn: Connection, plates: Sequence[str], start: datetime, end: datetime) -> list[Any]:
    """(plate, station_id, record_id, captured_at, axle_count, plate_color) of these plates in [start, end),
    read by plate through the (plate, captured_at) index."""
    out: list[Any] = []
    for i in range(0, len(plates), CHUNK):
        query = (select(r.plate, r.station_id, r.record_id, r.captured_at, r.axle_count, r.plate_color)
                 .where(r.plate.in_(plates[i:i + CHUNK]), r.captured_at >= start, r.captured_at < end))
        out.extend(conn.execute(query))
    return out


def _passages(query: Any, conn: Connection) -> list[Passage]:
    return [Passage(row.station_id, row.record_id, row.captured_at, row.plate, row.axle_count,
                    tuple(row.axle_weights_kg), row.gross_weight_kg, row.direction or "")
            for row in conn.execute(query)]


def _passage_columns() -> Any:
    return select(r.station_id, r.record_id, r.captured_at, r.plate, r.axle_count, r.axle_weights_kg,
                  r.gross_weight_kg, r.direction)


def unread(conn: Connection, station_ids: Sequence[str], start: datetime, end: datetime) -> list[Passage]:
    """Unread passages at these stations in [start, end)."""
    return _passages(_passage_columns().where(r.captured_at >= start, r.captured_at < end, r.plate == "",
                                              r.station_id.in_(station_ids)), conn)


def plated(conn: Connection, station_ids: Sequence[str], axle_counts: Iterable[int], start: datetime,
           end: datetime) -> list[Passage]:
    """Read passages at these stations with these axle counts in [start, end)."""
    return _passages(_passage_columns().where(r.captured_at >= start, r.captured_at < end, r.plate != "",
                                              r.station_id.in_(station_ids),
                                              r.axle_count.in_(sorted(set(axle_counts)))), conn)


def flagged(conn: Connection, station_ids: Sequence[str], slow_kmh: float, start: datetime,
            end: datetime) -> list[Any]:
    """Passages at these stations in [start, end) with controller flags or slower than ``slow_kmh``."""
    query = (select(r.station_id, r.record_id, r.captured_at, r.plate, r.lane, r.speed_kmh, r.flags,
                    r.gross_weight_kg, r.overloaded)
             .where(r.captured_at >= start, r.captured_at < end, r.station_id.in_(station_ids),
                    or_(r.flags.is_not(None), r.speed_kmh < slow_kmh)))
    return list(conn.execute(query))


def _local_day(conn: Connection, tz: tzinfo, at: datetime) -> Any:
    """The local day of ``captured_at`` in SQL. Literals, not bound parameters: PostgreSQL matches a GROUP BY
    expression with the selected one only when their text is the same."""
    if conn.dialect.name == "postgresql" and isinstance(tz, ZoneInfo) and ZONE_NAME.fullmatch(tz.key):
        return func.date(func.timezone(literal_column(f"'{tz.key}'"), r.captured_at))
    # the zone's offset at the period's start (China has kept one offset since 1991); SQLite keeps UTC text
    offset = tz.utcoffset(at)
    seconds = int(offset.total_seconds()) if offset is not None else 0
    if conn.dialect.name == "postgresql":
        return func.date(r.captured_at + literal_column(f"interval '{seconds} seconds'"))
    return func.date(r.captured_at, literal_column(f"'{seconds:+d} seconds'"))


def days_seen(conn: Connection, tz: tzinfo, start: datetime, end: datetime, min_days: int) -> list[DaySeen]:
    """Per read plate seen on at least ``min_days`` local days in [start, end): each station and day it was
    seen, with the first and last time; the days are counted in SQL, so one-off plates never leave it."""
    day = _local_day(conn, tz, start)
    window = and_(r.captured_at >= start, r.captured_at < end, r.plate != "")
    habitual = select(r.plate).where(window).group_by(r.plate).having(func.count(distinct(day)) >= min_days)
    query = (select(r.plate, r.station_id, day.label("day"), func.min(r.captured_at), func.max(r.captured_at))
             .where(window, r.plate.in_(habitual)).group_by(r.plate, r.station_id, day))
    out = []
    for plate, station_id, local_day, first, last in conn.execute(query):
        day_value = local_day if not isinstance(local_day, str) else datetime.fromisoformat(local_day).date()
        out.append(DaySeen(plate, station_id, day_value, _utc(first), _utc(last)))
    return out


def _utc(value: Any) -> datetime:
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    assert isinstance(when, datetime)
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _insert(conn: Connection, row: dict[str, Any]) -> bool:
    if conn.dialect.name == "postgresql":
        statement: Any = postgresql.insert(evasion_findings).values(**row).on_conflict_do_nothing(index_elements=_KEY)
    else:
        statement = sqlite.insert(evasion_findings).values(**row).on_conflict_do_nothing(index_elements=_KEY)
    return conn.execute(statement.returning(f.id)).first() is not None


def _merge_detour(conn: Connection, row: dict[str, Any]) -> bool:
    """An open detour of the plate round the site grows (later sightings, new counts); else a new row."""
    open_one = conn.execute(select(f.id, f.last_at).where(f.kind == DETOUR, f.plate == row["plate"],
                                                          f.station_id == row["station_id"], f.state == "open")
                            ).first()
    if open_one is None:
        return _insert(conn, row)
    if row["last_at"] > open_one.last_at:
        conn.execute(update(evasion_findings).where(f.id == open_one.id)
                     .values(last_at=row["last_at"], details=row["details"]))
    return False


def add(conn: Connection, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Store findings; the rows that were new."""
    return [row for row in rows if (_merge_detour if row["kind"] == DETOUR else _insert)(conn, row)]


def findings(conn: Connection, kind: str | None, start: datetime, end: datetime, limit: int) -> list[dict[str, Any]]:
    """Findings whose span meets [start, end), the latest first."""
    query = (select(evasion_findings, stations.c.name.label("station_name"))
             .outerjoin(stations, stations.c.station_id == f.station_id)
             .where(f.first_at < end, f.last_at >= start).order_by(f.first_at.desc(), f.id.desc()).limit(limit))
    if kind:
        query = query.where(f.kind == kind)
    return [dict(row._mapping) for row in conn.execute(query)]


class SqlEvasionStore:
    """The sweep's reads, each on a reader connection; its writes in one transaction of the writer."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def places(self) -> list[Place]:
        with self._db.reader.connect() as conn:
            return places(conn)

    def repeated_plates(self, start: datetime, end: datetime) -> list[str]:
        with self._db.reader.connect() as conn:
            return repeated_plates(conn, start, end)

    def sightings(self, plates: Sequence[str], start: datetime, end: datetime) -> list[Any]:
        with self._db.reader.connect() as conn:
            return sightings(conn, plates, start, end)

    def unread(self, station_ids: Sequence[str], start: datetime, end: datetime) -> list[Passage]:
        with self._db.reader.connect() as conn:
            return unread(conn, station_ids, start, end)

    def plated(self, station_ids: Sequence[str], axle_counts: Iterable[int], start: datetime,
               end: datetime) -> list[Passage]:
        with self._db.reader.connect() as conn:
            return plated(conn, station_ids, axle_counts, start, end)

    def flagged(self, station_ids: Sequence[str], slow_kmh: float, start: datetime, end: datetime) -> list[Any]:
        with self._db.reader.connect() as conn:
            return flagged(conn, station_ids, slow_kmh, start, end)

    def days_seen(self, tz: tzinfo, start: datetime, end: datetime, min_days: int) -> list[DaySeen]:
        with self._db.reader.connect() as conn:
            return days_seen(conn, tz, start, end, min_days)

    def findings(self, kind: str | None, start: datetime, end: datetime, limit: int) -> list[dict[str, Any]]:
        with self._db.reader.connect() as conn:
            return findings(conn, kind, start, end, limit)

    def add(self, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        with self._db.writer.begin() as conn:
            return add(conn, rows)
