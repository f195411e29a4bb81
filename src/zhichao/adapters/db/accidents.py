"""SQL for the accident register (事故登记): the upsert by accident number with its audit entry, the list
with its filters, and the read by plates and period the quarterly analysis makes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, func, insert, select, text, update

from zhichao.adapters.db import audit
from zhichao.adapters.db.engine import Database
from zhichao.adapters.db.tables import accidents

a = accidents.c
_CHUNK = 500  # keys per IN list
IMPORT_LOCK_KEY = 0x5A48_4143_4349_4400  # "ZHACCID\0": imports take turns on PostgreSQL (see upsert)
# What an import compares: a row whose columns all match is left alone (its imported_at too).
_CONTENT = tuple(c for c in accidents.c if c.name not in ("id", "imported_at", "imported_by"))


class SqlAccidentTransaction:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def upsert(self, rows: Sequence[Mapping[str, Any]], now: datetime, by: int | None) -> tuple[int, int, int]:
        """Insert new accident numbers, update changed rows, leave equal ones alone: (inserted, updated,
        unchanged). A new or changed row is stamped ``imported_at`` = ``now`` and ``imported_by`` = ``by``.

        Two imports of the same new numbers must not both insert them: on PostgreSQL the transaction first takes
        an advisory lock, so imports take turns and the second reads what the first committed; on SQLite the
        writer's ``BEGIN IMMEDIATE`` already lets one writer in at a time."""
        if self._conn.dialect.name == "postgresql":
            self._conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK_KEY})
        inserted = updated = 0
        for start in range(0, len(rows), _CHUNK):
            chunk = rows[start:start + _CHUNK]
            query = select(*_CONTENT).where(a.ref.in_([r["ref"] for r in chunk]))
            stored = {row["ref"]: dict(row) for row in self._conn.execute(query).mappings()}
            new = [{**r, "imported_at": now, "imported_by": by} for r in chunk if r["ref"] not in stored]
            if new:
                self._conn.execute(insert(accidents), new)
                inserted += len(new)
            for r in chunk:
                old = stored.get(r["ref"])
                if old is not None and any(old[c.name] != r.get(c.name) for c in _CONTENT):
                    self._conn.execute(update(accidents).where(a.ref == r["ref"])
                                       .values(**r, imported_at=now, imported_by=by))
                    updated += 1
        return inserted, updated, len(rows) - inserted - updated

    def audit(self, *, at: datetime, actor: str, origin: str, action: str, subject: str,
              details: Mapping[str, Any]) -> None:
        audit.append(self._conn, at=at, actor=actor, origin=origin, action=action, subject=subject, details=details)


def _period(query: Select[Any], start: datetime | None, end: datetime | None) -> Select[Any]:
    if start is not None:
        query = query.where(a.occurred_at >= start)
    if end is not None:
        query = query.where(a.occurred_at < end)
    return query


class SqlAccidents:
    def __init__(self, db: Database) -> None:
        self._db = db

    @contextmanager
    def transaction(self) -> Iterator[SqlAccidentTransaction]:
        with self._db.writer.begin() as conn:
            yield SqlAccidentTransaction(conn)

    def listing(self, start: datetime | None, end: datetime | None, plate: str | None, county: str | None,
                severity: str | None, limit: int) -> list[dict[str, Any]]:
        """Accidents in [start, end) (either may be open) matching the filters given, newest first."""
        query = _period(select(accidents), start, end)
        for column, value in ((a.plate, plate), (a.county_code, county), (a.severity, severity)):
            if value is not None:
                query = query.where(column == value)
        with self._db.reader.connect() as conn:
            rows = conn.execute(query.order_by(a.occurred_at.desc(), a.id.desc()).limit(limit)).mappings()
            return [dict(row) for row in rows]

    def accidents_of(self, plates: Sequence[str], start: datetime, end: datetime) -> list[dict[str, Any]]:
        """The accidents of these (normalised) plates in [start, end), by time then id."""
        out: list[dict[str, Any]] = []
        with self._db.reader.connect() as conn:
            for first in range(0, len(plates), _CHUNK):
                query = _period(select(accidents).where(a.plate.in_(list(plates[first:first + _CHUNK]))), start, end)
                out += [dict(row) for row in conn.execute(query).mappings()]
        return sorted(out, key=lambda row: (row["occurred_at"], row["id"]))

    def count(self) -> int:
        with self._db.reader.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(accidents)).scalar_one())
