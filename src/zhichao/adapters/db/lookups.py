"""The per-batch look-ups of screening, at the driver level (they run inside every ingest batch that
has an actionable record, so SQLAlchemy's per-statement cost would show in the ingest benchmark).

SQLite keeps datetimes and dates as text (see ``types.UtcDateTime``) and JSON as text; PostgreSQL
returns them typed. These helpers hide the difference.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection

from zhichao.adapters.db.types import sqlite_text
from zhichao.domain.screening import OnsiteHandling, Permit


class Twin(NamedTuple):
    """A stored passage of the same plate near a record, as the double-capture rule needs it."""

    station_id: str
    record_id: str
    lane: int
    captured_at: datetime
    plate: str


def _cursor(conn: Connection) -> Any:
    return conn.connection.driver_connection.cursor()  # type: ignore[union-attr]


def _sqlite(conn: Connection) -> bool:
    return conn.dialect.name == "sqlite"


def _marks(conn: Connection, n: int) -> str:
    return ", ".join(["?" if _sqlite(conn) else "%s"] * n)


def _sql(conn: Connection, text: str) -> str:
    return text.replace("%s", "?") if _sqlite(conn) else text


def _when(conn: Connection, value: datetime) -> Any:
    return sqlite_text(value) if _sqlite(conn) else value


def _datetime(value: Any) -> datetime:
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value.astimezone(UTC)  # type: ignore[no-any-return]


def _date(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def twins(conn: Connection, station_id: str, plates: Sequence[str], start: datetime, end: datetime) -> list[Twin]:
    sql = _sql(conn, "SELECT station_id, record_id, lane, captured_at, plate FROM records "
                     f"WHERE plate IN ({_marks(conn, len(plates))}) AND station_id = %s "
                     "AND captured_at BETWEEN %s AND %s")
    cursor = _cursor(conn)
    cursor.execute(sql, [*plates, station_id, _when(conn, start), _when(conn, end)])
    return [Twin(s, r, lane, _datetime(at), p) for s, r, lane, at, p in cursor.fetchall()]


def permits_for(conn: Connection, plates: Sequence[str]) -> list[Permit]:
    sql = _sql(conn, "SELECT number, plate, valid_from, valid_to, roads, max_gross_kg FROM permits "
                     f"WHERE plate IN ({_marks(conn, len(plates))})")
    cursor = _cursor(conn)
    cursor.execute(sql, list(plates))
    return [Permit(n, p, _date(f), _date(t), tuple(json.loads(roads) if isinstance(roads, str) else roads), g)
            for n, p, f, t, roads, g in cursor.fetchall()]


def onsite_for(conn: Connection, plates: Sequence[str], start: datetime, end: datetime) -> list[OnsiteHandling]:
    sql = _sql(conn, "SELECT reference, plate, handled_at FROM onsite_handlings "
                     f"WHERE plate IN ({_marks(conn, len(plates))}) AND handled_at BETWEEN %s AND %s")
    cursor = _cursor(conn)
    cursor.execute(sql, [*plates, _when(conn, start), _when(conn, end)])
    return [OnsiteHandling(ref, plate, _datetime(at)) for ref, plate, at in cursor.fetchall()]


def queue_reviews(conn: Connection, rows: Sequence[tuple[Any, ...]], now: datetime) -> None:
    """Insert review items: (station_id, record_id, captured_at, plate, band, overload_rate_x100, gross_kg) each."""
    sql = _sql(conn, "INSERT INTO review_items (station_id, record_id, captured_at, plate, band, overload_rate_x100, "
                     "gross_kg, state, version, queued_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 0, %s)")
    from zhichao.domain.review import PENDING_FIRST

    at = _when(conn, now)
    _cursor(conn).executemany(sql, [(s, r, _when(conn, c), p, b, x, g, PENDING_FIRST, at)
                                    for s, r, c, p, b, x, g in rows])
