"""SQL for joint punishment: the penalised cases the sanction rules read, proposals and leaders' decisions,
the published list, a party's cases and sanctions, and the partner check's row and call log."""

from __future__ import annotations

import builtins
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, or_, select, update

from zhichao.adapters.db import audit, plate_checks
from zhichao.adapters.db.engine import Database
from zhichao.adapters.db.tables import (
    case_links,
    cases,
    enterprises,
    partner_calls,
    records,
    sanctions,
    stations,
)
from zhichao.adapters.db.tables import plate_checks as plate_checks_table
from zhichao.domain.cases import PENALISED_STATES
from zhichao.domain.sanctions import VEHICLE, Offence

_SANCTION_COLUMNS = tuple(sanctions.c)


class SqlSanctionTransaction:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def sanction(self, sanction_id: int) -> dict[str, Any] | None:
        row = self._conn.execute(select(*_SANCTION_COLUMNS).where(sanctions.c.id == sanction_id)).first()
        return None if row is None else dict(row._mapping)

    def decide(self, sanction_id: int, from_state: str, values: Mapping[str, Any]) -> bool:
        """Conditional update: True only if the sanction was still in ``from_state``. A decision on a
        vehicle rewrites the plate's check row in the same transaction."""
        statement = (update(sanctions).where(sanctions.c.id == sanction_id, sanctions.c.state == from_state)
                     .values(**values))
        if self._conn.execute(statement).rowcount != 1:
            return False
        row = self._conn.execute(select(sanctions.c.party_kind, sanctions.c.party_key)
                                 .where(sanctions.c.id == sanction_id)).one()
        if row.party_kind == VEHICLE:
            plate_checks.refresh(self._conn, row.party_key)
        return True

    def audit(self, *, at: datetime, actor: str, origin: str, action: str, subject: str,
              details: Mapping[str, Any]) -> None:
        audit.append(self._conn, at=at, actor=actor, origin=origin, action=action, subject=subject, details=details)


class SqlSanctionRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    @contextmanager
    def transaction(self) -> Iterator[SqlSanctionTransaction]:
        with self._db.writer.begin() as conn:
            yield SqlSanctionTransaction(conn)

    def _all(self, query: Any) -> builtins.list[dict[str, Any]]:
        with self._db.reader.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def offences(self, since: date, until: date) -> builtins.list[Offence]:
        """Every party of every penalised case whose act falls in [since, until]."""
        query = (select(case_links.c.case_id, case_links.c.kind, case_links.c.key, case_links.c.plate,
                        case_links.c.act_on)
                 .join(cases, cases.c.id == case_links.c.case_id)
                 .where(case_links.c.act_on >= since, case_links.c.act_on <= until,
                        cases.c.state.in_(sorted(PENALISED_STATES))))
        with self._db.reader.connect() as conn:
            return [Offence(r.case_id, r.kind, r.key, r.plate, r.act_on) for r in conn.execute(query)]

    def fleets(self) -> dict[str, int]:
        query = select(enterprises.c.credit_code, enterprises.c.fleet_size).where(enterprises.c.fleet_size > 0)
        with self._db.reader.connect() as conn:
            return {code: int(size) for code, size in conn.execute(query)}

    def of_parties(self, keys: Sequence[tuple[str, str]]) -> builtins.list[dict[str, Any]]:
        """The sanctions (any state) of these (kind, key) parties."""
        if not keys:
            return []
        wanted = set(keys)
        kinds = sorted({k for k, _ in keys})
        found = self._all(select(*_SANCTION_COLUMNS).where(sanctions.c.party_kind.in_(kinds),
                                                           sanctions.c.party_key.in_(sorted({k for _, k in keys}))))
        return [s for s in found if (s["party_kind"], s["party_key"]) in wanted]

    def add(self, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        with self._db.writer.begin() as conn:
            conn.execute(insert(sanctions), list(rows))

    def sanction(self, sanction_id: int) -> dict[str, Any] | None:
        found = self._all(select(*_SANCTION_COLUMNS).where(sanctions.c.id == sanction_id))
        return found[0] if found else None

    def list(self, *, state: str | None = None, kind: str | None = None, listed_on: date | None = None,
             limit: int = 200) -> builtins.list[dict[str, Any]]:
        """Sanctions, newest first; ``listed_on`` keeps the confirmed ones published on that day."""
        query = select(*_SANCTION_COLUMNS).order_by(sanctions.c.id.desc()).limit(limit)
        if state:
            query = query.where(sanctions.c.state == state)
        if kind:
            query = query.where(sanctions.c.party_kind == kind)
        if listed_on is not None:
            query = query.where(sanctions.c.state == "confirmed", sanctions.c.confirmed_on <= listed_on,
                                sanctions.c.listed_until >= listed_on)
        return self._all(query)

    def party_cases(self, kind: str, key: str, limit: int = 200) -> builtins.list[dict[str, Any]]:
        """The cases linked to a party, newest act first, with station name and overload rate."""
        query = (select(cases.c.id, cases.c.plate, cases.c.station_id, cases.c.record_id, cases.c.captured_at,
                        cases.c.state, cases.c.fine_yuan, case_links.c.act_on, stations.c.name.label("station_name"),
                        records.c.overload_rate_x100)
                 .join(case_links, case_links.c.case_id == cases.c.id)
                 .outerjoin(stations, stations.c.station_id == cases.c.station_id)
                 .outerjoin(records, and_(records.c.station_id == cases.c.station_id,
                                          records.c.record_id == cases.c.record_id))
                 .where(case_links.c.kind == kind, case_links.c.key == key)
                 .order_by(case_links.c.act_on.desc(), cases.c.id.desc()).limit(limit))
        return self._all(query)

    def linked(self, case_id: int) -> dict[str, str]:
        """The case's links: ``{kind: key}``."""
        query = select(case_links.c.kind, case_links.c.key).where(case_links.c.case_id == case_id)
        with self._db.reader.connect() as conn:
            return {kind: key for kind, key in conn.execute(query)}

    def links_of(self, case_ids: Sequence[int]) -> builtins.list[tuple[int, str, str]]:
        """(case id, kind, key) of every link of these cases."""
        with self._db.reader.connect() as conn:
            return _links_of(conn, list(case_ids))

    def counts(self) -> dict[str, int]:
        query = select(sanctions.c.state, func.count()).group_by(sanctions.c.state)
        with self._db.reader.connect() as conn:
            return {state: int(n) for state, n in conn.execute(query)}

    def rebuild(self) -> int:
        with self._db.writer.begin() as conn:
            return plate_checks.rebuild(conn)

    def links_missing(self) -> bool:
        """Cases exist but no link does: a database upgraded from before links were kept."""
        with self._db.reader.connect() as conn:
            has_case = conn.execute(select(cases.c.id).limit(1)).first() is not None
            has_link = conn.execute(select(case_links.c.case_id).limit(1)).first() is not None
        return has_case and not has_link


class SqlPlateChecks:
    """The check API's reads (one primary-key row) and its call log (batched inserts)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._query = select(plate_checks_table.c.unresolved_cases, plate_checks_table.c.worst_open_rate_x100,
                             plate_checks_table.c.listed_until, plate_checks_table.c.entries)

    def get(self, plate: str) -> dict[str, Any] | None:
        with self._db.reader.connect() as conn:
            row = conn.execute(self._query.where(plate_checks_table.c.plate == plate)).first()
        return None if row is None else dict(row._mapping)

    def rows(self, today: date) -> builtins.list[dict[str, Any]]:
        """Every plate with unresolved cases or a listing in force on ``today`` (the compact table only)."""
        t = plate_checks_table.c
        query = (select(t.plate, t.unresolved_cases, t.entries)
                 .where(or_(t.unresolved_cases > 0, t.listed_until >= today)).order_by(t.plate))
        with self._db.reader.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def log_calls(self, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            with self._db.writer.begin() as conn:
                conn.execute(insert(partner_calls), list(rows))

    def calls(self, partner_id: int | None = None, limit: int = 200) -> builtins.list[dict[str, Any]]:
        query = select(partner_calls).order_by(partner_calls.c.id.desc()).limit(limit)
        if partner_id is not None:
            query = query.where(partner_calls.c.partner_id == partner_id)
        with self._db.reader.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]


def _links_of(conn: Connection, case_ids: Sequence[int]) -> builtins.list[tuple[int, str, str]]:
    out: builtins.list[tuple[int, str, str]] = []
    for start in range(0, len(case_ids), 500):
        query = (select(case_links.c.case_id, case_links.c.kind, case_links.c.key)
                 .where(case_links.c.case_id.in_(case_ids[start:start + 500])))
        out += [(r.case_id, r.kind, r.key) for r in conn.execute(query)]
    return out
