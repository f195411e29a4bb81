"""The device pages in a real Chromium, on a week of simulated traffic with faults through the real sweeps:
the board shows a silent station down and a drifting scale suspended; the station page explains why; an
admin records a calibration check and the suspension is lifted; an officer opens a repair ticket.
Screenshots are kept in tests/e2e/screenshots/devices/."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FixedClock
from tests.e2e.browser import log_in, open_page, serve, shot
from zhichao.adapters.db.engine import open_database
from zhichao.adapters.db.migrate import upgrade
from zhichao.bootstrap import Container, build
from zhichao.config import Settings
from zhichao.services.auth import add_user
from zhichao.services.stations import add_station, record_heartbeat
from zhichao.simulation.faults import Drift, Silent
from zhichao.simulation.feed import feed_direct
from zhichao.simulation.traffic import SimStation, Traffic
from zhichao.web.app import create_app

pytestmark = pytest.mark.browser

T0 = datetime(2026, 11, 18, 16, 0, tzinfo=UTC)  # local midnight starting 19 November
NOW = T0 + timedelta(days=7, hours=3)  # 26 November, 03:00 in Shaoxing
STATIONS = [SimStation(f"SX-T-{i:02d}", 3, volume_per_day=1300, county_code="330603", road="S310",
                       stake_m=8000 * i) for i in range(4)]
NAMES = ("S310 诸暨东 测试站", "S310 诸暨城西 测试站", "S310 诸暨店口 测试站", "S310 诸暨次坞 测试站")


@pytest.fixture(scope="module")
def devices_console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Container, dict[str, str]]]:
    """A week of traffic on four stations: SX-T-01 drifts 2.5 % a day from the third day (beyond class 5's
    ±5 % by the fifth), SX-T-03 falls silent two hours before now. SQLite: the API tests cover both databases."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("devices") / "data")
    db = open_database(settings)
    upgrade(db)
    db.dispose()
    clock = FixedClock(T0)
    c = build(settings, clock=clock)
    for s, name in zip(STATIONS, NAMES, strict=True):
        add_station(c.stations, s.station_id, name, s.lanes, now=T0, county_code="330681",
                    extra={"road": "S310", "accuracy_class": "5", "cert_number": f"浙量检字[2026]第{s.station_id}号",
                           "cert_valid_from": date(2026, 11, 19), "cert_valid_to": date(2026, 12, 20),
                           "lat": 29.70 + 0.01 * STATIONS.index(s), "lon": 120.20 + 0.05 * STATIONS.index(s)})
    faults = [Drift("SX-T-01", T0 + timedelta(days=2), 2.5, max_pct=7.0), Silent("SX-T-03", NOW - timedelta(hours=2))]
    traffic = Traffic(STATIONS, random.Random(5), outage_share=0.0, faults=faults, through_share=0.25)
    hour = T0
    while hour < NOW:  # each hour arrives at its end, with the stations' heartbeats; swept every 6 hours
        clock.now = hour + timedelta(hours=1)
        feed_direct(c.ingest_store, c.ingest_policy, traffic.between(hour, clock.now), clock)
        for station_id, at, body in traffic.heartbeats(clock.now - timedelta(minutes=2), clock.now):
            record_heartbeat(c.stations, station_id, body, now=at)
        c.devices.sweep_health(clock.now)
        if clock.now.hour % 6 == 0:
            c.devices.sweep_quality(clock.now)
        hour = clock.now
    clock.now = NOW
    c.devices.sweep_health(NOW)
    passwords = {}
    for username, role, display in (("admin1", "admin", "管理员 赵刚"), ("officer1", "officer", "执法员 王磊")):
        passwords[username] = add_user(c.users, c.hasher, username, role, now=T0, display_name=display)[1]
    yield c, passwords
    c.close()


def _shot(page: Any, name: str) -> None:
    Path(__file__).resolve().parent.joinpath("screenshots", "devices").mkdir(parents=True, exist_ok=True)
    shot(page, f"devices/{name}", full_page=True)


def test_the_board_shows_a_down_and_a_suspended_station_and_a_check_lifts_the_suspension(
        browser: Any, devices_console: tuple[Container, dict[str, str]]) -> None:
    from playwright.sync_api import expect

    c, passwords = devices_console
    errors: list[str] = []
    with serve(create_app(c)) as url:
        page = open_page(browser, errors)
        page.goto(url + "/console/board")
        log_in(page, "admin1", passwords["admin1"])
        expect(page).to_have_url(url + "/console/board")
        expect(page.locator("h1")).to_contain_text("设备")
        silent = page.locator("tr", has_text="SX-T-03")
        expect(silent).to_contain_text("离线")
        drifting = page.locator("tr", has_text="SX-T-01")
        expect(drifting).to_contain_text("暂停执法")
        expect(drifting).to_contain_text("标定漂移")
        expect(page.locator("svg a")).to_have_count(4)  # the network map: one mark per station
        _shot(page, "board.png")

        page.locator("a", has_text="S310 诸暨城西").first.click()
        expect(page).to_have_url(re.compile(r"/console/stations/SX-T-01$"))
        expect(page.get_by_text("暂停执法使用", exact=False).first).to_be_visible()
        expect(page.locator("svg").nth(0)).to_be_visible()
        _shot(page, "station-suspended.png")

        expect(page.locator("details", has=page.locator("#check-form"))).to_have_attribute("open", "")  # suspended
        page.get_by_label("核查日期").fill("2026-11-26")
        page.get_by_label("已调整").check()
        page.get_by_label("说明").fill("标定车复核后调整称台系数")
        page.get_by_role("button", name=re.compile("登记核查")).click()
        expect(page.get_by_role("status")).to_contain_text("已登记")
        expect(page.get_by_text("暂停执法使用：自", exact=False)).to_have_count(0)
        _shot(page, "station-checked.png")

        page.goto(url + "/console/stations/SX-T-03")
        page.get_by_label("故障描述").fill("站点断电，光端机无信号")
        page.get_by_role("button", name=re.compile("提交报修")).click()
        expect(page.get_by_role("status")).to_contain_text("已提交报修")
        page.goto(url + "/console/tickets")
        expect(page.locator("tr", has_text="SX-T-03")).to_contain_text("站点断电")
        _shot(page, "tickets.png")
    suspended = c.stations.get("SX-T-01")
    assert suspended is not None and suspended.suspended_since is None and suspended.quality is None
    assert c.stations.get("SX-T-03").state == "repair"  # type: ignore[union-attr]
    assert errors == []
