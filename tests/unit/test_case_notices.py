"""Who a case action notifies, through which channel (domain/case_notices.py): SMS only to a mobile number,
post only with an address and a document, a transfer by post to the registration region's authority;
dedupe keys name the case, the action, the version moved from and the channel."""

from __future__ import annotations

from typing import Any

import pytest

from zhichao.domain.case_notices import NOTIFYING_ACTIONS, notices_for, require_owner_contact
from zhichao.domain.cases import ACTIONS, CaseRefused

CASE = {"id": 7, "version": 3, "plate": "苏E12345"}
FACTS = {"when": "2026年11月26日13时30分", "station": "测试站 S1", "code": "ABCD2345", "portal": "https://zc.example",
         "number": "绍交执罚〔2026〕12号"}
DOCUMENT = {"id": 41, "number": "绍交执罚〔2026〕12号"}
MOBILE, LANDLINE = "13800001234", "0575-88881234"
ADDRESS = "浙江省绍兴市越城区人民中路1号"


def owner(phone: str | None = MOBILE, address: str | None = ADDRESS, name: str = "张三") -> dict[str, Any]:
    return {"role": "owner", "name": name, "phone": phone, "address": address}


def channels(action: str, parties: list[dict[str, Any]], document: dict[str, Any] | None = DOCUMENT,
             authority: str | None = None) -> list[tuple[str, str]]:
    found = notices_for(action, CASE, parties, subject="绍兴市交通运输局：苏E12345 超限案件", facts=FACTS,
                        document=document, authority=authority)
    return [(n.channel, n.recipient) for n in found]


@pytest.mark.parametrize("action", ["send_notice", "send_pre_decision", "decide", "decide_no_penalty",
                                    "send_reminder"])
@pytest.mark.parametrize(
    ("party", "document", "expected"),
    [
        pytest.param(owner(), DOCUMENT, [("sms", MOBILE), ("post", ADDRESS)], id="mobile, address, document"),
        pytest.param(owner(), None, [("sms", MOBILE)], id="no document: no letter"),
        pytest.param(owner(address=None), DOCUMENT, [("sms", MOBILE)], id="no address: no letter"),
        pytest.param(owner(phone=LANDLINE), DOCUMENT, [("post", ADDRESS)], id="a landline takes no SMS"),
        pytest.param(owner(phone=LANDLINE), None, [], id="a landline and no document: nothing"),
        pytest.param(owner(phone=None), DOCUMENT, [("post", ADDRESS)], id="no phone"),
    ],
)
def test_the_owner_is_told_by_sms_and_post(action: str, party: dict[str, Any], document: dict[str, Any] | None,
                                           expected: list[tuple[str, str]]) -> None:
    assert channels(action, [party], document) == expected


def test_only_the_owner_is_told() -> None:
    driver = {"role": "driver", "name": "李四", "phone": "13900005678", "address": "江苏省苏州市"}
    assert channels("send_notice", [driver]) == []
    assert channels("send_notice", [driver, owner()]) == [("sms", MOBILE), ("post", ADDRESS)]


@pytest.mark.parametrize("document", [DOCUMENT, None], ids=["with the letter", "without a document"])
def test_a_transfer_goes_by_post_to_the_authority(document: dict[str, Any] | None) -> None:
    found = notices_for("transfer", CASE, [owner()], subject="抄告", facts=FACTS, document=document,
                        authority="苏州市交通运输局")
    assert [(n.channel, n.recipient, n.dedupe_key) for n in found] == [
        ("post", "苏州市交通运输局", "case:7:transfer:v3:post")]
    assert "苏E12345" in found[0].body
    expected = {"case_id": 7, "action": "transfer"}
    if document is not None:
        expected |= {"document_id": 41, "document_number": "绍交执罚〔2026〕12号"}
    assert dict(found[0].payload) == expected


@pytest.mark.parametrize("action", sorted(set(ACTIONS) - NOTIFYING_ACTIONS))
def test_other_actions_notify_nobody(action: str) -> None:
    assert channels(action, [owner()]) == []


def test_notifying_actions() -> None:
    expected = {"send_notice", "send_pre_decision", "decide", "decide_no_penalty", "send_reminder", "transfer"}
    assert expected == NOTIFYING_ACTIONS


def test_dedupe_keys_name_case_action_version_and_channel() -> None:
    found = notices_for("send_notice", CASE, [owner()], subject="s", facts=FACTS, document=DOCUMENT)
    assert [n.dedupe_key for n in found] == ["case:7:send_notice:v3:sms", "case:7:send_notice:v3:post"]
    moved = notices_for("send_notice", {**CASE, "version": 4}, [owner()], subject="s", facts=FACTS, document=DOCUMENT)
    assert [n.dedupe_key for n in moved] == ["case:7:send_notice:v4:sms", "case:7:send_notice:v4:post"]
    decided = notices_for("decide", CASE, [owner()], subject="s", facts=FACTS, document=DOCUMENT)
    assert [n.dedupe_key for n in decided] == ["case:7:decide:v3:sms", "case:7:decide:v3:post"]


def test_what_the_messages_say_and_carry() -> None:
    sms, post = notices_for("send_notice", CASE, [owner()], subject="主题", facts=FACTS, document=DOCUMENT)
    for part in ("苏E12345", "2026年11月26日13时30分", "测试站 S1", "15日", "ABCD2345", "https://zc.example"):
        assert part in sms.body
    assert sms.subject == post.subject == "主题" and sms.body == post.body
    assert dict(sms.payload) == {"case_id": 7}
    assert dict(post.payload) == {"case_id": 7, "action": "send_notice", "document_id": 41,
                                  "document_number": "绍交执罚〔2026〕12号", "addressee": "张三"}
    decision = notices_for("decide", CASE, [owner()], subject="s", facts=FACTS, document=DOCUMENT)[0]
    assert "绍交执罚〔2026〕12号" in decision.body and "3%" in decision.body


@pytest.mark.parametrize(
    "parties",
    [
        pytest.param([], id="no parties"),
        pytest.param([{"role": "driver", "name": "李四", "phone": MOBILE, "address": ADDRESS}], id="only a driver"),
        pytest.param([owner(phone=None, address=None)], id="an owner without phone or address"),
        pytest.param([owner(phone="", address="")], id="blank phone and address"),
        pytest.param([owner(phone=LANDLINE, address=None)], id="a landline only: no SMS, no letter"),
    ],
)
def test_a_notice_needs_the_owners_mobile_or_address(parties: list[dict[str, Any]]) -> None:
    with pytest.raises(CaseRefused) as refused:
        require_owner_contact(parties)
    assert refused.value.code == "owner_contact_missing" and refused.value.message


@pytest.mark.parametrize(
    "party",
    [owner(), owner(address=None), owner(phone=None), owner(phone=LANDLINE)],
    ids=["mobile and address", "mobile only", "address only", "landline and address"],
)
def test_an_owner_with_a_mobile_or_an_address_may_be_notified(party: dict[str, Any]) -> None:
    require_owner_contact([party])
