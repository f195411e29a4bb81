"""Live alerts end to end, on both databases: a watch set over the API, records ingested, the engine run,
one alert per vehicle per rule whatever the lanes, the handling from acknowledgement to outcome, the event
stream of a real server (with replay after a reconnect), and a page that stops reading never holding
anything up."""

from __future__ import annotations

import asyncio
import http.client
import json
import threading
import urllib.parse
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.e2e.browser import serve
from tests.e2e.conftest import Console, passage
from zhichao.adapters.db.tables import audit_log, outbox, watchlist
from zhichao.services.auth import add_user
from zhichao.web.alert_stream import QUEUE_SIZE, AlertHub
from zhichao.web.app import create_app

WATCHED = "浙D77777"
LIGHT = [6000, 10000, 10000]  # 26 t on 3 axles: within the limit
KING = [10000, 20000, 20000, 20000, 20000, 12000]  # 102 t on 6 axles: 百吨王, 108 % over 49 t


class Desk:
    def __init__(self, console: Console, client: TestClient) -> None:
        self.console, self.client, self.c = console, client, console.container
        self.tokens: dict[str, str] = {}
        self.ids: dict[str, int] = {}
        for username, role in (("officer1", "officer"), ("officer2", "officer"), ("boss", "leader"),
                               ("clerk", "reviewer")):
            user, _, token = add_user(self.c.users, self.c.hasher, username, role, now=self.c.clock(),
                                      display_name={"officer1": "张执法", "officer2": "李执法", "boss": "赵队长",
                                                    "clerk": "钱审核"}[username])
            self.tokens[username], self.ids[username] = token, user.id

    def call(self, who: str, method: str, path: str, **kwargs: Any) -> Any:
        return self.client.request(method, f"/api/v1{path}", headers={"Authorization": f"Bearer {self.tokens[who]}"},
                                   **kwargs)

    def alerts(self, **params: Any) -> list[dict[str, Any]]:
        answer = self.call("boss", "GET", "/alerts", params=params)
        assert answer.status_code == 200, answer.text
        return list(answer.json()["alerts"])

    def rows(self, table: Any) -> list[Any]:
        with self.c.db.reader.connect() as conn:
            return list(conn.execute(select(table)))


@pytest.fixture
def desk(console: Console, client: TestClient) -> Desk:
    return Desk(console, client)


def watch(desk: Desk, plate: str = WATCHED, **extra: Any) -> Any:
    return desk.call("officer1", "POST", "/watchlist",
                     json={"plate": plate, "reason": "涉嫌逃避治超检测", "ends_on": "2026-12-31", **extra})


def test_a_watched_plate_alerts_once_whatever_the_lanes(desk: Desk) -> None:
    for bad, code in (({"plate": "浙D7777"}, "invalid_plate"), ({"ends_on": "2026-11-25"}, "invalid_end"),
                      ({"reason": "  "}, "reason_required")):
        refused = watch(desk, **bad)
        assert refused.status_code == 400 and refused.json()["error"]["code"] == code, refused.text
    assert desk.rows(watchlist) == []
    refused = desk.call("clerk", "POST", "/watchlist", json={"plate": WATCHED, "reason": "r", "ends_on": "2026-12-31"})
    assert refused.status_code == 403 and desk.rows(watchlist) == []
    set_ = watch(desk, "浙d·77777")
    assert set_.status_code == 201 and set_.json()["plate"] == WATCHED and set_.json()["active"]

    # the truck crosses two lanes at once (a straddle writes two records), then the next station
    desk.console.ingest("T-YC-01", [passage("W-1", WATCHED, LIGHT, lane=1, ago_s=40),
                                    passage("W-2", WATCHED, LIGHT, lane=2, ago_s=40)])
    assert desk.c.alert_engine.step() >= 2
    desk.console.ingest("T-KQ-01", [passage("W-3", WATCHED, LIGHT, station_id="T-KQ-01", ago_s=10)])
    desk.c.alert_engine.step()
    found = [a for a in desk.alerts() if a["plate"] == WATCHED]
    assert [(a["rule"], a["record_id"], a["state"], a["severity"]) for a in found] == [
        ("watchlist", "W-1", "open", 4)]
    assert found[0]["details"]["watches"][0]["reason"] == "涉嫌逃避治超检测"
    assert found[0]["station_name"] == "G104 越城东湖 测试站" and found[0]["rule_label"] == "布控车辆"

    # a restarted engine (new process) does not raise it again: the window is read from the database
    from zhichao.services.alerts import AlertEngine
    AlertEngine(desk.c.alerts, desk.c.clock).step()
    assert len([a for a in desk.alerts() if a["plate"] == WATCHED]) == 1

    lifted = desk.call("officer1", "POST", f"/watchlist/{set_.json()['id']}/lift", json={"reason": "已查处"})
    assert lifted.status_code == 200 and not lifted.json()["active"]
    assert desk.call("officer1", "POST", f"/watchlist/{set_.json()['id']}/lift",
                     json={"reason": "again"}).json()["error"]["code"] == "watch_lifted"
    assert desk.call("boss", "GET", "/watchlist").json()["watches"] == []


