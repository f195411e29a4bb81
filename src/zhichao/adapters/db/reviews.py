"""SQL for the review queue, review decisions, screening flags of reviewed records and cases."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, update

from zhichao.adapters.db import audit, case_days, lookups, plate_checks
from zhichao.adapters.db.engine import Database
from zhichao.adapters.db.tables import cases, evidence, record_flags, records, review_events, review_items, stations
from zhichao.domain.screening import OnsiteHandling, Permit
from zhichao.services.ports import FlagRow, ReviewFilter

_ITEM_COLUMNS = (review_items.c.station_id, review_items.c.record_id, review_items.c.captured_at,
                 review_items.c.plate, review_items.c.band, review_items.c.overload_rate_x100,
                 review_items.c.state, review_items.c.version, review_items.c.first_by, review_items.c.first_at,
                 review_items.c.second_by, review_items.c.second_at, review_items.c.reason_code,
                 review_items.c.note, review_items.c.queued_at)


def _key(table: Any, station_id: str, record_id: str) -> Any:
    return and_(table.c.station_id == station_id, table.c.record_id == record_id)


class SqlReviewTransaction:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def item(self, station_id: str, record_id: str) -> dict[str, Any] | None:
        row = self._conn.execute(select(*_ITEM_COLUMNS).where(_key(review_items, station_id, record_id))).first()
        return None if row is None else dict(row._mapping)

    def move(self, station_id: str, record_id: str, version: int, from_state: str,
             values: Mapping[str, Any]) -> bool:
        """Conditional update: True only if the item was still at ``version`` and ``from_state``."""
        statement = (update(review_items)
                     .where(_key(review_items, station_id, record_id), review_items.c.version == version,
                            review_items.c.state == from_state)
                     .values(**values, version=version + 1))
        return self._conn.execute(statement).rowcount == 1

    def add_event(self, values: Mapping[str, Any]) -> None:
        self._conn.execute(insert(review_events).values(**values))

    def open_case(self, values: Mapping[str, Any]) -> int:
        """Insert the case, link it to its vehicle (and the registered enterprise), and refresh its plate's check."""
        case_id = int(self._conn.execute(insert(cases).values(**values).returning(cases.c.id)).scalar_one())
        case_days.count(self._conn, str(values["station_id"]), values["opened_on"], str(values["plate"]),
                        {str(values["state"]): 1})
        plate_checks.relink(self._conn, case_id)
        plate_checks.refresh(self._conn, str(values["plate"]))
        return case_id

    def raise_flags(self, flags: Sequence[FlagRow], now: datetime) -> None:
        from zhichao.adapters.db.ingest_store import upsert_flags

        upsert_flags(self._conn, flags, now)

    def audit(self, *, at: datetime, actor: str, origin: str, action: str, subject: str,
              details: Mapping[str, Any]) -> None:
        """Append to the audit log in this transaction, so the entry commits with the decision."""
        audit.append(self._conn, at=at, actor=actor, origin=origin, action=action, subject=subject, details=details)


class SqlReviewRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    @contextmanager
    def transaction(self) -> Iterator[SqlReviewTransaction]:
        with self._db.writer.begin() as conn:
            yield SqlReviewTransaction(conn)

    def queue(self, f: ReviewFilter) -> list[dict[str, Any]]:
        ri, s, r = review_items.c, stations.c, records.c
        # The few record columns a queue row shows, joined here so a page of 100 is one query.
        query = (select(*_ITEM_COLUMNS, s.name.label("station_name"), s.county_code, r.plate_color, r.axle_count,
                        r.axle_groups, r.gross_weight_kg, r.limit_kg, r.fine_yuan)
                 .join(stations, stations.c.station_id == ri.station_id)
                 .join(records, and_(r.station_id == ri.station_id, r.record_id == ri.record_id))
                 .where(ri.state.in_(f.states)))
        if f.station_id:
            query = query.where(ri.station_id == f.station_id)
        if f.county_code:
            query = query.where(s.county_code == f.county_code)
        if f.min_band is not None:
            query = query.where(ri.band >= f.min_band)
        if f.flag:
            flagged = select(record_flags.c.record_id).where(
                record_flags.c.station_id == ri.station_id, record_flags.c.record_id == ri.record_id,
                record_flags.c.code == f.flag, record_flags.c.cleared_at.is_(None))
            query = query.where(flagged.exists())
        query = query.order_by(ri.captured_at, ri.record_id).limit(f.limit)
        with self._db.reader.connect() as conn:
            items = [dict(r._mapping) for r in conn.execute(query)]
            flags = self._flags_for(conn, [(i["station_id"], i["record_id"]) for i in items])
        for i in items:
            i["flags"] = flags.get((i["station_id"], i["record_id"]), [])
        return items

    def _flags_for(self, conn: Connection, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], list[Any]]:
        out: dict[tuple[str, str], list[Any]] = {}
        if not keys:
            return out
        rf = record_flags.c
        for station_id in {k[0] for k in keys}:
            ids = [k[1] for k in keys if k[0] == station_id]
            query = (select(rf.station_id, rf.record_id, rf.code, rf.blocking, rf.detail, rf.raised_at)
                     .where(rf.station_id == station_id, rf.record_id.in_(ids), rf.cleared_at.is_(None))
                     .order_by(rf.code))
            for row in conn.execute(query):
                out.setdefault((row.station_id, row.record_id), []).append(
                    {"code": row.code, "blocking": row.blocking, "detail": row.detail,
                     "raised_at": row.raised_at.isoformat()})
        return out

    def flags(self, station_id: str, record_id: str) -> list[dict[str, Any]]:
        with self._db.reader.connect() as conn:
            return self._flags_for(conn, [(station_id, record_id)]).get((station_id, record_id), [])

    def item(self, station_id: str, record_id: str) -> dict[str, Any] | None:
        with self._db.reader.connect() as conn:
            return SqlReviewTransaction(conn).item(station_id, record_id)

    def events(self, station_id: str, record_id: str) -> list[dict[str, Any]]:
        e = review_events.c
        query = select(e.at, e.actor_id, e.action, e.from_state, e.to_state, e.reason_code, e.note).where(
            _key(review_events, station_id, record_id)).order_by(e.id)
        with self._db.reader.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def case_for(self, station_id: str, record_id: str) -> dict[str, Any] | None:
        with self._db.reader.connect() as conn:
            row = conn.execute(select(cases).where(_key(cases, station_id, record_id))).first()
        return None if row is None else dict(row._mapping)

    def context_for(self, station_id: str, plate: str, start: datetime,
                    end: datetime) -> tuple[str | None, list[Permit], list[OnsiteHandling]]:
        """The station's road, the plate's permits and its on-site handlings in [start, end]."""
        with self._db.reader.connect() as conn:
            road = conn.execute(select(stations.c.road).where(stations.c.station_id == station_id)).scalar()
            return road, lookups.permits_for(conn, [plate]), lookups.onsite_for(conn, [plate], start, end)

    def present_evidence(self, hashes: Sequence[str]) -> set[str]:
        if not hashes:
            return set()
        with self._db.reader.connect() as conn:
            return set(conn.execute(select(evidence.c.sha256).where(evidence.c.sha256.in_(hashes))).scalars())

    def actions_since(self, actor_id: int, since: datetime) -> dict[str, int]:
        e = review_events.c
        query = (select(e.action, func.count()).where(e.actor_id == actor_id, e.at >= since).group_by(e.action))
        with self._db.reader.connect() as conn:
            return {action: int(n) for action, n in conn.execute(query)}

    def open_items_before(self, states: Sequence[str], captured_before: datetime, limit: int) -> list[dict[str, Any]]:
        ri = review_items.c
        query = (select(ri.station_id, ri.record_id, records.c.images, records.c.captured_at)
                 .join(records, and_(records.c.station_id == ri.station_id, records.c.record_id == ri.record_id))
                 .where(ri.state.in_(states), ri.captured_at < captured_before).limit(limit))
        with self._db.reader.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]
