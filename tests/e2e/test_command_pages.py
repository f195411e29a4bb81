"""The command centre over HTTP, on both databases: a plate's trajectory along one road (passages, heading,
next station), the big screen's summary against what was ingested, who may see them, and the two pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import insert

from tests.e2e.conftest import NOW, STATIONS, Console, passage
from tests.e2e.test_case_pages import visible
from zhichao.adapters.db.tables import alerts, officer_duty
from zhichao.services.auth import add_user
from zhichao.services.stations import add_station

PLATE = "浙D77777"
# G60 eastwards: four sites 10, 10 and 15 km apart (the fourth is where the truck goes next).
ROAD = [("R-1", "G60 钱清 测试站", "K10+000", 120.40), ("R-2", "G60 柯岩 测试站", "K20+000", 120.50),
        ("R-3", "G60 东湖 测试站", "K30+000", 120.60), ("R-4", "G60 上虞 测试站", "K45+000", 120.75)]
OVER = [7000, 11000, 11000, 10440, 10440, 10440]  # 60 320 kg on 6 axles: 23.10 % over 49 t, actionable
HEAVY = [9000, 19000, 19000, 18000, 18000, 18000]  # 101 000 kg: ≥ 100 t
LIGHT = [4000, 8000]  # 12 000 kg on 2 axles: within the limit
JSON = {"Accept": "application/json"}


def road(console: Console) -> None:
    for sid, name, stake, lon in ROAD:
        add_station(console.container.stations, sid, name, 4, now=NOW, county_code="330603",
                    extra={"road": "G60", "stake": stake, "lat": 30.0, "lon": lon})


def trip(console: Console) -> None:
    """The plate eastwards through R-1, R-2 and R-3, ten minutes apart (60 km/h), the last 30 minutes ago."""
    for i, (sid, _, _, _) in enumerate(ROAD[:3]):
        console.ingest(sid, [passage(f"{sid}-t", PLATE, OVER if i == 1 else LIGHT, station_id=sid,
                                     ago_s=3000 - 600 * i, lane=i + 1, plate_color="yellow")])


def token(console: Console, username: str, role: str, name: str | None = None) -> tuple[int, dict[str, str]]:
    user, _, api_token = add_user(console.container.users, console.container.hasher, username, role, now=NOW,
                                  display_name=name)
    return user.id, {"Authorization": f"Bearer {api_token}", **JSON}


def local(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(UTC)


def test_the_trajectory_gives_the_passages_the_heading_and_the_next_station(
        console: Console, client: TestClient) -> None:
    road(console)
    trip(console)
    console.ingest("R-4", [passage("R-4-old", PLATE, LIGHT, station_id="R-4", ago_s=8 * 86400)])  # before the period
    console.ingest("R-1", [passage("R-1-other", "浙D66666", LIGHT, station_id="R-1", ago_s=100)])  # another truck
    _, officer = token(console, "officer1", "officer")
    answer = client.get("/api/v1/vehicles/浙 d·77777/trajectory", headers=officer)  # normalised as ingest does
    assert answer.status_code == 200, answer.text
    t = answer.json()
    assert t["plate"] == PLATE and (t["from"], t["to"]) == ("2026-11-20", "2026-11-26") and not t["truncated"]
    assert [(p["station_id"], p["lane"], p["gross_weight_kg"], p["overloaded"]) for p in t["passages"]] == [
        ("R-3", 3, 12000, False), ("R-2", 2, 60320, True), ("R-1", 1, 12000, False)]
    middle = t["passages"][1]
    assert (middle["station_name"], middle["stake"], middle["limit_kg"], middle["overload_rate_pct"]) == (
        "G60 柯岩 测试站", "K20+000", 49000, 23.1)
    assert local(t["passages"][0]["captured_at"]) == NOW - timedelta(minutes=30)
    assert t["heading"] == {"road": "G60", "direction": "up", "from_station_id": "R-2", "to_station_id": "R-3",
                            "since": t["passages"][0]["captured_at"], "speed_kmh": 60.0}
    assert [(n["station_id"], n["station_name"], n["distance_m"]) for n in t["next"]] == [
        ("R-4", "G60 上虞 测试站", 15000)]
    assert local(t["next"][0]["eta"]) == NOW - timedelta(minutes=15)  # 15 km at 60 km/h after the last passage

    older = client.get(f"/api/v1/vehicles/{PLATE}/trajectory?from=2026-11-17&to=2026-11-18", headers=officer).json()
    assert [p["record_id"] for p in older["passages"]] == ["R-4-old"] and older["heading"] is None
    assert older["next"] == []


def test_a_malformed_plate_or_period_is_refused(console: Console, client: TestClient) -> None:
    _, officer = token(console, "officer1", "officer")
    for plate in ("ABC123", "未识别", "浙D1234"):
        refused = client.get(f"/api/v1/vehicles/{plate}/trajectory", headers=officer)
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_plate", plate
    reversed_ = client.get(f"/api/v1/vehicles/{PLATE}/trajectory?from=2026-11-26&to=2026-11-20", headers=officer)
    assert reversed_.status_code == 400 and reversed_.json()["error"]["code"] == "period_reversed"


def test_only_console_users_see_the_command_centre(console: Console, client: TestClient) -> None:
    _, partner = token(console, "gate2", "partner")
    for path in (f"/api/v1/vehicles/{PLATE}/trajectory", "/api/v1/command/summary"):
        assert client.get(path, headers=JSON).status_code == 401
        assert client.get(path, headers=partner).status_code == 403
    for path in ("/command", f"/command/trajectory?plate={PLATE}"):
        page = client.get(path, headers={"Accept": "text/html"})
        assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")
    console.log_in(client, "partner1")
    assert client.get("/command", headers={"Accept": "text/html"}).status_code == 403


def _alert(state: str, minutes: int) -> dict[str, Any]:
    return {"rule": "overload", "plate": PLATE, "station_id": "R-2", "record_id": "R-2-t",
            "captured_at": NOW - timedelta(minutes=minutes), "fired_at": NOW - timedelta(minutes=minutes),
            "county_code": "330603", "severity": 2, "title": f"超限 {PLATE}", "details": {}, "state": state}


def test_the_summary_counts_today_against_yesterday_to_the_same_hour(console: Console, client: TestClient) -> None:
    road(console)
    trip(console)  # today: 3 trucks, 1 overloaded and actionable
    console.ingest("R-1", [passage("heavy", "浙D55555", HEAVY, station_id="R-1", ago_s=7200)])  # today, ≥ 100 t
    console.ingest("R-4", [passage(f"busy-{i}", f"浙D1{i:04d}", OVER if i < 5 else LIGHT, station_id="R-4",
                                   ago_s=900 + i) for i in range(50)])  # 50 trucks, 5 overloaded: ranked
    console.ingest("R-1", [  # yesterday 13:30 (counted) and 15:30 (after the same hour: not counted)
        passage("y1", "浙D44444", OVER, station_id="R-1", ago_s=86400 + 2007),
        passage("y2", "浙D44445", LIGHT, station_id="R-1", ago_s=86400 + 2100),
        passage("y3", "浙D44446", OVER, station_id="R-1", ago_s=86400 - 5193)])
    officer_id, officer = token(console, "officer1", "officer", "李执法")
    off_id, _ = token(console, "officer2", "officer", "下班的")
    c = console.container
    with c.db.writer.begin() as conn:
        conn.execute(insert(officer_duty), [
            {"user_id": officer_id, "county_code": "330603", "since": NOW - timedelta(hours=2), "until": None},
            {"user_id": off_id, "county_code": None, "since": NOW - timedelta(hours=9),
             "until": NOW - timedelta(hours=1)}])
        conn.execute(insert(alerts), [_alert("open", 5), _alert("open", 4), _alert("acked", 3), _alert("resolved", 2)])

    s = client.get("/api/v1/command/summary", headers=officer).json()
    # the fixture's first batch at T-YC-01: 4 trucks, 2 overloaded, 1 actionable
    assert s["today"] == {"trucks": 4 + 3 + 1 + 50, "overloaded": 2 + 1 + 1 + 5, "actionable": 1 + 1 + 1 + 5,
                          "gross_100t": 1}
    assert s["yesterday"] == {"trucks": 2, "overloaded": 1, "actionable": 1, "gross_100t": 0}
    assert local(s["until"]) == datetime(2026, 11, 26, 7, tzinfo=UTC)  # 15:00 in Shanghai
    assert s["top_stations"] == [{"station_id": "R-4", "name": "G60 上虞 测试站", "trucks": 50, "overloaded": 5,
                                  "share": 0.1}]  # the others weighed fewer than 50 trucks
    assert [(d["display_name"], d["county_code"]) for d in s["on_duty"]] == [("李执法", "330603")]
    assert s["alerts"] == {"by_state": {"open": 2, "acked": 1, "dispatched": 0, "accepted": 0, "resolved": 1},
                           "unresolved": 3}
    assert len(s["stations"]) == len(STATIONS) + len(ROAD) == sum(s["station_counts"]["condition"].values())
    assert s["station_counts"]["condition"]["repair"] == 1 and s["station_counts"]["condition"]["stopped"] == 1
    r4 = next(x for x in s["stations"] if x["station_id"] == "R-4")
    assert (r4["lat"], r4["lon"], r4["state"], r4["suspended"]) == (30.0, 120.75, "enabled", False)

    console.log_in(client)
    page = client.get("/command", headers={"Accept": "text/html"})
    assert page.status_code == 200
    text = visible(page.text)
    assert "指挥中心" in text and "今日超限率最高站点" in text and "G60 上虞 测试站 50 5 10.0%" in text
    assert "过车 58 昨日同期 2 +2800.0%" in text and "李执法 柯桥区" in text and "未办结告警 3" in text
    assert page.text.count('class="sdot ') == len(ROAD)  # only the G60 sites have coordinates


def test_the_trajectory_page_shows_the_time_line_the_map_and_the_next_station(
        console: Console, client: TestClient) -> None:
    road(console)
    trip(console)
    console.log_in(client)
    page = client.get("/command/trajectory?plate=浙d77777", headers={"Accept": "text/html"})
    assert page.status_code == 200
    text = visible(page.text)
    assert "沿 G60 桩号递增方向行驶（G60 柯岩 测试站 → G60 东湖 测试站" in text
    assert "预计下一站 G60 上虞 测试站，约 15.0 公里，预计 13:48 前后到达" in text
    assert "11-26 13:33:27 G60 东湖 测试站 G60 K30+000 · 3 车道" in text
    assert "总质量 60.32 t / 限值 49.00 t · 超限 23.10%" in text
    assert page.text.count('class="stn-seen"') == 3 and page.text.count('class="stn-next"') == 1
    assert page.text.count('class="leg"') == 2
    form = visible(client.get("/command/trajectory", headers={"Accept": "text/html"}).text)
    assert "车辆轨迹" in form and "过车时间线" not in form
    refused = client.get("/command/trajectory?plate=ABC", headers={"Accept": "text/html"})
    assert refused.status_code == 400 and "车牌号格式不正确：ABC" in visible(refused.text)
