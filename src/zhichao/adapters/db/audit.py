"""SQL for the audit log: appending a chained entry inside the caller's transaction, and reading it back.

An entry is written by the transaction that does the action it records, so both commit or neither
does (never "act, then log"). Two transactions must never chain off the same previous entry:

- SQLite: the writer's transactions start with ``BEGIN IMMEDIATE`` (engine.py), so only one writer
  runs at a time and the last entry it reads stays the last until it commits.
- PostgreSQL: under READ COMMITTED two transactions could both read seq n and both write n + 1, so
  ``append`` first takes a transaction-level advisory lock (``pg_advisory_xact_lock(AUDIT_LOCK_KEY)``,
  released at commit or rollback). Appends queue on it; the last entry is read after the lock is held,
  so it includes the previous holder's commit. The primary key on ``seq`` would refuse a fork anyway.

The lock makes audited writes take turns for the short rest of their transaction: append last.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, text

from zhichao.adapters.db.engine import Database
from zhichao.adapters.db.tables import audit_log
from zhichao.domain.audit import GENESIS, AuditEntry, entry_hash

AUDIT_LOCK_KEY = 0x5A48_4155_4449_5400  # "ZHAUDIT\0": any constant no other advisory lock uses


def append(conn: Connection, *, at: datetime, actor: str, origin: str, action: str, subject: str,
           details: Mapping[str, Any]) -> AuditEntry:
    """Add the next entry, chained to the last one, in ``conn``'s (write) transaction."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})
    last_seq = conn.execute(select(func.max(audit_log.c.seq))).scalar()
    prev_hash = GENESIS
    if last_seq is not None:
        prev_hash = conn.execute(select(audit_log.c.hash).where(audit_log.c.seq == last_seq)).scalar_one()
    seq = (last_seq or 0) + 1
    details = dict(details)
    digest = entry_hash(prev_hash, seq, at, actor, origin, action, subject, details)
    entry = AuditEntry(seq, at, actor, origin, action, subject, details, prev_hash, digest)
    conn.execute(insert(audit_log).values(seq=seq, at=at, actor=actor, origin=origin, action=action,
                                          subject=subject, details=details, prev_hash=prev_hash, hash=digest))
    return entry


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(row.seq, row.at, row.actor, row.origin, row.action, row.subject, row.details,
                      row.prev_hash, row.hash)


class SqlAuditLog:
    def __init__(self, db: Database) -> None:
        self._db = db

    def entries(self, after_seq: int = 0, batch: int = 1000) -> Iterator[AuditEntry]:
        """Every entry after ``after_seq`` in seq order, ``batch`` rows per query (constant memory)."""
        while True:
            query = select(audit_log).where(audit_log.c.seq > after_seq).order_by(audit_log.c.seq).limit(batch)
            with self._db.reader.connect() as conn:
                rows = [_entry(r) for r in conn.execute(query)]
            yield from rows
            if len(rows) < batch:
                return
            after_seq = rows[-1].seq

    def record(self, *, at: datetime, actor: str, origin: str, action: str, subject: str,
               details: Mapping[str, Any]) -> None:
        """Append one entry in a transaction of its own (a read's entry: the read itself writes nothing)."""
        with self._db.writer.begin() as conn:
            append(conn, at=at, actor=actor, origin=origin, action=action, subject=subject, details=details)

    def for_subject(self, subject: str) -> list[AuditEntry]:
        query = select(audit_log).where(audit_log.c.subject == subject).order_by(audit_log.c.seq)
        with self._db.reader.connect() as conn:
            return [_entry(r) for r in conn.execute(query)]
