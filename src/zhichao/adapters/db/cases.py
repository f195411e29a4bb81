"""SQL for the case workflow: conditional moves on ``cases.version``, the case trail, parties, document
numbers, attachments, payments, transfers, lists, the deadline sweep's query and the KPI counts."""

from __future__ import annotations

import builtins
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, false, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from zhichao.adapters.db import audit, case_days, outbox, plate_checks
from zhichao.adapters.db.engine import Database
from zhichao.adapters.db.tables import (
    case_attachments,
    case_documents,
    case_events,
    case_parties,
    cases,
    document_counters,
    payments,
    records,
    stations,
    transfers,
)
from zhichao.adapters.db.tables import (
    case_days as case_days_table,
)
from zhichao.domain.cases import FINAL_STATES
from zhichao.services.ports import CaseQuery

_CASE_COLUMNS = tuple(cases.c)
_PARTY_COLUMNS = (case_parties.c.role, case_parties.c.name, case_parties.c.id_number, case_parties.c.phone,
                  case_parties.c.address, case_parties.c.licence, case_parties.c.source, case_parties.c.updated_at)
_DOCUMENT_COLUMNS = (case_documents.c.id, case_documents.c.case_id, case_documents.c.kind, case_documents.c.number,
                     case_documents.c.created_at, case_documents.c.created_by, case_documents.c.sha256,
                     case_documents.c.storage_key, case_documents.c.size)
_TRANSFER_COLUMNS = tuple(transfers.c)
_ATTACHMENT_COLUMNS = tuple(case_attachments.c)


def _listed() -> Any:
    """Cases with their station's name and their record's overload rate and gross weight (one query)."""
    return (select(*_CASE_COLUMNS, stations.c.name.label("station_name"), records.c.overload_rate_x100,
                   records.c.gross_weight_kg, records.c.limit_kg)
            .outerjoin(stations, stations.c.station_id == cases.c.station_id)
            .outerjoin(records, and_(records.c.station_id == cases.c.station_id,
                                     records.c.record_id == cases.c.record_id)))


def case_list_query(q: CaseQuery) -> Any:
    """The case list's query (newest case first; with ``due_by``, the soonest deadline first), shared by the
    list and its export."""
    c, query = cases.c, _listed()
    conditions = [c.state == q.state if q.state else None, c.plate == q.plate if q.plate else None,
                  c.opened_at >= q.opened_from if q.opened_from else None,
                  c.opened_at < q.opened_before if q.opened_before else None,
                  c.state.in_(sorted(q.states)) if q.states is not None else None,
                  stations.c.county_code == q.county if q.county else None]
    if q.local is not None:
        local = or_(*(c.plate.startswith(p, autoescape=True) for p in q.local_prefixes)) if q.local_prefixes \
            else false()
        conditions.append(local if q.local else ~local)
    query = query.where(*(x for x in conditions if x is not None))
    if q.due_by is not None:
        return query.where(c.due_on <= q.due_by).order_by(c.due_on, c.id)
    return query.order_by(c.opened_at.desc(), c.id.desc())


def transfer_list_query(state: str | None, long_triangle: bool | None) -> Any:
    """The transfers' query, newest first, shared by the list and its export."""
    query = select(*_TRANSFER_COLUMNS, cases.c.plate).join(cases, cases.c.id == transfers.c.case_id)
    if state:
        query = query.where(transfers.c.state == state)
    if long_triangle is not None:
        query = query.where(transfers.c.long_triangle == long_triangle)
    return query.order_by(transfers.c.created_at.desc(), transfers.c.id.desc())


