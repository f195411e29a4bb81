"""SQL for the plate cross-check's outbox (``plate_readings``) and the flags it raises.

Claiming is a conditional UPDATE per row: of two workers that picked the same candidate, the one whose
UPDATE runs second finds the row no longer claimable (PostgreSQL re-checks the WHERE clause on the row
the first one committed; SQLite writers are serialised by ``BEGIN IMMEDIATE``) and skips it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, or_, select, text, tuple_, update

from zhichao.adapters.db.engine import Database
from zhichao.adapters.db.ingest_store import upsert_flags
from zhichao.adapters.db.tables import evidence, plate_readings, record_flags, records, review_items
from zhichao.adapters.db.types import UtcDateTime
from zhichao.domain.plate_check import CLAIMED, DONE, FAILED, PENDING
from zhichao.domain.review import OPEN_STATES
from zhichao.services.ports import FlagRow, PlateClaim, PlateReading

# Only records in the review queue are read: they are the ones that may become evidence.
_ENQUEUE = text(
    "INSERT INTO plate_readings (station_id, record_id, state, attempts, queued_at) "
    "SELECT station_id, record_id, :pending, 0, :now FROM review_items "
    "WHERE station_id = :station_id AND record_id = :record_id AND state IN :open "
    "ON CONFLICT (station_id, record_id) DO NOTHING"
).bindparams(bindparam("now", type_=UtcDateTime), bindparam("open", expanding=True))

pr = plate_readings.c


def _key(station_id: str, record_id: str) -> Any:
    return and_(pr.station_id == station_id, pr.record_id == record_id)


def _claimable(now_stale: datetime, retry_before: datetime, max_attempts: int) -> Any:
    """Pending (a retry only once its delay has passed), or claimed so long ago that its worker is presumed dead."""
    waiting = and_(pr.state == PENDING, or_(pr.claimed_at.is_(None), pr.claimed_at < retry_before))
    stale = and_(pr.state == CLAIMED, pr.claimed_at < now_stale)
    return and_(or_(waiting, stale), pr.attempts < max_attempts)


class SqlPlateReadingRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def enqueue(self, station_id: str, record_id: str, now: datetime) -> bool:
        """Queue a reading of an open review item's plate photo; False if queued before or not in review."""
        params = {"pending": PENDING, "now": now, "station_id": station_id, "record_id": record_id,
                  "open": sorted(OPEN_STATES)}
        with self._db.writer.begin() as conn:
            return conn.execute(_ENQUEUE, params).rowcount == 1

    def unread_items(self, after: tuple[datetime, str, str] | None, limit: int) -> list[dict[str, Any]]:
        """Open review items with no reading row, by (captured_at, station_id, record_id) after ``after``."""
        ri = review_items.c
        order = (ri.captured_at, ri.station_id, ri.record_id)
        query = (select(ri.station_id, ri.record_id, ri.captured_at, records.c.images)
                 .join(records, and_(records.c.station_id == ri.station_id, records.c.record_id == ri.record_id))
                 .outerjoin(plate_readings, and_(pr.station_id == ri.station_id, pr.record_id == ri.record_id))
                 .where(ri.state.in_(sorted(OPEN_STATES)), pr.station_id.is_(None))
                 .order_by(*order).limit(limit))
        if after is not None:
            query = query.where(tuple_(*order) > after)
        with self._db.reader.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def present_evidence(self, hashes: Sequence[str]) -> set[str]:
        if not hashes:
            return set()
        with self._db.reader.connect() as conn:
            return set(conn.execute(select(evidence.c.sha256).where(evidence.c.sha256.in_(hashes))).scalars())

    def claim(self, limit: int, now: datetime, stale_before: datetime, retry_before: datetime,
              max_attempts: int) -> list[PlateClaim]:
        """Claim up to ``limit`` jobs, oldest first; a stale claim on its last attempt becomes failed."""
        claimable = _claimable(stale_before, retry_before, max_attempts)
        with self._db.writer.begin() as conn:
            conn.execute(update(plate_readings)
                         .where(pr.state == CLAIMED, pr.claimed_at < stale_before, pr.attempts >= max_attempts)
                         .values(state=FAILED, error="读取未在规定时间内完成（工作进程可能已停止），已达最大尝试次数"))
            keys = conn.execute(select(pr.station_id, pr.record_id).where(claimable)
                                .order_by(pr.queued_at, pr.station_id, pr.record_id).limit(limit)).all()
            return [c for c in (self._claim_one(conn, s, r, now, claimable) for s, r in keys) if c is not None]

    @staticmethod
    def _claim_one(conn: Connection, station_id: str, record_id: str, now: datetime,
                   claimable: Any) -> PlateClaim | None:
        statement = (update(plate_readings).where(_key(station_id, record_id), claimable)
                     .values(state=CLAIMED, claimed_at=now, attempts=pr.attempts + 1).returning(pr.attempts))
        attempts = conn.execute(statement).scalar_one_or_none()
        return None if attempts is None else PlateClaim(station_id, record_id, attempts, now)

    def subject(self, station_id: str, record_id: str) -> tuple[str, list[dict[str, Any]]] | None:
        """The record's plate as the station read it and the images it names."""
        query = select(records.c.plate, records.c.images).where(
            records.c.station_id == station_id, records.c.record_id == record_id)
        with self._db.reader.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else (row.plate, list(row.images or []))

    def finish(self, claim: PlateClaim, reading: PlateReading, flags: Sequence[FlagRow], clear: Sequence[str],
               now: datetime) -> bool:
        """Store the reading, clear the codes in ``clear`` and raise ``flags``, in one transaction; False
        (and nothing changed) if the claim was lost meanwhile."""
        values = {"state": DONE, "read_at": now, "text": reading.text, "raw_text": reading.raw_text,
                  "confidence": reading.confidence, "engine": reading.engine, "error": None}
        with self._db.writer.begin() as conn:
            if not self._still_held(conn, claim, values):
                return False
            if clear:
                rf = record_flags.c
                conn.execute(update(record_flags)
                             .where(rf.station_id == claim.station_id, rf.record_id == claim.record_id,
                                    rf.code.in_(clear), rf.cleared_at.is_(None)).values(cleared_at=now))
            upsert_flags(conn, flags, now)
        return True

    def fail(self, claim: PlateClaim, error: str, final: bool) -> bool:
        """Put the job back to pending (its retry waits from ``claimed_at``), or fail it for good."""
        with self._db.writer.begin() as conn:
            return self._still_held(conn, claim, {"state": FAILED if final else PENDING, "error": error})

    @staticmethod
    def _still_held(conn: Connection, claim: PlateClaim, values: dict[str, Any]) -> bool:
        statement = (update(plate_readings)
                     .where(_key(claim.station_id, claim.record_id), pr.state == CLAIMED,
                            pr.claimed_at == claim.claimed_at).values(**values))
        return conn.execute(statement).rowcount == 1

    def reading(self, station_id: str, record_id: str) -> dict[str, Any] | None:
        with self._db.reader.connect() as conn:
            row = conn.execute(select(plate_readings).where(_key(station_id, record_id))).first()
        return None if row is None else dict(row._mapping)
