"""PostgreSQL: ``records`` partitioned by UTC month of ``captured_at`` (docs/postgresql.md).

Each month is a table ``records_YYYY_MM``; ``records_default`` takes what no month holds (a record
captured long ago, or a month the scheduled task has not created yet), so no record is ever refused for
want of a partition. ``ensure`` creates months ahead of time and moves any rows the default partition
holds for a month into that month's new table. It never locks the parent against writers: the month is
built as a plain table and attached (``ATTACH PARTITION`` takes a SHARE UPDATE EXCLUSIVE lock), and
only the default partition is locked while its rows move.

SQLite keeps one ``records`` table: every function here does nothing there.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, text

PARENT = "records"
DEFAULT = "records_default"
_MONTH_NAME = re.compile(r"^records_(\d{4})_(\d{2})$")


@dataclass(frozen=True, slots=True)
class Partition:
    name: str
    month: date | None  # None: the default partition
    rows_estimate: int


def first_of_month(day: date) -> date:
    return date(day.year, day.month, 1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """The first days of the months from ``first``'s to ``last``'s, both included."""
    months, month = [], first_of_month(first)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def partition_name(month: date) -> str:
    return f"{PARENT}_{month:%Y_%m}"


def _bounds(month: date) -> tuple[datetime, datetime]:
    start = datetime(month.year, month.month, 1, tzinfo=UTC)
    end_month = add_months(month, 1)
    return start, datetime(end_month.year, end_month.month, 1, tzinfo=UTC)


def is_partitioned(conn: Connection) -> bool:
    if conn.dialect.name != "postgresql":
        return False
    kind = conn.execute(text("SELECT relkind FROM pg_class WHERE oid = to_regclass(:t)"), {"t": PARENT}).scalar()
    return kind == "p"


def partitions(conn: Connection) -> list[Partition]:
    """The month partitions in order, then the default one, with the planner's row estimates."""
    if not is_partitioned(conn):
        return []
    found = conn.execute(text(
        "SELECT c.relname, greatest(c.reltuples, 0)::bigint FROM pg_inherits i "
        "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(:t)"), {"t": PARENT}).all()
    months, default = [], []
    for name, rows in found:
        m = _MONTH_NAME.match(name)
        if m:
            months.append(Partition(name, date(int(m[1]), int(m[2]), 1), int(rows)))
        else:
            default.append(Partition(name, None, int(rows)))
    return sorted(months, key=lambda p: p.name) + default


def _months_in_default(conn: Connection) -> list[date]:
    rows = conn.execute(text(
        f"SELECT DISTINCT date_trunc('month', captured_at AT TIME ZONE 'UTC')::date FROM {DEFAULT}")).scalars()
    return sorted(rows)


def create_month(conn: Connection, month: date) -> None:
    """Create ``month``'s partition, moving into it whatever the default partition holds for it."""
    name, (start, end) = partition_name(month), _bounds(month)
    window = {"start": start, "end": end}
    conn.execute(text(f"CREATE TABLE {name} (LIKE {PARENT} INCLUDING DEFAULTS)"))
    conn.execute(text(f"LOCK TABLE {DEFAULT} IN SHARE ROW EXCLUSIVE MODE"))
    conn.execute(text(f"INSERT INTO {name} SELECT * FROM {DEFAULT} "
                      "WHERE captured_at >= :start AND captured_at < :end"), window)
    conn.execute(text(f"DELETE FROM {DEFAULT} WHERE captured_at >= :start AND captured_at < :end"), window)
    # a CHECK that matches the bounds spares ATTACH its validating scan of the new table
    conn.execute(text(f"ALTER TABLE {name} ADD CONSTRAINT {name}_bounds "
                      f"CHECK (captured_at >= '{start.isoformat()}' AND captured_at < '{end.isoformat()}')"))
    conn.execute(text(f"ALTER TABLE {PARENT} ATTACH PARTITION {name} "
                      f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"))
    conn.execute(text(f"ALTER TABLE {name} DROP CONSTRAINT {name}_bounds"))


def ensure(conn: Connection, today: date, months_ahead: int, also: Iterable[date] = ()) -> list[str]:
    """Create the partitions of this month and the next ``months_ahead``, of every month the default
    partition holds rows for, and of ``also``; return the names created. Idempotent."""
    if not is_partitioned(conn):
        return []
    # one process at a time (every serving process runs the job); the next finds the months made
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('zhichao.records.partitions'))"))
    have = {p.month for p in partitions(conn) if p.month is not None}
    this_month = first_of_month(today)
    wanted = {add_months(this_month, n) for n in range(months_ahead + 1)}
    wanted |= {first_of_month(m) for m in also} | set(_months_in_default(conn))
    created = []
    for month in sorted(wanted - have):
        create_month(conn, month)
        created.append(partition_name(month))
    return created


def differs_on_purpose(dialect: str) -> Callable[[Any, str | None, str, bool, Any], bool]:
    """Alembic's ``include_object`` for comparing a migrated database with ``tables.py``: leaves out what
    differs from it on purpose (the month partitions and ``records``' wider unique key on PostgreSQL,
    ``record_keys`` on SQLite)."""

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        if dialect == "postgresql":
            table = getattr(obj, "table", obj)
            if type_ in {"table", "index"} and (table.name == DEFAULT or _MONTH_NAME.match(table.name)):
                return False
            return not (type_ == "unique_constraint" and table.name == PARENT)
        return not (type_ == "table" and name == "record_keys")

    return include
