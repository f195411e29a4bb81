"""Device health over HTTP: heartbeats (refused, counted, rate-limited without slowing ingest), the board,
tickets, certificates and checks, KPI 1, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import body, record, station
from zhichao.bootstrap import Container
from zhichao.services.auth import add_user
from zhichao.web.app import create_app


class Devices:
    def __init__(self, c: Container) -> None:
        self.c = c
        self.app = create_app(c)
        self.client = TestClient(self.app)
        self.token = station(c, "S1")
        station(c, "S2")
        self.users = {role: add_user(c.users, c.hasher, role, role, now=c.clock(), display_name=f"{role} 甲")[2]
                      for role in ("reviewer", "officer", "admin")}

    def beat(self, token: str | None = None, station_id: str = "S1", payload: Any = None) -> Any:
        data = payload if payload is not None else {"at": self.c.clock().isoformat(), "status": {"camera": "ok"}}
        return self.client.post(f"/api/v1/stations/{station_id}/heartbeat", json=data,
                                headers={"Authorization": f"Bearer {token or self.token}"})

    def call(self, method: str, path: str, role: str = "admin", **kwargs: Any) -> Any:
        return self.client.request(method, path, headers={"Authorization": f"Bearer {self.users[role]}"}, **kwargs)


@pytest.fixture
def api(container: Container) -> Iterator[Devices]:
    yield Devices(container)


def error_of(response: Any) -> tuple[int, str]:
    payload = response.json()["error"]
    assert payload["message"]
    return response.status_code, payload["code"]


def test_heartbeats_are_stored_refused_and_counted(api: Devices) -> None:
    assert api.beat().status_code == 204
    s1 = api.c.stations.get("S1")
    assert s1 is not None and s1.last_heartbeat_at == api.c.clock()
    # within the interval anything for S1 is refused from memory, before its token is even looked at
    assert error_of(api.beat("zst_wrong")) == (429, "heartbeat_too_frequent")
    api.c.clock.now += timedelta(seconds=10)  # type: ignore[attr-defined]
    assert error_of(api.beat("zst_wrong")) == (401, "invalid_token")
    assert error_of(api.beat(payload={"status": {}}))[1] == "invalid_heartbeat"
    assert error_of(api.beat(payload={"at": "yesterday"}))[1] == "invalid_heartbeat"  # refusals do not count
    status, code = error_of(api.beat(station_id="NOPE"))  # S1's token for another station
    counts = api.app.state.heartbeat_gate.refusals()
    assert counts["S1"] == {"heartbeat_too_frequent": 1, "invalid_token": 1, "invalid_heartbeat": 2}
    assert status == 403 and counts["NOPE"] == {code: 1}


def test_a_flood_of_heartbeats_is_refused_from_memory_and_ingest_goes_on(api: Devices) -> None:
    answers = [api.beat() for _ in range(50)]
    assert answers[0].status_code == 204 and {a.status_code for a in answers[1:]} == {429}
    assert answers[1].headers["retry-after"] == "5" and error_of(answers[1])[1] == "heartbeat_too_frequent"
    assert api.app.state.heartbeat_gate.refusals()["S1"] == {"heartbeat_too_frequent": 49}
    # the station's records are still taken, and its stored heartbeat is the first one
    response = api.client.post("/api/v1/stations/S1/records", content=body(record("r1"), record("r2")),
                               headers={"Authorization": f"Bearer {api.token}"})
    assert response.status_code == 200 and response.json()["accepted"] == 2
    api.c.clock.now += timedelta(seconds=6)  # type: ignore[attr-defined]
    assert api.beat().status_code == 204


def test_tickets_over_the_api(api: Devices) -> None:
    assert error_of(api.call("POST", "/api/v1/stations/S1/tickets", "reviewer", json={"fault": "称台异常"})) == (
        403, "role_not_allowed")
    assert error_of(api.call("POST", "/api/v1/stations/S1/tickets", "officer", json={"fault": "  "}))[1] == (
        "fault_required")
    created = api.call("POST", "/api/v1/stations/S1/tickets", "officer", json={"fault": "3 车道地感线圈损坏"})
    assert created.status_code == 201
    ticket = created.json()["id"]
    assert error_of(api.call("POST", "/api/v1/stations/S1/tickets", "officer", json={"fault": "又坏了"})) == (
        409, "ticket_open")
    assert api.c.stations.get("S1").state == "repair"  # type: ignore[union-attr]
    assert api.call("POST", f"/api/v1/tickets/{ticket}/assign", json={"assignee": "维保 周工", "version": 1}).json()
    assert error_of(api.call("POST", f"/api/v1/tickets/{ticket}/close",
                             json={"resolution": "更换线圈", "version": 1})) == (409, "stale_version")
    assert api.call("POST", f"/api/v1/tickets/{ticket}/close", json={"resolution": "更换线圈", "version": 2}).json()
    assert api.c.stations.get("S1").state == "enabled"  # type: ignore[union-attr]
    listed = api.call("GET", "/api/v1/tickets?state=closed", "reviewer").json()
    assert [(t["id"], t["assignee"], t["resolution"]) for t in listed] == [(ticket, "维保 周工", "更换线圈")]
    assert error_of(api.call("GET", "/api/v1/tickets?state=lost", "reviewer"))[1] == "invalid_state"


def test_certificates_and_checks_lift_a_suspension(api: Devices) -> None:
    c = api.c
    with c.db.writer.begin() as conn:
        from zhichao.adapters.db.tables import stations

        conn.execute(stations.update().where(stations.c.station_id == "S1").values(
            suspended_since=c.clock() - timedelta(days=1), quality="alarm"))
    bad = {"number": "浙量检字[2026]第9号", "valid_from": "2026-11-20", "valid_to": "2026-11-01"}
    assert error_of(api.call("PUT", "/api/v1/stations/S1/certificate", json=bad))[1] == "invalid_validity"
    assert error_of(api.call("PUT", "/api/v1/stations/S1/certificate", json={**bad, "valid_to": "2027-11-19",
                                                                            "accuracy_class": "7"}))[1] == (
        "invalid_accuracy_class")
    assert c.stations.get("S1").suspended_since is not None  # type: ignore[union-attr]  # refused: nothing changed
    ok = api.call("PUT", "/api/v1/stations/S1/certificate", json={**bad, "valid_to": "2027-11-19",
                                                                  "accuracy_class": "5", "body": "绍兴市计量院"})
    assert ok.status_code == 200
    s1 = c.stations.get("S1")
    assert s1 is not None and s1.suspended_since is None and s1.cert_number == "浙量检字[2026]第9号"
    assert str(s1.baseline_from) == "2026-11-20"
    assert error_of(api.call("POST", "/api/v1/stations/S1/calibration-checks",
                             json={"on": "2026-11-26", "result": "maybe"}))[1] == "invalid_check_result"
    assert error_of(api.call("POST", "/api/v1/stations/S1/calibration-checks", "officer",
                             json={"on": "2026-11-26", "result": "passed"}))[0] == 403
    assert api.call("POST", "/api/v1/stations/S1/calibration-checks",
                    json={"on": "2026-11-26", "result": "adjusted", "note": "标定车复核"}).status_code == 200
    health = api.call("GET", "/api/v1/stations/S1/health", "reviewer").json()
    assert [e["kind"] for e in health["events"]] == ["check", "certificate"]
    assert health["certificates"][0]["number"] == "浙量检字[2026]第9号"


def test_the_board_and_kpi_1_answer_and_refuse_bad_periods(api: Devices) -> None:
    api.beat()
    board = {s["station_id"]: s for s in api.call("GET", "/api/v1/devices/board", "reviewer").json()}
    assert board["S1"]["health"] == "late" and board["S1"]["health_reason"] == "no_data"
    assert board["S2"]["health"] == "down" and board["S2"]["health_reason"] == "never_seen"
    answer = api.call("GET", "/api/v1/kpis/devices?from=2026-11-01&to=2026-11-25", "reviewer").json()
    assert [k["id"] for k in answer["kpis"]] == ["device_online_rate", "device_normal_rate"]
    assert answer["kpis"][0]["denominator"] == 2 * 25 and answer["kpis"][0]["numerator"] == 0
    assert error_of(api.call("GET", "/api/v1/kpis/devices?from=2026-11-25&to=2026-11-01", "reviewer"))[1] == (
        "period_reversed")
    assert api.call("GET", "/api/v1/kpis/devices?from=2026-11-01&to=2026-11-25&county=33", "reviewer").status_code \
        == 400
    assert error_of(api.call("GET", "/api/v1/stations/NOPE/health", "reviewer")) == (404, "station_not_found")
