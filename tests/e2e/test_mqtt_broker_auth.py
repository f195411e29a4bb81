"""The broker's HTTP authentication and ACL calls (EMQX; docs/mqtt.md, "Broker authentication"), on both
databases: who may connect, which topics each may use, and that nobody but the broker may ask."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from zhichao.bootstrap import Container, build
from zhichao.config import Settings
from zhichao.services.stations import add_station
from zhichao.web.app import create_app

SECRET = "broker-shared-secret"
WORKER = ("zhichao-ingest", "worker-password")
HEADERS = {"X-Zhichao-Mqtt-Secret": SECRET}


@dataclass
class Broker:
    client: TestClient
    tokens: dict[str, str]

    def auth(self, username: str, password: str, headers: dict[str, str] | None = None) -> Any:
        body = {"username": username, "password": password, "clientid": f"c-{username}"}
        return self.client.post("/api/v1/mqtt/auth", json=body, headers=HEADERS if headers is None else headers)

    def acl(self, username: str, topic: str, action: str) -> str:
        response = self.client.post("/api/v1/mqtt/acl", json={"username": username, "topic": topic, "action": action},
                                    headers=HEADERS)
        assert response.status_code == 200
        result: str = response.json()["result"]
        return result


def _client(settings: Settings, clock: Any, **overrides: Any) -> tuple[Container, TestClient]:
    c = build(settings.with_overrides(**overrides), clock=clock)
    return c, TestClient(create_app(c))


@pytest.fixture
def broker(settings: Settings, clock: Any) -> Iterator[Broker]:
    c, client = _client(settings, clock, mqtt_auth_secret=SECRET, mqtt_worker_username=WORKER[0],
                        mqtt_worker_password=WORKER[1])
    tokens = {sid: add_station(c.stations, sid, f"测试站 {sid}", 2, now=c.clock(), state=state)
              for sid, state in (("S1", "enabled"), ("S2", "enabled"), ("S3", "stopped"), ("S4", "repair"))}
    yield Broker(client, tokens)
    c.close()


def test_an_enabled_station_with_its_token_may_connect(broker: Broker) -> None:
    response = broker.auth("S1", broker.tokens["S1"])
    assert response.status_code == 200 and response.json() == {"result": "allow"}


@pytest.mark.parametrize(("username", "password"), [
    ("S1", "token:S2"),            # another station's token
    ("S1", "zst_not-a-token"),
    ("S1", ""),
    ("S9", "token:S1"),            # an unknown station
    ("", "token:S1"),
    ("S3", "token:S3"),            # a stopped station with its own token
    (WORKER[0], "wrong-password"),
    (WORKER[0], ""),
])
def test_anyone_else_is_denied_with_200(broker: Broker, username: str, password: str) -> None:
    if password.startswith("token:"):
        password = broker.tokens[password.removeprefix("token:")]
    response = broker.auth(username, password)
    assert response.status_code == 200 and response.json() == {"result": "deny"}


def test_a_station_in_repair_may_still_connect_and_publish(broker: Broker) -> None:
    # as over HTTP: a station in repair may still send (KPI 1 leaves its repair days out)
    assert broker.auth("S4", broker.tokens["S4"]).json() == {"result": "allow"}
    assert broker.acl("S4", "zhichao/v1/stations/S4/records", "publish") == "allow"


def test_the_ingest_workers_account_may_connect(broker: Broker) -> None:
    assert broker.auth(*WORKER).json() == {"result": "allow"}


@pytest.mark.parametrize(("username", "topic", "action", "result"), [
    ("S1", "zhichao/v1/stations/S1/records", "publish", "allow"),
    ("S1", "zhichao/v1/stations/S1/results", "subscribe", "allow"),
    ("S1", "zhichao/v1/stations/S2/records", "publish", "deny"),
    ("S1", "zhichao/v1/stations/S1/results", "publish", "deny"),
    ("S1", "zhichao/v1/stations/S1/records", "subscribe", "deny"),
    ("S1", "zhichao/v1/stations/S2/results", "subscribe", "deny"),
    ("S1", "zhichao/v1/stations/+/results", "subscribe", "deny"),
    ("S1", "zhichao/v1/stations/S1/#", "subscribe", "deny"),
    ("S1", "zhichao/v1/stations/S1/records", "all", "deny"),
    ("S3", "zhichao/v1/stations/S3/records", "publish", "deny"),   # stopped
    ("S9", "zhichao/v1/stations/S9/records", "publish", "deny"),   # unknown
    (WORKER[0], "zhichao/v1/stations/+/records", "subscribe", "allow"),
    (WORKER[0], "$share/zhichao/zhichao/v1/stations/+/records", "subscribe", "allow"),
    (WORKER[0], "zhichao/v1/stations/S1/records", "subscribe", "allow"),
    (WORKER[0], "zhichao/v1/stations/S1/results", "publish", "allow"),
    (WORKER[0], "zhichao/v1/stations/S1/records", "publish", "deny"),
    (WORKER[0], "zhichao/v1/stations/+/results", "publish", "deny"),
    (WORKER[0], "#", "subscribe", "deny"),
    (WORKER[0], "zhichao/v1/stations/#", "subscribe", "deny"),
    (WORKER[0], "$share/g/#", "subscribe", "deny"),
])
def test_topics_are_allowed_only_as_docs_mqtt_says(broker: Broker, username: str, topic: str, action: str,
                                                    result: str) -> None:
    assert broker.acl(username, topic, action) == result


@pytest.mark.parametrize("headers", [{}, {"X-Zhichao-Mqtt-Secret": "wrong"}, {"X-Zhichao-Mqtt-Secret": ""}])
def test_a_caller_without_the_secret_is_refused(broker: Broker, headers: dict[str, str]) -> None:
    response = broker.auth("S1", broker.tokens["S1"], headers=headers)
    assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_mqtt_secret"
    acl = broker.client.post("/api/v1/mqtt/acl", json={"username": "S1", "topic": "x", "action": "publish"},
                             headers=headers)
    assert acl.status_code == 401


def test_without_a_secret_configured_the_endpoints_do_not_exist(settings: Settings, clock: Any) -> None:
    c, client = _client(settings, clock, mqtt_worker_password=WORKER[1])
    try:
        for path in ("/api/v1/mqtt/auth", "/api/v1/mqtt/acl"):
            assert client.post(path, json={"username": WORKER[0]}, headers={"X-Zhichao-Mqtt-Secret": ""}
                               ).status_code == 404
            assert client.post(path, content=b"not json", headers=HEADERS).status_code == 404
    finally:
        c.close()


def test_a_worker_account_without_a_password_is_no_account(settings: Settings, clock: Any) -> None:
    c, client = _client(settings, clock, mqtt_auth_secret=SECRET)
    try:
        body = {"username": "zhichao-ingest", "password": "", "clientid": "w"}
        assert client.post("/api/v1/mqtt/auth", json=body, headers=HEADERS).json() == {"result": "deny"}
        acl = {"username": "zhichao-ingest", "topic": "zhichao/v1/stations/+/records", "action": "subscribe"}
        assert client.post("/api/v1/mqtt/acl", json=acl, headers=HEADERS).json() == {"result": "deny"}
    finally:
        c.close()
