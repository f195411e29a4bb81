"""One process among many: a lock that at most one serving process holds at a time, for the work that must
run once (the live alert engine reads every record and would raise each alert once per process).

PostgreSQL: a session-level advisory lock on a connection of the pool kept for it. The server releases
it when that session ends, so a process that dies (or loses its connection in a database restart) hands the
work over. SQLite: an exclusive ``flock`` on a file beside the database, released by the kernel when the
process ends. A holder asks ``holds()`` from time to time: on PostgreSQL a dead connection means the lock
may be someone else's by now.
"""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path
from typing import Any

from sqlalchemy import text

from zhichao.adapters.db.engine import Database

log = logging.getLogger("zhichao.leader")


class Leadership:
    def __init__(self, db: Database, name: str, lock_dir: Path) -> None:
        self._db, self.name = db, name
        self._lock_path = lock_dir / f"{name}.lock"
        self._conn: Any = None  # PostgreSQL: the connection holding the lock
        self._fd: int | None = None  # SQLite: the locked file

    @property
    def held(self) -> bool:
        return self._conn is not None or self._fd is not None

    def acquire(self) -> bool:
        """Take the lock if nobody holds it; never waits. True while this process holds it."""
        if self.held:
            return True
        if self._db.dialect == "postgresql":
            return self._acquire_pg()
        return self._acquire_file()

    def _acquire_pg(self) -> bool:
        conn = self._db.writer.connect()
        try:
            got = conn.execute(text("SELECT pg_try_advisory_lock(hashtext(:n))"), {"n": f"zhichao.{self.name}"})
            if got.scalar():
                conn.commit()  # leave no transaction open on the lock's connection
                self._conn = conn
                return True
            conn.rollback()
        except Exception:
            conn.invalidate()
            conn.close()
            raise
        conn.close()
        return False

    def _acquire_file(self) -> bool:
        self._lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def holds(self) -> bool:
        """Whether the lock is still ours: on PostgreSQL, whether its session is alive. A lost lock is let go."""
        if self._conn is None:
            return self._fd is not None
        try:
            self._conn.execute(text("SELECT 1")).scalar()
            self._conn.commit()
            return True
        except Exception:  # noqa: BLE001 — the session is gone, and the lock with it
            log.warning("the %s lock's database session was lost", self.name)
            self.release()
            return False

    def release(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                conn.execute(text("SELECT pg_advisory_unlock(hashtext(:n))"), {"n": f"zhichao.{self.name}"})
                conn.commit()
            except Exception:  # noqa: BLE001 — a dead session has released it already
                conn.invalidate()
            conn.close()
        if self._fd is not None:
            fd, self._fd = self._fd, None
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
