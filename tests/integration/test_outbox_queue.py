"""Queueing a notice inside another transaction: it commits with it or not at all, once per dedupe_key."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from zhichao.adapters.db import outbox
from zhichao.adapters.db.engine import Database, open_database
from zhichao.adapters.db.outbox import SqlOutboxRepository
from zhichao.adapters.db.tables import outbox as outbox_table
from zhichao.adapters.db.tables import stations
from zhichao.config import Settings
from zhichao.domain.outbox import InvalidNotice

NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)


def notice(key: str = "case:1:send_notice:1:sms", **changes: Any) -> dict[str, Any]:
    return {"channel": "sms", "recipient": "13812345678", "subject": "浙D12345 超限案件",
            "body": "您的车辆浙D12345经检测超限，请于15日内接受处理。", "dedupe_key": key, "now": NOW,
            "payload": {"case_id": 1}, "case_id": 1, **changes}


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = open_database(settings)
    yield database
    database.dispose()


def rows(db: Database) -> int:
    with db.reader.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(outbox_table)).scalar_one())


def test_a_notice_queued_in_a_transaction_that_rolls_back_leaves_nothing(db: Database) -> None:
    with pytest.raises(RuntimeError), db.writer.begin() as conn:
        assert outbox.enqueue(conn, **notice())
        raise RuntimeError("the case move failed after the notice was queued")
    assert rows(db) == 0


def test_a_notice_commits_with_the_transaction_that_queued_it(db: Database) -> None:
    with db.writer.begin() as conn:
        conn.execute(insert(stations).values(station_id="S1", name="测试站", lanes=2, state="enabled",
                                             token_hash="x", created_at=NOW))
        assert outbox.enqueue(conn, **notice())
    row = SqlOutboxRepository(db).by_key("case:1:send_notice:1:sms")
    assert row is not None
    assert (row["state"], row["attempts"], row["next_attempt_at"]) == ("pending", 0, NOW)
    assert row["payload"] == {"case_id": 1}


def test_enqueueing_the_same_dedupe_key_twice_stores_one_row(db: Database) -> None:
    repo = SqlOutboxRepository(db)
    assert repo.enqueue(**notice())
    assert not repo.enqueue(**notice(body="第二次的正文"))
    assert rows(db) == 1
    row = repo.by_key("case:1:send_notice:1:sms")
    assert row is not None and row["body"].startswith("您的车辆")  # the first one wins


def test_a_duplicate_in_the_same_transaction_does_not_abort_it(db: Database) -> None:
    # On PostgreSQL a failed INSERT would abort the whole transaction; ON CONFLICT DO NOTHING does not.
    with db.writer.begin() as conn:
        assert outbox.enqueue(conn, **notice())
        assert not outbox.enqueue(conn, **notice())
        letter = notice("case:1:send_notice:1:post", channel="post", recipient="绍兴市越城区 王某收")
        assert outbox.enqueue(conn, **letter)
    assert rows(db) == 2


def test_an_invalid_notice_is_refused_before_anything_is_written(db: Database) -> None:
    with pytest.raises(InvalidNotice) as refused, db.writer.begin() as conn:
        outbox.enqueue(conn, **notice(recipient="0575-85123456"))
    assert refused.value.code == "invalid_recipient"
    assert rows(db) == 0


def test_a_case_lists_its_notices_and_counts_are_by_state(db: Database) -> None:
    repo = SqlOutboxRepository(db)
    repo.enqueue(**notice("a"))
    repo.enqueue(**notice("b", channel="post", recipient="绍兴市越城区 王某收", payload={"document_id": 12}))
    repo.enqueue(**notice("c", case_id=2))
    assert [(r["dedupe_key"], r["payload"]) for r in repo.for_case(1)] == [("a", {"case_id": 1}),
                                                                            ("b", {"document_id": 12})]
    assert repo.counts() == {"pending": 3}
    assert [r["dedupe_key"] for r in repo.list(channel="post")] == ["b"]
