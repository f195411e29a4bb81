"""The case pages and the owner's page in a real Chromium.

An officer (陈执法) opens the case list and the case, enters the owner, sends the notice, is refused a
step whose window has not passed (in Chinese, nothing changed), records that the owner reported, sends the
pre-decision notice and records a statement; the leader (赵领导) decides; the officer records the payment
with a receipt number and closes. Each step shows in the timeline in Chinese, the state label follows, and
an admin sees the owner's data masked. On a phone, the owner looks the case up with the notice's code,
sees the photos, states and defends, and the officer sees the statement; a wrong code is refused, and the
look-up past the per-minute allowance is answered 429.

Uses the system's /usr/bin/chromium (Playwright never downloads a browser here); the app is served by
uvicorn in a thread. Screenshots go to tests/e2e/screenshots/cases/.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import SCREENSHOTS, log_in, open_page, serve
from tests.e2e.test_cases_api import OWNER, CaseDesk
from tests.e2e.test_review_browser import painted
from tests.factories import image_refs, record
from zhichao.bootstrap import Container, build
from zhichao.config import Settings
from zhichao.services.auth import add_user
from zhichao.web.app import create_app

pytestmark = pytest.mark.browser

LOOKUPS = 6  # the owner's allowance per minute in these tests
SHOTS = SCREENSHOTS / "cases"
# Chromium logs every 4xx page as an error; the refusals below are meant.
EXPECTED = re.compile(r"^Failed to load resource: the server responded with a status of (400|404|409|429)\b")
STATEMENT = "本车当日装载钢材，系装货单位过磅误差所致，请求从轻处理。\n联系电话 13800001234"
PEOPLE = (("chen", "officer", "陈执法"), ("zhao", "leader", "赵领导"), ("guan", "admin", "管系统"))


@dataclass
class Office:
    url: str
    c: Container
    desk: CaseDesk
    case_id: int
    passwords: dict[str, str]

    def case(self) -> dict[str, Any]:
        return self.desk.case(self.case_id)


@pytest.fixture
def office(settings: Settings, clock: Any) -> Iterator[Office]:
    """A case opened on a photographed record (two reviewers approved it), three people, the app served."""
    c = build(settings.with_overrides(owner_lookups_per_minute=LOOKUPS), clock=clock)
    desk = CaseDesk(c)
    passwords = {}
    for username, role, name in PEOPLE:
        _, passwords[username], _ = add_user(c.users, c.hasher, username, role, now=c.clock(), display_name=name)
    files = {kind: painted("r1", kind, "浙D12345") for kind in ("plate", "front", "side", "overview")}
    desk.ingest(record("r1", images=image_refs(files)))
    for data in files.values():
        assert desk.upload("r1", data).status_code == 200
    assert desk.decide("zhang", "r1", "approve").status_code == 200
    case_id = desk.decide("li", "r1", "approve").json()["case_id"]
    with serve(create_app(c)) as url:
        yield Office(url, c, desk, case_id, passwords)
    c.close()


def shot(page: Any, name: str, *, full_page: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=full_page)


def images_loaded(page: Any, selector: str) -> None:
    """Wait until the images are decoded (wait_for_function would need eval, which the CSP forbids)."""
    check = f"Array.from(document.querySelectorAll('{selector}')).every(i => i.complete && i.naturalWidth > 0)"
    deadline = time.monotonic() + 10
    while not page.evaluate(check):
        assert time.monotonic() < deadline, "the photos did not load"
        time.sleep(0.05)


def take(page: Any, action: str, *, note: str = "", reason: str = "") -> None:
    form = page.locator(f"form.case-action[data-action={action}]")
    if note:
        form.get_by_label("备注").fill(note)
    if reason:
        form.get_by_label("撤销理由（必填）").fill(reason)
    form.get_by_role("button").click()


def switch(page: Any, office: Office, username: str) -> None:
    page.get_by_role("button", name="退出").click()
    log_in(page, username, office.passwords[username])
    page.goto(f"{office.url}/console/cases/{office.case_id}")


STEPS = ["初审通过", "复审通过", "立案", "送达违法行为通知", "当事人到案接受处理", "送达行政处罚事先告知书",
         "记录陈述申辩", "作出处罚决定", "缴纳罚款", "结案"]


def test_a_case_goes_from_valid_to_closed_through_the_console(browser: Any, office: Office) -> None:
    from playwright.sync_api import expect

    errors: list[str] = []
    page = open_page(browser, errors, EXPECTED)
    page.goto(office.url + "/")
    log_in(page, "chen", office.passwords["chen"])
    page.get_by_role("link", name="案件", exact=True).click()
    expect(page).to_have_url(office.url + "/console/cases")
    row = page.locator("#cases tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator(".badge-case")).to_have_text("有效案件")
    expect(row.locator(".due-what")).to_have_text("作出处罚决定（立案之日起90日）")
    shot(page, "list.png", full_page=False)

    row.get_by_role("link", name=str(office.case_id), exact=True).click()
    expect(page.locator("#case-state")).to_have_text("有效案件")
    images_loaded(page, ".case-photos img")
    shot(page, "case-valid.png")

    owner = page.locator("#party-owner")
    owner.locator("summary").click()
    owner.get_by_label("姓名或名称（必填）").fill("绍兴市某某运输有限公司")
    owner.get_by_label("联系电话").fill("13800001234")
    owner.get_by_label("地址").fill("浙江省绍兴市越城区人民中路1号")
    page.locator("#parties").screenshot(path=str(SHOTS / "case-party-form.png"))
    owner.get_by_role("button", name="保存车辆所有人").click()
    expect(page.locator("#case-done")).to_have_text("已保存当事人信息。")
    expect(owner.locator(".party-facts")).to_contain_text("13800001234")

    take(page, "send_notice", note="邮寄送达（EMS）")
    expect(page.locator("#case-done")).to_have_text("已完成：送达违法行为通知。")
    expect(page.locator("#case-state")).to_have_text("违法行为通知已送达")
    expect(page.locator("#n-due")).to_contain_text("2026-12-11")

    take(page, "report_window_passed")  # 15 days have not passed: refused, nothing changed
    expect(page.locator("#case-error")).to_contain_text("接受处理的15日期限尚未届满（最早 2026-12-12")
    expect(page.locator("#case-state")).to_have_text("违法行为通知已送达")
    shot(page, "case-refused.png", full_page=False)
    assert office.case()["case"]["version"] == 1

    take(page, "owner_reported")
    expect(page.locator("#case-state")).to_have_text("当事人已接受处理")
    take(page, "send_pre_decision")
    expect(page.locator("#case-state")).to_have_text("行政处罚事先告知已送达")
    take(page, "receive_statement", note="当事人到场陈述：货物系一次性装载，请求从轻处罚")
    expect(page.locator("#case-state")).to_have_text("陈述申辩（已提出或期限届满）")
    expect(page.locator("form.case-action[data-action=decide]")).to_have_count(0)  # a leader's action

    switch(page, office, "zhao")
    expect(page.locator("form.case-action[data-action=withdraw] input[name=reason]")).to_have_attribute("required", "")
    page.locator("#actions").screenshot(path=str(SHOTS / "case-leader-actions.png"))
    take(page, "decide", note="依法作出罚款456元的决定")
    expect(page.locator("#case-state")).to_have_text("处罚决定已送达")

    switch(page, office, "chen")
    expect(page.locator("#outstanding")).to_have_text("456 元")
    form = page.locator("#payment-form")
    form.get_by_label("收款凭证号或流水号").fill("SJ-2026-000123")
    expect(form.get_by_label("金额（元）")).to_have_value("456")
    form.get_by_role("button", name="登记缴款").click()
    expect(page.locator("#case-done")).to_have_text("已登记缴款，罚款及加处罚款已缴清。")
    expect(page.locator("#case-state")).to_have_text("罚款已缴纳")
    expect(page.locator("#payment-list")).to_contain_text("SJ-2026-000123")
    take(page, "close")
    expect(page.locator("#case-state")).to_have_text("已结案")
    expect(page.locator("#timeline .tl-action strong")).to_have_text(STEPS)
    expect(page.locator("#timeline")).to_contain_text("当事人到场陈述：货物系一次性装载，请求从轻处罚")
    expect(page.locator("#timeline")).to_contain_text("赵领导")
    expect(page.locator("#no-actions")).to_have_text("案件已办结（已结案），没有可办理的操作。")
    images_loaded(page, ".case-photos img")
    shot(page, "case-closed.png")
    page.set_viewport_size({"width": 1024, "height": 800})  # a small office screen: one column
    shot(page, "case-narrow.png")
    page.set_viewport_size({"width": 1440, "height": 900})

    page.goto(office.url + "/console/cases")
    expect(page.locator("#cases tbody tr .badge-case")).to_have_text("已结案")

    switch(page, office, "guan")  # an admin: the owner's personal data is masked, and not editable
    expect(owner.locator(".tag-masked")).to_have_text("已脱敏")
    expect(owner.locator(".party-facts")).to_contain_text("138****1234")
    expect(owner.locator(".party-facts")).not_to_contain_text("13800001234")
    expect(owner.locator("form")).to_have_count(0)
    shot(page, "case-admin.png")
    assert errors == []


def test_the_owner_states_and_defends_from_a_phone(browser: Any, office: Office) -> None:
    from playwright.sync_api import expect

    desk = office.desk
    assert desk.call("wang", "PUT", f"/cases/{office.case_id}/parties/owner", json=OWNER).status_code == 200
    assert desk.act("wang", office.case_id, "send_notice").status_code == 200
    code = office.case()["case"]["notice_code"]
    errors: list[str] = []
    phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                has_touch=True, locale="zh-CN")
    page = phone.new_page()
    page.on("console", lambda m: m.type == "error" and not EXPECTED.match(m.text) and errors.append(m.text))
    page.goto(office.url + "/owner")
    expect(page.locator("#owner-rights")).to_contain_text("第四十四条、第四十五条")
    shot(page, "owner-form.png")
    counted = 0

    def look_up(plate: str, typed: str) -> Any:
        nonlocal counted
        page.get_by_label("号牌号码").fill(plate)
        page.get_by_label("查询码").fill(typed)
        with page.expect_response(lambda r: r.url == office.url + "/owner" and r.request.method == "POST") as answer:
            page.get_by_role("button", name="查询").click()
        counted += 1
        return answer.value

    assert look_up("浙D12345", "ABCDEFGH").status == 404
    expect(page.locator("#owner-error")).to_have_text("未找到对应的案件，请核对号牌号码和查询码")
    expect(page.locator("#owner-case")).to_have_count(0)

    assert look_up("浙d12345", code.lower()).status == 200
    expect(page.locator("#owner-state")).to_have_text("违法行为通知已送达")
    expect(page.locator("#owner-facts")).to_contain_text("60.32 吨")
    expect(page.locator(".owner-photo img")).to_have_count(4)
    images_loaded(page, ".owner-photo img")
    documents = page.locator("#owner-documents li")
    expect(documents).to_have_count(1)
    expect(documents).to_contain_text(re.compile(r"违法行为通知书 绍交执超通〔2026〕\d{5}号"))
    shot(page, "owner-case.png")
    with page.expect_download() as downloaded:
        documents.get_by_role("button", name="下载 PDF").click()
    counted += 1
    assert downloaded.value.suggested_filename.endswith(".pdf")
    assert Path(downloaded.value.path()).read_bytes().startswith(b"%PDF-")
    with page.expect_popup() as opened:
        page.locator(".owner-photo").first.get_by_role("button", name="查看原图").click()
    counted += 1
    original = opened.value
    original.wait_for_load_state()
    assert re.search(r"/owner/photos/[0-9a-f]{64}$", original.url)
    original.close()

    page.get_by_label("请写明您的事实、理由").fill(STATEMENT)
    page.get_by_role("button", name="提交陈述申辩").click()
    counted += 1
    expect(page).to_have_url(office.url + "/owner?done=statement")
    expect(page.locator("#owner-done")).to_contain_text("您的陈述、申辩已提交")
    shot(page, "owner-statement-sent.png")

    while counted < LOOKUPS:
        assert look_up("浙D12345", code).status == 200
    assert look_up("浙D12345", code).status == 429  # look-up N + 1 within the minute
    expect(page.locator("#owner-error")).to_contain_text("查询过于频繁，请")
    expect(page.locator("#owner-case")).to_have_count(0)
    shot(page, "owner-429.png")
    phone.close()

    desk_page = open_page(browser, errors, EXPECTED)
    desk_page.goto(f"{office.url}/console/cases/{office.case_id}")
    log_in(desk_page, "chen", office.passwords["chen"])
    statement = desk_page.locator("#timeline .tl-statement")
    expect(statement.locator(".tl-who")).to_have_text("当事人（自助查询）")
    expect(statement.locator(".tl-action strong")).to_have_text("当事人提交陈述")
    expect(statement.locator(".tl-statement-text")).to_contain_text("系装货单位过磅误差所致")
    shot(desk_page, "case-owner-statement.png")
    assert errors == []


def test_the_list_marks_passed_deadlines_red_and_near_ones_amber(browser: Any, office: Office) -> None:
    from playwright.sync_api import expect

    desk, day = office.desk, timedelta(days=1)
    overdue = desk.approved_case("r2", plate="浙D22222", captured_at="2026-11-26T13:35:00+08:00")
    soon = desk.approved_case("r3", plate="皖K12345", captured_at="2026-11-26T13:40:00+08:00")
    withdrawn = desk.approved_case("r4", plate="浙D44444", captured_at="2026-11-26T13:45:00+08:00")
    assert desk.act("wang", overdue, "send_notice").status_code == 200
    assert desk.act("boss", withdrawn, "withdraw", reason="车牌识别错误").status_code == 200
    office.c.clock.now += 3 * day  # type: ignore[attr-defined]
    assert desk.act("wang", soon, "send_notice").status_code == 200
    office.c.clock.now += 13 * day  # type: ignore[attr-defined]  # 2026-12-12: the first notice's window has passed
    errors: list[str] = []
    page = open_page(browser, errors, EXPECTED)
    page.goto(office.url + "/console/cases")
    log_in(page, "chen", office.passwords["chen"])
    rows = page.locator("#cases tbody tr")
    expect(rows).to_have_count(4)
    expect(page.locator(f"tr[data-case='{overdue}']")).to_have_class("due-overdue")
    expect(page.locator(f"tr[data-case='{overdue}'] .due-left")).to_have_text("已逾期 1 日")
    expect(page.locator(f"tr[data-case='{soon}']")).to_have_class("due-soon")
    expect(page.locator(f"tr[data-case='{soon}'] .due-left")).to_have_text("还剩 2 日")
    expect(page.locator(f"tr[data-case='{office.case_id}']")).to_have_class("due-normal")
    expect(page.locator(f"tr[data-case='{withdrawn}']")).to_have_class("due-none")
    expect(page.locator(".summary")).to_contain_text("1 件已逾期")
    shot(page, "list-deadlines.png", full_page=False)
    page.get_by_label("期限").select_option("7")
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"/console/cases\?(.*&)?due=7(&|$)"))
    expect(page.locator("#cases tbody tr")).to_have_count(2)
    assert page.locator("#cases tbody tr").evaluate_all("rows => rows.map(r => r.dataset.case)") == [
        str(overdue), str(soon)]  # soonest deadline first
    page.get_by_label("状态").select_option(label="已撤销")
    page.get_by_label("期限").select_option("")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("#cases tbody tr")).to_have_count(1)
    expect(page.locator("#cases tbody tr .badge-case")).to_have_text("已撤销")
    assert errors == []
