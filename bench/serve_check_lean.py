"""``zhichao serve`` with the partner check's two reads done the lean way, to measure a proposed change (bench only).

``bench/check_api.py --servers serve lean`` runs the same load against this launcher and against ``zhichao serve``.
Production code is untouched: this launcher replaces two methods before serving.

- ``SqlUserRepository.by_token_hash``: a user found by token is remembered for ``TOKEN_TTL_S`` seconds, so a
  partner's calls stop reading ``users`` every time (a deactivated token keeps working for at most that long).
- ``SqlPlateChecks.get``: one driver-level statement on a connection each thread keeps: no pool checkout, no
  pre-ping, no BEGIN and ROLLBACK around a single SELECT (SQLite: an autocommit read, which in WAL mode is its
  own snapshot; PostgreSQL: autocommit and a prepared statement). The row comes back in the shape the service
  reads.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import threading
import time
from datetime import date
from typing import Any

from sqlalchemy.engine import make_url

from zhichao import cli
from zhichao.adapters.db.repositories import SqlUserRepository
from zhichao.adapters.db.sanctions import SqlPlateChecks
from zhichao.services.ports import User

TOKEN_TTL_S = 5.0
ROW_SQL = "SELECT unresolved_cases, worst_open_rate_x100, listed_until, entries FROM plate_checks WHERE plate = {p}"

_by_token_hash = SqlUserRepository.by_token_hash
_users: dict[str, tuple[float, User]] = {}
_local = threading.local()


def by_token_hash(self: SqlUserRepository, token_hash: str) -> User | None:
    hit = _users.get(token_hash)
    now = time.monotonic()
    if hit is not None and now - hit[0] < TOKEN_TTL_S:
        return hit[1]
    user = _by_token_hash(self, token_hash)
    if user is not None:  # unknown tokens are not remembered: the cache cannot be flooded
        _users[token_hash] = (now, user)
    return user


def _connection(self: SqlPlateChecks) -> Any:
    conn = getattr(_local, "conn", None)
    if conn is None:
        url = make_url(self._db.reader.url)
        if url.get_backend_name() == "sqlite":
            conn = sqlite3.connect(url.database or "", isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout=10000")
        else:
            import psycopg

            plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
            conn = psycopg.connect(plain, autocommit=True)
        _local.conn = conn
    return conn


def get(self: SqlPlateChecks, plate: str) -> dict[str, Any] | None:
    conn = _connection(self)
    if isinstance(conn, sqlite3.Connection):
        row = conn.execute(ROW_SQL.format(p="?"), (plate,)).fetchone()
        if row is None:
            return None
        until = date.fromisoformat(row[2]) if row[2] else None
        return {"unresolved_cases": row[0], "worst_open_rate_x100": row[1], "listed_until": until,
                "entries": json.loads(row[3])}
    row = conn.execute(ROW_SQL.format(p="%s"), (plate,), prepare=True).fetchone()
    if row is None:
        return None
    return {"unresolved_cases": row[0], "worst_open_rate_x100": row[1], "listed_until": row[2], "entries": row[3]}


if __name__ == "__main__":
    SqlUserRepository.by_token_hash = by_token_hash  # type: ignore[method-assign]
    SqlPlateChecks.get = get  # type: ignore[method-assign]
    sys.exit(cli.main(["serve", *sys.argv[1:]]))
