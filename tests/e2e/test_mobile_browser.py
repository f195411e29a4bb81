"""The officers' mobile pages (掌上执法) in a real Chromium at a phone's screen size: a new officer logs in, looks
up a plate with passages, records an inspection with a signature drawn on the screen and a photo, and sees
it counted in KPI 2; then records one with the network off, sees it queued (待发送 1 条), and sees it sent
once the network returns — and a second send of the same queued item stores nothing new.
Screenshots are kept in tests/e2e/screenshots/mobile/. SQLite: the HTTP tests cover both databases."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select

from tests.e2e.browser import log_in, serve, shot
from tests.factories import body, record
from zhichao.adapters.db.engine import open_database
from zhichao.adapters.db.migrate import upgrade
from zhichao.adapters.db.tables import inspections
from zhichao.bootstrap import Container, build
from zhichao.config import Settings
from zhichao.services.auth import add_user
from zhichao.services.ingest import accept_batch
from zhichao.services.stations import add_station
from zhichao.web.app import create_app

pytestmark = pytest.mark.browser

PLATE = "浙D12345"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2,
         "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
OFFLINE = re.compile(r"Failed to load resource: net::ERR_INTERNET_DISCONNECTED")


@pytest.fixture
def app_container(tmp_path: Path) -> Iterator[Container]:
    """A fresh SQLite database on the real clock: the phone stamps inspections with its own clock."""
    settings = Settings(data_dir=tmp_path / "data")
    db = open_database(settings)
    upgrade(db)
    db.dispose()
    c = build(settings)
    now = c.clock()
    add_station(c.stations, "M-YC-01", "G104 越城东湖 治超站", 4, now=now, county_code="330602")
    passages = [record(f"m{n}", "M-YC-01", plate=PLATE, captured_at=(now - timedelta(hours=n)).isoformat())
                for n in (1, 5, 30)]
    result = accept_batch(c.ingest_store, "M-YC-01", body(*passages), now=now, policy=c.ingest_policy)
    assert result.accepted == 3, result.rejected
    yield c
    c.close()


def _shot(page: Any, name: str) -> None:
    Path(__file__).resolve().parent.joinpath("screenshots", "mobile").mkdir(parents=True, exist_ok=True)
    shot(page, f"mobile/{name}", full_page=True)


def stored(c: Container) -> list[dict[str, Any]]:
    with c.db.reader.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(inspections).order_by(inspections.c.id))]


def sign(page: Any) -> None:
    """Draw a stroke across the signature pad, as a finger would."""
    pad = page.locator("#signature")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + 100)
    page.mouse.down()
    for step in range(1, 13):
        page.mouse.move(box["x"] + 30 + step * 22, box["y"] + 100 - (40 if step % 2 else 0))
    page.mouse.up()


def dark_pixels(png: bytes) -> int:
    image = Image.open(io.BytesIO(png)).convert("L")
    return sum(image.histogram()[:128])


def test_an_officer_looks_up_a_plate_records_an_inspection_and_sees_kpi_2(
        browser: Any, app_container: Container, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    c = app_container
    _, password, _ = add_user(c.users, c.hasher, "xiaoli", "officer", now=c.clock(), display_name="李执法")
    photo = tmp_path / "scene.jpg"
    Image.new("RGB", (1600, 1200), (90, 120, 160)).save(photo, "JPEG")
    errors: list[str] = []
    with serve(create_app(c)) as url:
        context = browser.new_context(**PHONE)
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and not OFFLINE.match(m.text) and errors.append(m.text))
        page.on("pageerror", lambda error: errors.append(str(error)))

        page.goto(url + "/m")
        expect(page).to_have_url(re.compile(r"/login\?next=%2Fm$"))
        log_in(page, "xiaoli", password)
        expect(page).to_have_url(url + "/m")
        expect(page.locator(".m-who")).to_contain_text("李执法")
        _shot(page, "01-home.png")

        page.get_by_label("车牌号").fill("浙d 12345")
        page.get_by_role("button", name="查询").click()
        expect(page.locator("#plate")).to_have_text(PLATE)
        expect(page.locator("#passages li")).to_have_count(3)
        expect(page.locator("#plate-check")).to_contain_text("0 件")
        _shot(page, "02-plate.png")

        page.get_by_role("link", name="现场检查").click()
        expect(page.get_by_label("车牌号")).to_have_value(PLATE)
        page.get_by_label("检查站点（可选）").select_option("M-YC-01")
        expect(page.get_by_label("检查地点")).to_have_value("G104 越城东湖 治超站")
        page.get_by_label("检查结果").select_option("unloaded")
        page.get_by_label("便携秤称重（千克，可选）").fill("52340")
        page.get_by_label("货物（可选）").fill("石料")
        page.get_by_label("拍照或选择现场照片（最多 4 张）").set_input_files(str(photo))
        sign(page)
        _shot(page, "03-inspect-filled.png")
        page.get_by_role("button", name="保存检查记录").click()
        expect(page.locator("#inspect-status")).to_contain_text("检查记录已保存")
        expect(page.locator("#queue")).to_be_hidden()
        _shot(page, "04-inspect-saved.png")

        rows = stored(c)
        assert [(r["plate"], r["channel"], r["result"], r["measured_weight_kg"], r["county_code"]) for r in rows] == [
            (PLATE, "handheld", "unloaded", 52340, "330602")]
        assert len(rows[0]["photos"]) == 1
        assert dark_pixels(c.inspections.store.get(rows[0]["signature_sha256"])) > 50  # the stroke is in it

        page.get_by_role("link", name="指标").click()
        expect(page.locator("#kpi-month-counts")).to_contain_text("掌上执法 1 条 / 全部 1 条")
        expect(page.locator("#kpi-month-share")).to_have_text("100.0%")
        _shot(page, "05-kpi.png")

        # The network drops: the inspection waits in the phone's queue.
        page.goto(url + f"/m/inspect?plate={PLATE}")
        page.get_by_label("检查地点").fill("S308 枫桥路口")
        page.get_by_label("检查结果").select_option("compliant")
        sign(page)
        context.set_offline(True)
        page.get_by_role("button", name="保存检查记录").click()
        expect(page.locator("#inspect-status")).to_contain_text("已存入待发送队列")
        expect(page.locator("#queue")).to_contain_text("待发送 1 条")
        _shot(page, "06-offline-queued.png")
        queued = page.evaluate("localStorage.getItem('zhichao.inspections.queue')")
        assert len(stored(c)) == 1

        context.set_offline(False)  # the page sends the queue when the browser says it is online again
        expect(page.locator("#queue")).to_be_hidden()
        expect(page.locator("#inspect-status")).to_contain_text("1 条检查记录已全部发出")
        _shot(page, "07-online-sent.png")
        assert len(stored(c)) == 2

        # The answer was lost on the way back: the same item is sent again, and nothing new is stored.
        page.evaluate("q => { localStorage.setItem('zhichao.inspections.queue', q); }", queued)
        page.reload()
        expect(page.locator("#queue")).to_be_hidden()
        assert json.loads(page.evaluate("localStorage.getItem('zhichao.inspections.queue')")) == []
        rows = stored(c)
        assert [(r["place"], r["result"], r["channel"]) for r in rows] == [
            ("G104 越城东湖 治超站", "unloaded", "handheld"), ("S308 枫桥路口", "compliant", "handheld")]

        page.goto(url + "/m/kpi")
        expect(page.locator("#kpi-month-counts")).to_contain_text("掌上执法 2 条 / 全部 2 条")
        context.close()
    assert errors == []


def test_the_offline_queue_survives_the_page_being_closed(browser: Any, app_container: Container) -> None:
    """What the queue keeps is in localStorage: a page opened later sends it."""
    from playwright.sync_api import expect

    c = app_container
    _, password, _ = add_user(c.users, c.hasher, "xiaowang", "officer", now=c.clock())
    with serve(create_app(c)) as url:
        context = browser.new_context(**PHONE)
        page = context.new_page()
        page.goto(url + f"/m/inspect?plate={PLATE}")
        log_in(page, "xiaowang", password)
        page.get_by_label("检查地点").fill("G104 K1552")
        context.set_offline(True)
        page.get_by_role("button", name="保存检查记录").click()
        expect(page.locator("#queue")).to_contain_text("待发送 1 条")
        page.close()
        assert stored(c) == []
        context.set_offline(False)
        later = context.new_page()
        later.goto(url + "/m")
        expect(later.locator("#queue")).to_be_hidden()
        assert [r["place"] for r in stored(c)] == ["G104 K1552"]
        context.close()


def test_an_officer_on_duty_receives_an_alert_and_handles_the_dispatch(browser: Any,
                                                                       app_container: Container) -> None:
    """Go on duty from the phone; a watched truck passes; the alert arrives on the open page by itself; the
    officer acknowledges it, a leader dispatches it to them, they accept and report the outcome."""
    from playwright.sync_api import expect

    from zhichao.services import alerts

    c = app_container
    officer, password, _ = add_user(c.users, c.hasher, "xiaozhao", "officer", now=c.clock(), display_name="赵执法")
    leader, _, _ = add_user(c.users, c.hasher, "boss", "leader", now=c.clock(), display_name="刘队长")
    today = c.clock().astimezone(c.alerts.tz).date()
    alerts.add_watch(c.alerts, leader, "浙D66666", "涉嫌逃避检测", today + timedelta(days=7), None, c.clock(), "test")
    c.alert_engine.step()  # the passages already stored raise nothing
    errors: list[str] = []
    with serve(create_app(c)) as url:
        page = browser.new_context(**PHONE).new_page()
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.goto(url + "/login?next=/m")
        log_in(page, "xiaozhao", password)
        expect(page.locator("#duty-state")).to_have_text("未上岗")
        page.locator("#duty-toggle").click()
        expect(page.locator("#duty-state")).to_contain_text("在岗")
        assert [o["name"] for o in alerts.on_duty(c.alerts)] == ["赵执法"]

        page.goto(url + "/m/alerts")
        expect(page.locator("#alerts-status")).to_have_text("暂无告警")
        passage = record("w1", "M-YC-01", plate="浙D66666", captured_at=c.clock().isoformat())
        assert accept_batch(c.ingest_store, "M-YC-01", body(passage), now=c.clock(),
                            policy=c.ingest_policy).accepted == 1
        c.alert_engine.step()
        item = page.locator("#alerts li").first
        expect(item).to_contain_text("布控车辆 浙D66666")
        expect(item).to_contain_text("待处理")
        item.get_by_role("button", name="确认").click()
        expect(item).to_contain_text("已确认")
        [alert] = alerts.list_alerts(c.alerts)
        alerts.act_on_alert(c.alerts, leader, alert["id"], "assign", {"officer_id": officer.id}, c.clock(), "test")
        expect(item).to_contain_text("指派：赵执法")
        item.get_by_role("button", name="接受指派").click()
        expect(item).to_contain_text("处置中")
        item.get_by_label("处置结果").select_option("intercepted")
        item.get_by_role("button", name="处置结果").click()
        expect(item).to_contain_text("已处置")
        _shot(page, "08-alert-handled.png")
    assert alerts.list_alerts(c.alerts)[0]["outcome"] == "intercepted"
    assert errors == []
