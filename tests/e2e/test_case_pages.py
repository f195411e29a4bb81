"""The case pages (案件) and the owner's page over HTTP, on both databases: the list and its filters, the
case file, actions, parties, payments, documents and transfers posted as forms; refusals in Chinese; and
the owner's look-up, photos, documents, statement (typed or as a file) and rate limit.

Built on ``CaseDesk`` (tests/e2e/test_cases_api.py): records approved by two reviewers become cases; the
people act through the console's forms, logged in with their passwords.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.e2e.test_cases_api import OWNER, CaseDesk
from tests.e2e.test_review_pages import text_of
from tests.factories import pdf
from zhichao.bootstrap import Container
from zhichao.domain.cases import ACTIONS
from zhichao.services.auth import add_user
from zhichao.web.app import create_app
from zhichao.web.console import labels as L
from zhichao.web.rate_limit import RateLimiter

HTML = {"accept": "text/html"}
# What must never reach a person's eyes: a stored code in a sentence of the page.
CODES = re.compile(r"\b(" + "|".join([*ACTIONS, *L.CASE_STATES, "officer", "leader", "legal", "admin"]) + r")\b")


class Pages(CaseDesk):
    """The case desk, an admin, and console sessions logged in through the login form."""

    def __init__(self, c: Container) -> None:
        super().__init__(c)
        self.users["root"] = add_user(c.users, c.hasher, "root", "admin", now=c.clock())
        self.app = create_app(c)

    def browser(self, who: str | None = None) -> TestClient:
        client = TestClient(self.app, follow_redirects=False, headers={"origin": "http://testserver"})
        if who:
            answer = client.post("/login", data={"username": who, "password": self.users[who][1]})
            assert answer.status_code == 303, answer.text
        return client


@pytest.fixture
def pages(container: Container) -> Pages:
    return Pages(container)


@pytest.fixture
def wang(pages: Pages) -> Iterator[TestClient]:
    with pages.browser("wang") as client:
        yield client


def visible(html: str) -> str:
    """The page's text without its forms' hidden values and attributes."""
    return text_of(re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S))


def act(client: TestClient, case_id: int, action: str, version: int, **fields: str) -> Any:
    return client.post(f"/console/cases/{case_id}/actions", headers=HTML,
                       data={"action": action, "version": str(version), **fields})


def test_the_list_shows_cases_newest_first_and_filters_them(pages: Pages, wang: TestClient) -> None:
    first = pages.approved_case("r1")
    second = pages.approved_case("r2", plate="皖K12345", captured_at="2026-11-26T13:40:00+08:00")
    assert pages.act("wang", first, "send_notice").status_code == 200
    page = wang.get("/console/cases")
    assert page.status_code == 200 and 'aria-current="page">案件</a>' in page.text
    assert re.findall(r'data-case="(\d+)"', page.text) == [str(second), str(first)]
    row = visible(page.text.split(f'data-case="{first}"', 1)[1].split("</tr>", 1)[0])
    assert row.startswith(f"> {first} 浙D12345 测试站 S1 2026-11-26 13:30:00 23.10% 456 违法行为通知已送达 2026-12-11")
    assert "当事人接受处理（通知送达之日起15日）" in row
    assert re.findall(r'data-case="(\d+)"', wang.get("/console/cases?state=notified").text) == [str(first)]
    assert re.findall(r'data-case="(\d+)"', wang.get("/console/cases?plate=皖k12345").text) == [str(second)]
    assert re.findall(r'data-case="(\d+)"', wang.get("/console/cases?due=overdue").text) == []
    soon = wang.get("/console/cases?due=15").text  # the report window (Dec 11) comes before the 90-day decision
    assert re.findall(r'data-case="(\d+)"', soon) == [str(first)]
    pages.c.clock.now += timedelta(days=13)  # 2 days left: amber (a new session: the first one expired)
    with pages.browser("wang") as later:
        assert f'class="due-soon" data-case="{first}"' in later.get("/console/cases").text
    pages.c.clock.now += timedelta(days=3)  # past Dec 11: red, and first when filtering by deadline
    with pages.browser("wang") as later:
        listed = later.get("/console/cases?due=overdue").text
    assert re.findall(r'data-case="(\d+)"', listed) == [str(first)] and 'class="due-overdue"' in listed
    assert "已逾期 1 日" in listed


def test_reviewers_partners_and_strangers_do_not_see_cases(pages: Pages) -> None:
    case_id = pages.approved_case()
    with pages.browser() as stranger:
        answer = stranger.get(f"/console/cases/{case_id}", headers=HTML)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next=")
        posted = act(stranger, case_id, "send_notice", 0)
        assert posted.status_code == 303 and posted.headers["location"] == f"/login?next=%2Fconsole%2Fcases%2F{case_id}"
    with pages.browser("zhang") as reviewer:
        assert reviewer.get("/console/cases", headers=HTML).status_code == 403
        assert 'href="/console/cases"' not in reviewer.get("/").text
        assert act(reviewer, case_id, "send_notice", 0).status_code == 403
    assert pages.case(case_id)["case"]["version"] == 0


def test_the_officer_enters_the_owner_and_sends_the_notice(pages: Pages, wang: TestClient) -> None:
    case_id = pages.approved_case(owner=False)
    page = wang.get(f"/console/cases/{case_id}")
    assert page.status_code == 200
    text = visible(page.text)
    assert "案件 1 浙D12345 有效案件" in text and "未录入" in text and "尚未生成文书" in text
    assert "初审通过" in text and "复审通过" in text and "立案 → 有效案件" in text
    assert "超限率：超限质量 ÷ 限值 × 100% = 23.10%" in text
    assert [a for a in re.findall(r'data-action="(\w+)"', page.text)] == ["send_notice"]
    refused = act(wang, case_id, "send_notice", 0)
    assert refused.status_code == 409 and "请先录入车辆所有人及其手机号码或邮寄地址，再送达通知" in refused.text
    bad = wang.post(f"/console/cases/{case_id}/parties/owner", data={**OWNER, "id_number": "91330602MA2BCDEF1X"})
    assert bad.status_code == 400 and "不正确（校验位不符）" in bad.text
    assert 'value="91330602MA2BCDEF1X"' in bad.text  # the form keeps what was typed
    saved = wang.post(f"/console/cases/{case_id}/parties/owner", data=OWNER)
    assert saved.status_code == 303 and saved.headers["location"] == f"/console/cases/{case_id}?done=party#party-owner"
    sent = act(wang, case_id, "send_notice", 0, note="邮寄送达")
    assert sent.status_code == 303 and sent.headers["location"] == f"/console/cases/{case_id}?done=send_notice"
    after = visible(wang.get(sent.headers["location"]).text)
    assert "已完成：送达违法行为通知。" in after and "违法行为通知已送达" in after
    assert "送达违法行为通知 有效案件 → 违法行为通知已送达 邮寄送达" in after
    assert "绍兴市某某运输有限公司" in after and "13800001234" in after
    assert CODES.search(after) is None, CODES.search(after)


def test_a_refused_action_changes_nothing_and_says_why_in_chinese(pages: Pages, wang: TestClient) -> None:
    case_id = pages.approved_case()
    closed = act(wang, case_id, "close", 0)
    assert closed.status_code == 409
    assert "当前状态（有效案件）不能执行「结案」。" in visible(closed.text)
    with pages.browser("fa") as legal:
        answer = act(legal, case_id, "send_notice", 0)
        assert answer.status_code == 403 and "当前角色（法制审核）无权执行「送达违法行为通知」。" in answer.text
    with pages.browser("boss") as leader:
        blank = act(leader, case_id, "withdraw", 0, reason="  ")
        assert blank.status_code == 400 and "撤销案件须写明理由" in blank.text
    assert pages.case(case_id)["case"]["version"] == 0 and pages.case(case_id)["events"] == []


def test_a_stale_version_is_told_and_a_reload_offered(pages: Pages, wang: TestClient) -> None:
    case_id = pages.approved_case()
    assert pages.act("wang", case_id, "send_notice").status_code == 200
    with pages.browser("boss") as leader:
        late = act(leader, case_id, "withdraw", 0, reason="重复立案")
    assert late.status_code == 409
    text = visible(late.text)
    assert "该案件已被他人处理（当前状态：违法行为通知已送达），未作任何更改。" in text
    assert f'href="/console/cases/{case_id}" id="reload"' in late.text
    assert 'name="version" value="1"' in late.text  # the page shows the case as it now is
    assert pages.case(case_id)["case"]["state"] == "notified"


def test_an_admin_sees_the_parties_masked_and_cannot_edit_them(pages: Pages) -> None:
    case_id = pages.approved_case()
    with pages.browser("root") as admin:
        page = admin.get(f"/console/cases/{case_id}").text
    assert "已脱敏" in page and "138****1234" in page and "13800001234" not in page
    assert "浙江省绍兴市****" in page and f'action="/console/cases/{case_id}/parties/' not in page
    assert "当前角色只能查看脱敏信息" in page


def test_a_payment_is_recorded_with_its_receipt_and_the_case_closed(pages: Pages, wang: TestClient) -> None:
    case_id = pages.approved_case()
    for who, action in (("wang", "send_notice"), ("wang", "owner_reported"), ("wang", "send_pre_decision"),
                        ("wang", "receive_statement"), ("boss", "decide")):
        assert pages.act(who, case_id, action).status_code == 200
    page = wang.get(f"/console/cases/{case_id}").text
    assert "缴款请在下方「缴款」中登记" in page and 'id="payment-form"' in page
    assert 'name="amount_yuan" value="456"' in page
    base = {"method": "finance", "paid_on": "2026-11-26"}
    part = wang.post(f"/console/cases/{case_id}/payments", data={**base, "reference": "SJ-1", "amount_yuan": "400"})
    assert part.headers["location"] == f"/console/cases/{case_id}?done=payment_partial#payments"
    assert "尚欠 56 元" in visible(wang.get(f"/console/cases/{case_id}").text)
    again = wang.post(f"/console/cases/{case_id}/payments", data={**base, "reference": "SJ-1", "amount_yuan": "400"})
    assert again.headers["location"].endswith("done=payment_duplicate#payments")
    rest = wang.post(f"/console/cases/{case_id}/payments", data={**base, "reference": "SJ-2", "amount_yuan": "56"})
    assert rest.headers["location"].endswith("done=payment_full#payments")
    text = visible(wang.get(f"/console/cases/{case_id}").text)
    assert "罚款已缴纳" in text and "部分缴款" in text and "财务登记（收款凭证） SJ-2" in text
    closed = act(wang, case_id, "close", pages.case(case_id)["case"]["version"])
    assert closed.status_code == 303
    assert pages.case(case_id)["case"]["state"] == "closed"
    assert "本地车辆，无需抄告" in wang.get(f"/console/cases/{case_id}").text
    words = wang.post(f"/console/cases/{case_id}/payments", data={**base, "reference": "x", "amount_yuan": "十"})
    assert words.status_code == 400 and "缴款金额须为整数（元）" in words.text


def test_a_closed_non_local_case_is_transferred_and_its_outcome_recorded(pages: Pages, wang: TestClient) -> None:
    case_id = pages.approved_case(plate="皖K12345")
    for who, action in (("wang", "send_notice"), ("wang", "owner_reported"), ("wang", "send_pre_decision"),
                        ("wang", "receive_statement"), ("boss", "decide"), ("wang", "record_payment"),
                        ("wang", "close")):
        assert pages.act(who, case_id, action).status_code == 200, action
    assert "结案后 7 个工作日内抄告车籍登记地" in wang.get(f"/console/cases/{case_id}").text
    assert act(wang, case_id, "transfer", pages.case(case_id)["case"]["version"]).status_code == 303
    page = visible(wang.get(f"/console/cases/{case_id}").text)
    assert "已结案并抄告登记地" in page and "长三角" in page and "已抄告，待对方回复" in page
    assert f'href="/api/v1/cases/{case_id}/transfer-package"' in wang.get(f"/console/cases/{case_id}").text
    package = wang.get(f"/api/v1/cases/{case_id}/transfer-package")
    assert package.status_code == 200 and package.headers["content-type"] == "application/zip"
    done = wang.post(f"/console/cases/{case_id}/transfer-outcome", data={"outcome": "received", "note": "已签收"})
    assert done.headers["location"] == f"/console/cases/{case_id}?done=transfer_outcome#transfer"
    assert "已签收" in visible(wang.get(f"/console/cases/{case_id}").text)
    listed = visible(wang.get("/console/transfers", headers=HTML).text)
    assert "皖K12345" in listed and "阜阳市交通运输局" in listed and "长三角" in listed and "对方已接收" in listed
    assert "已签收" in listed and not CODES.search(listed)
    assert "皖K12345" in visible(wang.get("/console/transfers?region=long_triangle", headers=HTML).text)
    assert "没有符合筛选条件的抄告" in visible(wang.get("/console/transfers?state=returned", headers=HTML).text)
    assert pages.browser("zhang").get("/console/transfers", headers=HTML).status_code == 403  # a reviewer


def add_document(c: Container, case_id: int, kind: str = "notice") -> int:
    """A stored PDF on the case, as the document issuer will leave one (it is not wired in yet)."""
    data = b"%PDF-1.7\n% test document\n"
    sha = hashlib.sha256(data).hexdigest()
    c.evidence.store.put(sha, data, "application/pdf")
    with c.cases.repo.transaction() as tx:
        return tx.add_document({"case_id": case_id, "kind": kind, "year": 2026, "seq": 7, "created_at": c.clock(),
                                "number": "绍交执超通〔2026〕00007号", "created_by": "user:1", "sha256": sha,
                                "storage_key": sha, "size": len(data)})


def test_documents_are_listed_with_links_to_their_pdf(pages: Pages, wang: TestClient) -> None:
    case_id = pages.approved_case()
    document_id = add_document(pages.c, case_id)
    page = wang.get(f"/console/cases/{case_id}").text
    assert f'href="/api/v1/cases/{case_id}/documents/{document_id}"' in page
    assert "违法行为通知书" in visible(page) and "绍交执超通〔2026〕00007号" in page
    pdf = wang.get(f"/api/v1/cases/{case_id}/documents/{document_id}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def upload(client: TestClient, case_id: int, name: str, data: bytes) -> Any:
    return client.post(f"/console/cases/{case_id}/attachments", headers=HTML,
                       files={"file": (name, data, "application/pdf")})


def test_the_officer_uploads_the_party_s_written_statement_through_the_case_page(pages: Pages,
                                                                                 wang: TestClient) -> None:
    case_id = pages.approved_case()
    page = wang.get(f"/console/cases/{case_id}").text
    assert 'enctype="multipart/form-data"' in page and 'accept=".pdf,.jpg,.jpeg,.png"' in page
    assert "尚无上传的陈述申辩书" in visible(page)
    refused = upload(wang, case_id, "申辩.pdf", "我对处罚有异议。".encode())
    assert refused.status_code == 400 and "只接受 PDF、JPG 或 PNG 文件" in visible(refused.text)
    assert pages.case(case_id)["attachments"] == [] and pages.case(case_id)["events"] == []
    data = pdf("scanned statement")
    done = upload(wang, case_id, "陈述申辩书.pdf", data)
    assert done.status_code == 303
    assert done.headers["location"] == f"/console/cases/{case_id}?done=statement_file#attachments"
    after = wang.get(done.headers["location"]).text
    attachment_id = pages.case(case_id)["attachments"][0]["id"]
    assert f'href="/api/v1/cases/{case_id}/attachments/{attachment_id}"' in after
    text = visible(after)
    assert "已完成：上传陈述申辩书。" in text and "陈述申辩书.pdf" in text
    assert "上传陈述申辩书 文件：陈述申辩书.pdf" in text and CODES.search(text) is None
    assert wang.get(f"/api/v1/cases/{case_id}/attachments/{attachment_id}").content == data
    with pages.browser("fa") as legal:
        seen = legal.get(f"/console/cases/{case_id}").text
        assert "陈述申辩书.pdf" in seen and 'id="attachment-form"' not in seen
        answer = upload(legal, case_id, "s.pdf", pdf())
        assert answer.status_code == 403 and "当前角色（法制审核）无权上传陈述申辩书。" in answer.text
    with pages.browser("boss") as leader:
        assert pages.act("boss", case_id, "withdraw", reason="重复立案").status_code == 200
        assert 'id="attachment-form"' not in leader.get(f"/console/cases/{case_id}").text
        late = upload(leader, case_id, "s.pdf", pdf("late"))
        assert late.status_code == 409 and "案件已办结（已撤销），不能上传陈述申辩书。" in late.text
    assert len(pages.case(case_id)["attachments"]) == 1


# --- the owner's page -----------------------------------------------------------------------


def notified_case(pages: Pages) -> tuple[int, str]:
    case_id = pages.approved_case()
    assert pages.act("wang", case_id, "send_notice").status_code == 200
    code = pages.case(case_id)["case"]["notice_code"]
    assert isinstance(code, str) and len(code) == 8
    return case_id, code


def test_the_owner_looks_the_case_up_and_sees_photos_without_any_image_url(pages: Pages) -> None:
    case_id, code = notified_case(pages)
    document_id = add_document(pages.c, case_id)
    with pages.browser() as owner:
        form = owner.get("/owner")
        assert form.status_code == 200 and "行政处罚法》第四十四条、第四十五条" in form.text
        assert "执法人员不得当场收缴现金" in form.text and 'href="/console/cases"' not in form.text
        found = owner.post("/owner", data={"plate": "浙d 12345", "code": code.lower()})
        assert found.status_code == 200 and found.headers["cache-control"] == "no-store"
        text = visible(found.text)
        assert "违法行为通知已送达" in text and "60.32 吨" in text and "23.10%" in text
        assert "违法行为通知书 绍交执超通〔2026〕00007号" in text
        assert found.text.count('src="data:image/jpeg;base64,') == 3 and "/api/v1/evidence" not in found.text
        sha = re.findall(r'action="/owner/photos/([0-9a-f]{64})"', found.text)[0]
        photo = owner.post(f"/owner/photos/{sha}", data={"plate": "浙D12345", "code": code})
        assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
        assert owner.post(f"/owner/photos/{sha}", data={"plate": "浙D12345", "code": "WRONGCOD"}).status_code == 404
        pdf = owner.post(f"/owner/documents/{document_id}", data={"plate": "浙D12345", "code": code})
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert owner.get(f"/owner/photos/{sha}").status_code == 405


def test_a_wrong_plate_or_code_says_only_not_found(pages: Pages) -> None:
    _, code = notified_case(pages)
    with pages.browser() as owner:
        for plate, wrong in (("浙D12345", "AAAAAAAA"), ("浙D99999", code)):
            answer = owner.post("/owner", data={"plate": plate, "code": wrong})
            assert answer.status_code == 404
            assert "未找到对应的案件" in answer.text and "案件信息" not in answer.text


def test_the_owner_states_and_the_officer_sees_it(pages: Pages, wang: TestClient) -> None:
    case_id, code = notified_case(pages)
    with pages.browser() as owner:
        empty = owner.post("/owner/statement", data={"plate": "浙D12345", "code": code, "text": " "})
        assert empty.status_code == 400 and "陈述申辩内容不能为空" in empty.text and "案件信息" in empty.text
        sent = owner.post("/owner/statement", data={"plate": "浙D12345", "code": code, "text": "当日为紧急抢险运输。"})
        assert sent.status_code == 303 and sent.headers["location"] == "/owner?done=statement"
        assert "您的陈述、申辩已提交" in owner.get("/owner?done=statement").text
    page = visible(wang.get(f"/console/cases/{case_id}").text)
    assert "当事人（自助查询） 当事人 当事人提交陈述 当事人的陈述申辩（原文） 当日为紧急抢险运输。" in page


def test_the_owner_uploads_a_written_statement_with_or_without_text(pages: Pages, wang: TestClient) -> None:
    case_id, code = notified_case(pages)
    owner_form = {"plate": "浙D12345", "code": code}
    with pages.browser() as owner:
        found = owner.post("/owner", data=owner_form).text
        assert 'enctype="multipart/form-data"' in found and 'name="file"' in found
        assert 'accept=".pdf,.jpg,.jpeg,.png"' in found
        bad = owner.post("/owner/statement", data={**owner_form, "text": "见附件。"},
                         files={"file": ("申辩.pdf", b"just text", "application/pdf")})
        assert bad.status_code == 400 and "只接受 PDF、JPG 或 PNG 文件" in bad.text
        assert "案件信息" in bad.text and "见附件。" in bad.text  # the typed text is kept
        assert pages.case(case_id)["events"][-1]["action"] == "send_notice"  # neither the text nor the file
        empty = owner.post("/owner/statement", data=owner_form, files={"file": ("", b"", "application/octet-stream")})
        assert empty.status_code == 400 and "请填写陈述申辩，或上传陈述申辩书" in empty.text
        only_file = owner.post("/owner/statement", data=owner_form,
                               files={"file": ("申辩.pdf", pdf("owner"), "application/pdf")})
        assert only_file.status_code == 303 and only_file.headers["location"] == "/owner?done=statement"
        both = owner.post("/owner/statement", data={**owner_form, "text": "车辆为抢险运输。"},
                          files={"file": ("证明.pdf", pdf("proof"), "application/pdf")})
        assert both.status_code == 303
    detail = pages.case(case_id)
    assert [a["filename"] for a in detail["attachments"]] == ["申辩.pdf", "证明.pdf"]
    assert [e["action"] for e in detail["events"]][1:] == ["statement_file", "owner_statement", "statement_file"]
    page = visible(wang.get(f"/console/cases/{case_id}").text)
    assert "当事人（自助查询） 当事人 上传陈述申辩书 文件：申辩.pdf" in page
    assert "证明.pdf" in page and "当事人（自助查询） · PDF" in page


def test_every_look_up_download_and_statement_counts_against_the_limit(pages: Pages) -> None:
    _, code = notified_case(pages)
    pages.app.state.owner_limiter = RateLimiter(3)
    with pages.browser() as owner:
        assert owner.post("/owner", data={"plate": "浙D12345", "code": code}).status_code == 200
        assert owner.post("/owner", data={"plate": "浙D12345", "code": "WRONG"}).status_code == 404
        stated = owner.post("/owner/statement", data={"plate": "浙D12345", "code": code, "text": "申辩"})
        assert stated.status_code == 303
        limited = owner.post("/owner", data={"plate": "浙D12345", "code": code})
    assert limited.status_code == 429 and limited.headers["retry-after"] == "60"
    assert "查询过于频繁，请" in limited.text and "案件信息" not in limited.text
