"""The console in a real Chromium: log in, watch a passage arrive live, open 站点; screenshots kept.

Uses the system's /usr/bin/chromium (Playwright never downloads a browser here). The browser runs
in UTC on purpose: times must still be shown in Shanghai time, by the server and by the live script.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.browser import log_in, open_page, shot

pytestmark = pytest.mark.browser

ROWS = "#passages tbody tr"
ROW_TEXTS = "rows => rows.map(r => r.className.replace(' is-new', '') + ' | ' + r.innerText)"
# Chromium logs every 4xx page as an error; the failed login (401) and the partner's 403 are meant.
EXPECTED_STATUS = re.compile(r"^Failed to load resource: the server responded with a status of 40[13]\b")


def test_a_reviewer_logs_in_and_watches_passages_arrive_live(browser: Any, live_console: Any) -> None:
    from playwright.sync_api import expect

    console, url, errors = live_console.console, live_console.url, []
    page = open_page(browser, errors, EXPECTED_STATUS)

    page.goto(url + "/")
    expect(page).to_have_url(re.compile(r"/login\?next=%2F$"))
    log_in(page, "reviewer1", "wrong-password")
    expect(page.get_by_role("alert")).to_have_text("用户名或密码错误")
    shot(page, "login-failed.png")
    log_in(page, "reviewer1", console.passwords["reviewer1"])
    expect(page).to_have_url(url + "/")

    overloaded = page.locator(ROWS, has_text="浙D12345")
    expect(overloaded).to_have_class(re.compile(r"\brow-actionable\b"))
    expect(overloaded).to_contain_text("超限 可处罚")
    expect(overloaded).to_contain_text("罚款 456 元")
    expect(page.locator(ROWS, has_text="皖K1234挂")).to_have_class(re.compile(r"\brow-warning\b"))
    expect(page.locator("#live-status")).to_contain_text("实时更新中")
    server_rendered = page.eval_on_selector_all(ROWS, ROW_TEXTS)
    page.evaluate("window.__sameDocument = true")
    shot(page, "passages.png")

    axles = [7000, 11000, 11000, 11000, 11000, 11000]  # 62 t on 6 axles: 26.53 % over, actionable
    live = console.passage("LIVE-1", "浙D88888", axles, ago_s=10, lane=2, plate_color="yellow")
    console.ingest("T-YC-01", [live])
    arrived = page.locator(ROWS, has_text="浙D88888")
    expect(arrived).to_be_visible(timeout=20_000)
    expect(arrived).to_have_class(re.compile(r"\bis-new\b"))
    expect(arrived).to_have_class(re.compile(r"\brow-actionable\b"))
    expect(arrived.locator("time")).to_have_text("11-26 14:03:17")
    expect(page.locator('[data-count="shown"]')).to_have_text("5")
    expect(page.locator('[data-count="actionable"]')).to_have_text("2")
    assert page.evaluate("window.__sameDocument") is True, "the page was reloaded"
    # Rows the script rebuilt read exactly as the server rendered them.
    assert page.eval_on_selector_all(ROWS, ROW_TEXTS)[1:] == server_rendered
    shot(page, "passages-live.png")

    page.get_by_role("link", name="站点").click()
    expect(page).to_have_url(url + "/stations")
    expect(page.locator("#stations tbody tr", has_text="T-YC-01")).to_contain_text("在线")
    expect(page.locator("#stations tbody tr", has_text="T-KQ-01")).to_contain_text("已过期")
    expect(page.locator(".summary")).to_contain_text("个站点")
    shot(page, "stations.png")
    shot(page, "stations-full.png", full_page=True)

    page.get_by_role("link", name="实时过车").click()
    page.get_by_label("只看超限").check()
    expect(page).to_have_url(re.compile(r"overloaded=1"))
    expect(page.locator(ROWS, has_text="浙DA6789")).to_have_count(0)
    expect(page.locator(ROWS)).to_have_count(3)

    assert errors == []


def test_a_partner_system_account_sees_a_403_page(browser: Any, live_console: Any) -> None:
    from playwright.sync_api import expect

    errors: list[str] = []
    page = open_page(browser, errors, EXPECTED_STATUS)
    page.goto(live_console.url + "/login")
    shot(page, "login.png")
    log_in(page, "partner1", live_console.console.passwords["partner1"])
    expect(page.locator(".error-status")).to_have_text("403")
    expect(page.locator(".error-message")).to_contain_text("合作系统账号只能调用车辆核查接口")
    shot(page, "forbidden.png")
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(live_console.url + "/login")
    assert errors == []
