"""SQL for the registries of 一超四罚: vehicles, drivers, enterprises, freight sources (upserts by key)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, insert, select, update

from zhichao.adapters.db.engine import Database
from zhichao.adapters.db.tables import drivers, enterprises, freight_sources, vehicles
from zhichao.domain.registries import DRIVER, ENTERPRISE, KEYS, SOURCE, VEHICLE

TABLES: Mapping[str, Table] = {VEHICLE: vehicles, DRIVER: drivers, ENTERPRISE: enterprises, SOURCE: freight_sources}
_CHUNK = 500


class SqlRegistries:
    def __init__(self, db: Database) -> None:
        self._db = db

    def upsert(self, kind: str, rows: Sequence[Mapping[str, Any]], now: datetime) -> tuple[int, int, int]:
        """Insert new keys, update changed rows, leave equal ones alone, in one transaction: (inserted,
        updated, unchanged). Running the same import twice changes nothing the second time."""
        table, key = TABLES[kind], KEYS[kind]
        columns = [c for c in table.c if c.name != "updated_at"]
        inserted = updated = 0
        with self._db.writer.begin() as conn:
            for start in range(0, len(rows), _CHUNK):
                chunk = rows[start:start + _CHUNK]
                keys = [r[key] for r in chunk]
                stored = {row[key]: dict(row) for row in
                          conn.execute(select(*columns).where(table.c[key].in_(keys))).mappings()}
                new = [{**r, "updated_at": now} for r in chunk if r[key] not in stored]
                if new:
                    conn.execute(insert(table), new)
                    inserted += len(new)
                for r in chunk:
                    old = stored.get(r[key])
                    if old is not None and any(old[c.name] != r.get(c.name) for c in columns):
                        conn.execute(update(table).where(table.c[key] == r[key]).values(**r, updated_at=now))
                        updated += 1
        return inserted, updated, len(rows) - inserted - updated

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        table = TABLES[kind]
        with self._db.reader.connect() as conn:
            row = conn.execute(select(table).where(table.c[KEYS[kind]] == key)).mappings().first()
        return None if row is None else dict(row)

    def count(self, kind: str) -> int:
        with self._db.reader.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(TABLES[kind])).scalar_one())
