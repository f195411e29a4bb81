"""SQL for freight sources: departures counted from their scales' hourly counts, overloaded departures,
and the road cases traced or entered to each source."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, func, select

from zhichao.adapters.db.engine import Database
from zhichao.adapters.db.tables import case_links, cases, freight_sources, hourly_counts, records
from zhichao.domain.cases import PENALISED_STATES

f = freight_sources.c


class SqlSourceReader:
    def __init__(self, db: Database) -> None:
        self._db = db

    def sources(self) -> list[dict[str, Any]]:
        query = select(f.code, f.name, f.county_code, f.key_source, f.station_id).order_by(f.code)
        with self._db.reader.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def departures_counted(self, start: datetime, end: datetime) -> dict[str, tuple[int, int]]:
        """(trucks, overloaded) departing from each source's scale in [start, end), by source code."""
        h = hourly_counts.c
        query = (select(f.code, func.sum(h.trucks), func.sum(h.overloaded))
                 .join(hourly_counts, h.station_id == f.station_id)
                 .where(h.hour >= start, h.hour < end).group_by(f.code))
        with self._db.reader.connect() as conn:
            return {code: (int(t or 0), int(o or 0)) for code, t, o in conn.execute(query)}

    def road_cases(self, start: date, end: date) -> dict[str, tuple[int, int]]:
        """(cases, penalised cases) linked to each source whose act falls in [start, end]."""
        penalised = func.sum(case((cases.c.state.in_(sorted(PENALISED_STATES)), 1), else_=0))
        query = (select(case_links.c.key, func.count(), penalised)
                 .join(cases, cases.c.id == case_links.c.case_id)
                 .where(case_links.c.kind == "source", case_links.c.act_on >= start, case_links.c.act_on <= end)
                 .group_by(case_links.c.key))
        with self._db.reader.connect() as conn:
            return {key: (int(n), int(p or 0)) for key, n, p in conn.execute(query)}

    def departures(self, code: str, start: datetime, end: datetime, overloaded: bool | None,
                   limit: int) -> list[dict[str, Any]]:
        r = records.c
        query = (select(r.station_id, r.record_id, r.captured_at, r.plate, r.axle_count, r.gross_weight_kg, r.limit_kg,
                        r.overload_rate_x100, r.overloaded)
                 .join(freight_sources, and_(f.station_id == r.station_id, f.code == code))
                 .where(r.captured_at >= start, r.captured_at < end)
                 .order_by(r.captured_at.desc()).limit(limit))
        if overloaded is not None:
            query = query.where(r.overloaded == overloaded)
        with self._db.reader.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

