"""SQL of the command-centre summary: hourly counts (never raw records), officers on duty, alerts by state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from zhichao.adapters.db.engine import Database
from zhichao.adapters.db.tables import alerts, hourly_counts, officer_duty, users

h = hourly_counts.c
COUNTED = ("trucks", "overloaded", "actionable", "gross_100t")


class SqlCommandReader:
    def __init__(self, db: Database) -> None:
        self._db = db

    def totals(self, start: datetime, end: datetime) -> dict[str, int]:
        """Trucks, overloaded, actionable and ≥ 100 t counted in the hours starting in [start, end)."""
        query = select(*(func.sum(h[name]) for name in COUNTED)).where(h.hour >= start, h.hour < end)
        with self._db.reader.connect() as conn:
            row = conn.execute(query).one()
        return {name: int(value or 0) for name, value in zip(COUNTED, row, strict=True)}

    def by_station(self, start: datetime, end: datetime) -> list[tuple[str, int, int]]:
        """(station, trucks, overloaded) in the hours starting in [start, end)."""
        query = (select(h.station_id, func.sum(h.trucks), func.sum(h.overloaded))
                 .where(h.hour >= start, h.hour < end).group_by(h.station_id))
        with self._db.reader.connect() as conn:
            return [(str(s), int(t or 0), int(o or 0)) for s, t, o in conn.execute(query)]

    def on_duty(self) -> list[dict[str, Any]]:
        """Officers on duty now (``until`` not set), the longest on duty first."""
        d = officer_duty.c
        query = (select(d.user_id, users.c.display_name, d.county_code, d.since)
                 .join(users, users.c.id == d.user_id).where(d.until.is_(None), users.c.active.is_(True))
                 .order_by(d.since, d.user_id))
        with self._db.reader.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def alert_counts(self) -> dict[str, int]:
        """Alerts by state (every state that has one)."""
        query = select(alerts.c.state, func.count()).group_by(alerts.c.state)
        with self._db.reader.connect() as conn:
            return {str(state): int(n) for state, n in conn.execute(query)}