def test_heavy_trucks_and_serious_overloads_alert_at_enforcement_sites(desk: Desk) -> None:
    desk.console.ingest("T-YC-01", [passage("K-1", "浙D88888", KING, ago_s=20)])
    desk.c.alert_engine.step()
    found = {a["rule"]: a for a in desk.alerts() if a["plate"] == "浙D88888"}
    assert set(found) == {"gross_100t", "overload"}
    assert found["gross_100t"]["details"]["gross_weight_kg"] == 102_000 and found["overload"]["severity"] == 3
    # the fixture's 23 % overload of 浙D12345 is under the 30 % alert threshold: reviewed, not alerted
    assert [a for a in desk.alerts() if a["plate"] == "浙D12345"] == []
    assert desk.rows(outbox) == []  # no DingTalk robot configured: nothing queued


@pytest.mark.parametrize("console_options", [{"alert_robot": "command-centre"}])
def test_alerts_go_to_the_robot_from_the_set_severity(desk: Desk) -> None:
    desk.console.ingest("T-YC-01", [passage("K-1", "浙D88888", KING, ago_s=20)])
    desk.c.alert_engine.step()
    sent = desk.rows(outbox)
    assert sorted(r.dedupe_key for r in sent) == sorted(f"alert:{a['id']}" for a in desk.alerts())
    assert {r.channel for r in sent} == {"dingtalk"} and {r.recipient for r in sent} == {"command-centre"}


