"""Joint punishment through the API, on both databases: registries imported from the shipped samples, a
simulated repeat offender carried to the dishonesty list and off it two years later, leaders' decisions,
and the partner check (plate forms, refusals, rate limit, call log)."""

from __future__ import annotations

import dataclasses
from importlib import resources
from typing import Any

import pytest

from tests.conftest import FixedClock
from tests.e2e.case_workflow import WorkflowDesk
from zhichao.bootstrap import Container, check_context
from zhichao.services.auth import add_user

PLATE = "浙D12345"
DRIVER = {"name": "王建国", "id_number": "330602197501100127", "phone": "13900005678"}
SOURCE = {"name": "柯桥区钱清石料厂", "licence": "SX-SRC-001"}
SAMPLES = (("enterprise", "enterprises.csv"), ("vehicle", "vehicles.csv"), ("driver", "drivers.csv"),
           ("source", "freight_sources.csv"))


class SanctionDesk(WorkflowDesk):
    """The case desk (with its partner system ``gate``) and the registries' samples. Cases here are carried
    to a decision for their dates and states only: the PDFs the actions issue are tested elsewhere
    (tests/integration/test_pdf_documents.py, the case e2e tests), so they are not rendered here."""

    def __init__(self, c: Container, clock: FixedClock) -> None:
        super().__init__(c, clock)
        c.cases = dataclasses.replace(c.cases, documents=None)

    def import_samples(self) -> None:
        for kind, name in SAMPLES:
            text = resources.files("zhichao.data.samples").joinpath(name).read_bytes()
            answer = self.call("root", "POST", f"/registries/{kind}", content=text,
                               headers={"Content-Type": "text/csv"})
            assert answer.status_code == 200, answer.text

    def offence(self, day: str, record_id: str, plate: str = PLATE) -> int:
        """A case of ``plate`` weighed on ``day``, with its driver and source, decided that day."""
        self.at(day)
        case_id = self.approved_case(record_id, captured_at=f"{day}T13:30:00+08:00", plate=plate)
        for role, party in (("driver", DRIVER), ("source", SOURCE)):
            assert self.call("wang", "PUT", f"/cases/{case_id}/parties/{role}", json=party).status_code == 200
        for who, action in (("wang", "send_notice"), ("wang", "owner_reported"), ("wang", "send_pre_decision"),
                            ("wang", "receive_statement"), ("wang", "request_legal_review"),
                            ("fa", "approve_legal_review"), ("boss", "decide")):
            self.ok(who, case_id, action)
        return case_id

    def sweep(self) -> list[tuple[str, str, str, int]]:
        answer = self.call("boss", "POST", "/sanctions/sweep")
        assert answer.status_code == 200, answer.text
        return [(s["party_kind"], s["party_key"], s["rule"], s["count"])
                for s in self.call("boss", "GET", "/sanctions?state=proposed").json()["sanctions"]]

    def check(self, plate: str = PLATE) -> dict[str, Any]:
        answer = self.call("gate", "GET", f"/check/{plate}")
        assert answer.status_code == 200, answer.text
        return dict(answer.json())


@pytest.fixture
def desk(container: Container, clock: FixedClock) -> SanctionDesk:
    return SanctionDesk(container, clock)


def _id_of(desk: SanctionDesk, kind: str) -> int:
    found = [s for s in desk.call("boss", "GET", f"/sanctions?kind={kind}").json()["sanctions"]]
    assert len(found) == 1, found
    return int(found[0]["id"])


