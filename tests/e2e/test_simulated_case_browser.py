"""A case from the simulator, carried to closure in the console, with its documents looked at.

Simulated traffic over the demo's Shaoxing network is ingested as stations send it (photos uploaded after
each batch); two reviewers approve the first overload that screening lets through; then, in Chromium, an
officer enters the owner, sends the notice, records the report, the pre-decision notice and a statement,
a leader decides, and the officer records the payment and closes. Every document the case issued is
downloaded from the console, checked for its text and embedded fonts, and turned into PNG pages in
tests/e2e/screenshots/cases/ for a person to look at.
"""

from __future__ import annotations

import contextlib
import random
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import SCREENSHOTS, log_in, open_page, serve
from tests.e2e.test_case_pages_browser import EXPECTED, take
from tests.e2e.test_cases_api import CaseDesk
from zhichao.bootstrap import Container, build
from zhichao.config import Settings
from zhichao.demo import load_network
from zhichao.domain.errors import ZhichaoError
from zhichao.services.auth import add_user
from zhichao.services.evidence import upload
from zhichao.services.stations import import_network
from zhichao.simulation.evidence import evidence_files
from zhichao.simulation.feed import feed_direct
from zhichao.simulation.traffic import Traffic, load_sim_stations
from zhichao.web.app import create_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SHOTS = SCREENSHOTS / "cases"


def _simulated_case(c: Container, desk: CaseDesk) -> int:
    """Feed 20 minutes of simulated traffic and open a case on the first overload two reviewers can approve."""
    network = load_network()
    import_network(c.stations, network, now=c.clock())
    traffic = Traffic(load_sim_stations(network), random.Random(20261126), overload_share=0.2)

    def photos(batch: list[dict[str, object]]) -> None:
        for rec in batch:
            for file in evidence_files(rec):
                with contextlib.suppress(ZhichaoError):  # a record the ingest refused has nothing to attach to
                    upload(c.evidence, str(rec["station_id"]), str(rec["record_id"]), file.sha256, file.content,
                           file.content_type, now=c.clock())

    now = c.clock()
    feed_direct(c.ingest_store, c.ingest_policy, traffic.between(now - timedelta(minutes=20), now), c.clock,
                after=photos)
    queue = desk.call("zhang", "GET", "/reviews?state=pending_first&limit=100").json()["items"]
    for item in queue:
        path = f"/reviews/{item['station_id']}/{item['record_id']}"
        version = desk.call("zhang", "GET", path).json()["item"]["version"]
        first = desk.call("zhang", "POST", f"{path}/decision", json={"action": "approve", "version": version})
        if first.status_code != 200:  # screening blocks this one (e.g. an unread plate): take the next
            continue
        second = desk.call("li", "POST", f"{path}/decision",
                           json={"action": "approve", "version": first.json()["version"]})
        assert second.status_code == 200, second.text
        case_id: int = second.json()["case_id"]
        return case_id
    raise AssertionError("the simulator produced no approvable overload")


def _pdf_pages(pdf: bytes, name: str, tmp_path: Path) -> str:
    """Write the PDF's pages as PNGs beside the screenshots; check its fonts are embedded; return its text."""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(" yes " in row for row in rows), fonts  # every font embedded
    assert any("CJK" in row for row in rows), fonts
    subprocess.run(["pdftoppm", "-r", "70", "-png", str(path), str(SHOTS / f"simulated-{name}")], check=True)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils is installed by scripts/system-deps")
def test_a_simulated_overload_is_carried_to_closure_and_its_documents_are_printable(
        browser: Any, settings: Settings, clock: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    c = build(settings, clock=clock)
    desk = CaseDesk(c)
    passwords = {}
    for username, role, name in (("chen", "officer", "陈执法"), ("zhao", "leader", "赵领导")):
        _, passwords[username], _ = add_user(c.users, c.hasher, username, role, now=c.clock(), display_name=name)
    case_id = _simulated_case(c, desk)
    plate = desk.case(case_id)["case"]["plate"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with serve(create_app(c)) as url:
        page = open_page(browser, errors, EXPECTED)
        page.goto(f"{url}/console/cases/{case_id}")
        log_in(page, "chen", passwords["chen"])
        expect(page.locator("#case-state")).to_have_text("有效案件")
        owner = page.locator("#party-owner")
        owner.locator("summary").click()
        owner.get_by_label("姓名或名称（必填）").fill("绍兴市柯桥区顺达物流有限公司")
        owner.get_by_label("联系电话").fill("13905751234")
        owner.get_by_label("地址").fill("浙江省绍兴市柯桥区华舍街道纺都路1208号")
        owner.get_by_role("button", name="保存车辆所有人").click()
        for action, state in (("send_notice", "违法行为通知已送达"), ("owner_reported", "当事人已接受处理"),
                              ("send_pre_decision", "行政处罚事先告知已送达"),
                              ("receive_statement", "陈述申辩（已提出或期限届满）")):
            take(page, action)
            expect(page.locator("#case-state")).to_have_text(state)
        page.get_by_role("button", name="退出").click()
        log_in(page, "zhao", passwords["zhao"])
        page.goto(f"{url}/console/cases/{case_id}")
        take(page, "decide")
        expect(page.locator("#case-state")).to_have_text("处罚决定已送达")
        page.get_by_role("button", name="退出").click()
        log_in(page, "chen", passwords["chen"])
        page.goto(f"{url}/console/cases/{case_id}")
        form = page.locator("#payment-form")
        form.get_by_label("收款凭证号或流水号").fill("SJ-2026-SIM-001")
        form.get_by_role("button", name="登记缴款").click()
        expect(page.locator("#case-state")).to_have_text("罚款已缴纳")
        take(page, "close")
        expect(page.locator("#case-state")).to_have_text("已结案")
        page.screenshot(path=str(SHOTS / "simulated-case-closed.png"), full_page=True)

        documents = desk.case(case_id)["documents"]
        assert [d["kind"] for d in documents] == ["notice", "pre_decision", "decision"]
        links = page.locator("#documents a[href*='/documents/']")
        expect(links).to_have_count(3)
        for document in documents:
            response = page.request.get(f"{url}/api/v1/cases/{case_id}/documents/{document['id']}")
            assert response.status == 200 and response.headers["content-type"] == "application/pdf"
            text = _pdf_pages(response.body(), document["kind"], tmp_path)
            squeezed = "".join(text.split())
            assert plate in squeezed and document["number"] in squeezed
            assert "绍兴市交通运输局" in squeezed
    c.close()
    assert errors == []
