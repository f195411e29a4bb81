"""Payments through the HTTP API, on both databases: finance entries with a receipt number, the late fee
(行政处罚法 Art. 72: 3 % of the fine a day, rounded down, at most the fine), part payments, duplicates, and
the signed bank / e-payment notification, whose refusals change nothing."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from tests.conftest import FixedClock
from tests.e2e.case_workflow import FINE, WorkflowDesk
from tests.e2e.test_cases_api import error
from zhichao.adapters.db.tables import payments
from zhichao.bootstrap import Container, build
from zhichao.config import Settings

SECRET = "测试-webhook-secret"
DUE = date(2026, 12, 11)  # decided Thu 2026-11-26 + 15 days = Fri 2026-12-11 (no holiday)


@pytest.fixture
def container(settings: Settings, clock: FixedClock) -> Iterator[Container]:
    """tests/conftest.py's container, with the payment notifications' secret set."""
    c = build(settings.with_overrides(payment_webhook_secret=SECRET), clock=clock)
    yield c
    c.close()


@pytest.fixture
def desk(container: Container, clock: FixedClock) -> WorkflowDesk:
    return WorkflowDesk(container, clock)


def pay(desk: WorkflowDesk, case_id: int, amount: int, reference: str, who: str = "wang",
        paid_on: date | None = None, method: str | None = None) -> Any:
    body: dict[str, Any] = {"reference": reference, "amount_yuan": amount,
                            "paid_on": (paid_on or desk.c.clock().astimezone(desk.c.cases.tz).date()).isoformat()}
    if method is not None:
        body["method"] = method
    return desk.call(who, "POST", f"/cases/{case_id}/payments", json=body)


def paid(desk: WorkflowDesk, case_id: int, amount: int, reference: str, **kw: Any) -> dict[str, Any]:
    response = pay(desk, case_id, amount, reference, **kw)
    assert response.status_code == 200, response.text
    return dict(response.json())


def late_fee(days_late: int) -> int:
    """3 % of 456 yuan a day is 13.68 yuan: the total rounded down, at most 456 (day 34: 465.12 → 456)."""
    return {0: 0, 1: 13, 10: 136, 33: 451, 34: 456, 40: 456}[days_late]


# --- finance entries ---------------------------------------------------------------------------------------------


def test_finance_enters_a_payment_with_a_receipt_number(desk: WorkflowDesk) -> None:
    case_id = desk.decided_case()
    before = desk.case(case_id)["case"]
    assert (before["state"], before["fine_yuan"], before["decided_on"]) == ("decided", FINE, "2026-11-26")
    done = paid(desk, case_id, FINE, " SJ-2026-000123 ")
    assert done == {"id": case_id, "state": "paid", "version": before["version"] + 1, "duplicate": False,
                    "owed_yuan": FINE, "paid_yuan": FINE}
    [row] = desk.rows(payments)
    assert (row["case_id"], row["method"], row["reference"], row["amount_yuan"], row["late_fee_yuan"],
            row["paid_on"], row["recorded_by"]) == (case_id, "finance", "SJ-2026-000123", FINE, 0,
                                                    date(2026, 11, 26), f"user:{desk.user('wang').id}")
    detail = desk.case(case_id)
    case = detail["case"]
    assert (case["paid_yuan"], case["late_fee_yuan"], case["paid_on"], case["due_on"], case["due_kind"]) == (
        FINE, 0, "2026-11-26", None, None)
    assert [p["reference"] for p in detail["payments"]] == ["SJ-2026-000123"]
    assert detail["owed"]["outstanding_yuan"] == 0
    assert detail["events"][-1]["action"] == "record_payment" and detail["events"][-1]["to_state"] == "paid"
    entry = desk.moves(case_id)[-1]
    assert entry.action == "case.record_payment" and entry.details["reference"] == "SJ-2026-000123"


def test_a_decided_case_paid_on_the_due_day_pays_no_late_fee(desk: WorkflowDesk) -> None:
    case_id = desk.decided_case()
    assert desk.due(case_id) == (DUE, "payment")
    desk.at(DUE.isoformat())
    owed = desk.case(case_id)["owed"]
    assert (owed["payment_due"], owed["late_fee_yuan"], owed["total_yuan"]) == (DUE.isoformat(), 0, FINE)
    assert paid(desk, case_id, FINE, "SJ-1", who="root")["state"] == "paid"
    assert [(r["late_fee_yuan"], r["paid_on"]) for r in desk.rows(payments)] == [(0, DUE)]


@pytest.mark.parametrize("days_late", [1, 10, 33, 34, 40])
def test_a_late_payment_adds_three_percent_a_day_capped_at_the_fine(desk: WorkflowDesk, days_late: int) -> None:
    case_id = desk.decided_case()
    day = DUE + timedelta(days=days_late)
    desk.at(day.isoformat())
    fee = late_fee(days_late)
    owed = desk.case(case_id)["owed"]
    assert (owed["late_fee_yuan"], owed["total_yuan"], owed["outstanding_yuan"]) == (fee, FINE + fee, FINE + fee)
    first = paid(desk, case_id, FINE, "SJ-fine")  # the fine alone no longer settles the case
    assert (first["state"], first["owed_yuan"], first["paid_yuan"]) == ("decided", FINE + fee, FINE)
    assert desk.case(case_id)["owed"]["outstanding_yuan"] == fee
    second = paid(desk, case_id, fee, "SJ-fee")
    assert (second["state"], second["owed_yuan"], second["paid_yuan"]) == ("paid", FINE + fee, FINE + fee)
    assert [(r["amount_yuan"], r["late_fee_yuan"], r["paid_on"]) for r in desk.rows(payments)] == [
        (FINE, fee, day), (fee, fee, day)]
    case = desk.case(case_id)["case"]
    assert (case["late_fee_yuan"], case["paid_yuan"], case["paid_on"]) == (fee, FINE + fee, day.isoformat())


def test_a_part_payment_keeps_the_state_and_the_rest_completes_it(desk: WorkflowDesk) -> None:
    case_id = desk.decided_case()
    version = desk.case(case_id)["case"]["version"]
    first = paid(desk, case_id, 200, "SJ-part-1")
    assert (first["state"], first["version"], first["paid_yuan"], first["owed_yuan"]) == (
        "decided", version + 1, 200, FINE)
    detail = desk.case(case_id)
    assert detail["case"]["due_on"] == DUE.isoformat() and detail["case"]["due_kind"] == "payment"
    assert (detail["owed"]["paid_yuan"], detail["owed"]["outstanding_yuan"]) == (200, FINE - 200)
    assert (detail["events"][-1]["action"], detail["events"][-1]["to_state"]) == ("partial_payment", "decided")
    second = paid(desk, case_id, FINE - 200, "SJ-part-2")
    assert (second["state"], second["version"], second["paid_yuan"]) == ("paid", version + 2, FINE)
    assert [e["action"] for e in desk.case(case_id)["events"]][-2:] == ["partial_payment", "record_payment"]


def test_a_part_payment_in_the_late_fee_state_keeps_it(desk: WorkflowDesk) -> None:
    case_id = desk.decided_case()
    desk.at("2026-12-12")
    assert desk.ok("root", case_id, "payment_overdue")["state"] == "late_fee"
    assert paid(desk, case_id, 100, "SJ-late-1")["state"] == "late_fee"
    rest = FINE + late_fee(1) - 100
    assert desk.case(case_id)["owed"]["outstanding_yuan"] == rest
    assert paid(desk, case_id, rest, "SJ-late-2")["state"] == "paid"


def test_the_same_method_and_reference_is_stored_once(desk: WorkflowDesk) -> None:
    case_id = desk.decided_case()
    assert paid(desk, case_id, 200, "SJ-dup")["duplicate"] is False
    version = desk.case(case_id)["case"]["version"]
    again = paid(desk, case_id, 200, "SJ-dup")
    assert again == {"id": case_id, "state": "decided", "version": version, "duplicate": True}
    assert len(desk.rows(payments)) == 1 and desk.case(case_id)["case"]["paid_yuan"] == 200
    # the same number from another channel is another payment
    assert paid(desk, case_id, FINE - 200, "SJ-dup", method="bank")["state"] == "paid"
    # and a repeat after the case moved on is still only a duplicate
    assert paid(desk, case_id, 200, "SJ-dup")["duplicate"] is True
    assert [(r["method"], r["reference"]) for r in desk.rows(payments)] == [("finance", "SJ-dup"), ("bank", "SJ-dup")]


def test_a_case_that_is_not_decided_is_not_payable(desk: WorkflowDesk) -> None:
    opened = desk.approved_case("r1")
    assert error(pay(desk, opened, FINE, "SJ-x")) == (409, "not_payable")
    settled = desk.decided_case("r2", plate="浙D67890", captured_at="2026-11-26T13:40:00+08:00")
    paid(desk, settled, FINE, "SJ-y")
    version = desk.case(settled)["case"]["version"]
    assert error(pay(desk, settled, 10, "SJ-z")) == (409, "not_payable")
    assert desk.case(opened)["case"]["version"] == 0 and desk.case(settled)["case"]["version"] == version
    assert [r["reference"] for r in desk.rows(payments)] == ["SJ-y"]


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        pytest.param({"reference": "   "}, 400, "invalid_reference", id="blank receipt number"),
        pytest.param({"amount_yuan": 0}, 400, "invalid_amount", id="nothing paid"),
        pytest.param({"amount_yuan": -5}, 400, "invalid_amount", id="a negative amount"),
        pytest.param({"method": "cash"}, 400, "invalid_method", id="never cash to the officer"),
        pytest.param({"paid_on": "2026-11-27"}, 400, "date_in_future", id="paid tomorrow"),
        pytest.param({"paid_on": "2026-11-25"}, 400, "date_before_previous", id="paid before the decision"),
        pytest.param({"who": "fa"}, 403, "role_not_allowed", id="legal does not record payments"),
        pytest.param({"who": "boss"}, 403, "role_not_allowed", id="nor does the leader"),
        pytest.param({"who": "zhang"}, 403, "role_not_allowed", id="nor a reviewer"),
    ],
)
def test_a_refused_payment_changes_nothing(desk: WorkflowDesk, change: dict[str, Any], status: int,
                                           code: str) -> None:
    case_id = desk.decided_case()
    version = desk.case(case_id)["case"]["version"]
    body = {"reference": "SJ-1", "amount_yuan": FINE, "paid_on": "2026-11-26", "method": "finance", **change}
    who = body.pop("who", "wang")
    assert error(desk.call(who, "POST", f"/cases/{case_id}/payments", json=body)) == (status, code)
    assert desk.rows(payments) == [] and desk.case(case_id)["case"]["version"] == version


def test_payments_are_not_case_actions(desk: WorkflowDesk) -> None:
    case_id = desk.decided_case()
    version = desk.case(case_id)["case"]["version"]
    response = desk.call("wang", "POST", f"/cases/{case_id}/actions",
                         json={"action": "record_payment", "version": version})
    assert error(response) == (400, "use_payment_entry")


# --- the signed notification ---------------------------------------------------------------------------------------


def notify(desk: WorkflowDesk, payload: dict[str, Any] | bytes, *, secret: str = SECRET, age_s: int = 0,
           signature: str | None = None, headers: dict[str, str] | None = None) -> Any:
    body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
    timestamp = str(int(desk.c.clock().timestamp()) - age_s)
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    sent = {"Content-Type": "application/json", "X-Timestamp": timestamp,
            "X-Signature": signature if signature is not None else f"sha256={digest}"}
    if headers is not None:
        sent = headers
    return desk.client.post("/api/v1/payments/notify", content=body, headers=sent)


def note(number: str, **changes: Any) -> dict[str, Any]:
    return {"reference": "BK202611260001", "decision_number": number, "amount_yuan": FINE,
            "paid_at": "2026-11-26T10:15:00+08:00", "channel": "bank", **changes}


def test_a_signed_notification_pays_the_case(desk: WorkflowDesk) -> None:
    case_id = desk.decided_case()
    number = desk.decision_number(case_id)
    version = desk.case(case_id)["case"]["version"]
    accepted = notify(desk, note(number))
    assert accepted.status_code == 200, accepted.text
    assert accepted.json() == {"id": case_id, "state": "paid", "version": version + 1, "duplicate": False,
                               "owed_yuan": FINE, "paid_yuan": FINE}
    [row] = desk.rows(payments)
    assert (row["method"], row["reference"], row["amount_yuan"], row["paid_on"], row["recorded_by"]) == (
        "bank", "BK202611260001", FINE, date(2026, 11, 26), "notify:bank")
    assert row["payload"]["decision_number"] == number
    entry = desk.moves(case_id)[-1]
    assert (entry.action, entry.actor) == ("case.record_payment", "notify:bank")
    again = notify(desk, note(number))  # the bank retries
    assert again.status_code == 200 and again.json() == {"id": case_id, "state": "paid", "version": version + 1,
                                                         "duplicate": True}
    assert len(desk.rows(payments)) == 1


def test_an_e_payment_notification_may_be_a_part_payment(desk: WorkflowDesk) -> None:
    case_id = desk.decided_case()
    number = desk.decision_number(case_id)
    part = notify(desk, note(f"  {number} ", channel="epay", reference="EP-1", amount_yuan=56))
    assert part.status_code == 200 and part.json()["state"] == "decided"
    rest = notify(desk, note(number, channel="epay", reference="EP-2", amount_yuan=400))
    assert rest.status_code == 200 and rest.json()["state"] == "paid"
    assert [(r["method"], r["recorded_by"]) for r in desk.rows(payments)] == [("epay", "notify:epay")] * 2


def test_a_signature_exactly_300_seconds_old_is_accepted(desk: WorkflowDesk) -> None:
    case_id = desk.decided_case()
    assert notify(desk, note(desk.decision_number(case_id)), age_s=300).status_code == 200


REFUSALS = [
    pytest.param({"secret": "another-secret"}, 401, "bad_signature", id="signed with another secret"),
    pytest.param({"signature": "sha256=" + "0" * 64}, 401, "bad_signature", id="a made-up signature"),
    pytest.param({"signature": ""}, 401, "bad_signature", id="no signature"),
    pytest.param({"headers": {"Content-Type": "application/json"}}, 401, "bad_signature", id="no headers"),
    pytest.param({"headers": {"X-Timestamp": "yesterday", "X-Signature": "sha256=00"}}, 401, "bad_signature",
                 id="a timestamp that is no number"),
    pytest.param({"age_s": 301}, 401, "stale_signature", id="signed 301 s ago"),
    pytest.param({"age_s": 3600}, 401, "stale_signature", id="an hour-old replay"),
    pytest.param({"age_s": -301}, 401, "stale_signature", id="signed 301 s in the future"),
    pytest.param({"number": "绍交执罚决〔2026〕999号"}, 404, "decision_not_found", id="an unknown decision number"),
    pytest.param({"body": b"{not json"}, 400, "invalid_json", id="not JSON"),
    pytest.param({"body": b'{"reference": "BK1", "amount_yuan": 456}'}, 400, "invalid_notification",
                 id="a field missing"),
    pytest.param({"changes": {"amount_yuan": "456"}}, 400, "invalid_notification", id="the amount as text"),
    pytest.param({"changes": {"paid_at": "yesterday"}}, 400, "invalid_notification", id="no date"),
    pytest.param({"changes": {"channel": "finance"}}, 400, "invalid_method", id="finance is no notification"),
    pytest.param({"changes": {"amount_yuan": 0}}, 400, "invalid_amount", id="nothing paid"),
    pytest.param({"changes": {"paid_at": "2026-11-27T09:00:00+08:00"}}, 400, "date_in_future", id="paid tomorrow"),
]


@pytest.mark.parametrize(("how", "status", "code"), REFUSALS)
def test_a_refused_notification_changes_nothing(desk: WorkflowDesk, how: dict[str, Any], status: int,
                                                code: str) -> None:
    case_id = desk.decided_case()
    number = desk.decision_number(case_id)
    version = desk.case(case_id)["case"]["version"]
    audited = desk.audited_actions()
    how = dict(how)
    payload: dict[str, Any] | bytes = how.pop("body", None) or note(how.pop("number", number),
                                                                    **how.pop("changes", {}))
    assert error(notify(desk, payload, **how)) == (status, code)
    assert desk.rows(payments) == []
    assert desk.case(case_id)["case"]["version"] == version and desk.case(case_id)["case"]["state"] == "decided"
    assert desk.audited_actions() == audited


def test_a_body_changed_after_signing_is_refused(desk: WorkflowDesk) -> None:
    case_id = desk.decided_case()
    signed = json.dumps(note(desk.decision_number(case_id), amount_yuan=4560)).encode()
    timestamp = str(int(desk.c.clock().timestamp()))
    digest = hmac.new(SECRET.encode(), timestamp.encode() + b"." + signed, hashlib.sha256).hexdigest()
    forged = signed.replace(b"4560", b"4561")
    response = desk.client.post("/api/v1/payments/notify", content=forged,
                                headers={"X-Timestamp": timestamp, "X-Signature": f"sha256={digest}"})
    assert error(response) == (401, "bad_signature") and desk.rows(payments) == []


def test_without_a_secret_notifications_are_refused(desk: WorkflowDesk) -> None:
    case_id = desk.decided_case()
    number = desk.decision_number(case_id)
    desk.c.settings = desk.c.settings.with_overrides(payment_webhook_secret="")
    assert error(notify(desk, note(number), secret="")) == (401, "payments_not_configured")
    assert desk.rows(payments) == []


def test_a_notification_for_a_case_not_awaiting_payment_is_refused(desk: WorkflowDesk) -> None:
    case_id = desk.decided_case()
    number = desk.decision_number(case_id)
    assert notify(desk, note(number)).status_code == 200
    version = desk.case(case_id)["case"]["version"]
    assert error(notify(desk, note(number, reference="BK-other"))) == (409, "not_payable")
    assert len(desk.rows(payments)) == 1 and desk.case(case_id)["case"]["version"] == version


def test_a_paid_at_without_offset_is_beijing_time(desk: WorkflowDesk) -> None:
    """ISO 8601 without an offset is local time: the bureau's (Shanghai), whatever the server's zone is."""
    case_id = desk.decided_case()
    desk.at("2026-11-26", "23:00:00")
    response = notify(desk, note(desk.decision_number(case_id), paid_at="2026-11-26T20:30:00"))
    assert response.status_code == 200, response.text
    assert [r["paid_on"] for r in desk.rows(payments)] == [date(2026, 11, 26)]


def test_a_signature_that_is_not_ascii_is_refused(desk: WorkflowDesk) -> None:
    case_id = desk.decided_case()
    body = json.dumps(note(desk.decision_number(case_id))).encode()
    response = desk.client.post("/api/v1/payments/notify", content=body,
                                headers={"X-Timestamp": str(int(desk.c.clock().timestamp())),
                                         "X-Signature": "sha256=é".encode("latin-1")})  # type: ignore[dict-item]
    assert error(response) == (401, "bad_signature") and desk.rows(payments) == []


@pytest.mark.parametrize("amount", [2**31, 10**12])
def test_an_absurd_amount_is_refused(desk: WorkflowDesk, amount: int) -> None:
    case_id = desk.decided_case()
    assert error(pay(desk, case_id, amount, "SJ-big")) == (400, "invalid_amount")
    assert error(notify(desk, note(desk.decision_number(case_id), amount_yuan=amount))) == (400, "invalid_amount")
    assert desk.rows(payments) == []


def test_the_same_notification_twice_at_once_is_stored_once(desk: WorkflowDesk) -> None:
    case_id = desk.decided_case()
    number = desk.decision_number(case_id)
    barrier = threading.Barrier(2)
    answers: list[Any] = []

    def send() -> None:
        barrier.wait()
        answers.append(notify(desk, note(number)))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    assert sorted(a.json()["duplicate"] for a in answers) == [False, True]
    assert len(desk.rows(payments)) == 1 and desk.case(case_id)["case"]["paid_yuan"] == FINE
