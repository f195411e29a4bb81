"""The ingest store: records, counters and rejections written in one transaction.

The hot path speaks to the driver directly (plain ``executemany`` on SQLite, ``COPY`` on
PostgreSQL): per-row ORM objects or SQLAlchemy Core would cost 2–4× (PERFORMANCE.md, lesson 4).
Small statements (counters, the station's last-seen time) go through SQLAlchemy Core.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError

from zhichao.adapters.db import entrance, lookups
from zhichao.adapters.db.engine import Database
from zhichao.adapters.db.tables import (
    record_keys,
    records,
    rejected_input,
    stations,
)
from zhichao.adapters.db.types import sqlite_text
from zhichao.domain.entrance import Entry, Refusal
from zhichao.domain.screening import OnsiteHandling, Permit
from zhichao.services.ports import CountKey, Counts, DayKey, FlagRow, NewRecord, Rejection, StationInfo

COLUMNS = NewRecord._fields
JSON_COLUMNS = frozenset({"axle_weights_kg", "axle_spacings_mm", "images", "video", "flags"})
_JSON_AT = tuple(i for i, name in enumerate(COLUMNS) if name in JSON_COLUMNS)
_CAPTURED_AT, _RECEIVED_AT = COLUMNS.index("captured_at"), COLUMNS.index("received_at")
_SQLITE_INSERT = f"INSERT INTO records ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
_PG_COPY = f"COPY records ({', '.join(COLUMNS)}) FROM STDIN"
# On PostgreSQL ``records`` is partitioned by month and ``record_keys`` holds (station_id, record_id)
# unique (adapters/db/partitions.py): a record is new when its key row is.
_PG_COPY_KEYS = "COPY record_keys (station_id, record_id, captured_at) FROM STDIN"
_PG_INSERT_KEY = ("INSERT INTO record_keys (station_id, record_id, captured_at) VALUES (%s, %s, %s) "
                  "ON CONFLICT (station_id, record_id) DO NOTHING RETURNING record_id")
_COUNT_FIELDS = ("trucks", "overloaded", "actionable", "over_highway_line", "gross_100t", "gross_80t",
                 "plate_unread", "gross_kg_sum", "overload_kg_sum")
# Driver-level, like the records themselves: these run once per batch on the hot path.


def _upsert_counts(table: str, keys: tuple[str, ...]) -> str:
    return (f"INSERT INTO {table} ({', '.join(keys)}, " + ", ".join(_COUNT_FIELDS) + ") "
            "VALUES (" + ", ".join(["{p}"] * (len(keys) + len(_COUNT_FIELDS))) + ") "
            f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET "
            + ", ".join(f"{f} = {table}.{f} + excluded.{f}" for f in _COUNT_FIELDS))


_UPSERT_COUNTS = _upsert_counts("hourly_counts", ("station_id", "hour", "axle_count", "band"))
_UPSERT_DAY_COUNTS = _upsert_counts("daily_counts", ("station_id", "day", "band"))
# The station's last record time only moves forward (a late batch must not move it back).
_TOUCH_STATION = (
    "UPDATE stations SET last_received_at = {p}, last_record_at = CASE "
    "WHEN last_record_at IS NULL OR last_record_at < {p} THEN {p} ELSE last_record_at END "
    "WHERE station_id = {p}"
)
_TOUCH_RECEIVED = "UPDATE stations SET last_received_at = {p} WHERE station_id = {p}"
# Driver-level (a few percent of records carry a flag: tens of rows a batch on the hot path).
_UPSERT_FLAG = (
    "INSERT INTO record_flags (station_id, record_id, code, blocking, detail, raised_at) "
    "VALUES ({p}, {p}, {p}, {p}, {p}, {p}) "
    "ON CONFLICT (station_id, record_id, code) DO UPDATE SET "
    "blocking = excluded.blocking, detail = excluded.detail, cleared_at = NULL"
)
_json = msgspec.json.Encoder()
STATION_CACHE_S = 30.0


def _json_text(value: Any) -> str | None:
    return None if value is None else _json.encode(value).decode()


def _sqlite_row(row: NewRecord, received: tuple[datetime, str]) -> list[Any]:
    """``row`` as SQLite parameters; ``received`` is the batch's shared arrival time, formatted once."""
    values = list(row)
    for i in _JSON_AT:
        values[i] = _json_text(values[i])
    values[_CAPTURED_AT] = sqlite_text(row.captured_at)
    values[_RECEIVED_AT] = received[1] if row.received_at is received[0] else sqlite_text(row.received_at)
    return values


def _pg_row(row: NewRecord) -> list[Any]:
    values = list(row)
    for i in _JSON_AT:
        values[i] = _json_text(values[i])
    return values


