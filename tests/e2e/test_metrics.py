"""GET /metrics: Prometheus text that parses, counters that move with what was ingested, and no public access."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import ACTIONABLE, NOW, Console, passage
from zhichao import background
from zhichao.services.auth import add_user
from zhichao.services.stations import add_station
from zhichao.web.app import create_app

METRICS_TOKEN = "prom-scrape-token-0123456789"


@pytest.fixture
def console_options() -> dict[str, object]:
    return {"metrics_token": METRICS_TOKEN}


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


def records(found: dict[tuple[str, tuple[tuple[str, str], ...]], float], outcome: str) -> float:
    return found.get(("zhichao_ingest_records_total", (("outcome", outcome), ("source", "http"))), 0.0)


def gauge(found: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str) -> float | None:
    return found.get((name, ()))


@pytest.fixture
def station_token(console: Console) -> str:
    return add_station(console.container.stations, "T-MX-01", "G104 指标测试站", 4, now=NOW)


def test_the_metrics_parse_and_name_every_family(client: TestClient) -> None:
    text = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).text
    names = {family.name for family in text_string_to_metric_families(text)}
    assert {"zhichao_ingest_records", "zhichao_ingest_batch_seconds", "zhichao_review_queue_depth",
            "zhichao_outbox_backlog"} <= names


def test_an_http_batch_moves_the_counters_by_its_outcome(client: TestClient, station_token: str) -> None:
    before = scrape(client)
    stored = [passage("MX-1", "浙D11111", [6000, 10000], station_id="T-MX-01"),
              passage("MX-2", "浙D22222", [7000, 11000, 11000, 10440, 10440, 10440], station_id="T-MX-01")]
    bad = {**stored[0], "record_id": "MX-BAD", "axle_count": 3}
    body = [*stored, stored[0], bad]  # two new, one repeated in the batch, one refused
    response = client.post("/api/v1/stations/T-MX-01/records", json=body,
                           headers={"Authorization": f"Bearer {station_token}"})
    assert response.json()["accepted"] == 2, response.text
    response = client.post("/api/v1/stations/T-MX-01/records", json=stored[:1],
                           headers={"Authorization": f"Bearer {station_token}"})
    assert response.json()["duplicates"] == 1
    after = scrape(client)
    assert records(after, "accepted") - records(before, "accepted") == 2
    assert records(after, "duplicate") - records(before, "duplicate") == 2
    assert records(after, "rejected") - records(before, "rejected") == 1
    count = ("zhichao_ingest_batch_seconds_count", (("source", "http"),))
    assert after[count] - before.get(count, 0.0) == 2
    # the second record is actionable at a site: one more item waits for review
    assert gauge(after, "zhichao_review_queue_depth") == gauge(before, "zhichao_review_queue_depth") + 1  # type: ignore[operator]


def test_the_backlogs_are_read_from_the_database(client: TestClient, console: Console) -> None:
    found = scrape(client)
    assert gauge(found, "zhichao_review_queue_depth") == 1  # the fixture's one actionable record
    assert gauge(found, "zhichao_outbox_backlog") == 0


def test_the_alert_lag_is_the_arrival_of_the_newest_record_after_the_last_read(
        client: TestClient, console: Console) -> None:
    assert gauge(scrape(client), "zhichao_alert_engine_lag_seconds") is None  # no engine has read yet
    console.container.alert_engine.step()
    assert gauge(scrape(client), "zhichao_alert_engine_lag_seconds") == 0
    console.clock.now = NOW + timedelta(seconds=30)
    console.ingest("T-YC-01", [{**ACTIONABLE, "record_id": "OL-LAG"}])
    assert gauge(scrape(client), "zhichao_alert_engine_lag_seconds") == 30
    console.container.alert_engine.step()
    assert gauge(scrape(client), "zhichao_alert_engine_lag_seconds") == 0


def test_a_failing_background_job_is_timed_and_counted(client: TestClient) -> None:
    before = scrape(client)
    stop = threading.Event()

    def job() -> None:
        stop.set()  # one run only
        raise RuntimeError("database away")

    background._every(3600.0, job, stop, "metrics-test-sweep", first_s=0.0).join()
    after = scrape(client)
    failures = ("zhichao_background_job_failures_total", (("job", "metrics-test-sweep"),))
    runs = ("zhichao_background_job_seconds_count", (("job", "metrics-test-sweep"),))
    assert after[failures] - before.get(failures, 0.0) == 1
    assert after[runs] - before.get(runs, 0.0) == 1


@pytest.fixture
def local_client(console: Console) -> Iterator[TestClient]:
    with TestClient(create_app(console.container), client=("127.0.0.1", 40000)) as test_client:
        yield test_client


def test_anonymous_remote_callers_are_refused(client: TestClient) -> None:
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_other_roles_are_refused_and_admins_allowed(client: TestClient, console: Console) -> None:
    c = console.container
    _, _, reviewer = add_user(c.users, c.hasher, "metrics-reviewer", "reviewer", now=NOW)
    _, _, admin = add_user(c.users, c.hasher, "metrics-admin", "admin", now=NOW)
    assert client.get("/metrics", headers={"Authorization": f"Bearer {reviewer}"}).status_code == 403
    assert client.get("/metrics", headers={"Authorization": f"Bearer {admin}"}).status_code == 200


def test_the_same_machine_may_read_unless_a_proxy_forwarded_the_request(local_client: TestClient) -> None:
    assert local_client.get("/metrics").status_code == 200
    assert local_client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 401