def test_an_alert_is_acknowledged_dispatched_accepted_and_resolved(desk: Desk) -> None:
    watch(desk)
    desk.console.ingest("T-YC-01", [passage("W-1", WATCHED, LIGHT, ago_s=40)])
    desk.c.alert_engine.step()
    [alert] = desk.alerts()
    path = f"/alerts/{alert['id']}"
    assert desk.call("clerk", "POST", f"{path}/ack").status_code == 403
    acked = desk.call("officer1", "POST", f"{path}/ack").json()
    assert (acked["state"], acked["acked_by_name"]) == ("acked", "张执法")
    assert desk.call("officer1", "POST", f"{path}/ack").json()["error"]["code"] == "alert_state"
    no_officer = desk.call("boss", "POST", f"{path}/assign", json={"officer_id": 999})
    assert no_officer.status_code == 400 and no_officer.json()["error"]["code"] == "invalid_officer"
    sent = desk.call("boss", "POST", f"{path}/assign", json={"officer_id": desk.ids["officer2"]}).json()
    assert (sent["state"], sent["assigned_to_name"]) == ("dispatched", "李执法")
    not_mine = desk.call("officer1", "POST", f"{path}/accept")
    assert not_mine.status_code == 403 and not_mine.json()["error"]["code"] == "not_assignee"
    assert desk.call("officer2", "POST", f"{path}/accept").json()["state"] == "accepted"
    stale = desk.call("officer2", "POST", f"{path}/resolve", json={"outcome": "intercepted", "version": 1})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_alert"
    bad = desk.call("officer2", "POST", f"{path}/resolve", json={"outcome": "done"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_outcome"
    done = desk.call("officer2", "POST", f"{path}/resolve",
                     json={"outcome": "intercepted", "note": "已带至卸载场"}).json()
    assert (done["state"], done["outcome_label"], done["outcome_note"]) == ("resolved", "已拦截", "已带至卸载场")
    assert [r.action for r in desk.rows(audit_log) if r.action.startswith("alert.")] == [
        "alert.ack", "alert.assign", "alert.accept", "alert.resolve"]
    assert desk.alerts(state="active") == [] and len(desk.alerts(state="resolved")) == 1
    assert desk.call("boss", "GET", "/alerts", params={"state": "closed"}).json()["error"]["code"] == "invalid_state"


def test_officers_go_on_and_off_duty(desk: Desk) -> None:
    assert desk.call("officer1", "POST", "/duty", json={"on": True, "county": "3306"}).status_code == 400
    assert desk.call("officer1", "POST", "/duty", json={"on": True, "county": "330602"}).status_code == 200
    assert desk.call("officer2", "POST", "/duty", json={"on": True}).status_code == 200
    names = [(o["name"], o["county_code"]) for o in desk.call("boss", "GET", "/duty").json()["officers"]]
    assert sorted(names) == [("张执法", "330602"), ("李执法", None)]
    desk.call("officer2", "POST", "/duty", json={"on": False})
    assert [o["name"] for o in desk.call("boss", "GET", "/duty").json()["officers"]] == ["张执法"]
    assert desk.call("clerk", "POST", "/duty", json={"on": True}).status_code == 403


def _events(url: str, token: str, last_id: str | None, wanted: int, found: list[dict[str, Any]],
            query: str = "") -> None:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=20)
    headers = {"Authorization": f"Bearer {token}", **({"Last-Event-ID": last_id} if last_id else {})}
    conn.request("GET", "/api/v1/alerts/stream" + query, headers=headers)
    response = conn.getresponse()
    assert response.status == 200 and response.getheader("content-type", "").startswith("text/event-stream")
    event: dict[str, Any] = {}
    while len(found) < wanted:
        line = response.readline().decode().rstrip("\n")
        if line.startswith(("event:", "id:", "data:")):
            key, _, value = line.partition(": ")
            event[key] = value
        elif line == "" and "data" in event:
            found.append({"event": event["event"], "id": int(event["id"]), "alert": json.loads(event["data"])})
            event = {}
    conn.close()


@pytest.fixture
def running(desk: Desk) -> Iterator[tuple[str, AlertHub]]:
    """A real server with its alert engine running, as `zhichao serve` has them."""
    stop = threading.Event()
    engine = threading.Thread(target=desk.c.alert_engine.run, args=(stop,), daemon=True)
    app = create_app(desk.c)
    with serve(app) as url:
        engine.start()
        yield url, app.state.alert_hub
        stop.set()
        engine.join(timeout=10)


def wait_for(done: Any) -> None:
    for _ in range(300):
        if done():
            return
        threading.Event().wait(0.05)
    raise AssertionError("gave up waiting")


def test_the_stream_pushes_new_alerts_and_replays_what_a_page_missed(desk: Desk,
                                                                    running: tuple[str, AlertHub]) -> None:
    url, hub = running
    watch(desk)
    found: list[dict[str, Any]] = []
    reader = threading.Thread(target=_events, args=(url, desk.tokens["boss"], None, 2, found), daemon=True)
    reader.start()
    wait_for(lambda: len(hub) == 1)  # the page is subscribed before the record arrives
    desk.console.ingest("T-YC-01", [passage("W-1", WATCHED, LIGHT, ago_s=40)])  # wakes the engine
    wait_for(lambda: found)
    alert_id = found[0]["id"]
    desk.call("officer1", "POST", f"/alerts/{alert_id}/ack")
    reader.join(timeout=15)
    assert [(e["event"], e["alert"]["plate"]) for e in found] == [("alert", WATCHED), ("alert_update", WATCHED)]
    assert found[1]["alert"]["state"] == "acked"
    # a page that reconnects with the last id it saw gets what was raised since, first
    desk.console.ingest("T-YC-01", [passage("K-1", "浙D88888", KING, ago_s=20)])
    wait_for(lambda: len(desk.alerts()) == 3)
    replayed: list[dict[str, Any]] = []
    _events(url, desk.tokens["boss"], str(alert_id), 2, replayed)
    assert sorted(e["alert"]["rule"] for e in replayed) == ["gross_100t", "overload"]
    assert all(e["id"] > alert_id for e in replayed)
    # a page that has just read the list asks for what came after its newest alert, without a header
    listed: list[dict[str, Any]] = []
    _events(url, desk.tokens["boss"], None, 2, listed, f"?after={alert_id}")
    assert [e["id"] for e in listed] == [e["id"] for e in replayed]


def test_a_page_that_stops_reading_is_dropped_and_never_waited_for() -> None:
    async def scenario() -> tuple[bool, int, list[str]]:
        hub = AlertHub()
        slow, other = hub.subscribe(None), hub.subscribe("330603")
        for i in range(QUEUE_SIZE + 5):  # returns at once each time: the loop is not even running meanwhile
            hub.publish("alert", {"id": i, "county_code": "330602"})
        await asyncio.sleep(0)  # let the queued offers run

        async def nothing_missed() -> list[tuple[str, int, str]]:
            return []

        lines = [line async for line in hub.stream(slow, nothing_missed)]
        return slow.overflow, other.queue.qsize(), lines

    overflow, other_queued, lines = asyncio.run(scenario())
    assert overflow and other_queued == 0  # another county's page was not sent a thing
    assert lines == ["retry: 3000\n\n"]  # the dropped page's stream ends; its browser reconnects and replays


@pytest.mark.parametrize("console_options", [{"network": True}])
def test_the_simulators_cloned_plate_raises_a_live_alert(desk: Desk) -> None:
    from zhichao.simulation import evasion as inject
    from zhichao.simulation.traffic import load_sim_stations

    sims = {s.station_id: s for s in load_sim_stations(json.loads(desk.console.network_file.read_text("utf-8")))}
    now = desk.c.clock()
    first, second = inject.cloned_plate(sims["SX-YC-001"], sims["SX-XC-004"], now - timedelta(minutes=14))
    for record in (first, second):  # each station sends its own record
        desk.console.ingest(str(record["station_id"]), [record])
        desk.c.alert_engine.step()
    [clone] = [a for a in desk.alerts() if a["rule"] == "cloned_plate"]
    assert clone["plate"] == inject.plate(1) and clone["record_id"] == second["record_id"]
    assert clone["details"]["reason"] == "too_fast" and clone["details"]["earlier"]["station_id"] == "SX-YC-001"


def test_history_uploaded_late_raises_no_alert(desk: Desk) -> None:
    watch(desk)
    # a station back from an outage uploads its last hours: the truck is long gone, no officer can reach it
    desk.console.ingest("T-YC-01", [passage("OLD-1", WATCHED, LIGHT, ago_s=2 * 3600),
                                    passage("OLD-2", "浙D88888", KING, ago_s=3600)])
    desk.c.alert_engine.step()
    assert desk.alerts() == []


def test_an_officer_on_duty_sees_the_alerts_of_their_area(desk: Desk) -> None:
    watch(desk)  # the whole city's officers
    watch(desk, "浙D66666", county="330603")  # 柯桥区's officers, wherever the truck is
    desk.console.ingest("T-YC-01", [passage("W-1", WATCHED, LIGHT, ago_s=40),  # stations in 越城区
                                    passage("W-2", "浙D66666", LIGHT, lane=2, ago_s=35),
                                    passage("K-1", "浙D88888", KING, lane=3, ago_s=30)])
    desk.c.alert_engine.step()
    areas = {(a["plate"], a["rule"]): a["county_code"] for a in desk.alerts()}
    assert areas == {(WATCHED, "watchlist"): None, ("浙D66666", "watchlist"): "330603",
                     ("浙D88888", "gross_100t"): "330602", ("浙D88888", "overload"): "330602"}
    assert desk.call("officer1", "POST", "/duty", json={"on": True, "county": "330603"}).status_code == 200
    mine = desk.call("officer1", "GET", "/alerts").json()["alerts"]
    assert sorted(a["plate"] for a in mine) == sorted([WATCHED, "浙D66666"])
    assert len(desk.call("officer2", "GET", "/alerts").json()["alerts"]) == 4  # not on duty: everything
    shown = desk.call("officer1", "GET", "/alerts", params={"county": "330602"}).json()["alerts"]
    assert sorted(a["plate"] for a in shown) == sorted([WATCHED, "浙D88888", "浙D88888"])