def upsert_flags(conn: Connection, flags: Sequence[FlagRow], now: datetime) -> None:
    """Raise flags; one raised again (even after it was cleared) is updated, never doubled."""
    unique = {(f.station_id, f.record_id, f.code): f for f in flags}
    if not unique:
        return
    sqlite = conn.dialect.name == "sqlite"
    at: Any = sqlite_text(now) if sqlite else now
    rows = [(f.station_id, f.record_id, f.code, f.blocking, f.detail, at) for f in unique.values()]
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    cursor.executemany(_UPSERT_FLAG.format(p="?" if sqlite else "%s"), rows)


def _key(r: NewRecord) -> tuple[str, str]:
    return r.station_id, r.record_id


def _keeping(rows: Iterator[NewRecord], taken: list[NewRecord]) -> Iterator[NewRecord]:
    for r in rows:
        taken.append(r)
        yield r


class SqlIngestTransaction:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._dialect = conn.dialect.name

    def _existing(self, station_id: str, ids: list[str]) -> set[str]:
        keys = records if self._dialect == "sqlite" else record_keys
        query = select(keys.c.record_id).where(keys.c.station_id == station_id, keys.c.record_id.in_(ids))
        return set(self._conn.execute(query).scalars())

    def insert_new_records(self, rows: Iterable[NewRecord]) -> list[NewRecord]:
        """Insert the rows not stored yet; return the rows inserted.

        Optimistic: resends are rare, so the whole batch is written at once under a savepoint, each
        row as it is produced; only when the unique key refuses it are the stored ids looked up and
        the rest written.
        """
        rows = iter(rows)
        taken: list[NewRecord] = []
        insert_all = self._sqlite_insert if self._dialect == "sqlite" else self._pg_copy
        try:
            with self._conn.begin_nested():
                insert_all(_keeping(rows, taken))
        except IntegrityError:
            taken.extend(rows)  # whatever the refused insert had not consumed yet
            return self._insert_unstored(taken)
        return taken

    def _insert_unstored(self, taken: list[NewRecord]) -> list[NewRecord]:
        """The slow path: some rows are stored already. Look them up; insert and return the others."""
        by_station: dict[str, list[str]] = {}
        for r in taken:
            by_station.setdefault(r.station_id, []).append(r.record_id)
        stored = set().union(*(self._existing(s, ids) for s, ids in by_station.items()))
        new = [r for r in taken if r.record_id not in stored]
        if new and self._dialect == "sqlite":
            # BEGIN IMMEDIATE holds the write lock, so nothing can slip in since the look-up.
            self._sqlite_insert(iter(new))
        elif new:
            inserted = self._pg_insert_each(new)
            new = [r for r in new if r.record_id in inserted]
        return new

    def _sqlite_insert(self, rows: Iterator[NewRecord]) -> None:
        cursor = self._conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        received: tuple[Any, str] = (None, "")

        def params() -> Iterator[list[Any]]:
            nonlocal received
            for r in rows:
                if r.received_at is not received[0]:  # a batch shares one arrival time
                    received = (r.received_at, sqlite_text(r.received_at))
                yield _sqlite_row(r, received)

        try:
            cursor.executemany(_SQLITE_INSERT, params())
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(_SQLITE_INSERT, None, exc) from exc

    def _pg_copy(self, rows: Iterator[NewRecord]) -> None:
        import psycopg

        raw = self._conn.connection.driver_connection
        assert raw is not None
        written: list[NewRecord] = []
        try:
            with raw.cursor() as cur:
                with cur.copy(_PG_COPY) as copy:
                    for r in rows:
                        copy.write_row(_pg_row(r))
                        written.append(r)
                # sorted, so that two workers storing overlapping batches wait for each other in one order
                with cur.copy(_PG_COPY_KEYS) as copy:
                    for r in sorted(written, key=_key):
                        copy.write_row((r.station_id, r.record_id, r.captured_at))
        except psycopg.errors.UniqueViolation as exc:
            raise IntegrityError(_PG_COPY, None, exc) from exc

    def _pg_insert_each(self, rows: list[NewRecord]) -> set[str]:
        # Another worker may store some of these between our look-up and our insert: the key rows decide
        # one by one, and only the records whose key this transaction inserted are written and reported.
        raw = self._conn.connection.driver_connection
        assert raw is not None
        inserted: set[str] = set()
        with raw.cursor() as cur:
            cur.executemany(_PG_INSERT_KEY, [(r.station_id, r.record_id, r.captured_at)
                                              for r in sorted(rows, key=_key)], returning=True)
            while True:
                found = cur.fetchone()
                if found is not None:
                    inserted.add(found[0])
                if not cur.nextset():
                    break
            with cur.copy(_PG_COPY) as copy:
                for r in rows:
                    if r.record_id in inserted:
                        copy.write_row(_pg_row(r))
        return inserted

    def _driver(self, sql: str) -> tuple[Any, str]:
        sqlite = self._dialect == "sqlite"
        return self._conn.connection.driver_connection.cursor(), sql.format(p="?" if sqlite else "%s")  # type: ignore[union-attr]

    def _when(self, value: datetime | None) -> Any:
        return sqlite_text(value) if value is not None and self._dialect == "sqlite" else value

    def add_counts(self, counts: Mapping[CountKey, Counts]) -> None:
        # Sorted so that concurrent PostgreSQL writers lock counter rows in the same order.
        cursor, sql = self._driver(_UPSERT_COUNTS)
        cursor.executemany(sql, [(k.station_id, self._when(k.hour), k.axle_count, k.band,
                                  *(getattr(c, f) for f in _COUNT_FIELDS)) for k, c in sorted(counts.items())])

    def add_day_counts(self, counts: Mapping[DayKey, Counts]) -> None:
        cursor, sql = self._driver(_UPSERT_DAY_COUNTS)
        cursor.executemany(sql, [(k.station_id, k.day.isoformat() if self._dialect == "sqlite" else k.day,
                                  k.band, *(getattr(c, f) for f in _COUNT_FIELDS)) for k, c in sorted(counts.items())])

    def add_rejections(self, rejections: Iterable[Rejection]) -> None:
        rows = [
            {"station_id": r.station_id, "received_at": r.received_at, "source": r.source,
             "record_index": r.record_index, "record_id": r.record_id, "raw": r.raw, "errors": r.errors}
            for r in rejections
        ]
        if rows:
            self._conn.execute(insert(rejected_input), rows)

    def add_flags(self, flags: Sequence[FlagRow], now: datetime) -> None:
        upsert_flags(self._conn, flags, now)

    def add_refusals(self, rows: Sequence[dict[str, Any]]) -> None:
        entrance.add(self._conn, rows)

    def open_refusals(self, plates: Sequence[str], start: datetime, end: datetime) -> list[Refusal]:
        return entrance.open_refusals(self._conn, plates, start, end)

    def mark_entered(self, matches: Sequence[tuple[Refusal, Entry]]) -> None:
        entrance.mark_entered(self._conn, matches)

    def queue_reviews(self, rows: Sequence[NewRecord], now: datetime) -> None:
        lookups.queue_reviews(self._conn, [(r.station_id, r.record_id, r.captured_at, r.plate, r.band,
                                            r.overload_rate_x100, r.gross_weight_kg) for r in rows], now)

    def nearby(self, station_id: str, plates: Sequence[str], start: datetime, end: datetime) -> list[lookups.Twin]:
        return lookups.twins(self._conn, station_id, plates, start, end)

    def permits_for(self, plates: Sequence[str]) -> list[Permit]:
        return lookups.permits_for(self._conn, plates)

    def onsite_for(self, plates: Sequence[str], start: datetime, end: datetime) -> list[OnsiteHandling]:
        return lookups.onsite_for(self._conn, plates, start, end)

    def touch_station(self, station_id: str, last_record_at: datetime | None, received_at: datetime) -> None:
        if last_record_at is None:
            cursor, sql = self._driver(_TOUCH_RECEIVED)
            cursor.execute(sql, (self._when(received_at), station_id))
            return
        cursor, sql = self._driver(_TOUCH_STATION)
        last = self._when(last_record_at)
        cursor.execute(sql, (self._when(received_at), last, last, station_id))


