"""SQL of the command centre: the new records the alert engine reads, the plates' watches and check rows,
the alerts with their handling, the watchlist and the officers on duty."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, or_, select, update

from zhichao.adapters.db import audit, outbox
from zhichao.adapters.db.engine import Database
from zhichao.adapters.db.tables import alerts, officer_duty, plate_checks, records, users, watchlist
from zhichao.adapters.db.types import sqlite_text
from zhichao.domain.alerts import OPEN, NewAlert, PlateStanding

a, w, d, rc = alerts.c, watchlist.c, officer_duty.c, records.c
PASSAGE_FIELDS = ("id", "station_id", "record_id", "plate", "plate_color", "captured_at", "axle_count",
                  "gross_weight_kg", "limit_kg", "overload_rate_x100", "actionable")


class SqlAlertStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- what the engine reads ---

    def first_id_since(self, captured_since: datetime) -> int:
        """The id just before the first record captured since then (through the captured_at index), or the
        newest id when there is none: where an engine that starts picks up."""
        with self._db.reader.connect() as conn:
            first = conn.execute(select(func.min(rc.id)).where(rc.captured_at >= captured_since)).scalar()
            if first is not None:
                return int(first) - 1
            return int(conn.execute(select(func.max(rc.id))).scalar() or 0)

    def passages(self, after_id: int, also: Collection[int], limit: int) -> list[tuple[Any, ...]]:
        """Records with an id above ``after_id``, and those among ``also`` (ids skipped earlier because their
        transaction had not committed yet), in id order, as driver tuples in ``PASSAGE_FIELDS`` order: this
        read sees every record, so it skips SQLAlchemy's row objects. ``captured_at`` stays as the driver
        gives it (``raw_time``, ``to_time``)."""
        with self._db.reader.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            mark = "?" if sqlite else "%s"
            where = f"id > {mark}" + (f" OR id IN ({', '.join([mark] * len(also))})" if also else "")
            cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            try:
                cursor.execute(f"SELECT {', '.join(PASSAGE_FIELDS)} FROM records WHERE {where} ORDER BY id LIMIT "
                               f"{int(limit)}", (after_id, *sorted(also)))
                return list(cursor.fetchall())
            finally:
                cursor.close()

    def raw_time(self, moment: datetime) -> Any:
        """``moment`` as ``passages`` gives times (text on SQLite, whose text order is time order)."""
        return sqlite_text(moment) if self._db.dialect == "sqlite" else moment

    def to_time(self, raw: Any) -> datetime:
        if isinstance(raw, str):
            return datetime.fromisoformat(raw).replace(tzinfo=UTC)
        return raw.astimezone(UTC)  # type: ignore[no-any-return]

    def standings(self, plates: Collection[str], now: datetime) -> dict[str, PlateStanding]:
        """Active watches and check rows of these plates; plates with neither are left out."""
        if not plates:
            return {}
        wanted = sorted(plates)
        watches: dict[str, list[tuple[int, str]]] = {}
        areas: dict[str, set[str | None]] = {}
        with self._db.reader.connect() as conn:
            for row in conn.execute(select(w.id, w.plate, w.reason, w.county_code).where(
                    w.plate.in_(wanted), w.lifted_at.is_(None), w.ends_at > now).order_by(w.id)):
                watches.setdefault(row.plate, []).append((row.id, row.reason))
                areas.setdefault(row.plate, set()).add(row.county_code)
            checks = {row.plate: row for row in conn.execute(
                select(plate_checks.c.plate, plate_checks.c.listed_until, plate_checks.c.unresolved_cases)
                .where(plate_checks.c.plate.in_(wanted)))}
        return {p: PlateStanding(tuple(watches.get(p, ())), _one(areas.get(p, set())),
                                 getattr(checks.get(p), "listed_until", None),
                                 int(getattr(checks.get(p), "unresolved_cases", 0) or 0))
                for p in set(watches) | set(checks)}

    def hot_plates(self, now: datetime) -> set[str]:
        """The plates with an active watch or a check row (unresolved cases, a listing): the only ones whose
        standing the engine needs to read."""
        with self._db.reader.connect() as conn:
            watched = conn.execute(select(w.plate).where(w.lifted_at.is_(None), w.ends_at > now)).scalars()
            return set(watched) | set(conn.execute(select(plate_checks.c.plate)).scalars())

    def last_alerted(self, keys: Iterable[tuple[str, str]], since: datetime) -> dict[tuple[str, str], datetime]:
        """The latest passage time already alerted per (rule, plate) since ``since``."""
        found: dict[tuple[str, str], datetime] = {}
        with self._db.reader.connect() as conn:
            for rule, plate in set(keys):
                at = conn.execute(select(func.max(a.captured_at)).where(
                    a.rule == rule, a.plate == plate, a.captured_at >= since)).scalar()
                if at is not None:
                    found[(rule, plate)] = at
        return found

    # --- writing alerts ---

    def add(self, new: Sequence[NewAlert], now: datetime, robot: str | None, robot_min_severity: int
            ) -> list[dict[str, Any]]:
        """Store the alerts; queue a DingTalk notice for those at or above the severity, when a robot is set."""
        stored = []
        with self._db.writer.begin() as conn:
            for alert in new:
                p = alert.passage
                values = {"rule": alert.rule, "plate": p.plate, "station_id": p.station_id, "record_id": p.record_id,
                          "captured_at": p.captured_at, "fired_at": now, "county_code": alert.county_code,
                          "severity": alert.severity, "title": alert.title, "details": alert.details,
                          "state": OPEN, "version": 1}
                alert_id = conn.execute(insert(alerts).values(**values).returning(a.id)).scalar_one()
                stored.append({"id": alert_id, **values})
                if robot and alert.severity >= robot_min_severity:
                    outbox.enqueue(conn, channel="dingtalk", recipient=robot, subject=alert.title[:100],
                                   body=f"{alert.title}（{p.captured_at.isoformat()}）", dedupe_key=f"alert:{alert_id}",
                                   now=now, payload={"alert_id": alert_id, "rule": alert.rule, "plate": p.plate})
        return stored

    # --- reading and handling alerts ---

    def get(self, alert_id: int) -> dict[str, Any] | None:
        with self._db.reader.connect() as conn:
            row = conn.execute(select(alerts).where(a.id == alert_id)).first()
        return dict(row._mapping) if row else None

    def recent(self, *, state: str | None, county: str | None, after_id: int | None, limit: int
             ) -> list[dict[str, Any]]:
        query = select(alerts).order_by(a.id.desc()).limit(limit)
        if state == "active":
            query = query.where(a.state != "resolved")
        elif state:
            query = query.where(a.state == state)
        if county:
            query = query.where(or_(a.county_code == county, a.county_code.is_(None)))
        if after_id is not None:
            query = query.where(a.id > after_id)
        with self._db.reader.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def counts_by_state(self, since: datetime) -> dict[str, int]:
        with self._db.reader.connect() as conn:
            rows = conn.execute(select(a.state, func.count()).where(a.fired_at >= since).group_by(a.state))
            return {state: int(n) for state, n in rows}

    def move(self, alert_id: int, version: int, values: Mapping[str, Any], *, now: datetime, actor: str,
             origin: str, action: str, details: Mapping[str, Any]) -> dict[str, Any] | None:
        """Apply the move if the alert is still at ``version`` (with its audit entry); None if it changed."""
        with self._db.writer.begin() as conn:
            row = conn.execute(update(alerts).where(a.id == alert_id, a.version == version)
                               .values(**values, version=version + 1).returning(*alerts.c)).first()
            if row is None:
                return None
            audit.append(conn, at=now, actor=actor, origin=origin, action=f"alert.{action}",
                         subject=f"alert:{alert_id}", details=dict(details))
        return dict(row._mapping)

    def user_names(self, ids: Collection[int]) -> dict[int, str]:
        if not ids:
            return {}
        with self._db.reader.connect() as conn:
            rows = conn.execute(select(users.c.id, users.c.display_name).where(users.c.id.in_(sorted(ids))))
            return {int(i): str(name) for i, name in rows}

    def user_role(self, user_id: int) -> tuple[str, bool] | None:
        with self._db.reader.connect() as conn:
            row = conn.execute(select(users.c.role, users.c.active).where(users.c.id == user_id)).first()
        return (row.role, bool(row.active)) if row else None

    # --- the watchlist ---

    def add_watch(self, values: Mapping[str, Any], *, actor: str, origin: str) -> dict[str, Any]:
        with self._db.writer.begin() as conn:
            row = conn.execute(insert(watchlist).values(**values).returning(*watchlist.c)).one()
            audit.append(conn, at=values["created_at"], actor=actor, origin=origin, action="watch.add",
                         subject=f"watch:{row.id}", details={"plate": row.plate, "reason": row.reason,
                                                              "ends_at": row.ends_at.isoformat()})
        return dict(row._mapping)

    def lift_watch(self, watch_id: int, user_id: int, reason: str, now: datetime, *, actor: str, origin: str
                   ) -> dict[str, Any] | None:
        with self._db.writer.begin() as conn:
            row = conn.execute(update(watchlist).where(w.id == watch_id, w.lifted_at.is_(None))
                               .values(lifted_at=now, lifted_by=user_id, lift_reason=reason)
                               .returning(*watchlist.c)).first()
            if row is None:
                return None
            audit.append(conn, at=now, actor=actor, origin=origin, action="watch.lift", subject=f"watch:{watch_id}",
                         details={"plate": row.plate, "reason": reason})
        return dict(row._mapping)

    def watches(self, *, active_at: datetime | None, plate: str | None, limit: int) -> list[dict[str, Any]]:
        query = select(watchlist).order_by(w.id.desc()).limit(limit)
        if active_at is not None:
            query = query.where(w.lifted_at.is_(None), w.ends_at > active_at)
        if plate:
            query = query.where(w.plate == plate)
        with self._db.reader.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def get_watch(self, watch_id: int) -> dict[str, Any] | None:
        with self._db.reader.connect() as conn:
            row = conn.execute(select(watchlist).where(w.id == watch_id)).first()
        return dict(row._mapping) if row else None

    # --- officers on duty ---

    def set_duty(self, user_id: int, on: bool, county: str | None, now: datetime) -> None:
        with self._db.writer.begin() as conn:
            exists = conn.execute(select(d.user_id).where(d.user_id == user_id)).first() is not None
            if on and exists:
                conn.execute(update(officer_duty).where(d.user_id == user_id)
                             .values(county_code=county, since=now, until=None))
            elif on:
                conn.execute(insert(officer_duty).values(user_id=user_id, county_code=county, since=now, until=None))
            elif exists:
                conn.execute(update(officer_duty).where(d.user_id == user_id, d.until.is_(None)).values(until=now))

    def on_duty(self) -> list[dict[str, Any]]:
        query = (select(d.user_id, d.county_code, d.since, users.c.display_name.label("name"))
                 .join(users, users.c.id == d.user_id).where(d.until.is_(None), users.c.active.is_(True))
                 .order_by(d.since))
        with self._db.reader.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def duty_of(self, user_id: int) -> dict[str, Any] | None:
        with self._db.reader.connect() as conn:
            row = conn.execute(select(officer_duty).where(d.user_id == user_id)).first()
        return dict(row._mapping) if row else None


def _one(areas: set[str | None]) -> str | None:
    """The county the watches of a plate name, when they all name the same one; else the whole city."""
    return next(iter(areas)) if len(areas) == 1 else None
