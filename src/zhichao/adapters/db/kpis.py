"""SQL for the KPI dashboard: the day counters of the enforcement sites, trucks of 80 t or more and their
review, transfers, and the bureau's targets. Every read sums ``daily_counts`` (station × local day × band)
or uses an index; none scans ``records``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, delete, func, insert, literal_column, select, update
from sqlalchemy.sql.elements import ColumnElement

from zhichao.adapters.db import audit
from zhichao.adapters.db.engine import Database
from zhichao.adapters.db.tables import cases, daily_counts, kpi_targets, review_items, stations, transfers
from zhichao.domain.review import APPROVED, REJECTED

SITE = "site"
d = daily_counts.c


def _at_sites(county: str | None) -> ColumnElement[bool]:
    condition = and_(stations.c.station_id == d.station_id, stations.c.kind == SITE)
    return condition if county is None else and_(condition, stations.c.county_code == county)


class SqlKpiReader:
    def __init__(self, db: Database) -> None:
        self._db = db

    def site_days(self, start: date, end: date, county: str | None,
                  line_band: int | None) -> list[tuple[str, date, int, int]]:
        """(station, day, trucks, trucks over the line) of the enforcement sites on days with trucks. The line
        is the rule set's (``actionable``) when ``line_band`` is None, else the overload bands from it up."""
        over = (func.sum(d.actionable) if line_band is None
                else func.sum(case((d.band >= line_band, d.trucks), else_=0)))
        query = (select(d.station_id, d.day, func.sum(d.trucks), over).join(stations, _at_sites(county))
                 .where(d.day >= start, d.day <= end).group_by(d.station_id, d.day))
        with self._db.reader.connect() as conn:
            return [(s, day, int(t), int(o)) for s, day, t, o in conn.execute(query) if t]

    def bands(self, start: date, end: date, county: str | None) -> list[dict[str, int]]:
        """Per overload band (−1: within the limit) at the enforcement sites: trucks, 百吨王, 80 t or more."""
        query = (select(d.band, func.sum(d.trucks), func.sum(d.gross_100t), func.sum(d.gross_80t))
                 .join(stations, _at_sites(county)).where(d.day >= start, d.day <= end).group_by(d.band))
        with self._db.reader.connect() as conn:
            return [{"band": int(b), "trucks": int(t), "gross_100t": int(h), "gross_80t": int(e)}
                    for b, t, h, e in conn.execute(query)]

    def heavy_reviews(self, start: datetime, end: datetime, county: str | None) -> tuple[int, int]:
        """(review items of 80 t or more captured in [start, end) at the sites, of which decided). One range
        of the covering partial index ix_review_items_heavy (the literal lets both databases use it); the
        sites are picked out here, so that no plan walks the items station by station."""
        r = review_items.c
        query = (select(r.station_id, r.state, func.count())
                 .where(r.captured_at >= start, r.captured_at < end, r.gross_kg >= literal_column("80000"))
                 .group_by(r.station_id, r.state))
        sites = select(stations.c.station_id).where(stations.c.kind == SITE)
        if county is not None:
            sites = sites.where(stations.c.county_code == county)
        with self._db.reader.connect() as conn:
            ids = set(conn.execute(sites).scalars())
            rows = [(state, int(n)) for s, state, n in conn.execute(query) if s in ids]
        return sum(n for _, n in rows), sum(n for state, n in rows if state in (APPROVED, REJECTED))

    def transfers(self, start: datetime, end: datetime, county: str | None) -> dict[str, int]:
        """Transfers (抄告) created in [start, end), by state."""
        t = transfers.c
        query = select(t.state, func.count()).where(t.created_at >= start, t.created_at < end).group_by(t.state)
        if county is not None:
            query = query.join(cases, cases.c.id == t.case_id).join(
                stations, and_(stations.c.station_id == cases.c.station_id, stations.c.county_code == county))
        with self._db.reader.connect() as conn:
            return {s: int(n) for s, n in conn.execute(query)}

    def targets(self) -> list[tuple[str, int, float]]:
        k = kpi_targets.c
        with self._db.reader.connect() as conn:
            return [(i, int(y), float(v)) for i, y, v in conn.execute(select(k.kpi_id, k.year, k.target))]

    def set_target(self, kpi: str, year: int, value: float | None, user_id: int, actor: str, now: datetime) -> None:
        """Set (or, with None, remove) the bureau's target for a year, with its audit entry."""
        k = kpi_targets.c
        where = and_(k.kpi_id == kpi, k.year == year)
        with self._db.writer.begin() as conn:
            before = conn.execute(select(k.target).where(where)).scalar_one_or_none()
            if value is None:
                conn.execute(delete(kpi_targets).where(where))
            elif before is None:
                conn.execute(insert(kpi_targets).values(kpi_id=kpi, year=year, target=value, set_by=user_id,
                                                        set_at=now))
            else:
                conn.execute(update(kpi_targets).where(where).values(target=value, set_by=user_id, set_at=now))
            # the audit chain holds no floats (its hash recipe): the fractions as written, e.g. "0.004"
            details: dict[str, Any] = {"year": year, "before": None if before is None else f"{before:g}",
                                       "after": None if value is None else f"{value:g}"}
            audit.append(conn, at=now, actor=actor, origin="console", action="kpi.target",
                         subject=kpi, details=details)
