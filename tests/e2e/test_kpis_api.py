"""The bureau's KPIs over the API and on the dashboard, on both databases: each goal from stored data
against a hand count, the day counters, the bureau's targets, and the periods that are refused."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.e2e.conftest import NOW, Console, passage
from zhichao.adapters.db.tables import audit_log, daily_counts, hourly_counts, kpi_targets
from zhichao.services.auth import add_user
from zhichao.services.stations import add_station

MONTH = {"from": "2026-11-01", "to": "2026-11-30"}
IDS = ["device_online_rate", "device_normal_rate", "handheld_inspection_share", "local_disposal_rate",
       "valid_case_penalty_rate", "site_overload_rate", "highway_overload_rate"]


@pytest.fixture
def console_options() -> dict[str, Any]:
    # every site counts for KPI 5 here, however little data it has; the exclusion has its own test
    return {"kpi_site_min_online_days": 0, "kpi_site_min_trucks_per_month": 0}


def _leader(console: Console, client: TestClient) -> None:
    c = console.container
    _, password, _ = add_user(c.users, c.hasher, "leader1", "leader", now=NOW, display_name="李局长")
    console.passwords["leader1"] = password
    console.log_in(client, "leader1")


def _kpis(client: TestClient, **params: str) -> dict[str, Any]:
    response = client.get("/api/v1/kpis", params={**MONTH, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    return {**body, "by_id": {k["id"]: k for k in body["kpis"]}}


def _case(console: Console, n: int, plate: str, state: str, station_id: str = "T-YC-01") -> None:
    """A case opened an hour ago, already in ``state`` (through the adapter that counts it by day)."""
    opened = NOW - timedelta(hours=1)
    with console.container.reviews.repo.transaction() as tx:
        tx.open_case({"station_id": station_id, "record_id": f"C-{n}", "plate": plate, "captured_at": NOW,
                      "state": state, "fine_yuan": 500, "opened_at": opened, "opened_by": 1,
                      "opened_on": opened.astimezone(console.container.kpis.tz).date()})


def test_the_contract_shape_and_the_sites_overload_rate_by_hand(console: Console, client: TestClient) -> None:
    console.log_in(client)
    # T-YC-01 holds the first batch: 4 trucks, one over the line (60 320 kg on 6 axles, 23.10 %)
    console.ingest("T-KQ-01", [passage("KQ-1", "浙D11111", [7000, 11000, 11000, 11000, 11000, 11000],
                                       station_id="T-KQ-01"),  # 62 t: 26.5 % over 49 t
                               passage("KQ-2", "浙D22222", [6000, 9000], station_id="T-KQ-01")])
    body = _kpis(client)
    assert set(body) >= {"from", "to", "county", "trucks_weighed", "kpis"}
    assert [k["id"] for k in body["kpis"]] == IDS
    assert body["trucks_weighed"] == 6 and body["county"] is None
    site = body["by_id"]["site_overload_rate"]
    assert (site["numerator"], site["denominator"]) == (2, 6) and site["value"] == pytest.approx(2 / 6)
    assert site["target"] == 0.005 and site["status"] == "red"
    yuecheng = _kpis(client, county="330602")
    assert yuecheng["trucks_weighed"] == 4
    assert yuecheng["by_id"]["site_overload_rate"]["numerator"] == 1
    for k in body["kpis"]:
        assert k["value"] is None or 0 <= k["value"] <= 1
        assert (k["value"] is None) == (k["denominator"] == 0)


def test_the_day_counters_hold_the_hourly_counts_by_local_day(console: Console) -> None:
    late = passage("LATE-1", "浙D33333", [6000, 9000], ago_s=0,
                   captured_at=datetime(2026, 11, 25, 15, 30, tzinfo=UTC).isoformat())  # 23:30 in Shanghai
    early = passage("EARLY-1", "浙D44444", [6000, 9000], ago_s=0,
                    captured_at=datetime(2026, 11, 25, 16, 30, tzinfo=UTC).isoformat())  # 00:30 on the 26th
    console.ingest("T-YC-01", [late, early])
    with console.container.db.reader.connect() as conn:
        days = dict(conn.execute(select(daily_counts.c.day, func.sum(daily_counts.c.trucks))
                                 .group_by(daily_counts.c.day)).all())
        hourly = conn.execute(select(func.sum(hourly_counts.c.trucks), func.sum(hourly_counts.c.actionable))).one()
        daily = conn.execute(select(func.sum(daily_counts.c.trucks), func.sum(daily_counts.c.actionable))).one()
    assert {d.isoformat(): int(n) for d, n in days.items()} == {"2026-11-25": 1, "2026-11-26": 5}
    assert tuple(hourly) == tuple(daily) == (6, 1)


def test_too_little_data_leaves_a_site_out_and_lists_it(console: Console, client: TestClient) -> None:
    console.log_in(client)
    c = console.container
    c.kpis = type(c.kpis)(**{**{f: getattr(c.kpis, f) for f in c.kpis.__dataclass_fields__},
                             "site_rule": type(c.kpis.site_rule)(10, 500)})
    site = _kpis(client)["by_id"]["site_overload_rate"]
    assert site["value"] is None and site["denominator"] == 0
    assert [(e["station_id"], e["reason"], e["days"]) for e in site["excluded"]][:1] == [
        ("T-KQ-01", "few_online_days", 0)]
    assert ("T-YC-01", "few_online_days", 1, 4) in [(e["station_id"], e["reason"], e["days"], e["count"])
                                                    for e in site["excluded"]]


def test_case_kpis_by_hand(console: Console, client: TestClient) -> None:
    console.log_in(client)
    # local (浙D): no_penalty, closed, valid, withdrawn → 2 disposed of 3 valid; 皖K: transferred, decided
    for n, (plate, state) in enumerate([("浙D10001", "no_penalty"), ("浙D10002", "closed"), ("浙D10003", "valid"),
                                        ("浙D10004", "withdrawn"), ("皖K10005", "transferred"),
                                        ("皖K10006", "decided")]):
        _case(console, n, plate, state)
    body = _kpis(client)["by_id"]
    local = body["local_disposal_rate"]
    assert (local["numerator"], local["denominator"]) == (2, 3)
    assert [(e["reason"], e["count"]) for e in local["excluded"]] == [("withdrawn", 1)]
    penalty = body["valid_case_penalty_rate"]
    # valid 5 (6 − withdrawn); penalised: closed, transferred, decided = 3, of which 1 transferred
    assert (penalty["numerator"], penalty["denominator"]) == (3, 5)
    assert penalty["parts"] == {"decided": 2, "transferred": 1}
    assert local["target"] == 0.90 and penalty["target"] == 0.70  # 2026 keeps 2021's


def test_the_highway_rate_counts_entrances_only(console: Console, client: TestClient) -> None:
    console.log_in(client)
    c = console.container
    add_station(c.stations, "T-GS-01", "杭绍甬高速 绍兴东入口", 2, now=NOW, county_code="330602", kind="highway")
    console.ingest("T-GS-01", [passage("GS-1", "浙D55555", [8000, 11000], station_id="T-GS-01"),  # 19 t > 105 % of 18 t
                               passage("GS-2", "浙D66666", [8000, 10900], station_id="T-GS-01"),  # 18.9 t = 105 %
                               passage("GS-3", "浙D77777", [6000, 9000], station_id="T-GS-01")])
    body = _kpis(client)
    highway = body["by_id"]["highway_overload_rate"]
    assert (highway["numerator"], highway["denominator"]) == (1, 3)
    assert body["trucks_weighed"] == 4  # the sites' trucks only


def test_the_bureau_sets_a_years_target_and_it_shows(console: Console, client: TestClient) -> None:
    _leader(console, client)
    assert client.put("/api/v1/kpis/targets/site_overload_rate/2026", json={"target": 0.004}).status_code == 200
    assert _kpis(client)["by_id"]["site_overload_rate"]["target"] == 0.004
    years = {t["id"]: t["years"] for t in client.get("/api/v1/kpis/targets").json()["targets"]}
    assert years["site_overload_rate"]["2026"] == 0.004 and years["site_overload_rate"]["2021"] == 0.005
    assert client.put("/api/v1/kpis/targets/site_overload_rate/2026", json={"target": None}).status_code == 200
    assert _kpis(client)["by_id"]["site_overload_rate"]["target"] == 0.005
    with console.container.db.reader.connect() as conn:
        actions = conn.execute(select(audit_log.c.action, audit_log.c.subject)
                               .where(audit_log.c.action == "kpi.target")).all()
    assert len(actions) == 2


@pytest.mark.parametrize(("path", "body", "code"), [
    ("/api/v1/kpis/targets/no_such_kpi/2026", {"target": 0.5}, "unknown_kpi"),
    ("/api/v1/kpis/targets/site_overload_rate/1900", {"target": 0.5}, "invalid_year"),
    ("/api/v1/kpis/targets/site_overload_rate/2026", {"target": 1.5}, "invalid_target"),
])  # fmt: skip
def test_a_bad_target_is_refused_and_nothing_is_stored(console: Console, client: TestClient, path: str,
                                                       body: dict[str, Any], code: str) -> None:
    _leader(console, client)
    response = client.put(path, json=body)
    assert response.status_code == 400 and response.json()["error"]["code"] == code
    with console.container.db.reader.connect() as conn:
        assert conn.execute(select(func.count()).select_from(kpi_targets)).scalar_one() == 0


def test_a_reviewer_may_not_set_targets(console: Console, client: TestClient) -> None:
    console.log_in(client)
    response = client.put("/api/v1/kpis/targets/site_overload_rate/2026", json={"target": 0.004})
    assert response.status_code == 403


@pytest.mark.parametrize(("params", "status", "code"), [
    ({"from": "2026-11-30", "to": "2026-11-01"}, 400, "period_reversed"),
    ({"from": "2026-12-01", "to": "2026-12-31"}, 400, "period_in_future"),
    ({"from": "2020-01-01", "to": "2026-11-26"}, 400, "period_too_long"),
])  # fmt: skip
def test_periods_that_cannot_be_counted_are_refused(console: Console, client: TestClient, params: dict[str, str],
                                                    status: int, code: str) -> None:
    console.log_in(client)
    response = client.get("/api/v1/kpis", params=params)
    assert response.status_code == status and response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]


def test_a_malformed_date_is_a_clear_error(console: Console, client: TestClient) -> None:
    console.log_in(client)
    response = client.get("/api/v1/kpis", params={"from": "2026-13-01", "to": "2026-11-30"})
    assert response.status_code in (400, 422) and "error" in response.json()


def test_a_period_before_any_data_answers_nulls_not_errors(console: Console, client: TestClient) -> None:
    console.log_in(client)
    body = _kpis(client, **{"from": "2024-01-01", "to": "2024-03-31"})
    assert body["trucks_weighed"] == 0
    assert all(k["value"] is None for k in body["kpis"] if k["id"] != "device_online_rate"
               and k["id"] != "device_normal_rate")


def test_a_period_running_on_counts_to_today(console: Console, client: TestClient) -> None:
    console.log_in(client)
    body = _kpis(client, **{"from": "2026-11-01", "to": "2026-12-31"})
    assert body["to"] == "2026-12-31" and body["counted_to"] == "2026-11-26"


def test_the_dashboard_shows_the_goals_against_their_targets(console: Console, client: TestClient) -> None:
    console.log_in(client)
    page = client.get("/kpis", params=MONTH)
    assert page.status_code == 200
    text = page.text
    for label in ("设备在线率", "设备正常率", "掌上执法检查占比", "本地车辆处置率", "有效案件处罚率",
                  "非现场点位平均超限率", "高速公路平均超限率"):
        assert label in text
    assert "25.00%" in text and "≤ 0.5%" in text  # one of the four trucks at T-YC-01
    assert "/static/vendor/echarts/echarts.min.js" in text
    data = client.get("/api/v1/kpis/dashboard", params=MONTH).json()
    assert [m["month"] for m in data["months"]] == ["2026-11"]
    assert data["statistics"]["trucks"] == 4 and data["statistics"]["bands"][2] == 1  # 23.10 %: band 20–30 %
    bad = client.get("/kpis", params={"from": "2026-11-31"})
    assert bad.status_code == 400 and "日期格式不正确" in bad.text


def test_the_case_kpis_link_to_the_cases_behind_them(console: Console, client: TestClient) -> None:
    _leader(console, client)
    for n, (plate, state) in enumerate([("浙D10001", "no_penalty"), ("浙D10003", "valid"), ("浙D10004", "withdrawn"),
                                        ("皖K10005", "notified"), ("皖K10006", "decided")]):
        _case(console, n, plate, state)
    page = client.get("/kpis", params=MONTH).text
    links = {href.replace("&amp;", "&") for href in re.findall(r'href="(/console/cases\?[^"]+)"', page)}
    assert links == {"/console/cases?opened_from=2026-11-01&opened_to=2026-11-26&local=local&outcome=undisposed",
                     "/console/cases?opened_from=2026-11-01&opened_to=2026-11-26&outcome=unpenalised"}
    listed = {link: set(re.findall(r"(浙D\d{5}|皖K\d{5})", client.get(link).text.split('id="cases"')[1]))
              for link in links}
    assert sorted(listed.values(), key=len) == [{"浙D10003"}, {"浙D10001", "浙D10003", "皖K10005"}]
    assert client.get("/console/cases", params={"opened_from": "2026-11-3"}).status_code == 400
