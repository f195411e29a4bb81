"""The lock that keeps the alert engine in one serving process: one holder at a time, handed over when the
holder lets go or (on PostgreSQL) when its session dies."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from zhichao.adapters.db.leader import Leadership
from zhichao.bootstrap import Container


def test_one_holder_at_a_time_and_the_next_one_takes_over(container: Container) -> None:
    c = container
    first, second = (Leadership(c.db, "test-lock", c.settings.data_dir) for _ in range(2))
    try:
        assert first.acquire() and first.holds()
        assert first.acquire()  # asking again while holding changes nothing
        assert not second.acquire() and not second.holds()
        first.release()
        assert not first.holds()
        assert second.acquire() and second.holds()
        assert not first.acquire()
    finally:
        first.release()
        second.release()


def test_a_holder_whose_session_dies_lets_go_and_another_takes_the_lock(container: Container) -> None:
    c = container
    if c.db.dialect != "postgresql":
        pytest.skip("on SQLite the kernel drops the lock with its process")
    first, second = (Leadership(c.db, "test-lock", c.settings.data_dir) for _ in range(2))
    try:
        assert first.acquire()
        with c.db.writer.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(pid) FROM pg_locks "
                               "WHERE locktype = 'advisory' AND pid <> pg_backend_pid() "
                               "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"))
            admin.commit()
        assert not first.holds()  # noticed, and let go
        assert second.acquire()
    finally:
        first.release()
        second.release()


def test_the_quality_sweep_runs_only_where_the_alert_lock_is_held(container: Container) -> None:
    from zhichao.background import sweep_quality_if_leading

    c = container
    other = Leadership(c.db, "alert-engine", c.settings.data_dir)
    try:
        assert other.acquire()  # another serving process holds it
        assert not c.alert_leader.acquire()
        assert sweep_quality_if_leading(c) is None
        other.release()
        assert c.alert_leader.acquire()
        assert sweep_quality_if_leading(c) is not None
    finally:
        other.release()
        c.alert_leader.release()
