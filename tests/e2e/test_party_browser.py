"""The pages of joint punishment (一超四罚) in a real Chromium: a leader imports the four sample registries
through the form, runs the rules on a decided case of a small enterprise's vehicle (one overloading vehicle
of a fleet of 8 is over 10 %), confirms the proposal, and finds the vehicle's four parties by its plate.
Screenshots are kept in tests/e2e/screenshots/parties/. SQLite: the HTTP tests cover both databases."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import zhichao
from tests.conftest import FixedClock
from tests.e2e.browser import log_in, open_page, serve, shot
from tests.e2e.case_workflow import WorkflowDesk
from zhichao.adapters.db.engine import open_database
from zhichao.adapters.db.migrate import upgrade
from zhichao.bootstrap import build
from zhichao.config import Settings
from zhichao.web.app import create_app
from zhichao.web.console.registry_pages import SAMPLES

pytestmark = pytest.mark.browser

SAMPLE_DIR = Path(zhichao.__file__).resolve().parent / "data" / "samples"
PLATE = "浙D88802"  # vehicles.csv: 诸暨联运汽车运输有限公司, whose fleet is 8 (enterprises.csv)
DRIVER = {"name": "刘洋", "id_number": "330602198104133122", "phone": "13900035681"}  # drivers.csv


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[WorkflowDesk]:
    settings = Settings(data_dir=tmp_path / "data")
    db = open_database(settings)
    upgrade(db)
    db.dispose()
    clock = FixedClock(datetime(2026, 11, 26, 6, 0, tzinfo=UTC))
    c = build(settings, clock=clock)
    yield WorkflowDesk(c, clock)
    c.close()


def rows(name: str) -> int:
    return len((SAMPLE_DIR / name).read_text(encoding="utf-8").strip().splitlines()) - 1


def _shot(page: Any, name: str) -> None:
    Path(__file__).resolve().parent.joinpath("screenshots", "parties").mkdir(parents=True, exist_ok=True)
    shot(page, f"parties/{name}", full_page=True)


def test_a_leader_imports_the_registries_confirms_a_proposal_and_sees_the_four_parties(
        browser: Any, desk: WorkflowDesk) -> None:
    from playwright.sync_api import expect

    errors: list[str] = []
    with serve(create_app(desk.c)) as url:
        page = open_page(browser, errors)
        page.goto(url + "/registries")
        log_in(page, "boss", desk.users["boss"][1])
        expect(page).to_have_url(url + "/registries")
        for kind, name in SAMPLES.items():
            page.locator("#import-kind").select_option(kind)
            page.locator("#import-file").set_input_files(str(SAMPLE_DIR / name))
            page.get_by_role("button", name="导入", exact=True).click()
            expect(page.locator("#import-done")).to_contain_text("新增")
        expect(page.locator("#registry tbody tr")).to_have_count(rows("freight_sources.csv"))  # the last import's tab
        page.locator(".tabs").get_by_role("link", name=re.compile("^车辆")).click()
        expect(page.locator("#registry tbody tr")).to_have_count(rows("vehicles.csv"))
        _shot(page, "registries.png")

        case_id = desk.decided_case("r1", plate=PLATE)
        assert desk.call("wang", "PUT", f"/cases/{case_id}/parties/driver", json=DRIVER).status_code == 200
        page.goto(url + "/sanctions")
        page.get_by_role("button", name="立即生成建议").click()
        expect(page.get_by_role("status")).to_contain_text("生成 1 条")
        row = page.locator("#sanctions tbody tr").first
        expect(row).to_contain_text("企业一年内违法超限车辆超过车辆总数10%")
        expect(row).to_contain_text("1 辆 / 车队 8 辆（12.5%）")
        _shot(page, "sanctions.png")
        row.get_by_role("button", name="确认公布").click()
        expect(page.get_by_role("status")).to_contain_text("已确认公布")
        expect(page.locator("#sanctions tbody tr").first).to_contain_text("已公布")

        page.get_by_role("navigation", name="主导航").get_by_role("link", name="名录").click()
        page.get_by_label("查车辆").fill("浙d·88802")
        page.get_by_label("查车辆").press("Enter")
        expect(page.locator("#party-key")).to_have_text(PLATE)
        expect(page.locator("#card-enterprise")).to_contain_text("绍兴市诸暨联运汽车运输有限公司")
        expect(page.locator("#card-driver")).to_contain_text("刘洋")
        expect(page.locator("#year-count")).to_contain_text("近一年已处罚 1 次")
        expect(page.locator("#sanction-table")).to_contain_text("已公布")
        _shot(page, "vehicle.png")
        page.locator("#card-enterprise a").first.click()
        expect(page.locator("#fleet-share")).to_contain_text("12.5%")
        _shot(page, "enterprise.png")
    assert errors == []
