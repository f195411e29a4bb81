"""The cases counted by station × local day opened × state × the plate's first two characters (``case_days``),
kept in the transaction that opens a case or moves it: KPI 3 and 4 sum these, never the cases themselves
(docs/kpis.md). Two characters are the province and the issuing authority (浙D), as far as "local" reaches."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, text

PLATE_HEAD_CHARS = 2
_UPSERT = text(
    "INSERT INTO case_days (station_id, day, state, plate_head, cases) VALUES (:s, :d, :st, :h, :n) "
    "ON CONFLICT (station_id, day, state, plate_head) DO UPDATE SET cases = case_days.cases + excluded.cases")
_REBUILD = text(
    "INSERT INTO case_days (station_id, day, state, plate_head, cases) "
    "SELECT station_id, opened_on, state, substr(plate, 1, 2), count(*) FROM cases "
    "GROUP BY station_id, opened_on, state, substr(plate, 1, 2)")


def count(conn: Connection, station_id: str, day: date, plate: str, changes: dict[str, int]) -> None:
    """Add ``changes`` (state → +1 / −1) to the case's day, in ``conn``'s transaction. A state that all its
    cases left keeps its row at 0 (deleting it would cost a statement per move and change no sum)."""
    rows: list[dict[str, Any]] = [{"s": station_id, "d": day, "st": state, "h": plate[:PLATE_HEAD_CHARS], "n": n}
                                  for state, n in sorted(changes.items()) if n]
    if rows:
        conn.execute(_UPSERT, rows)


def rebuild(conn: Connection) -> None:
    """Count every case again (after a bulk load that bypassed the case actions)."""
    conn.execute(text("DELETE FROM case_days"))
    conn.execute(_REBUILD)
