"""The party's written statement (陈述申辩书) uploaded as a file through the API, on both databases: the
round trip with identical bytes, the trail and the audit entry, refusals that store nothing, and the owner's
upload with the plate and the notice's code."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from sqlalchemy import select

from tests.e2e.test_cases_api import CaseDesk, error
from tests.factories import jpeg, pdf
from zhichao.adapters.db.tables import case_attachments, case_events, outbox
from zhichao.bootstrap import Container
from zhichao.domain.attachments import MAX_ATTACHMENT_BYTES


@pytest.fixture
def desk(container: Container) -> CaseDesk:
    return CaseDesk(container)


def upload(desk: CaseDesk, who: str, case_id: int, name: str, data: bytes, content_type: str = "application/pdf",
           ) -> Any:
    return desk.call(who, "POST", f"/cases/{case_id}/attachments", files={"file": (name, data, content_type)})


def statement_files(desk: CaseDesk) -> list[tuple[Any, ...]]:
    """Every trace an upload leaves: its rows and its events."""
    with desk.c.db.reader.connect() as conn:
        rows = [tuple(r) for r in conn.execute(select(case_attachments.c.case_id, case_attachments.c.filename))]
        events = [tuple(r) for r in conn.execute(select(case_events.c.case_id, case_events.c.action)
                                                 .where(case_events.c.action == "statement_file"))]
    return rows + events


def test_an_officer_uploads_the_statement_and_gets_the_same_bytes_back(desk: CaseDesk) -> None:
    case_id = desk.approved_case()
    data = pdf("I object")
    answer = upload(desk, "wang", case_id, "C:\\扫描件\\陈述申辩书.pdf", data, "application/octet-stream")
    assert answer.status_code == 200, answer.text
    stored = answer.json()
    sha = hashlib.sha256(data).hexdigest()
    assert {k: stored[k] for k in ("case_id", "kind", "filename", "content_type", "sha256", "size")} == {
        "case_id": case_id, "kind": "statement", "filename": "陈述申辩书.pdf", "content_type": "application/pdf",
        "sha256": sha, "size": len(data)}
    assert stored["uploaded_by"] == f"user:{desk.user('wang').id}"
    photo = jpeg("scan of page 2")
    assert upload(desk, "boss", case_id, "page2.jpg", photo, "image/jpeg").status_code == 200

    detail = desk.case(case_id)
    assert detail["case"]["state"] == "valid" and detail["case"]["version"] == 0  # a statement moves nothing
    assert [(a["filename"], a["content_type"]) for a in detail["attachments"]] == [
        ("陈述申辩书.pdf", "application/pdf"), ("page2.jpg", "image/jpeg")]
    assert [(e["action"], e["role"], e["from_state"], e["to_state"], e["note"]) for e in detail["events"]] == [
        ("statement_file", "officer", "valid", "valid", "陈述申辩书.pdf"),
        ("statement_file", "leader", "valid", "valid", "page2.jpg")]
    entry = desk.moves(case_id)[0]
    assert (entry.action, entry.actor, entry.details["sha256"], entry.details["size"]) == (
        "case.statement_file", f"user:{desk.user('wang').id}", sha, len(data))

    first, second = (a["id"] for a in detail["attachments"])
    got = desk.call("fa", "GET", f"/cases/{case_id}/attachments/{first}")  # legal reviewers read the file
    assert got.status_code == 200 and got.content == data
    assert got.headers["content-type"] == "application/pdf" and got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-disposition"] == (f'attachment; filename="attachment-{first}.pdf"; '
                                                  "filename*=UTF-8''%E9%99%88%E8%BF%B0%E7%94%B3%E8%BE%A9%E4%B9%A6.pdf")
    image = desk.call("wang", "GET", f"/cases/{case_id}/attachments/{second}")
    assert image.content == photo and image.headers["content-type"] == "image/jpeg"


def test_a_refused_upload_changes_nothing(desk: CaseDesk) -> None:
    case_id = desk.approved_case()
    text = "我对处罚有异议。".encode()
    entries = desk.audited_actions()
    assert error(upload(desk, "wang", case_id, "statement.pdf", text)) == (400, "unsupported_type")
    assert error(upload(desk, "wang", case_id, "statement.pdf", b"")) == (400, "empty_file")
    big = b"%PDF-1.4\n" + b"0" * MAX_ATTACHMENT_BYTES + b"\n%%EOF\n"
    assert error(upload(desk, "wang", case_id, "big.pdf", big)) == (413, "too_large")
    assert error(upload(desk, "wang", case_id, "scans/", pdf())) == (400, "invalid_filename")
    assert error(desk.call("wang", "POST", f"/cases/{case_id}/attachments", data={"x": "1"})) == (400, "empty_file")
    assert error(upload(desk, "fa", case_id, "s.pdf", pdf())) == (403, "role_not_allowed")
    assert error(upload(desk, "zhang", case_id, "s.pdf", pdf())) == (403, "role_not_allowed")
    assert error(upload(desk, "wang", 9999, "s.pdf", pdf())) == (404, "case_not_found")
    assert desk.act("boss", case_id, "withdraw", reason="重复立案").status_code == 200
    entries += 1
    final = upload(desk, "wang", case_id, "s.pdf", pdf("late"))
    assert error(final) == (409, "case_final") and "不再接收陈述申辩" in final.json()["error"]["message"]
    assert statement_files(desk) == [] and desk.case(case_id)["attachments"] == []
    assert desk.audited_actions() == entries
    for nothing in (text, pdf("late")):
        assert not desk.c.evidence.store.exists(hashlib.sha256(nothing).hexdigest())


def test_an_attachment_is_read_only_through_its_own_case(desk: CaseDesk) -> None:
    first, second = desk.approved_case("r1"), desk.approved_case("r2", plate="浙D54321")
    attachment_id = upload(desk, "wang", first, "s.pdf", pdf()).json()["id"]
    assert error(desk.call("wang", "GET", f"/cases/{second}/attachments/{attachment_id}")) == (
        404, "attachment_not_found")
    assert error(desk.call("wang", "GET", f"/cases/{first}/attachments/9999")) == (404, "attachment_not_found")
    assert error(desk.call("gate", "GET", f"/cases/{first}/attachments/{attachment_id}")) == (403, "role_not_allowed")


def notified(desk: CaseDesk) -> tuple[int, str]:
    case_id = desk.approved_case()
    assert desk.act("wang", case_id, "send_notice").status_code == 200
    return case_id, str(desk.case(case_id)["case"]["notice_code"])


def test_the_owner_uploads_the_statement_with_the_plate_and_code(desk: CaseDesk) -> None:
    case_id, code = notified(desk)
    data = pdf("owner")

    def send(plate: str, code: str, body: bytes = data) -> Any:
        return desk.client.post("/api/v1/owner/statement-file", data={"plate": plate, "code": code},
                                files={"file": ("申辩.pdf", body, "application/pdf")})

    with desk.c.db.reader.connect() as conn:
        notices = len(list(conn.execute(select(outbox.c.id))))
    assert error(send("浙D12345", "AAAAAAAA")) == (404, "owner_case_not_found")
    assert error(send("浙D99999", code)) == (404, "owner_case_not_found")
    assert error(send("浙D12345", code, b"not a pdf")) == (400, "unsupported_type")
    assert statement_files(desk) == [] and not desk.c.evidence.store.exists(hashlib.sha256(data).hexdigest())
    sent = send("浙d 12345", code.lower())
    assert sent.status_code == 200, sent.text
    assert sent.json()["id"] == case_id and isinstance(sent.json()["attachment"], int)
    detail = desk.case(case_id)
    assert [(a["filename"], a["uploaded_by"]) for a in detail["attachments"]] == [("申辩.pdf", "owner")]
    assert (detail["events"][-1]["action"], detail["events"][-1]["role"]) == ("statement_file", "owner")
    assert desk.moves(case_id)[-1].action == "case.statement_file" and desk.moves(case_id)[-1].actor == "owner"
    with desk.c.db.reader.connect() as conn:
        bodies = [r.body for r in conn.execute(select(outbox.c.body).order_by(outbox.c.id))]
    assert len(bodies) == notices + 1 and "陈述申辩书：申辩.pdf" in bodies[-1]
    got = desk.call("wang", "GET", f"/cases/{case_id}/attachments/{sent.json()['attachment']}")
    assert got.content == data