def test_a_repeat_offender_reaches_the_list_and_drops_off_after_two_years(desk: SanctionDesk) -> None:
    desk.import_samples()
    cases = [desk.offence(day, f"r{i}") for i, day in enumerate(("2026-01-15", "2026-03-10", "2026-06-20"))]
    assert desk.sweep() == []  # three penalised overloads in a year: not "more than three" (Art. 66)
    assert desk.check()["blacklisted"] is False
    cases.append(desk.offence("2026-09-01", "r4"))
    proposed = desk.sweep()
    assert sorted(proposed) == [("driver", DRIVER["id_number"], "art66_driver", 4),
                                ("source", "SX-SRC-001", "source_repeated", 4),
                                ("vehicle", PLATE, "art66_vehicle", 4)]
    assert desk.sweep() == proposed  # a pending proposal is not made twice
    # a reviewer reads the driver's identity number masked, in the list and on the vehicle's page
    assert [s["party_key"] for s in desk.call("zhang", "GET", "/sanctions?kind=driver").json()["sanctions"]] == [
        "330602********0127"]
    seen = desk.call("zhang", "GET", f"/parties/vehicle/{PLATE}").json()
    assert [p["key"] for p in seen["parties"]["driver"]] == ["330602********0127"]
    assert DRIVER["id_number"] not in str(seen)
    vehicle = _id_of(desk, "vehicle")
    detail = desk.call("boss", "GET", "/sanctions?kind=vehicle").json()["sanctions"][0]
    assert detail["case_ids"] == cases and "第六十六条" in detail["basis"] and detail["window_from"] == "2025-09-02"
    # Only a leader decides; a proposal is not a listing.
    assert desk.call("wang", "POST", f"/sanctions/{vehicle}/confirm", json={}).json()["error"]["code"] == \
        "role_not_allowed"
    assert desk.check()["blacklisted"] is False
    desk.at("2026-09-02")
    confirmed = desk.call("boss", "POST", f"/sanctions/{vehicle}/confirm", json={"note": "经审核属实"}).json()
    assert (confirmed["state"], confirmed["confirmed_on"], confirmed["listed_until"]) == \
        ("confirmed", "2026-09-02", "2028-09-01")
    answer = desk.check()
    assert (answer["blacklisted"], answer["refuse_entry"], answer["listed_until"]) == (True, True, "2028-09-01")
    assert answer["unresolved_cases"] == 4  # decided, not yet paid: unresolved
    assert [r["code"] for r in answer["reasons"]] == ["dishonesty_list"] + ["unresolved_case"] * 4
    assert "公布期至 2028-09-01" in answer["reasons"][0]["message"]
    for form in ("黄浙D12345", "浙d12345", "浙Ｄ１２３４５", "浙D·12345"):  # LEGAL.md §7: one vehicle
        assert desk.check(form) == answer
    driver = _id_of(desk, "driver")
    assert desk.call("boss", "POST", f"/sanctions/{driver}/reject", json={}).json()["error"]["code"] == \
        "reason_required"
    assert desk.call("boss", "POST", f"/sanctions/{driver}/reject", json={"note": "驾驶人信息有误"}).status_code == 200
    assert [p[0] for p in desk.sweep()] == ["source"]  # neither the listed vehicle nor the rejected driver again
    listed = desk.call("gate", "GET", "/sanctions?listed=true")
    assert listed.json()["error"]["code"] == "role_not_allowed"  # partners see only the check
    assert [s["party_key"] for s in desk.call("boss", "GET", "/sanctions?listed=true").json()["sanctions"]] == [PLATE]

    desk.at("2028-09-01")  # the last day of its two years
    assert desk.check()["blacklisted"] is True
    desk.at("2028-09-02")
    answer = desk.check()
    assert (answer["blacklisted"], answer["refuse_entry"], answer["listed_until"]) == (False, False, None)
    assert [r["code"] for r in answer["reasons"]] == ["unresolved_case"] * 4
    assert desk.call("boss", "GET", "/sanctions?listed=true").json()["sanctions"] == []
    history = desk.call("boss", "GET", "/sanctions?kind=vehicle").json()["sanctions"]
    assert [(s["state"], s["state_label"], s["listed"]) for s in history] == [("confirmed", "公布期已满", False)]
    assert desk.sweep() == []  # two years on, the acts are too old: the source's pending proposal lapsed
    assert [s["state"] for s in desk.call("boss", "GET", "/sanctions?kind=source").json()["sanctions"]] == ["lapsed"]
    page = desk.call("boss", "GET", f"/parties/vehicle/{PLATE}").json()
    assert [c["id"] for c in page["cases"]] == cases[::-1]
    assert {k: [p["key"] for p in v] for k, v in page["parties"].items() if k != "owner"} == {
        "enterprise": ["91330600725000101E"], "driver": [DRIVER["id_number"]], "source": ["SX-SRC-001"]}
    assert page["parties"]["owner"][0]["name"] == "绍兴市越达物流有限公司"


def test_an_enterprise_over_a_tenth_of_its_fleet_is_proposed(desk: SanctionDesk) -> None:
    desk.import_samples()  # 浙D88802 belongs to an enterprise of 8 vehicles: one is 12.5 %
    desk.offence("2026-05-06", "e1", plate="浙D88802")
    proposed = [p for p in desk.sweep() if p[0] == "enterprise"]
    assert proposed == [("enterprise", "91330600725000104P", "art66_enterprise", 1)]
    page = desk.call("boss", "GET", "/parties/enterprise/91330600725000104P").json()
    assert page["overloading_vehicles"] == ["浙D88802"] and len(page["fleet"]) >= 1


