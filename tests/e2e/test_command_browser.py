"""The command centre in a real Chromium, on the demo network (85 sites): the big screen at 1920×1080 (and at
1366×768) with live station colours, the alert stream and a dispatch (指派) to an officer on duty; a truck's
trajectory along G104 with its stations highlighted and the next one marked. Screenshots are kept in
tests/e2e/screenshots/command/."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, update

from tests.e2e.browser import log_in, serve, shot
from tests.e2e.conftest import NOW, Console, passage
from zhichao.adapters.db.tables import alerts, officer_duty, stations
from zhichao.services.auth import add_user
from zhichao.web.app import create_app

pytestmark = pytest.mark.browser

PLATE = "浙D77777"
# G104 eastwards: 柯桥华舍 K1527+800 → 柯桥柯岩 K1533+000 → 越城东湖 K1552+300; next 越城皋埠 K1556+300.
TRIP = [("SX-KQ-003", 2400, [4000, 8000]), ("SX-KQ-004", 2100, [7000, 11000, 11000, 10440, 10440, 10440]),
        ("SX-YC-001", 900, [7000, 11000, 11000, 10440, 10440, 10440])]
OVER = [7000, 11000, 11000, 10440, 10440, 10440]


@pytest.fixture
def console_options() -> dict[str, Any]:
    return {"network": True}


def _shot(page: Any, name: str) -> None:
    Path(__file__).resolve().parent.joinpath("screenshots", "command").mkdir(parents=True, exist_ok=True)
    shot(page, f"command/{name}")


def _alert(i: int, state: str, severity: int, station_id: str, plate: str, **more: Any) -> dict[str, Any]:
    at = NOW - timedelta(minutes=30 - i)
    rule = {4: "watchlist", 3: "gross_100t", 2: "overload"}[severity]
    return {"rule": rule, "plate": plate, "station_id": station_id, "record_id": f"a{i}", "captured_at": at,
            "fired_at": at, "county_code": "330603", "severity": severity, "title": f"告警 {plate}", "details": {},
            "state": state, "outcome": None, "assigned_to": None, "acked_by": None, **more}


def pushed(alert_id: int, state: str, label: str, **more: Any) -> dict[str, Any]:
    """An alert as the stream sends it (the lead's alert JSON)."""
    at = (NOW - timedelta(minutes=1)).isoformat()
    return {"id": alert_id, "rule": "overload", "rule_label": "超限超载", "severity": 2, "title": "超限 浙D90000",
            "plate": "浙D90000", "station_id": "SX-YC-002", "station_name": "G104 越城皋埠 治超检测点",
            "county_code": "330602", "record_id": f"p{alert_id}", "captured_at": at, "fired_at": at, "details": {},
            "state": state, "state_label": label, "acked_by_name": None, "assigned_to": None,
            "assigned_to_name": None, "outcome": None, "outcome_label": None, "version": 1, **more}


def busy_day(console: Console) -> tuple[str, str]:
    """Traffic on the network, all stations but three up (one of them in repair), two officers on duty, six
    alerts; a leader's login."""
    c = console.container
    for sid, ago, axles in TRIP:
        console.ingest(sid, [passage(f"{sid}-t", PLATE, axles, station_id=sid, ago_s=ago, plate_color="yellow")])
    for k, sid in enumerate(("SX-KQ-001", "SX-KQ-002", "SX-YC-002", "SX-SY-001")):
        console.ingest(sid, [passage(f"{sid}-{i}", f"浙D{k}{i:04d}", OVER if i % (k + 3) == 0 else [4000, 8000],
                                     station_id=sid, ago_s=600 + 30 * i) for i in range(60)])
    leader, password, _ = add_user(c.users, c.hasher, "boss", "leader", now=NOW, display_name="赵指挥")
    officer, _, _ = add_user(c.users, c.hasher, "li", "officer", now=NOW, display_name="李执法")
    with c.db.writer.begin() as conn:
        conn.execute(update(stations).where(~stations.c.station_id.in_(("SX-KQ-009", "SX-ZJ-004", "SX-SZ-002")))
                     .values(last_heartbeat_at=NOW - timedelta(seconds=30), last_received_at=NOW))
        conn.execute(insert(officer_duty), [
            {"user_id": officer.id, "county_code": "330603", "since": NOW - timedelta(hours=3), "until": None},
            {"user_id": leader.id, "county_code": None, "since": NOW - timedelta(hours=1), "until": None}])
        conn.execute(insert(alerts), [
            _alert(0, "resolved", 2, "SX-KQ-001", "浙D10003", outcome="inspected"),
            _alert(1, "dispatched", 3, "SX-KQ-002", "浙D21111", assigned_to=officer.id),
            _alert(2, "acked", 2, "SX-YC-002", "皖K1234挂", acked_by=leader.id),
            _alert(3, "open", 2, "SX-SY-001", "浙D30003"),
            _alert(4, "open", 3, "SX-YC-001", "浙D88888"),
            _alert(5, "open", 4, "SX-YC-001", PLATE)])
    return "boss", password


def test_the_big_screen_and_a_trajectory(browser: Any, console: Console) -> None:
    from playwright.sync_api import expect

    username, password = busy_day(console)
    errors: list[str] = []
    app = create_app(console.container)
    with serve(app) as url:
        context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN", timezone_id="UTC")
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(url + "/command")
        log_in(page, username, password)
        expect(page).to_have_url(url + "/command")
        expect(page.locator("h1")).to_have_text("指挥中心")
        expect(page.locator("#screen-map .sdot")).to_have_count(85)
        # the network: 81 enabled, 3 in repair, 1 stopped; two enabled ones silent
        expect(page.locator("#screen-map .sdot.tone-up")).to_have_count(79)
        expect(page.locator("#screen-map .sdot.tone-down")).to_have_count(2)
        expect(page.locator("#screen-map .sdot.tone-grey")).to_have_count(4)
        expect(page.locator("#top-stations tbody tr")).to_have_count(4)
        expect(page.locator("#top-stations tbody tr").first).to_contain_text("33.3%")
        expect(page.locator("#duty li")).to_have_count(2)
        expect(page.locator("#unresolved")).to_have_text("5")

        items = page.locator("#alerts li.alert")
        expect(items).to_have_count(6)
        first = items.first
        expect(first).to_have_class(re.compile(r"\bsev-4\b"))
        expect(first.locator(".a-plate")).to_have_attribute("href", "/command/trajectory?plate=" + "%E6%B5%99D77777")
        expect(items.nth(3).locator(".a-foot")).to_contain_text("已确认")
        expect(page.locator("#live")).to_have_text("自动刷新")
        _shot(page, "screen-1920.png")

        # the stream: a new alert goes on top, its update redraws it in place, at most 50 are kept
        expect(page.locator("#stream-state")).to_have_text("实时推送已连接")
        app.state.alert_hub.publish("alert", pushed(900, "open", "待处理"))
        expect(items.first).to_contain_text("浙D90000")
        expect(items.first).to_have_class(re.compile(r"\bis-new\b"))
        app.state.alert_hub.publish("alert_update", pushed(900, "acked", "已确认", version=2, acked_by_name="赵指挥"))
        expect(items.first.locator(".a-state")).to_have_text("已确认")
        expect(items.first.locator(".a-who")).to_have_text("赵指挥 确认")
        expect(page.locator("#alert-900")).to_have_count(1)
        for i in range(60):
            app.state.alert_hub.publish("alert", pushed(1000 + i, "open", "待处理"))
        expect(page.locator("#alert-1059")).to_have_count(1)
        expect(items).to_have_count(50)
        page.reload()
        expect(items).to_have_count(6)  # the pushed ones were never stored: the page starts from the database

        second = items.nth(1)  # open, severity 3
        second.locator("select.officer").select_option(label="李执法（柯桥区）")
        second.get_by_role("button", name="指派").click()
        expect(page.locator("#alerts li.alert").nth(1)).to_contain_text("指派给 李执法")
        expect(page.locator("#alerts li.alert").nth(1).locator(".a-state")).to_have_text("已指派")

        page.set_viewport_size({"width": 1366, "height": 768})
        _shot(page, "screen-1366.png")

        page.set_viewport_size({"width": 1440, "height": 900})
        first.locator(".a-plate").click()
        expect(page).to_have_url(re.compile(r"/command/trajectory\?plate="))
        expect(page.locator("#track-map .stn-seen")).to_have_count(3)
        expect(page.locator("#track-map .stn-next")).to_have_count(1)
        expect(page.locator("#track-map .stn-next")).to_contain_text("G104 越城皋埠 治超检测点")
        expect(page.locator("#track-map .leg")).to_have_count(2)
        expect(page.locator("#ahead li").first).to_contain_text("预计下一站 G104 越城皋埠 治超检测点，约 4.0 公里")
        expect(page.locator("#timeline li")).to_have_count(3)
        _shot(page, "trajectory.png")
        context.close()
    assert errors == []
