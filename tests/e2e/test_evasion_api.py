"""Evasion findings over HTTP, on both databases: who may read them and run the sweep, the periods refused,
and the console page (逃避检测) with its links."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import body, light, record, station
from zhichao.bootstrap import Container
from zhichao.services.auth import add_user
from zhichao.services.ingest import accept_batch
from zhichao.web.app import create_app

PERIOD = "from=2026-11-26&to=2026-11-26"


class Desk:
    def __init__(self, c: Container) -> None:
        self.client = TestClient(create_app(c), follow_redirects=False)
        self.tokens = {role: add_user(c.users, c.hasher, role, role, now=c.clock())[2]
                       for role in ("reviewer", "partner", "leader")}
        station(c, "S1")
        station(c, "S2")
        for station_id, rec in (
                ("S1", record("r1", "S1", flags=["lane_straddle"])),  # straddled two lanes
                ("S1", light("r2", "S1", plate="浙D5F678", captured_at="2026-11-26T08:00:00+08:00")),
                ("S2", record("r3", "S2", plate="浙D5F678", axle_count=3, axle_groups="1+2",  # a rigid 2-axle truck
                              axle_weights_kg=[6000, 9000, 9000], gross_weight_kg=24000)),  # seen with 3 axles
                ("S2", record("r4", "S2", plate="浙D77777", speed_kmh=3.5,  # crawled over the sensors
                              captured_at="2026-11-26T13:00:00+08:00"))):
            result = accept_batch(c.ingest_store, station_id, body(rec), now=c.clock(), policy=c.ingest_policy)
            assert result.accepted == 1, result.rejected

    def call(self, method: str, path: str, role: str | None = "reviewer") -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}
        return self.client.request(method, path, headers=headers)


@pytest.fixture
def desk(container: Container) -> Desk:
    return Desk(container)


def error_of(response: Any) -> tuple[int, str]:
    payload = response.json()["error"]
    assert payload["message"], "every error carries a Chinese message"
    return response.status_code, payload["code"]


def test_a_leader_sweeps_and_readers_see_the_findings(desk: Desk) -> None:
    assert desk.call("GET", f"/api/v1/evasion?{PERIOD}").json() == {"findings": []}
    swept = desk.call("POST", f"/api/v1/evasion/sweep?{PERIOD}", role="leader").json()
    assert swept["new"] == {"cloned_plate": 1, "covered_plate": 0, "detour": 0, "straddle": 1, "crawl": 1}
    assert set(desk.call("POST", f"/api/v1/evasion/sweep?{PERIOD}", role="leader").json()["new"].values()) == {0}

    found = desk.call("GET", f"/api/v1/evasion?{PERIOD}").json()["findings"]
    assert [(f["kind"], f["plate"], f["station_id"], f["kind_label"]) for f in found] == [
        ("straddle", "浙D12345", "S1", "跨道行驶"), ("crawl", "浙D77777", "S2", "低速碾压传感器"),
        ("cloned_plate", "浙D5F678", "S1", "套牌嫌疑")]
    clone = found[2]
    assert clone["reason_label"].startswith("轴数不符") and clone["first_at"] == "2026-11-26T08:00:00+08:00"
    assert [p["record_id"] for p in clone["details"]["passages"]] == ["r2", "r3"]
    only = desk.call("GET", f"/api/v1/evasion?{PERIOD}&kind=crawl&limit=1").json()["findings"]
    assert [(f["kind"], f["details"]["reason"], f["details"]["speed_kmh"]) for f in only] == [
        ("crawl", "too_slow", 3.5)]


@pytest.mark.parametrize(("method", "path", "role", "status", "code"), [
    ("GET", f"/api/v1/evasion?{PERIOD}", None, 401, "login_required"),
    ("GET", f"/api/v1/evasion?{PERIOD}", "partner", 403, "role_not_allowed"),
    ("POST", f"/api/v1/evasion/sweep?{PERIOD}", None, 401, "login_required"),
    ("POST", f"/api/v1/evasion/sweep?{PERIOD}", "reviewer", 403, "role_not_allowed"),
    ("POST", f"/api/v1/evasion/sweep?{PERIOD}", "partner", 403, "role_not_allowed"),
    ("GET", "/api/v1/evasion?from=2026-11-26&to=2026-11-25", "reviewer", 400, "period_reversed"),
    ("POST", "/api/v1/evasion/sweep?from=2026-11-26&to=2026-11-25", "leader", 400, "period_reversed"),
    ("POST", "/api/v1/evasion/sweep?from=2026-10-01&to=2026-11-25", "leader", 400, "period_too_long"),
    ("GET", "/api/v1/evasion?to=2026-11-25", "reviewer", 400, "invalid_request"),
    ("POST", "/api/v1/evasion/sweep?from=&to=", "leader", 400, "invalid_request"),
    ("GET", f"/api/v1/evasion?{PERIOD}&kind=speeding", "reviewer", 400, "invalid_kind"),
])
def test_refusals(desk: Desk, method: str, path: str, role: str | None, status: int, code: str) -> None:
    assert error_of(desk.call(method, path, role=role)) == (status, code)


def test_the_console_page_lists_findings_with_their_links(desk: Desk) -> None:
    desk.call("POST", f"/api/v1/evasion/sweep?{PERIOD}", role="leader")
    page = desk.call("GET", "/evasion?start=2026-11-26&end=2026-11-26")
    assert page.status_code == 200
    assert "逃避检测" in page.text and "套牌嫌疑" in page.text and "轴数不符" in page.text
    assert 'href="/parties/vehicle/%E6%B5%99D5F678"' in page.text
    assert 'href="/command/trajectory?plate=%E6%B5%99D5F678"' in page.text
    crawl_only = desk.call("GET", "/evasion?start=2026-11-26&end=2026-11-26&kind=crawl")
    assert "浙D77777" in crawl_only.text and "浙D5F678" not in crawl_only.text
    assert desk.call("GET", "/evasion", role=None).status_code == 303  # to the login page
    assert desk.call("GET", "/evasion", role="partner").status_code == 403
