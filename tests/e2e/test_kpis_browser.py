"""The KPI dashboard in a real Chromium: the cards against their targets with their month trends drawn
by the vendored ECharts (no request leaves the app), a drill-down, and a leader setting a year's target.
Screenshots are kept in tests/e2e/screenshots/kpis/."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.browser import log_in, open_page, shot
from tests.e2e.conftest import NOW, LiveConsole
from zhichao.services.auth import add_user

pytestmark = pytest.mark.browser


@pytest.fixture
def console_options() -> dict[str, Any]:
    return {"kpi_site_min_online_days": 0, "kpi_site_min_trucks_per_month": 0}


def test_a_leader_reads_the_goals_and_sets_a_target(live_console: LiveConsole, browser: Any) -> None:
    c = live_console.console.container
    _, password, _ = add_user(c.users, c.hasher, "leader1", "leader", now=NOW, display_name="李局长")
    errors: list[str] = []
    page = open_page(browser, errors)
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_console.url) else None)
    page.goto(f"{live_console.url}/kpis?from=2026-11-01&to=2026-11-30")
    log_in(page, "leader1", password)
    page.wait_for_selector("#kpi-site_overload_rate .kpi-trend svg")
    assert page.get_attribute("html", "data-charts") == "8"  # seven trends and the bands
    card = page.locator("#kpi-site_overload_rate")
    assert "25.00%" in card.inner_text() and "未达标" in card.inner_text()
    assert "kpi-red" in (card.get_attribute("class") or "")
    assert page.locator("#site-table tbody tr").count() == 4  # the fixture's four sites
    shot(page, "kpis/01-dashboard.png", full_page=True)

    page.locator("#kpi-handheld_inspection_share .kpi-link a").click()
    page.wait_for_url("**/console/inspections?*")
    assert "start=2026-11-01" in page.url

    page.goto(f"{live_console.url}/kpis/targets")
    page.select_option("#t-kpi", "site_overload_rate")
    page.fill("#t-year", "2026")
    page.fill("#t-target", "百分之一")
    page.click("#target-form button")
    assert "目标应为百分数" in page.inner_text("#target-error")
    assert errors == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]
    errors.clear()  # the refused form's answer, and nothing else
    page.fill("#t-target", "0.4")
    page.click("#target-form button")
    page.wait_for_selector("#target-done")
    assert "0.4%" in page.inner_text("#targets")
    shot(page, "kpis/02-targets.png")
    page.goto(f"{live_console.url}/kpis?from=2026-11-01&to=2026-11-30")
    assert "≤ 0.4%" in page.inner_text("#kpi-site_overload_rate")
    assert errors == [] and outside == []