def test_lifting_a_listed_vehicle_clears_the_check_at_once(desk: SanctionDesk) -> None:
    for i, day in enumerate(("2026-02-01", "2026-02-02", "2026-02-03", "2026-02-04")):
        desk.offence(day, f"l{i}")
    desk.sweep()
    vehicle = _id_of(desk, "vehicle")
    desk.call("boss", "POST", f"/sanctions/{vehicle}/confirm", json={})
    assert desk.check()["blacklisted"] is True
    assert desk.call("boss", "POST", f"/sanctions/{vehicle}/lift", json={"note": "处罚决定被撤销"}).json()[
        "state"] == "lifted"
    assert desk.check()["blacklisted"] is False
    again = desk.call("boss", "POST", f"/sanctions/{vehicle}/confirm", json={})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "sanction_state")
    trail = [e.action for e in desk.c.audit.for_subject(f"sanction:{vehicle}")]
    assert trail == ["sanction.confirm", "sanction.lift"]


def test_a_case_that_is_paid_and_closed_leaves_the_check(desk: SanctionDesk) -> None:
    case_id = desk.offence("2026-04-01", "p1")
    assert desk.check()["unresolved_cases"] == 1
    desk.ok("wang", case_id, "record_payment")
    desk.ok("wang", case_id, "close")
    assert desk.check() == {"plate": PLATE, "unresolved_cases": 0, "blacklisted": False, "reasons": [],
                            "refuse_entry": False, "listed_until": None}


def test_partners_are_refused_clearly_and_every_call_is_logged(desk: SanctionDesk) -> None:
    desk.users["gate"] = add_user(desk.c.users, desk.c.hasher, "slow-gate", "partner", now=desk.c.clock(),
                                  rate_per_s=3)
    bad = desk.client.get(f"/api/v1/check/{PLATE}", headers={"Authorization": "Bearer zut_wrong"})
    assert (bad.status_code, bad.json()["error"]["code"]) == (401, "invalid_token")
    assert desk.call("gate", "GET", "/parties/vehicle/浙D12345").json()["error"]["code"] == "role_not_allowed"
    answers = [desk.call("gate", "GET", f"/check/{PLATE}") for _ in range(5)]  # 3 a second allowed
    codes = [a.status_code for a in answers]
    assert codes[:3] == [200, 200, 200] and 429 in codes[3:]
    refused = next(a for a in answers if a.status_code == 429).json()["error"]
    assert refused["code"] == "rate_limited" and "每秒最多 3 次" in refused["message"]
    assert desk.call("gate", "GET", "/check/不是车牌").json()["error"]["code"] in ("invalid_plate", "rate_limited")
    logged = desk.call("root", "GET", "/partner-calls").json()["calls"]
    assert len(logged) == 6 and {c["status"] for c in logged} >= {200, 429}
    assert all(c["partner_id"] == desk.users["gate"][0].id for c in logged)
    assert desk.call("wang", "GET", "/partner-calls").json()["error"]["code"] == "role_not_allowed"


def test_a_serious_unresolved_case_refuses_entry_when_the_bureau_sets_it(desk: SanctionDesk) -> None:
    desk.offence("2026-04-01", "s1")  # 60.32 t on 49 t: 23.10 %
    assert desk.check()["refuse_entry"] is False
    c = desk.c  # the policy is a setting: the check context is rebuilt with it
    for threshold, refused in ((23.10, True), (23.11, False)):
        c.checks = check_context(c.settings.with_overrides(check_refuse_open_rate_pct=threshold), c.db,
                                 c.sanctions.tz)
        answer = desk.check()
        assert (answer["refuse_entry"], answer["blacklisted"]) == (refused, False), threshold


