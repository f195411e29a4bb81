"""SQL for trajectories: a plate's passages in a period, through the (plate, captured_at) index."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from zhichao.adapters.db.engine import Database
from zhichao.adapters.db.tables import records

r = records.c
COLUMNS = (r.station_id, r.record_id, r.lane, r.captured_at, r.plate, r.plate_color, r.speed_kmh, r.axle_count,
           r.gross_weight_kg, r.limit_kg, r.overload_rate_x100, r.overloaded, r.actionable, r.direction)


class SqlTrajectoryReader:
    def __init__(self, db: Database) -> None:
        self._db = db

    def passages(self, plate: str, start: datetime, end: datetime, limit: int) -> list[dict[str, Any]]:
        """The plate's passages captured in [start, end), newest first, at most ``limit``."""
        query = (select(*COLUMNS).where(r.plate == plate, r.captured_at >= start, r.captured_at < end)
                 .order_by(r.captured_at.desc(), r.id.desc()).limit(limit))
        with self._db.reader.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]
