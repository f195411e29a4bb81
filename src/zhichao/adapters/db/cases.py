"""SQL for the case workflow: conditional moves on ``cases.version``, the case trail, lists and KPI counts."""

from __future__ import annotations

import builtins
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, case, false, func, insert, or_, select, update

from zhichao.adapters.db import audit
from zhichao.adapters.db.engine import Database
from zhichao.adapters.db.tables import case_events, cases, records, stations
from zhichao.domain.cases import DISPOSED_STATES, PENALISED_STATES, TRANSFERRED

_CASE_COLUMNS = (cases.c.id, cases.c.station_id, cases.c.record_id, cases.c.plate, cases.c.captured_at,
                 cases.c.state, cases.c.version, cases.c.fine_yuan, cases.c.opened_at, cases.c.opened_by)


class SqlCaseTransaction:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def case(self, case_id: int) -> dict[str, Any] | None:
        row = self._conn.execute(select(*_CASE_COLUMNS).where(cases.c.id == case_id)).first()
        return None if row is None else dict(row._mapping)

    def move(self, case_id: int, version: int, from_state: str, to_state: str) -> bool:
        """Conditional update: True only if the case was still at ``version`` and ``from_state``."""
        statement = (update(cases)
                     .where(cases.c.id == case_id, cases.c.version == version, cases.c.state == from_state)
                     .values(state=to_state, version=version + 1))
        return self._conn.execute(statement).rowcount == 1

    def add_event(self, values: Mapping[str, Any]) -> None:
        self._conn.execute(insert(case_events).values(**values))

    def audit(self, *, at: datetime, actor: str, origin: str, action: str, subject: str,
              details: Mapping[str, Any]) -> None:
        """Append to the audit log in this transaction, so the entry commits with the move."""
        audit.append(self._conn, at=at, actor=actor, origin=origin, action=action, subject=subject, details=details)


class SqlCaseRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    @contextmanager
    def transaction(self) -> Iterator[SqlCaseTransaction]:
        with self._db.writer.begin() as conn:
            yield SqlCaseTransaction(conn)

    def case(self, case_id: int) -> dict[str, Any] | None:
        query = (select(*_CASE_COLUMNS, stations.c.name.label("station_name"), records.c.overload_rate_x100)
                 .outerjoin(stations, stations.c.station_id == cases.c.station_id)
                 .outerjoin(records, and_(records.c.station_id == cases.c.station_id,
                                          records.c.record_id == cases.c.record_id))
                 .where(cases.c.id == case_id))
        with self._db.reader.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else dict(row._mapping)

    def list(self, state: str | None = None, plate: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Newest case first, with the station's name and the record's overload rate (one query)."""
        query = (select(*_CASE_COLUMNS, stations.c.name.label("station_name"), records.c.overload_rate_x100)
                 .outerjoin(stations, stations.c.station_id == cases.c.station_id)
                 .outerjoin(records, and_(records.c.station_id == cases.c.station_id,
                                          records.c.record_id == cases.c.record_id)))
        if state:
            query = query.where(cases.c.state == state)
        if plate:
            query = query.where(cases.c.plate == plate)
        query = query.order_by(cases.c.opened_at.desc(), cases.c.id.desc()).limit(limit)
        with self._db.reader.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def events(self, case_id: int) -> builtins.list[dict[str, Any]]:
        e = case_events.c
        query = (select(e.at, e.actor_id, e.role, e.action, e.from_state, e.to_state, e.reason, e.note)
                 .where(e.case_id == case_id).order_by(e.id))
        with self._db.reader.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def counts(self, start: datetime, end: datetime, local_prefixes: Sequence[str]) -> dict[str, int]:
        """KPI inputs for the cases opened in [start, end), counted by the database in one query."""
        c = cases.c
        local = or_(*(c.plate.startswith(p, autoescape=True) for p in local_prefixes)) if local_prefixes else false()

        def n(condition: Any) -> Any:
            return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

        disposed = c.state.in_(sorted(DISPOSED_STATES))
        query = select(func.count().label("valid"), n(c.state.in_(sorted(PENALISED_STATES))).label("decided"),
                       n(disposed).label("disposed"), n(local).label("local"), n(~local).label("non_local"),
                       n(and_(local, disposed)).label("local_disposed"),
                       n(and_(~local, disposed)).label("non_local_disposed"),
                       n(c.state == TRANSFERRED).label("transferred"),
                       ).where(c.opened_at >= start, c.opened_at < end)
        with self._db.reader.connect() as conn:
            row = conn.execute(query).one()
        return {key: int(value) for key, value in row._mapping.items()}
