"""The case workflow through the HTTP API, on both databases: roles, refusals, the path to closing,
concurrency, the trail in the case and the audit log, and the KPI counts."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.e2e.test_reviews_api import Desk
from tests.factories import record
from zhichao.adapters.db.tables import case_events, cases
from zhichao.bootstrap import Container
from zhichao.domain.kpis import CaseCounts
from zhichao.domain.plates import DEFAULT_LOCAL_PREFIXES
from zhichao.services import cases as case_service
from zhichao.services.audit import verify_chain
from zhichao.services.auth import add_user
from zhichao.services.errors import Conflict
from zhichao.services.personal_data import READ_ACTION
from zhichao.services.ports import User

# The documented path (docs/cases.md) from a valid case to closed, through legal review, by role.
PATH = [("wang", "send_notice", "notified"), ("wang", "owner_reported", "reported"),
        ("wang", "send_pre_decision", "pre_decision"), ("wang", "receive_statement", "statement"),
        ("wang", "request_legal_review", "legal_review"), ("fa", "approve_legal_review", "legal_approved"),
        ("boss", "decide", "decided"), ("wang", "record_payment", "paid"), ("wang", "close", "closed")]
OWNER = {"name": "绍兴市某某运输有限公司", "id_number": "91330602MA2BCDEF1Q", "phone": "13800001234",
         "address": "浙江省绍兴市越城区人民中路1号"}


class CaseDesk(Desk):
    """The review desk plus a legal officer, a leader and a partner system."""

    def __init__(self, c: Container) -> None:
        super().__init__(c)
        for name, role in (("fa", "legal"), ("boss", "leader"), ("gate", "partner")):
            self.users[name] = add_user(c.users, c.hasher, name, role, now=c.clock())

    def approved_case(self, record_id: str = "r1", owner: bool = True, **changes: Any) -> int:
        self.ingest(record(record_id, **changes))
        assert self.decide("zhang", record_id, "approve").status_code == 200
        case_id = self.decide("li", record_id, "approve").json()["case_id"]
        assert isinstance(case_id, int)
        if owner:
            party = self.call("wang", "PUT", f"/cases/{case_id}/parties/owner", json=OWNER)
            assert party.status_code == 200, party.text
        return case_id

    def case(self, case_id: int) -> dict[str, Any]:
        response = self.call("wang", "GET", f"/cases/{case_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def act(self, who: str, case_id: int, action: str, **extra: Any) -> Any:
        version = extra.pop("version", None)
        if version is None:
            version = self.case(case_id)["case"]["version"]
        if action == "record_payment":  # payments have their own entry, with a receipt number
            fine = self.case(case_id)["case"]["fine_yuan"]
            return self.call(who, "POST", f"/cases/{case_id}/payments",
                             json={"reference": f"SJ-{case_id}-{version}", "amount_yuan": fine,
                                   "paid_on": self.c.clock().date().isoformat()})
        return self.call(who, "POST", f"/cases/{case_id}/actions", json={"action": action, "version": version,
                                                                        **extra})

    def user(self, name: str) -> User:
        user: User = self.users[name][0]
        return user

    def trail(self, case_id: int) -> list[str]:
        return [e.action for e in self.moves(case_id)]

    def moves(self, case_id: int) -> list[Any]:
        """The case's audit entries after its parties were entered (reading the case file is logged too)."""
        return [e for e in self.c.audit.for_subject(f"case:{case_id}") if e.action not in ("case.party", READ_ACTION)]

    def audited_actions(self) -> int:
        """How many entries the audit log holds, leaving out the reads of personal data."""
        return sum(1 for e in self.c.audit.entries() if e.action != READ_ACTION)


@pytest.fixture
def desk(container: Container) -> CaseDesk:
    return CaseDesk(container)