class SqlCaseTransaction:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def case(self, case_id: int) -> dict[str, Any] | None:
        row = self._conn.execute(select(*_CASE_COLUMNS).where(cases.c.id == case_id)).first()
        return None if row is None else dict(row._mapping)

    def move(self, case_id: int, version: int, from_state: str, to_state: str,
             values: Mapping[str, Any] | None = None) -> bool:
        """Conditional update: True only if the case was still at ``version`` and ``from_state``."""
        statement = (update(cases)
                     .where(cases.c.id == case_id, cases.c.version == version, cases.c.state == from_state)
                     .values(**(values or {}), state=to_state, version=version + 1)
                     .returning(cases.c.station_id, cases.c.opened_on, cases.c.plate))
        moved = self._conn.execute(statement).first()
        if moved is None:
            return False
        if to_state != from_state:
            case_days.count(self._conn, moved.station_id, moved.opened_on, moved.plate,
                            {from_state: -1, to_state: 1})
        plate_checks.refresh(self._conn, plate_checks.plate_of_case(self._conn, case_id) or "")
        return True

    def add_event(self, values: Mapping[str, Any]) -> None:
        self._conn.execute(insert(case_events).values(**values))

    def audit(self, *, at: datetime, actor: str, origin: str, action: str, subject: str,
              details: Mapping[str, Any]) -> None:
        """Append to the audit log in this transaction, so the entry commits with the move."""
        audit.append(self._conn, at=at, actor=actor, origin=origin, action=action, subject=subject, details=details)

    def parties(self, case_id: int) -> builtins.list[dict[str, Any]]:
        query = select(*_PARTY_COLUMNS).where(case_parties.c.case_id == case_id).order_by(case_parties.c.id)
        return [dict(r._mapping) for r in self._conn.execute(query)]

    def set_party(self, case_id: int, role: str, values: Mapping[str, Any]) -> None:
        where = and_(case_parties.c.case_id == case_id, case_parties.c.role == role)
        if self._conn.execute(update(case_parties).where(where).values(**values)).rowcount == 0:
            self._conn.execute(insert(case_parties).values(case_id=case_id, role=role, **values))
        plate_checks.relink(self._conn, case_id)

    def open_cases_for(self, plates: Sequence[str]) -> dict[str, builtins.list[int]]:
        """The ids of the cases of these plates that are not final, by plate."""
        out: dict[str, builtins.list[int]] = {}
        for start in range(0, len(plates), 500):
            query = (select(cases.c.plate, cases.c.id)
                     .where(cases.c.plate.in_(plates[start:start + 500]), cases.c.state.not_in(sorted(FINAL_STATES))))
            for plate, case_id in self._conn.execute(query):
                out.setdefault(plate, []).append(int(case_id))
        return out

    def party_sources(self, case_ids: Sequence[int]) -> dict[tuple[int, str], str]:
        out: dict[tuple[int, str], str] = {}
        p = case_parties.c
        for start in range(0, len(case_ids), 500):
            query = select(p.case_id, p.role, p.source).where(p.case_id.in_(case_ids[start:start + 500]))
            out.update({(int(c), r): s for c, r, s in self._conn.execute(query)})
        return out

    def take_number(self, kind: str, year: int, seq: int) -> bool:
        """Claim document number ``seq`` of ``kind`` in ``year``; False if it is no longer the next one."""
        c = document_counters.c
        taken = self._conn.execute(update(document_counters)
                                   .where(c.kind == kind, c.year == year, c.next_seq == seq)
                                   .values(next_seq=seq + 1)).rowcount == 1
        if taken or seq != 1:
            return taken
        try:
            with self._conn.begin_nested():
                self._conn.execute(insert(document_counters).values(kind=kind, year=year, next_seq=2))
        except IntegrityError:
            return False
        return True

    def add_document(self, values: Mapping[str, Any]) -> int:
        return int(self._conn.execute(insert(case_documents).values(**values).returning(case_documents.c.id))
                   .scalar_one())

    def add_attachment(self, values: Mapping[str, Any]) -> int:
        return int(self._conn.execute(insert(case_attachments).values(**values).returning(case_attachments.c.id))
                   .scalar_one())

    def enqueue(self, **message: Any) -> bool:
        """Write a notice to the outbox in this transaction (sent by the outbox worker after commit)."""
        return outbox.enqueue(self._conn, **message)

    def payment(self, method: str, reference: str) -> dict[str, Any] | None:
        row = self._conn.execute(select(payments).where(payments.c.method == method,
                                                        payments.c.reference == reference)).first()
        return None if row is None else dict(row._mapping)

    def add_payment(self, values: Mapping[str, Any]) -> bool:
        """Store a payment; False when one with the same (method, reference) is already stored."""
        try:
            with self._conn.begin_nested():
                self._conn.execute(insert(payments).values(**values))
        except IntegrityError:
            return False
        return True

    def add_transfer(self, values: Mapping[str, Any]) -> None:
        self._conn.execute(insert(transfers).values(**values))

    def set_transfer_outcome(self, transfer_id: int, values: Mapping[str, Any]) -> bool:
        return self._conn.execute(update(transfers).where(transfers.c.id == transfer_id)
                                  .values(**values)).rowcount == 1


class SqlCaseRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    @contextmanager
    def transaction(self) -> Iterator[SqlCaseTransaction]:
        with self._db.writer.begin() as conn:
            yield SqlCaseTransaction(conn)

    def _all(self, query: Any) -> builtins.list[dict[str, Any]]:
        with self._db.reader.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def _one(self, query: Any) -> dict[str, Any] | None:
        with self._db.reader.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else dict(row._mapping)

    def case(self, case_id: int) -> dict[str, Any] | None:
        return self._one(_listed().where(cases.c.id == case_id))

    def list(self, query: CaseQuery, limit: int = 100) -> builtins.list[dict[str, Any]]:
        """Newest case first; with ``due_by``, the cases with a deadline by then, soonest first (a case's
        ``due_on`` is cleared when it reaches a state with nothing left to do)."""
        return self._all(case_list_query(query).limit(limit))

    def by_notice_code(self, plate: str, code: str) -> dict[str, Any] | None:
        return self._one(_listed().where(cases.c.plate == plate, cases.c.notice_code == code))

    def events(self, case_id: int) -> builtins.list[dict[str, Any]]:
        e = case_events.c
        return self._all(select(e.at, e.actor_id, e.role, e.action, e.from_state, e.to_state, e.reason, e.note)
                         .where(e.case_id == case_id).order_by(e.id))

    def parties(self, case_id: int) -> builtins.list[dict[str, Any]]:
        return self._all(select(*_PARTY_COLUMNS).where(case_parties.c.case_id == case_id)
                         .order_by(case_parties.c.id))

    def next_seq(self, kind: str, year: int) -> int:
        c = document_counters.c
        found = self._one(select(c.next_seq).where(c.kind == kind, c.year == year))
        return 1 if found is None else int(found["next_seq"])

    def documents(self, case_id: int) -> builtins.list[dict[str, Any]]:
        return self._all(select(*_DOCUMENT_COLUMNS).where(case_documents.c.case_id == case_id)
                         .order_by(case_documents.c.id))

    def document(self, document_id: int) -> dict[str, Any] | None:
        return self._one(select(*_DOCUMENT_COLUMNS).where(case_documents.c.id == document_id))

    def attachments(self, case_id: int) -> builtins.list[dict[str, Any]]:
        return self._all(select(*_ATTACHMENT_COLUMNS).where(case_attachments.c.case_id == case_id)
                         .order_by(case_attachments.c.id))

    def attachment(self, attachment_id: int) -> dict[str, Any] | None:
        return self._one(select(*_ATTACHMENT_COLUMNS).where(case_attachments.c.id == attachment_id))

    def case_for_document(self, kind: str, number: str) -> int | None:
        d = case_documents.c
        found = self._one(select(d.case_id).where(d.kind == kind, d.number == number))
        return None if found is None else int(found["case_id"])

    def payments(self, case_id: int) -> builtins.list[dict[str, Any]]:
        p = payments.c
        return self._all(select(p.id, p.method, p.reference, p.amount_yuan, p.late_fee_yuan, p.paid_on,
                                p.recorded_at, p.recorded_by).where(p.case_id == case_id).order_by(p.id))

    def transfer(self, case_id: int) -> dict[str, Any] | None:
        return self._one(select(*_TRANSFER_COLUMNS).where(transfers.c.case_id == case_id))

    def transfers(self, state: str | None = None, long_triangle: bool | None = None,
                  limit: int = 100) -> builtins.list[dict[str, Any]]:
        return self._all(transfer_list_query(state, long_triangle).limit(limit))

    def day_counts(self, start: date, end: date, county: str | None) -> builtins.list[tuple[str, str, int]]:
        """(state, plate head, cases) of the cases opened on the local days start–end (at ``county``'s
        stations), from the day counts (adapters/db/case_days.py)."""
        d = case_days_table.c
        query = (select(d.state, d.plate_head, func.sum(d.cases)).where(d.day >= start, d.day <= end)
                 .group_by(d.state, d.plate_head))
        if county is not None:
            query = query.where(d.station_id.in_(select(stations.c.station_id)
                                                 .where(stations.c.county_code == county)))
        with self._db.reader.connect() as conn:
            return [(s, h, int(n)) for s, h, n in conn.execute(query) if n]
