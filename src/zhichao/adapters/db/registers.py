"""Permits (超限运输许可) and on-site handlings (现场处理): the registers screening consults."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from zhichao.adapters.db.engine import Database
from zhichao.adapters.db.tables import onsite_handlings, permits
from zhichao.domain.screening import OnsiteHandling, Permit


def permits_for(conn: Connection, plates: Sequence[str]) -> list[Permit]:
    c = permits.c
    query = select(c.number, c.plate, c.valid_from, c.valid_to, c.roads, c.max_gross_kg).where(c.plate.in_(plates))
    return [Permit(n, p, f, t, tuple(roads), g) for n, p, f, t, roads, g in conn.execute(query)]


def onsite_for(conn: Connection, plates: Sequence[str], start: datetime, end: datetime) -> list[OnsiteHandling]:
    c = onsite_handlings.c
    query = select(c.reference, c.plate, c.handled_at).where(c.plate.in_(plates), c.handled_at.between(start, end))
    return [OnsiteHandling(*row) for row in conn.execute(query)]


class SqlRegisters:
    def __init__(self, db: Database) -> None:
        self._db = db

    def permit_numbers(self, numbers: Sequence[str]) -> set[str]:
        with self._db.reader.connect() as conn:
            return set(conn.execute(select(permits.c.number).where(permits.c.number.in_(numbers))).scalars())

    def add_permits(self, rows: Sequence[Mapping[str, Any]]) -> None:
        with self._db.writer.begin() as conn:
            conn.execute(insert(permits), list(rows))

    def list_permits(self, plate: str | None, limit: int) -> list[dict[str, Any]]:
        query = select(permits).order_by(permits.c.valid_to.desc()).limit(limit)
        if plate:
            query = query.where(permits.c.plate == plate)
        with self._db.reader.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def handling_references(self, references: Sequence[str]) -> set[str]:
        c = onsite_handlings.c
        with self._db.reader.connect() as conn:
            return set(conn.execute(select(c.reference).where(c.reference.in_(references))).scalars())

    def add_handlings(self, rows: Sequence[Mapping[str, Any]]) -> None:
        with self._db.writer.begin() as conn:
            conn.execute(insert(onsite_handlings), list(rows))

    def list_handlings(self, plate: str | None, limit: int) -> list[dict[str, Any]]:
        query = select(onsite_handlings).order_by(onsite_handlings.c.handled_at.desc()).limit(limit)
        if plate:
            query = query.where(onsite_handlings.c.plate == plate)
        with self._db.reader.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def context(self, plate: str, start: datetime, end: datetime) -> tuple[list[Permit], list[OnsiteHandling]]:
        with self._db.reader.connect() as conn:
            return permits_for(conn, [plate]), onsite_for(conn, [plate], start, end)
