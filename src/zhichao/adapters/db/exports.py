"""SQL for the console's exports (导出): each list's rows streamed from the database, and the export's
audit entry.

Every list is read through the query its page uses (``latest_query``, ``case_list_query``, …), without the
page's limit, so an export holds the rows its page would list and no others. Rows are streamed:

- PostgreSQL: ``stream_results`` makes psycopg open a named (server-side) cursor, and ``yield_per`` fetches
  ``YIELD_PER`` rows at a time from it, so the server never sends more than that ahead of the reader.
- SQLite: the driver steps the statement as rows are fetched; ``yield_per`` fetches them ``YIELD_PER`` at a
  time. The read runs in one deferred transaction on the reader engine, which in WAL mode never blocks the
  writer (a long export only holds back checkpoints until it ends).

The connection stays open while the caller iterates and is given back when the iterator ends or is closed
(a client that goes away mid-download closes it).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, cast

from sqlalchemy import select

from zhichao.adapters.db import audit
from zhichao.adapters.db.cases import case_list_query, transfer_list_query
from zhichao.adapters.db.engine import Database
from zhichao.adapters.db.inspections import inspection_list_query
from zhichao.adapters.db.repositories import latest_query
from zhichao.adapters.db.tables import records
from zhichao.services.ports import CaseQuery

YIELD_PER = 2000
r = records.c
_RECORD_COLUMNS = (r.id, r.station_id, r.record_id, r.lane, r.captured_at, r.plate, r.plate_color, r.speed_kmh,
                   r.axle_count, r.gross_weight_kg, r.axle_groups, r.vehicle_type, r.size_violations, r.rule_set,
                   r.limit_kg, r.limit_basis, r.overload_kg, r.overload_rate_x100, r.overloaded, r.actionable,
                   r.fine_yuan, r.warning_only)


class SqlExportReader:
    def __init__(self, db: Database, yield_per: int = YIELD_PER) -> None:
        self._db = db
        self._yield_per = yield_per

    def _stream(self, query: Any) -> Iterator[Mapping[str, Any]]:
        with self._db.reader.connect() as conn:
            streaming = conn.execution_options(stream_results=True, yield_per=self._yield_per)
            for row in streaming.execute(query):
                yield cast("Mapping[str, Any]", row._mapping)  # keys are column names here

    def records(self, since: datetime | None, until: datetime | None, overloaded: bool | None,
                station_id: str | None) -> Iterator[Mapping[str, Any]]:
        return self._stream(latest_query(select(*_RECORD_COLUMNS), overloaded, station_id, since, until))

    def cases(self, query: CaseQuery) -> Iterator[Mapping[str, Any]]:
        return self._stream(case_list_query(query))

    def inspections(self, start: datetime, end: datetime, county: str | None,
                    channel: str | None) -> Iterator[Mapping[str, Any]]:
        return self._stream(inspection_list_query(start, end, county, channel))

    def transfers(self, state: str | None, long_triangle: bool | None) -> Iterator[Mapping[str, Any]]:
        return self._stream(transfer_list_query(state, long_triangle))

    def log(self, *, at: datetime, actor: str, origin: str, action: str, subject: str,
            details: Mapping[str, Any]) -> None:
        """Append the export's audit entry in a transaction of its own, committed before the first row is read."""
        with self._db.writer.begin() as conn:
            audit.append(conn, at=at, actor=actor, origin=origin, action=action, subject=subject, details=details)