def error(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_an_officer_sends_the_notice(desk: CaseDesk) -> None:
    case_id = desk.approved_case()
    opened = desk.case(case_id)
    assert opened["case"]["state"] == "valid" and opened["case"]["version"] == 0
    assert opened["case"]["station_name"] == "测试站 S1" and opened["events"] == []
    done = desk.act("wang", case_id, "send_notice", note="邮寄送达")
    assert done.status_code == 200, done.text
    assert {k: done.json()[k] for k in ("id", "state", "version")} == {"id": case_id, "state": "notified", "version": 1}
    events = desk.case(case_id)["events"]
    assert [(e["action"], e["from_state"], e["to_state"], e["role"], e["note"]) for e in events] == [
        ("send_notice", "valid", "notified", "officer", "邮寄送达")]
    listed = desk.call("boss", "GET", "/cases?state=notified").json()["items"]
    assert [i["id"] for i in listed] == [case_id] and listed[0]["overload_rate_x100"] > 0
    assert desk.call("boss", "GET", "/cases?state=valid").json()["items"] == []
    assert [i["id"] for i in desk.call("boss", "GET", "/cases?plate=浙D12345").json()["items"]] == [case_id]
    assert error(desk.call("boss", "GET", "/cases?state=nonsense")) == (400, "invalid_state")


def test_reviewers_and_partners_may_not_act_on_cases(desk: CaseDesk) -> None:
    case_id = desk.approved_case()
    assert error(desk.act("zhang", case_id, "send_notice", version=0)) == (403, "role_not_allowed")
    assert error(desk.act("gate", case_id, "send_notice", version=0)) == (403, "role_not_allowed")
    assert error(desk.call("gate", "GET", "/cases")) == (403, "role_not_allowed")
    assert error(desk.act("wang", 9999, "send_notice", version=0)) == (404, "case_not_found")
    assert desk.case(case_id)["case"]["version"] == 0


def test_an_illegal_action_is_refused_and_changes_nothing(desk: CaseDesk) -> None:
    case_id = desk.approved_case()
    before = desk.audited_actions()
    assert error(desk.act("wang", case_id, "close")) == (409, "illegal_transition")
    assert error(desk.act("fa", case_id, "send_notice")) == (403, "role_not_allowed")
    assert error(desk.act("wang", case_id, "no_such_action")) == (409, "illegal_transition")
    after = desk.case(case_id)
    assert (after["case"]["state"], after["case"]["version"], after["events"]) == ("valid", 0, [])
    assert desk.count(case_events) == 0 and desk.trail(case_id) == []
    assert desk.audited_actions() == before


def test_a_stale_version_is_told(desk: CaseDesk) -> None:
    case_id = desk.approved_case()
    assert desk.act("wang", case_id, "send_notice", version=0).status_code == 200
    late = desk.act("boss", case_id, "withdraw", version=0, reason="重复立案")
    assert error(late) == (409, "already_changed")
    assert late.json()["error"]["details"] == {"state": "notified", "version": 1}
    assert desk.count(case_events) == 1


def test_only_a_leader_withdraws_and_only_with_a_reason(desk: CaseDesk) -> None:
    case_id = desk.approved_case()
    assert error(desk.act("boss", case_id, "withdraw")) == (400, "reason_required")
    assert error(desk.act("boss", case_id, "withdraw", reason="   ")) == (400, "reason_required")
    assert error(desk.act("wang", case_id, "withdraw", reason="车牌识别错误")) == (403, "role_not_allowed")
    done = desk.act("boss", case_id, "withdraw", reason="车牌识别错误")
    assert done.status_code == 200 and done.json()["state"] == "withdrawn"
    event = desk.case(case_id)["events"][0]
    assert (event["action"], event["role"], event["reason"]) == ("withdraw", "leader", "车牌识别错误")
    assert desk.moves(case_id)[0].details["reason"] == "车牌识别错误"


def test_a_major_decision_needs_legal_review_first(desk: CaseDesk) -> None:
    case_id = desk.approved_case()
    for who, action, _ in PATH[:4]:
        assert desk.act(who, case_id, action).status_code == 200
    assert error(desk.act("boss", case_id, "decide", major=True)) == (409, "legal_review_required")
    assert desk.act("boss", case_id, "decide").json()["state"] == "decided"  # not major: no review needed


def test_a_case_goes_the_documented_path_to_closed(desk: CaseDesk) -> None:
    case_id = desk.approved_case()
    for who, action, state in PATH:
        response = desk.act(who, case_id, action, major=True)
        assert response.status_code == 200, (action, response.text)
        assert response.json()["state"] == state
    detail = desk.case(case_id)
    assert detail["case"]["state"] == "closed" and detail["case"]["version"] == len(PATH)
    assert [(e["action"], e["to_state"]) for e in detail["events"]] == [(a, s) for _, a, s in PATH]
    assert [e["actor_id"] for e in detail["events"]] == [desk.user(who).id for who, _, _ in PATH]
    entries = desk.moves(case_id)
    assert [e.action for e in entries] == [f"case.{a}" for _, a, _ in PATH]
    assert [e.actor for e in entries] == [f"user:{desk.user(who).id}" for who, _, _ in PATH]
    assert entries[-1].details == {"from_state": "paid", "to_state": "closed", "reason": None, "note": None}
    assert entries[0].origin == "testclient"
    documents = detail["documents"]
    assert [d["kind"] for d in documents] == ["notice", "pre_decision", "decision"]
    assert all(d["number"].endswith("〔2026〕00001号") for d in documents)  # each series starts at 1
    pdf = desk.call("fa", "GET", f"/cases/{case_id}/documents/{documents[2]['id']}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and len(pdf.content) == documents[2]["size"]
    assert error(desk.act("boss", case_id, "withdraw", reason="迟到的撤销")) == (409, "illegal_transition")
    result = verify_chain(desk.c.audit)
    assert result.ok and result.count == len(list(desk.c.audit.entries()))


def test_two_people_acting_at_once_one_wins(desk: CaseDesk) -> None:
    case_id = desk.approved_case()
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def act(name: str, action: str, reason: str | None) -> None:
        barrier.wait()
        try:
            case_service.act_on_case(desk.c.cases, desk.user(name), case_id, action, version=0,
                                     now=desk.c.clock(), reason=reason)
            outcomes.append(action)
        except Conflict as exc:
            assert exc.code == "already_changed"
            outcomes.append("told")

    threads = [threading.Thread(target=act, args=("wang", "send_notice", None)),
               threading.Thread(target=act, args=("boss", "withdraw", "重复立案"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 2 and outcomes.count("told") == 1
    winner = next(o for o in outcomes if o != "told")
    detail = desk.case(case_id)
    assert detail["case"]["version"] == 1 and [e["action"] for e in detail["events"]] == [winner]
    assert desk.trail(case_id) == [f"case.{winner}"]
    assert verify_chain(desk.c.audit).ok


def test_case_counts_count_the_cases_opened_in_a_period_by_outcome(desk: CaseDesk) -> None:
    local = desk.approved_case("r1")
    other = desk.approved_case("r2", plate="皖K12345", captured_at="2026-11-26T13:40:00+08:00")
    withdrawn = desk.approved_case("r3", plate="浙D67890", captured_at="2026-11-26T13:50:00+08:00")
    desk.approved_case("r4", plate="浙D24680", captured_at="2026-11-26T13:55:00+08:00")  # stays valid
    assert desk.act("boss", local, "decide_no_penalty").status_code == 200
    for who, action, _ in PATH:
        assert desk.act(who, other, action).status_code == 200
    assert desk.act("wang", other, "transfer").json()["state"] == "transferred"
    assert desk.act("boss", withdrawn, "withdraw", reason="车牌识别错误").status_code == 200
    now = desk.c.clock()
    today = now.astimezone(desk.c.cases.tz).date()
    counts = case_service.case_counts(desk.c.cases.repo, today, today, None, DEFAULT_LOCAL_PREFIXES)
    # four opened, one withdrawn; 浙D: no-penalty, withdrawn, still valid; 皖K: penalised, then transferred
    assert counts == CaseCounts(opened=4, withdrawn=1, referred_police=0, penalised=1, transferred=1, local_opened=3,
                                local_withdrawn=1, local_referred_police=0, local_disposed=1)
    station_county = desk.c.stations.get(desk.c.cases.repo.case(local)["station_id"]).county_code
    elsewhere = case_service.case_counts(desk.c.cases.repo, today, today, "999999", DEFAULT_LOCAL_PREFIXES)
    assert elsewhere.opened == 0 and station_county != "999999"
    before = case_service.case_counts(desk.c.cases.repo, today - timedelta(days=7), today - timedelta(days=1), None,
                                      ("浙",))
    assert before.opened == 0
    province = case_service.case_counts(desk.c.cases.repo, today, today, None, ("浙",))
    assert (province.local_opened, province.local_disposed) == (3, 1)
    with desk.c.db.reader.connect() as conn:
        assert conn.execute(select(cases.c.state).where(cases.c.id == local)).scalar_one() == "no_penalty"