def test_partners_fetch_the_reminder_lists_their_scopes_allow(desk: SanctionDesk, tmp_path: Any) -> None:
    for i, day in enumerate(("2026-02-01", "2026-02-02", "2026-02-03", "2026-02-04")):
        desk.offence(day, f"x{i}")
    desk.offence("2026-02-05", "y1", plate="浙D88802")
    desk.sweep()
    desk.call("boss", "POST", f"/sanctions/{_id_of(desk, 'vehicle')}/confirm", json={})
    closed = desk.offence("2026-02-06", "z1", plate="浙D77777")
    desk.ok("wang", closed, "record_payment")
    desk.ok("wang", closed, "close")
    desk.users["dmv"] = add_user(desk.c.users, desk.c.hasher, "dmv", "partner", now=desk.c.clock(),
                                 scopes="inspection")
    inspection = desk.call("dmv", "GET", "/exports/inspection").json()
    assert [(p["plate"], p["unresolved_cases"], p["fines_yuan"], p["oldest_case_on"]) for p in inspection["plates"]] \
        == [("浙D12345", 4, 4 * 456, "2026-02-01"), ("浙D88802", 1, 456, "2026-02-05")]
    refused = desk.call("dmv", "GET", "/exports/transfer")
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "scope_not_allowed")
    assert desk.call("gate", "GET", "/exports/inspection").json()["error"]["code"] == "scope_not_allowed"
    transfer = desk.call("boss", "GET", "/exports/transfer?format=csv")
    assert transfer.headers["content-type"].startswith("text/csv")
    lines = transfer.text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("车牌号,未结案件数") and lines[1].startswith("浙D12345,4,1824,2026-02-01,20")
    assert len(lines) == 3
    assert desk.call("boss", "GET", "/exports/nonsense").json()["error"]["code"] == "unknown_export"
    from dataclasses import replace

    from zhichao.services.partner_exports import write_files

    written = write_files(replace(desk.c.exports, directory=tmp_path), desk.c.clock())
    assert [p.name for p in written] == ["inspection-2026-02-06.csv", "transfer-2026-02-06.csv"]
    assert written[1].read_bytes().decode("utf-8") == transfer.text
    logged = desk.call("root", "GET", "/partner-calls").json()["calls"]
    assert [(c["plate"], c["status"]) for c in logged if c["partner_id"] == desk.users["dmv"][0].id] == [
        ("*transfer", 403), ("*inspection", 200)]


def test_one_registry_entry_is_entered_and_corrected_with_every_error_named(desk: SanctionDesk) -> None:
    entry = {"vehicle_type": "重型自卸货车", "axle_count": "4", "owner_name": "绍兴市某运输公司",
             "enterprise_code": "91330600725000101E", "engineering": "是"}
    created = desk.call("wang", "PUT", "/registries/vehicle/黄浙d66601", json=entry).json()
    assert created["created"] and created["entry"]["plate"] == "浙D66601" and created["entry"]["engineering"] is True
    again = desk.call("wang", "PUT", "/registries/vehicle/浙D66601", json=entry).json()
    assert (again["created"], again["changed"]) == (False, False)
    bad = desk.call("wang", "PUT", "/registries/vehicle/浙D66601", json={**entry, "axle_count": "13",
                                                                      "enterprise_code": "91330600725000101X"})
    error = bad.json()["error"]
    assert (bad.status_code, error["code"]) == (400, "invalid_entry")
    assert sorted(d["field"] for d in error["details"]) == ["axle_count", "enterprise_code"]
    assert desk.c.registries.get("vehicle", "浙D66601")["axle_count"] == 4  # nothing stored
    assert desk.call("zhang", "PUT", "/registries/vehicle/浙D66601", json=entry).json()["error"]["code"] == \
        "role_not_allowed"


def test_a_pending_proposal_lapses_when_a_case_behind_it_is_withdrawn(desk: SanctionDesk) -> None:
    cases = [desk.offence(day, f"w{i}") for i, day in enumerate(("2026-03-01", "2026-03-02", "2026-03-03",
                                                                  "2026-03-04"))]
    assert ("vehicle", PLATE, "art66_vehicle", 4) in desk.sweep()
    desk.ok("boss", cases[0], "withdraw", reason="复核发现称重数据异常，撤销处罚决定")
    assert desk.sweep() == []  # three penalised overloads remain: nothing pending any more
    lapsed = desk.call("boss", "GET", "/sanctions?state=lapsed").json()["sanctions"]
    # (no registries here: the source named only by an unregistered code is not linked, nor proposed)
    assert {(s["party_kind"], s["state_label"]) for s in lapsed} == {("vehicle", "已失效"), ("driver", "已失效")}
    vehicle = next(s["id"] for s in lapsed if s["party_kind"] == "vehicle")
    assert [e.action for e in desk.c.audit.for_subject(f"sanction:{vehicle}")] == ["sanction.lapse"]
    refused = desk.call("boss", "POST", f"/sanctions/{vehicle}/confirm", json={})
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "sanction_state")
