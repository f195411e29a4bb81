"""The database reads behind the scrape-time gauges: one cheap query each, on indexed columns."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from zhichao.adapters.db.engine import Database
from zhichao.adapters.db.tables import outbox, records, review_items
from zhichao.domain.outbox import PENDING
from zhichao.domain.review import OPEN_STATES


class SqlBacklog:
    def __init__(self, db: Database) -> None:
        self._db = db

    def review_queue_depth(self) -> int:
        """Review items waiting for a first or second reviewer (ix_review_items_state_captured_at)."""
        query = select(func.count()).select_from(review_items).where(review_items.c.state.in_(sorted(OPEN_STATES)))
        with self._db.reader.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def outbox_backlog(self) -> int:
        """Notices not yet sent nor given up (ix_outbox_state_next_attempt_at)."""
        query = select(func.count()).select_from(outbox).where(outbox.c.state == PENDING)
        with self._db.reader.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def newest_record(self) -> tuple[int, datetime] | None:
        """The id and arrival time of the newest committed record (the primary key's last entry)."""
        query = select(records.c.id, records.c.received_at).order_by(records.c.id.desc()).limit(1)
        with self._db.reader.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        at: datetime = row[1]
        return int(row[0]), at if at.tzinfo else at.replace(tzinfo=UTC)
