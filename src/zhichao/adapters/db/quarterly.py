"""SQL of the quarterly analysis: every figure aggregated by the database, none from rows loaded into Python.

- Trucks, overloads, violations and 百吨王 per site and per hour: sums of ``hourly_counts`` (the rollup kept
  with the records), never the records.
- Everything about the violating vehicles: the quarter's actionable records at sites are read once into a
  temporary table (station, plate, type, axles, rate: a few percent of a quarter's ~90 million records), which
  a handful of GROUP BYs then count — by type and axles, by site, by plate prefix, per plate. The sites are
  named by their ids rather than joined: with stale statistics PostgreSQL was seen to plan the join as one
  scan of the quarter's range per station; a list of ids gives one read of the range whatever the statistics
  say. The temporary table belongs to the transaction's connection and disappears with its rollback, on SQLite and
  PostgreSQL alike, so two reports made at once never see each other's rows.
- Inspections and accidents: the few rows of the quarter, each tested against the records through the
  (plate, captured_at) index.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Column,
    Connection,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    and_,
    case,
    desc,
    exists,
    func,
    insert,
    literal,
    select,
    true,
)
from sqlalchemy.sql.elements import ColumnElement

from zhichao.adapters.db.engine import Database
from zhichao.adapters.db.tables import accidents, hourly_counts, inspections, records, stations
from zhichao.domain.quarterly_figures import (
    OVERLOAD_FOUND,
    AccidentFigures,
    AccidentRow,
    AccidentTotal,
    AxleCount,
    CargoCount,
    Counts,
    HourCount,
    PrefixCount,
    SiteInfo,
    TopPlate,
    TypeCount,
    ViolationFigures,
)

SITE = "site"
h, r, s = hourly_counts.c, records.c, stations.c
# Violations of the quarter, per connection (outside the schema's metadata: never migrated, never compared).
_v = Table("quarterly_violations", MetaData(), Column("station_id", String(32)), Column("plate", String(16)),
           Column("vehicle_type", String(24)), Column("axle_count", SmallInteger),
           Column("overload_rate_x100", Integer), prefixes=["TEMPORARY"])
v = _v.c


def _at_sites(start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    """Actionable records at enforcement sites captured in [start, end) (with ``records`` joined to ``stations``)."""
    return [s.kind == SITE, r.actionable == true(), r.captured_at >= start, r.captured_at < end]


def _site_ids(conn: Connection) -> list[str]:
    return list(conn.scalars(select(s.station_id).where(s.kind == SITE)))


def _actionable(ids: list[str], start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    """Actionable records of the stations ``ids`` captured in [start, end) (``records`` alone)."""
    return [r.station_id.in_(ids), r.actionable == true(), r.captured_at >= start, r.captured_at < end]


_SITE_RECORDS = records.join(stations, s.station_id == r.station_id)
_SITE_HOURS = hourly_counts.join(stations, and_(s.station_id == h.station_id, s.kind == SITE))
_vehicles = func.count(func.nullif(v.plate, "").distinct())


class SqlQuarterlyReader:
    def __init__(self, db: Database, top_plates: int = 20) -> None:
        self._db = db
        self._top = top_plates

    def sites(self) -> list[SiteInfo]:
        query = select(s.station_id, s.name, s.road, s.stake, s.county_code).where(s.kind == SITE)
        with self._db.reader.connect() as conn:
            return [SiteInfo(*row) for row in conn.execute(query.order_by(s.station_id))]

    def has_records(self, start: datetime, end: datetime) -> bool:
        """Whether any site weighed a truck in [start, end) (one probe of the captured_at index)."""
        with self._db.reader.connect() as conn:
            query = (select(literal(1)).where(r.station_id.in_(_site_ids(conn)), r.captured_at >= start,
                                              r.captured_at < end).limit(1))
            return conn.execute(query).first() is not None

    def site_counts(self, start: datetime, end: datetime) -> dict[str, Counts]:
        query = (select(h.station_id, func.sum(h.trucks), func.sum(h.overloaded), func.sum(h.actionable),
                        func.sum(h.gross_100t)).select_from(_SITE_HOURS)
                 .where(h.hour >= start, h.hour < end).group_by(h.station_id))
        with self._db.reader.connect() as conn:
            return {sid: Counts(*(int(n or 0) for n in sums)) for sid, *sums in conn.execute(query)}

    def hour_counts(self, start: datetime, end: datetime) -> list[HourCount]:
        query = (select(h.hour, func.sum(h.trucks), func.sum(h.actionable)).select_from(_SITE_HOURS)
                 .where(h.hour >= start, h.hour < end).group_by(h.hour).order_by(h.hour))
        with self._db.reader.connect() as conn:
            return [HourCount(hour, int(t or 0), int(a or 0)) for hour, t, a in conn.execute(query)]

    def violating_vehicles(self, start: datetime, end: datetime) -> int:
        with self._db.reader.connect() as conn:
            query = select(func.count(r.plate.distinct())).where(*_actionable(_site_ids(conn), start, end),
                                                                 r.plate != "")
            return int(conn.execute(query).scalar_one())

    def violations(self, start: datetime, end: datetime) -> ViolationFigures:
        with self._db.reader.connect() as conn:  # left without commit: the rollback drops the temporary table
            _v.create(conn)
            conn.execute(insert(_v).from_select(
                ["station_id", "plate", "vehicle_type", "axle_count", "overload_rate_x100"],
                select(r.station_id, r.plate, r.vehicle_type, r.axle_count, r.overload_rate_x100)
                .where(*_actionable(_site_ids(conn), start, end))))
            return self._grouped(conn)

    def _grouped(self, conn: Connection) -> ViolationFigures:
        read = v.plate != ""
        n, vehicles, unread = conn.execute(select(func.count(), _vehicles, func.sum(case((read, 0), else_=1)))).one()
        by_type = [TypeCount(t, int(a), int(c), int(p)) for t, a, c, p in conn.execute(
            select(v.vehicle_type, v.axle_count, func.count(), _vehicles).group_by(v.vehicle_type, v.axle_count))]
        by_axle = [AxleCount(int(a), int(c), int(p)) for a, c, p in conn.execute(
            select(v.axle_count, func.count(), _vehicles).group_by(v.axle_count))]
        by_site = {str(sid): int(p) for sid, p in conn.execute(select(v.station_id, _vehicles).group_by(v.station_id))}
        prefix = func.substr(v.plate, 1, 2)
        by_prefix = [PrefixCount(str(x), int(c), int(p)) for x, c, p in conn.execute(
            select(prefix, func.count(), func.count(v.plate.distinct())).where(read).group_by(prefix))]
        per_plate = select(v.plate, func.count().label("n")).where(read).group_by(v.plate).subquery()
        repeat = {int(k): int(c) for k, c in conn.execute(select(per_plate.c.n, func.count()).group_by(per_plate.c.n))}
        times = func.count().label("times")
        top = [TopPlate(str(p), int(c), int(k), int(m)) for p, c, k, m in conn.execute(
            select(v.plate, times, func.count(v.station_id.distinct()), func.max(v.overload_rate_x100))
            .where(read).group_by(v.plate).order_by(desc(times), v.plate).limit(self._top))]
        return ViolationFigures(int(n), int(vehicles), int(unread or 0), by_type, by_axle, by_site, by_prefix,
                                repeat, top)

    def cargo(self, start: datetime, end: datetime) -> list[CargoCount]:
        """Inspections of [start, end) by cargo: how many, found overloaded, of a vehicle with a violation then."""
        i = inspections.c
        violator = exists(select(literal(1)).select_from(_SITE_RECORDS)
                          .where(r.plate == i.plate, *_at_sites(start, end)))
        rows = (select(func.nullif(func.trim(i.cargo), "").label("cargo"),
                       case((i.result.in_(OVERLOAD_FOUND), 1), else_=0).label("found"),
                       case((and_(i.plate != "", violator), 1), else_=0).label("violator"))
                .where(i.inspected_at >= start, i.inspected_at < end).subquery())
        query = (select(rows.c.cargo, func.count(), func.sum(rows.c.found), func.sum(rows.c.violator))
                 .group_by(rows.c.cargo))
        with self._db.reader.connect() as conn:
            return [CargoCount(c, int(n), int(o or 0), int(w or 0)) for c, n, o, w in conn.execute(query)]

    def accidents(self, start: datetime, end: datetime, since: datetime) -> AccidentFigures:
        """Accidents of [start, end), by severity and whether the plate had a violation in [since, end); those
        that had, one by one with the plate's violations in that window."""
        a = accidents.c
        window = [r.plate == a.plate, *_at_sites(since, end)]
        involved = and_(a.plate != "", exists(select(literal(1)).select_from(_SITE_RECORDS).where(*window)))
        rows = (select(a.severity, a.deaths, a.injuries, func.coalesce(a.property_loss_yuan, 0).label("loss"),
                       case((involved, 1), else_=0).label("involved"))
                .where(a.occurred_at >= start, a.occurred_at < end).subquery())
        totals = (select(rows.c.severity, rows.c.involved, func.count(), func.sum(rows.c.deaths),
                         func.sum(rows.c.injuries), func.sum(rows.c.loss)).group_by(rows.c.severity, rows.c.involved))
        count = select(func.count()).select_from(_SITE_RECORDS).where(*window).scalar_subquery()
        listed = (select(a.ref, a.occurred_at, a.plate, a.place, a.road, a.county_code, a.severity, a.deaths,
                         a.injuries, a.property_loss_yuan, a.overloaded, count)
                  .where(a.occurred_at >= start, a.occurred_at < end, involved).order_by(a.occurred_at, a.ref))
        with self._db.reader.connect() as conn:
            sums = [AccidentTotal(str(sev), bool(inv), int(n), int(d or 0), int(j or 0), int(loss or 0))
                    for sev, inv, n, d, j, loss in conn.execute(totals)]
            return AccidentFigures(sums, [AccidentRow(*list(row)) for row in conn.execute(listed)])
