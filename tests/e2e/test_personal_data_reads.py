"""Every read of unmasked personal data writes one ``personal_data.read`` audit entry naming the reader, the
subject and the channel; a read whose personal data was masked writes none; the chain still verifies; and a
read whose entry cannot be written is refused, the data unsent (services/personal_data.py, docs/security.md).

On both databases, built on the joint-punishment desk (tests/e2e/test_sanctions_api.py): wang is an officer,
fa a legal reviewer and boss a leader (they see personal data in full); zhang is a reviewer and root an admin
(they see it masked).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import FixedClock
from tests.e2e.case_workflow import WorkflowDesk
from tests.e2e.test_cases_api import OWNER
from tests.e2e.test_party_pages import console
from tests.e2e.test_sanctions_api import DRIVER, PLATE, SanctionDesk
from tests.factories import pdf
from zhichao.bootstrap import Container
from zhichao.domain.audit import AuditEntry
from zhichao.services.audit import verify_chain
from zhichao.services.personal_data import READ_ACTION, party_page_shown, registry_shown

MASKED_DRIVER = "driver:330602********0127"


@pytest.fixture
def desk(container: Container, clock: FixedClock) -> SanctionDesk:
    return SanctionDesk(container, clock)


def reads(desk: WorkflowDesk) -> list[AuditEntry]:
    return [e for e in desk.c.audit.entries() if e.action == READ_ACTION]


def one_read(desk: WorkflowDesk, before: int, who: str) -> AuditEntry:
    """The single entry the read since ``before`` wrote, by ``who``; the chain intact."""
    new = reads(desk)[before:]
    assert len(new) == 1, [(e.subject, e.details) for e in new]
    assert new[0].actor == f"user:{desk.user(who).id}" and new[0].details["username"] == who
    assert verify_chain(desk.c.audit).ok
    return new[0]


def no_read(desk: WorkflowDesk, before: int) -> None:
    assert reads(desk)[before:] == []


def read_by(desk: WorkflowDesk, who: str, path: str) -> tuple[Any, int]:
    before = len(reads(desk))
    answer = desk.call(who, "GET", path)
    assert answer.status_code == 200, answer.text
    return answer, before



def page_read(desk: SanctionDesk, url: str, personal: str, subject: str, users: tuple[str, str]) -> None:
    """The page shows ``personal`` to the first user, with one entry on ``subject``, and masks it for the
    second, with none."""
    for who, written in zip(users, (True, False), strict=True):
        client = console(desk, who)
        before = len(reads(desk))
        page = client.get(url)
        assert page.status_code == 200
        assert (personal in page.text) is written
        if written:
            entry = one_read(desk, before, who)
            assert (entry.subject, entry.details["channel"]) == (subject, "console")
        else:
            no_read(desk, before)


def test_the_case_file_over_the_api(desk: SanctionDesk) -> None:
    case_id = desk.approved_case()
    answer, before = read_by(desk, "wang", f"/cases/{case_id}")
    assert OWNER["phone"] in answer.text
    entry = one_read(desk, before, "wang")
    assert (entry.subject, entry.details["channel"], entry.details["shown"]) == (f"case:{case_id}", "api", ["owner"])
    assert entry.details["role"] == "officer"
    answer, before = read_by(desk, "root", f"/cases/{case_id}")  # an admin reads the parties masked
    assert OWNER["phone"] not in answer.text
    no_read(desk, before)


def test_a_case_without_parties_shows_nobody(desk: SanctionDesk) -> None:
    case_id = desk.approved_case(owner=False)
    _, before = read_by(desk, "boss", f"/cases/{case_id}")
    no_read(desk, before)


def test_the_case_page(desk: SanctionDesk) -> None:
    case_id = desk.approved_case()
    page_read(desk, f"/console/cases/{case_id}", OWNER["phone"], f"case:{case_id}", ("wang", "root"))


def test_a_party_s_statement_whoever_downloads_it(desk: SanctionDesk) -> None:
    case_id = desk.approved_case()
    stored = desk.call("wang", "POST", f"/cases/{case_id}/attachments",
                       files={"file": ("陈述申辩书.pdf", pdf(), "application/pdf")})
    assert stored.status_code == 200, stored.text
    attachment_id = stored.json()["id"]
    _, before = read_by(desk, "root", f"/cases/{case_id}/attachments/{attachment_id}")
    entry = one_read(desk, before, "root")
    assert (entry.subject, entry.details["channel"], entry.details["shown"]) == (
        f"case:{case_id}", "export", [f"attachment:{attachment_id}"])


def test_a_case_document_and_the_transfer_package(container: Container, clock: FixedClock) -> None:
    desk = WorkflowDesk(container, clock)  # documents rendered
    case_id = desk.approved_case(plate="皖K12345")
    for who, action in (("wang", "send_notice"), ("wang", "owner_reported"), ("wang", "send_pre_decision"),
                        ("wang", "receive_statement"), ("boss", "decide"), ("wang", "record_payment"),
                        ("wang", "close"), ("wang", "transfer")):
        desk.ok(who, case_id, action)
    document_id = desk.case(case_id)["documents"][0]["id"]
    _, before = read_by(desk, "root", f"/cases/{case_id}/documents/{document_id}")
    entry = one_read(desk, before, "root")
    assert (entry.subject, entry.details["channel"], entry.details["shown"]) == (
        f"case:{case_id}", "export", [f"document:{document_id}"])
    _, before = read_by(desk, "fa", f"/cases/{case_id}/transfer-package")
    entry = one_read(desk, before, "fa")
    assert (entry.subject, entry.details["shown"]) == (f"case:{case_id}", ["transfer_package"])


def test_a_vehicle_s_and_a_driver_s_page_over_the_api(desk: SanctionDesk) -> None:
    desk.import_samples()
    desk.offence("2026-01-15", "r1")
    answer, before = read_by(desk, "boss", f"/parties/vehicle/{PLATE}")
    entry = one_read(desk, before, "boss")
    assert (entry.subject, entry.details["channel"]) == (f"party:vehicle:{PLATE}", "api")
    assert entry.details["shown"] == [MASKED_DRIVER]  # the owner is a company: its name and code are public
    answer, before = read_by(desk, "fa", f"/parties/driver/{DRIVER['id_number']}")
    entry = one_read(desk, before, "fa")
    assert entry.subject == "party:driver:330602********0127" and entry.details["shown"] == [MASKED_DRIVER]
    assert DRIVER["id_number"] not in str(reads(desk))  # the log names a driver masked
    answer, before = read_by(desk, "zhang", f"/parties/vehicle/{PLATE}")
    seen = answer.json()
    assert seen["entry"]["owner_id"] == "91330600725000101E"  # a unit's credit code is public
    assert DRIVER["id_number"] not in answer.text
    no_read(desk, before)
    answer, before = read_by(desk, "root", f"/parties/driver/{DRIVER['id_number']}")
    no_read(desk, before)
    answer, before = read_by(desk, "boss", "/parties/enterprise/91330600725000101E")  # units only: no person
    no_read(desk, before)


def test_a_person_owning_a_vehicle_is_masked_for_a_reviewer_over_the_api(desk: SanctionDesk) -> None:
    person = {"plate": PLATE, "owner_name": "李四", "owner_id": "330602197501100127", "axle_count": 6}
    assert desk.call("wang", "PUT", f"/registries/vehicle/{PLATE}", json=person).status_code == 200
    answer, before = read_by(desk, "zhang", f"/parties/vehicle/{PLATE}")
    assert answer.json()["entry"]["owner_name"] == "李*" and "330602197501100127" not in answer.text
    no_read(desk, before)
    answer, before = read_by(desk, "wang", f"/parties/vehicle/{PLATE}")
    assert answer.json()["entry"]["owner_name"] == "李四"
    assert one_read(desk, before, "wang").details["shown"] == ["owner"]


def test_a_party_s_page_in_the_console(desk: SanctionDesk) -> None:
    desk.import_samples()
    desk.offence("2026-01-15", "r1")
    page_read(desk, f"/parties/vehicle/{PLATE}", DRIVER["name"], f"party:vehicle:{PLATE}", ("wang", "zhang"))


def test_the_registries_page(desk: SanctionDesk) -> None:
    desk.import_samples()
    wang, zhang = console(desk, "wang"), console(desk, "zhang")
    before = len(reads(desk))
    assert DRIVER["id_number"] in wang.get("/registries?kind=driver").text
    entry = one_read(desk, before, "wang")
    assert (entry.subject, entry.details["channel"]) == ("registry:driver", "console")
    assert MASKED_DRIVER in entry.details["shown"]
    before = len(reads(desk))
    assert DRIVER["id_number"] not in zhang.get("/registries?kind=driver").text
    wang.get("/registries?kind=enterprise")  # units: nothing personal
    no_read(desk, before)


def test_the_sanctions_list_over_the_api_and_in_the_console(desk: SanctionDesk) -> None:
    desk.import_samples()
    for i, day in enumerate(("2026-01-15", "2026-03-10", "2026-06-20", "2026-09-01")):
        desk.offence(day, f"r{i}")
    desk.sweep()
    answer, before = read_by(desk, "boss", "/sanctions?state=proposed")
    entry = one_read(desk, before, "boss")
    assert (entry.subject, entry.details["channel"], entry.details["shown"]) == ("sanctions", "api", [MASKED_DRIVER])
    _, before = read_by(desk, "zhang", "/sanctions?state=proposed")
    _, _ = read_by(desk, "boss", "/sanctions?kind=vehicle")  # no driver among them
    no_read(desk, before)
    before = len(reads(desk))
    assert DRIVER["name"] in console(desk, "boss").get("/sanctions?tab=proposed").text
    assert one_read(desk, before, "boss").details["channel"] == "console"
    before = len(reads(desk))
    assert DRIVER["id_number"] not in console(desk, "zhang").get("/sanctions?tab=proposed").text
    no_read(desk, before)


def test_a_read_whose_entry_cannot_be_written_is_refused_and_sends_nothing(desk: SanctionDesk,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    case_id = desk.approved_case()
    wang = console(desk, "wang")

    def broken(**_: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(desk.c.audit, "record", broken)
    refused = desk.call("wang", "GET", f"/cases/{case_id}")
    assert refused.status_code == 503 and refused.json()["error"]["code"] == "audit_unavailable"
    assert OWNER["phone"] not in refused.text
    page = wang.get(f"/console/cases/{case_id}")
    assert page.status_code == 503 and OWNER["phone"] not in page.text and "审计日志暂时无法写入" in page.text
    assert desk.call("root", "GET", f"/cases/{case_id}").status_code == 200  # masked: nothing to log
    monkeypatch.undo()
    assert verify_chain(desk.c.audit).ok


@pytest.mark.parametrize(
    ("page", "shown"),
    [
        ({}, []),
        ({"kind": "vehicle", "entry": None, "parties": None, "sanctions": None}, []),
        ({"kind": "driver", "key": None}, ["driver:"]),
        ({"kind": "vehicle", "parties": {"driver": [{}]}, "fleet": [{"plate": "浙D1"}]}, ["driver:"]),
    ],
)
def test_odd_pages_never_fail_a_read(page: dict[str, Any], shown: list[str]) -> None:
    assert party_page_shown(page, "leader") == shown
    assert party_page_shown(page, "reviewer") == []
    assert registry_shown("vehicle", [{"plate": "浙D1"}, {}], "leader") == []


