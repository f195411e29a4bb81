"""SQL for the registries of 一超四罚: vehicles, drivers, enterprises, freight sources (upserts by key)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, func, insert, or_, select, update

from zhichao.adapters.db import plate_checks
from zhichao.adapters.db.engine import Database
from zhichao.adapters.db.tables import case_parties, cases, drivers, enterprises, freight_sources, vehicles
from zhichao.domain.registries import DRIVER, ENTERPRISE, KEYS, SOURCE, VEHICLE

TABLES: Mapping[str, Table] = {VEHICLE: vehicles, DRIVER: drivers, ENTERPRISE: enterprises, SOURCE: freight_sources}
_CHUNK = 500


def _cases_to_relink(conn: Connection, kind: str, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """The cases whose links a new or changed entry may change: a vehicle's cases (its enterprise), the cases
    naming a source by its code or its unit's credit code."""
    if not rows:
        return []
    if kind == VEHICLE:
        query = select(cases.c.id).where(cases.c.plate.in_([r["plate"] for r in rows]))
    elif kind == SOURCE:
        codes = [r["code"] for r in rows]
        units = [r["enterprise_code"] for r in rows if r.get("enterprise_code")]
        query = (select(case_parties.c.case_id).where(case_parties.c.role == "source")
                 .where(or_(case_parties.c.licence.in_(codes), case_parties.c.id_number.in_(units))))
    else:
        return []
    return list(conn.execute(query).scalars())


class SqlRegistries:
    def __init__(self, db: Database) -> None:
        self._db = db

    def upsert(self, kind: str, rows: Sequence[Mapping[str, Any]], now: datetime) -> tuple[int, int, int]:
        """Insert new keys, update changed rows, leave equal ones alone, in one transaction: (inserted,
        updated, unchanged). Running the same import twice changes nothing the second time. The cases of a
        new or changed vehicle or source are linked again (its enterprise, its source may be new)."""
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
                changed = [r[key] for r in new]
                for r in chunk:
                    old = stored.get(r[key])
                    if old is not None and any(old[c.name] != r.get(c.name) for c in columns):
                        conn.execute(update(table).where(table.c[key] == r[key]).values(**r, updated_at=now))
                        updated += 1
                        changed.append(r[key])
                for case_id in _cases_to_relink(conn, kind, [r for r in chunk if r[key] in set(changed)]):
                    plate_checks.relink(conn, case_id)
        return inserted, updated, len(rows) - inserted - updated

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        table = TABLES[kind]
        with self._db.reader.connect() as conn:
            row = conn.execute(select(table).where(table.c[KEYS[kind]] == key)).mappings().first()
        return None if row is None else dict(row)

    def many(self, kind: str, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The entries of these keys, by key (missing keys are absent)."""
        table, key = TABLES[kind], KEYS[kind]
        out: dict[str, dict[str, Any]] = {}
        with self._db.reader.connect() as conn:
            for start in range(0, len(keys), _CHUNK):
                query = select(table).where(table.c[key].in_(list(keys[start:start + _CHUNK])))
                out.update({row[key]: dict(row) for row in conn.execute(query).mappings()})
        return out

    def search(self, kind: str, text: str = "", limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        """Entries whose key or name contains ``text`` (all when empty), by key."""
        table, key = TABLES[kind], KEYS[kind]
        query = select(table).order_by(table.c[key]).limit(limit).offset(offset)
        if text:  # literally (``%`` and ``_`` are escaped), ignoring case on both databases
            named = table.c.owner_name if kind == VEHICLE else table.c.name
            query = query.where(or_(table.c[key].icontains(text, autoescape=True),
                                    named.icontains(text, autoescape=True)))
        with self._db.reader.connect() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    def fleet_size(self, enterprise_code: str) -> int:
        """How many registered vehicles an enterprise has."""
        query = select(func.count()).select_from(vehicles).where(vehicles.c.enterprise_code == enterprise_code)
        with self._db.reader.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def fleet_of(self, enterprise_code: str, limit: int = 500) -> list[dict[str, Any]]:
        """The registered vehicles of an enterprise, the first ``limit`` by plate."""
        query = select(vehicles).where(vehicles.c.enterprise_code == enterprise_code).order_by(vehicles.c.plate)
        with self._db.reader.connect() as conn:
            return [dict(row) for row in conn.execute(query.limit(limit)).mappings()]

    def count(self, kind: str) -> int:
        with self._db.reader.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(TABLES[kind])).scalar_one())