class SqlIngestStore:
    """``IngestStore`` over SQLAlchemy; caches station lookups for ``STATION_CACHE_S`` seconds."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._cache: dict[str, tuple[float, StationInfo]] = {}
        self._lock = threading.Lock()

    @contextmanager
    def transaction(self) -> Iterator[SqlIngestTransaction]:
        with self._db.writer.begin() as conn:
            yield SqlIngestTransaction(conn)

    def station(self, station_id: str) -> StationInfo | None:
        now = time.monotonic()
        hit = self._cache.get(station_id)
        if hit is not None and now - hit[0] < STATION_CACHE_S:
            return hit[1]
        info = self._load(station_id)
        if info is not None:  # a station registered a moment ago must not wait for the cache
            with self._lock:
                self._cache[station_id] = (now, info)
        return info

    def forget(self, station_id: str) -> None:
        with self._lock:
            self._cache.pop(station_id, None)

    def _load(self, station_id: str) -> StationInfo | None:
        s = stations.c
        query = select(s.station_id, s.lanes, s.accuracy_class, s.state, s.token_hash, s.road, s.cert_valid_from,
                       s.cert_valid_to, s.speed_min_kmh, s.speed_max_kmh, s.suspended_since, s.kind).where(
                           s.station_id == station_id)
        with self._db.reader.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else StationInfo(**row._mapping)
