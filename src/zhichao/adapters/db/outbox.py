"""SQL for the notice outbox (``outbox``; domain/outbox.py has its states).

``enqueue`` runs inside the caller's transaction (a case move and its notice commit together, or
neither does) and is idempotent on ``dedupe_key``: ``INSERT … ON CONFLICT (dedupe_key) DO NOTHING``,
which SQLite and PostgreSQL both speak, so a second enqueue neither fails nor aborts the caller's
transaction.

Claiming is a conditional UPDATE per row, as for ``plate_readings``: of two workers that picked the same
candidate, the one whose UPDATE runs second finds the row no longer claimable (PostgreSQL re-checks the
WHERE clause on the row the first one committed; SQLite writers are serialised by ``BEGIN IMMEDIATE``)
and skips it. Every later write names the claim (``claimed_by`` and ``claimed_at``) and changes nothing
once the claim was lost.
"""

from __future__ import annotations

import builtins
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from zhichao.adapters.db.engine import Database
from zhichao.adapters.db.tables import outbox
from zhichao.domain.outbox import DEAD, NOT_CONFIGURED, PENDING, SENT, Claim, Message, validate_notice

ob = outbox.c
_KEY = ["dedupe_key"]
LOST_CLAIM_ERROR = "最后一次发送未完成（工作进程可能已停止，消息可能已送达），已达最大尝试次数"


def enqueue(conn: Connection, *, channel: str, recipient: str, subject: str, body: str, dedupe_key: str,
            now: datetime, payload: Mapping[str, Any] | None = None, case_id: int | None = None) -> bool:
    """Queue a notice in ``conn``'s transaction, due at once; True if a row was inserted, False if one with
    this ``dedupe_key`` exists (the first one wins, whatever this one says). ``payload`` must be JSON-able.
    ``InvalidNotice`` (nothing written) for an unknown channel, a malformed recipient, key or subject, or an
    empty body."""
    stored = validate_notice(channel, recipient, subject, body, dedupe_key)
    values = {"channel": channel, "recipient": stored, "subject": subject, "body": body,
              "payload": dict(payload) if payload is not None else None, "case_id": case_id,
              "dedupe_key": dedupe_key, "state": PENDING, "attempts": 0, "created_at": now, "next_attempt_at": now}
    if conn.dialect.name == "postgresql":
        statement: Any = postgresql.insert(outbox).values(**values).on_conflict_do_nothing(index_elements=_KEY)
    else:
        statement = sqlite.insert(outbox).values(**values).on_conflict_do_nothing(index_elements=_KEY)
    # RETURNING, not rowcount: the drivers do not all report a row count for an INSERT that did nothing
    return conn.execute(statement.returning(ob.id)).first() is not None


def _message(row: Any) -> Message:
    return Message(row.id, row.channel, row.recipient, row.subject, row.body, row.dedupe_key, row.payload,
                   row.case_id)


def _claimable(now: datetime, stale_before: datetime, channels: Collection[str], max_attempts: int) -> Any:
    """Due, pending, of a configured channel, and unclaimed or claimed before the lease began (a stale
    claim only if attempts remain; ``claim`` makes the others dead)."""
    stale = and_(ob.claimed_at < stale_before, ob.attempts < max_attempts)
    return and_(ob.state == PENDING, ob.next_attempt_at <= now, ob.channel.in_(sorted(channels)),
                or_(ob.claimed_at.is_(None), stale))


def _held(claim: Claim) -> Any:
    return and_(ob.id == claim.message.id, ob.state == PENDING, ob.claimed_by == claim.token,
                ob.claimed_at == claim.claimed_at)


class SqlOutboxRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def enqueue(self, **notice: Any) -> bool:
        """``enqueue`` in a transaction of its own (for callers that have none, e.g. the CLI and tests)."""
        with self._db.writer.begin() as conn:
            return enqueue(conn, **notice)

    def claim(self, limit: int, now: datetime, token: str, stale_before: datetime, channels: Collection[str],
              max_attempts: int) -> list[Claim]:
        """Claim up to ``limit`` due notices, the longest-waiting first. A stale claim on the last attempt
        (its worker died while sending it ``max_attempts`` times) becomes dead instead."""
        if not channels or limit <= 0:
            return []
        with self._db.writer.begin() as conn:
            conn.execute(update(outbox)
                         .where(ob.state == PENDING, ob.claimed_at < stale_before, ob.attempts >= max_attempts)
                         .values(state=DEAD, last_error=LOST_CLAIM_ERROR))
            claimable = _claimable(now, stale_before, channels, max_attempts)
            ids = conn.execute(select(ob.id).where(claimable).order_by(ob.next_attempt_at, ob.id).limit(limit))
            claims = (self._claim_one(conn, i, now, token, claimable) for i in ids.scalars().all())
            return [c for c in claims if c is not None]

    @staticmethod
    def _claim_one(conn: Connection, id_: int, now: datetime, token: str, claimable: Any) -> Claim | None:
        statement = (update(outbox).where(ob.id == id_, claimable)
                     .values(claimed_at=now, claimed_by=token, attempts=ob.attempts + 1)
                     .returning(*outbox.c))
        row = conn.execute(statement).first()
        return None if row is None else Claim(_message(row), token, now, row.attempts)

    def mark_sent(self, claim: Claim, now: datetime, delivery_ref: str) -> bool:
        """Record the delivery; False (nothing changed) if the claim was lost meanwhile."""
        values = {"state": SENT, "sent_at": now, "delivery_ref": delivery_ref[:128], "last_error": None}
        with self._db.writer.begin() as conn:
            return conn.execute(update(outbox).where(_held(claim)).values(**values)).rowcount == 1

    def mark_failed(self, claim: Claim, error: str, state: str, next_attempt_at: datetime | None) -> bool:
        """Record a failed send: back to pending and released, due at ``next_attempt_at``, or ``dead``.
        False (nothing changed) if the claim was lost meanwhile."""
        values: dict[str, Any] = {"state": state, "last_error": error}
        if state == PENDING:
            values.update(claimed_at=None, claimed_by=None, next_attempt_at=next_attempt_at)
        with self._db.writer.begin() as conn:
            return conn.execute(update(outbox).where(_held(claim)).values(**values)).rowcount == 1

    def release(self, claim: Claim) -> bool:
        """Give a claimed notice back unsent, its attempt not counted; False if the claim was lost meanwhile."""
        values = {"claimed_at": None, "claimed_by": None, "attempts": ob.attempts - 1}
        with self._db.writer.begin() as conn:
            return conn.execute(update(outbox).where(_held(claim)).values(**values)).rowcount == 1

    def mark_unconfigured(self, channels: Collection[str]) -> int:
        """Note ``通道未配置`` on the waiting notices of ``channels``; the number newly noted."""
        if not channels:
            return 0
        statement = (update(outbox)
                     .where(ob.state == PENDING, ob.channel.in_(sorted(channels)), ob.claimed_at.is_(None),
                            or_(ob.last_error.is_(None), ob.last_error != NOT_CONFIGURED))
                     .values(last_error=NOT_CONFIGURED))
        with self._db.writer.begin() as conn:
            return conn.execute(statement).rowcount

    def get(self, id_: int) -> dict[str, Any] | None:
        with self._db.reader.connect() as conn:
            row = conn.execute(select(outbox).where(ob.id == id_)).first()
        return None if row is None else dict(row._mapping)

    def by_key(self, dedupe_key: str) -> dict[str, Any] | None:
        with self._db.reader.connect() as conn:
            row = conn.execute(select(outbox).where(ob.dedupe_key == dedupe_key)).first()
        return None if row is None else dict(row._mapping)

    def for_case(self, case_id: int) -> builtins.list[dict[str, Any]]:
        """A case's notices, oldest first."""
        with self._db.reader.connect() as conn:
            rows = conn.execute(select(outbox).where(ob.case_id == case_id).order_by(ob.created_at, ob.id))
            return [dict(r._mapping) for r in rows]

    def list(self, state: str | None = None, channel: str | None = None,
             limit: int = 100) -> builtins.list[dict[str, Any]]:
        """Notices, newest first."""
        query = select(outbox).order_by(ob.created_at.desc(), ob.id.desc()).limit(limit)
        if state:
            query = query.where(ob.state == state)
        if channel:
            query = query.where(ob.channel == channel)
        with self._db.reader.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def counts(self) -> dict[str, int]:
        """Notices per state (states with none are absent)."""
        with self._db.reader.connect() as conn:
            rows = conn.execute(select(ob.state, func.count()).group_by(ob.state)).all()
        return {state: count for state, count in rows}
