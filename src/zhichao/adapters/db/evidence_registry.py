"""Which evidence files have arrived (the bytes are in the evidence store)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, text, update

from zhichao.adapters.db.audit import append
from zhichao.adapters.db.engine import Database
from zhichao.adapters.db.tables import evidence, record_flags
from zhichao.adapters.db.types import UtcDateTime

_REGISTER = text(
    "INSERT INTO evidence (sha256, content_type, size_bytes, width, height, station_id, record_id, received_at) "
    "VALUES (:sha256, :content_type, :size_bytes, :width, :height, :station_id, :record_id, :received_at) "
    "ON CONFLICT (sha256) DO NOTHING"
).bindparams(bindparam("received_at", type_=UtcDateTime))


class SqlEvidenceRegistry:
    def __init__(self, db: Database) -> None:
        self._db = db

    def register(self, values: dict[str, Any], audit: dict[str, Any] | None = None) -> None:
        """Record that a file arrived (a file already registered stays as first registered), and write
        ``audit`` (the fields of an audit entry) in the same transaction."""
        with self._db.writer.begin() as conn:
            conn.execute(_REGISTER, values)
            if audit is not None:
                append(conn, **audit)

    def info(self, sha256: str) -> dict[str, Any] | None:
        with self._db.reader.connect() as conn:
            row = conn.execute(select(evidence).where(evidence.c.sha256 == sha256)).first()
        return None if row is None else dict(row._mapping)

    def clear_flag(self, station_id: str, record_id: str, code: str, now: datetime) -> None:
        rf = record_flags.c
        with self._db.writer.begin() as conn:
            conn.execute(update(record_flags).where(rf.station_id == station_id, rf.record_id == record_id,
                                                    rf.code == code, rf.cleared_at.is_(None)).values(cleared_at=now))
