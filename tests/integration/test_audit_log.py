"""Review decisions write a hash-chained audit log that ``zhichao audit verify`` checks, on both databases."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update

from tests.e2e.test_cli import run
from tests.e2e.test_reviews_api import Desk
from tests.factories import record
from zhichao.adapters.db.audit import SqlAuditLog, append
from zhichao.adapters.db.tables import audit_log
from zhichao.bootstrap import Container
from zhichao.domain.review import Decision
from zhichao.services import reviews as review_service
from zhichao.services.audit import verify_chain
from zhichao.services.ports import User


def reviewer(desk: Desk, name: str) -> User:
    found = desk.c.users.by_username(name)
    assert found is not None
    return found[0]


def two_decisions(c: Container) -> Desk:
    """r1 approved twice (a case opened), r2 rejected: three audit entries."""
    desk = Desk(c)
    desk.ingest(record("r1"), record("r2"))
    zhang, li = reviewer(desk, "zhang"), reviewer(desk, "li")
    review_service.review(c.reviews, zhang, "S1", "r1", Decision("approve", zhang.id), version=0, now=c.clock(),
                          origin="10.1.2.3")
    review_service.review(c.reviews, li, "S1", "r1", Decision("approve", li.id), version=1, now=c.clock())
    review_service.review(c.reviews, zhang, "S1", "r2", Decision("reject", zhang.id, "plate_misread", "看不清"),
                          version=0, now=c.clock())
    return desk


def decisions(c: Container) -> list[Any]:
    """The review entries (the photo uploads before them are logged too)."""
    return [e for e in SqlAuditLog(c.db).entries() if e.action.startswith("review.")]


def test_each_decision_appends_a_chained_entry_with_who_when_where_and_what(container: Container) -> None:
    desk = two_decisions(container)
    entries = decisions(container)
    assert [(e.action, e.subject) for e in entries] == [
        ("review.approve", "record:S1/r1"), ("review.approve", "record:S1/r1"), ("review.reject", "record:S1/r2")]
    assert [e.seq - entries[0].seq for e in entries] == [0, 1, 2]
    first, second, third = entries
    assert (first.actor, first.origin, first.at) == (f"user:{reviewer(desk, 'zhang').id}", "10.1.2.3",
                                                      container.clock())
    assert first.details == {"from_state": "pending_first", "to_state": "pending_second", "reason_code": None,
                             "note": None, "case_id": None}
    assert second.details["to_state"] == "approved" and isinstance(second.details["case_id"], int)
    assert third.details["reason_code"] == "plate_misread" and third.details["note"] == "看不清"
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    assert verify_chain(SqlAuditLog(container.db)).ok


def test_a_refused_decision_writes_no_entry(container: Container) -> None:
    desk = two_decisions(container)
    before = [e.seq for e in SqlAuditLog(container.db).entries()]
    late = desk.decide("li", "r2", "approve")
    assert late.status_code == 409
    assert [e.seq for e in SqlAuditLog(container.db).entries()] == before


def test_the_api_records_the_client_address(container: Container) -> None:
    desk = Desk(container)
    desk.ingest(record("r1"))
    assert desk.decide("zhang", "r1", "approve").status_code == 200
    (entry,) = decisions(container)
    assert entry.origin == "testclient"


def test_each_evidence_upload_is_logged_with_the_station_and_the_file(container: Container) -> None:
    desk = Desk(container)
    desk.ingest(record("r1"))
    uploads = [e for e in SqlAuditLog(container.db).entries() if e.action == "evidence.upload"]
    assert len(uploads) == 3
    assert {(e.actor, e.origin, e.subject) for e in uploads} == {("station:S1", "testclient", "record:S1/r1")}
    assert {e.details["kind"] for e in uploads} == {"plate", "side", "overview"}
    assert verify_chain(SqlAuditLog(container.db)).ok


def test_the_cli_says_intact_then_names_the_tampered_row(container: Container) -> None:
    two_decisions(container)
    total = len(list(SqlAuditLog(container.db).entries()))  # six photo uploads and three decisions
    intact = run(container.settings, "audit", "verify")
    assert intact.returncode == 0, intact.stderr
    assert f"审计链完整：{total} 条" in intact.stdout
    approval = decisions(container)[1].seq
    with container.db.writer.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == approval).values(details={"to_state": "rejected"}))
    tampered = run(container.settings, "audit", "verify")
    assert tampered.returncode == 1
    assert f"审计链被篡改：第 {approval} 条" in tampered.stdout


def test_deleting_a_middle_row_is_detected(container: Container) -> None:
    two_decisions(container)
    with container.db.writer.begin() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq == 2))
    result = verify_chain(SqlAuditLog(container.db))
    assert (result.ok, result.first_bad_seq, result.count) == (False, 2, 1)
    done = run(container.settings, "audit", "verify")
    assert done.returncode == 1 and "第 2 条" in done.stdout


def test_verifying_streams_in_batches(container: Container) -> None:
    with container.db.writer.begin() as conn:
        for i in range(7):
            append(conn, at=container.clock() + timedelta(seconds=i), actor="system", origin="cli",
                   action="test.append", subject=f"test:{i}", details={"i": i})
    log = SqlAuditLog(container.db)
    assert [e.seq for e in log.entries(after_seq=2, batch=2)] == [3, 4, 5, 6, 7]
    result = verify_chain(log, batch=3)
    assert (result.ok, result.count) == (True, 7)


def test_two_threads_appending_at_once_make_one_unbroken_chain(container: Container) -> None:
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            start.wait()
            for i in range(25):
                with container.db.writer.begin() as conn:
                    append(conn, at=container.clock(), actor=f"system:{name}", origin="worker",
                           action="test.append", subject=f"test:{name}/{i}", details={"i": i})
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with container.db.reader.connect() as conn:
        seqs = list(conn.execute(select(audit_log.c.seq).order_by(audit_log.c.seq)).scalars())
    assert seqs == list(range(1, 51))
    result = verify_chain(SqlAuditLog(container.db))
    assert (result.ok, result.count) == (True, 50)
