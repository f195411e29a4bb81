"""Permits (超限运输许可) and on-site handlings (现场处理): the registers screening consults."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import insert, select

from zhichao.adapters.db.engine import Database
from zhichao.adapters.db.tables import onsite_handlings, permits


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
