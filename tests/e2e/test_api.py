"""The HTTP API as stations and partner systems use it (contract §2), on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import body, light, record, station
from zhichao.bootstrap import Container
from zhichao.services.auth import add_user
from zhichao.web.app import create_app


class Api:
    def __init__(self, c: Container) -> None:
        self.c = c
        self.client = TestClient(create_app(c))
        self.station_token = station(c, "S1")
        self.other_token = station(c, "S2")
        self.tokens = {role: add_user(c.users, c.hasher, role, role, now=c.clock())[2]
                       for role in ("reviewer", "partner")}

    def post(self, payload: bytes, station_id: str = "S1", token: str | None = "station") -> Any:
        headers = {} if token is None else {
            "Authorization": f"Bearer {self.station_token if token == 'station' else token}"}
        return self.client.post(f"/api/v1/stations/{station_id}/records", content=payload, headers=headers)

    def get(self, path: str, role: str = "reviewer") -> Any:
        return self.client.get(path, headers={"Authorization": f"Bearer {self.tokens[role]}"})


@pytest.fixture
def api(container: Container) -> Iterator[Api]:
    yield Api(container)


def error_of(response: Any) -> tuple[int, str]:
    payload = response.json()["error"]
    assert payload["message"], "every error carries a Chinese message"
    return response.status_code, payload["code"]


def test_a_batch_is_answered_as_the_contract_says(api: Api) -> None:
    response = api.post(body(record("r1"), record("r2", lane=99), light("r3")))
    assert response.status_code == 200
    answer = response.json()
    assert set(answer) == {"accepted", "duplicates", "rejected"}
    assert (answer["accepted"], answer["duplicates"]) == (2, 0)
    assert answer["rejected"][0]["index"] == 1 and answer["rejected"][0]["record_id"] == "r2"
    assert answer["rejected"][0]["errors"][0]["field"] == "lane"


@pytest.mark.parametrize(
    ("station_id", "token", "status", "code"),
    [
        ("S1", None, 401, "missing_token"),
        ("S1", "zst_not-a-real-token", 401, "invalid_token"),
        ("S2", "station", 403, "wrong_station"),
        ("S9", "station", 403, "wrong_station"),
    ],
)
def test_station_calls_need_that_stations_token(api: Api, station_id: str, token: str | None, status: int,
                                                code: str) -> None:
    assert error_of(api.post(body(record("r1", station_id=station_id)), station_id, token)) == (status, code)
    assert api.c.records.one(station_id, "r1") is None


def test_a_body_over_the_limit_is_413_and_stores_nothing(container: Container) -> None:
    small = replace(container, settings=replace(container.settings, max_body_bytes=2000))
    api = Api(small)
    assert error_of(api.post(body(*[light(f"r{i}") for i in range(10)]))) == (413, "body_too_large")
    assert api.c.records.latest(10, None, None) == []


def test_more_than_1000_records_is_413(api: Api) -> None:
    assert error_of(api.post(body(*[light(f"r{i}") for i in range(1001)]))) == (413, "too_many_records")


@pytest.mark.parametrize("payload", [b"", b"not json", b'{"a": 1}', b"42", b"[1, 2"])
def test_a_body_that_is_not_a_json_array_is_400(api: Api, payload: bytes) -> None:
    assert error_of(api.post(payload)) == (400, "not_a_json_array")


def test_an_empty_array_is_400(api: Api) -> None:
    assert error_of(api.post(b"[]")) == (400, "empty_batch")


def test_a_record_is_read_back_with_its_verdict(api: Api) -> None:
    api.post(body(record("r1")))
    payload = api.get("/api/v1/records/S1/r1").json()
    assert payload["verdict"]["overload_rate_pct"] == 23.10
    assert list(payload["verdict"])[:10] == ["rule_set", "limit_kg", "limit_basis", "overload_kg",
                                             "overload_rate_pct", "overloaded", "actionable", "fine_yuan",
                                             "warning_only", "legal_basis"]
    assert payload["captured_at"] == "2026-11-26T13:30:00+08:00"


def test_an_unknown_record_is_404_in_chinese(api: Api) -> None:
    assert error_of(api.get("/api/v1/records/S1/none")) == (404, "record_not_found")


def test_a_vehicles_passages_come_newest_first_and_filter_on_overload(api: Api) -> None:
    api.post(body(record("r1", captured_at="2026-11-26T10:00:00+08:00"),
                  light("r2", plate="浙D12345", captured_at="2026-11-26T11:00:00+08:00"),
                  record("r3", captured_at="2026-11-26T12:00:00+08:00")))
    everything = api.get("/api/v1/vehicles/浙d 12345/records").json()
    assert everything["plate"] == "浙D12345"
    assert [r["record_id"] for r in everything["records"]] == ["r3", "r2", "r1"]
    overloaded = api.get("/api/v1/vehicles/浙D12345/records?overloaded=true").json()
    assert [r["record_id"] for r in overloaded["records"]] == ["r3", "r1"]


def test_the_check_endpoint_answers_a_partner_system(api: Api) -> None:
    api.post(body(record("r1"), light("r2", plate="浙D99999")))
    flagged = api.get("/api/v1/check/浙D12345", role="partner").json()
    assert set(flagged) >= {"plate", "unresolved_cases", "blacklisted", "reasons", "refuse_entry"}
    # Reviewed by nobody yet: not evidence (LEGAL.md §6.2), so neither counted nor listed.
    assert (flagged["unresolved_cases"], flagged["reasons"], flagged["refuse_entry"]) == (0, [], False)
    clean = api.get("/api/v1/check/浙D99999", role="partner").json()
    assert (clean["unresolved_cases"], clean["reasons"], clean["refuse_entry"]) == (0, [], False)
    assert error_of(api.get("/api/v1/check/12345", role="partner")) == (400, "invalid_plate")


def test_a_partner_may_only_call_the_check_endpoint(api: Api) -> None:
    assert error_of(api.get("/api/v1/stations", role="partner")) == (403, "role_not_allowed")
    assert error_of(api.get("/api/v1/vehicles/浙D12345/records", role="partner")) == (403, "role_not_allowed")


def test_user_endpoints_need_a_login(api: Api) -> None:
    assert error_of(api.client.get("/api/v1/stations")) == (401, "login_required")
    bad = api.client.get("/api/v1/stations", headers={"Authorization": "Bearer zut_wrong"})
    assert error_of(bad) == (401, "invalid_token")


def test_stations_are_listed_with_health_and_last_record(api: Api) -> None:
    api.post(body(record("r1")))
    listed = {s["station_id"]: s for s in api.get("/api/v1/stations").json()}
    assert set(listed) == {"S1", "S2"}
    for key in ("station_id", "name", "county_code", "lanes", "state", "health", "last_record_at"):
        assert key in listed["S1"]
    assert (listed["S1"]["health"], listed["S2"]["health"]) == ("up", "down")
    assert listed["S1"]["last_record_at"] == "2026-11-26T13:30:00+08:00"


def test_a_heartbeat_keeps_a_quiet_station_up_but_not_one_that_never_sent_data(api: Api) -> None:
    def beat() -> None:
        response = api.client.post("/api/v1/stations/S2/heartbeat", json={"at": "2026-11-26T14:00:00+08:00",
                                                                           "status": {"temp_c": 31}},
                                   headers={"Authorization": f"Bearer {api.other_token}"})
        assert response.status_code == 204

    beat()
    listed = {s["station_id"]: s["health"] for s in api.get("/api/v1/stations").json()}
    assert listed["S2"] == "late"  # alive, but no record has ever arrived: the lanes send nothing
    assert api.post(body(record("q1", station_id="S2")), "S2", api.other_token).json()["accepted"] == 1
    api.c.clock.now += timedelta(minutes=50)  # type: ignore[attr-defined]  # a quiet hour at night
    beat()
    listed = {s["station_id"]: s["health"] for s in api.get("/api/v1/stations").json()}
    assert listed["S2"] == "up"


def test_a_malformed_heartbeat_is_400(api: Api) -> None:
    response = api.client.post("/api/v1/stations/S2/heartbeat", json={"at": "yesterday"},
                               headers={"Authorization": f"Bearer {api.other_token}"})
    assert error_of(response) == (400, "invalid_heartbeat")


def test_bad_query_parameters_are_400_in_chinese(api: Api) -> None:
    assert error_of(api.get("/api/v1/records?limit=0")) == (400, "invalid_request")


def test_the_api_docs_load_nothing_from_the_internet(api: Api) -> None:
    page = api.client.get("/docs").text
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page
    assert "https://" not in page and "http://" not in page
    assert api.client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
    spec = api.client.get("/openapi.json").json()
    batch = spec["paths"]["/api/v1/stations/{station_id}/records"]["post"]["requestBody"]
    assert batch["content"]["application/json"]["schema"]["maxItems"] == 1000


def test_healthz_answers_without_data(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}


def test_the_latest_passages_are_ordered_by_capture_time_not_arrival(api: Api) -> None:
    api.post(body(light("new", captured_at="2026-11-26T13:30:00+08:00")))
    api.post(body(light("late", captured_at="2026-11-26T13:00:00+08:00"),
                  light("newest", captured_at="2026-11-26T13:40:00+08:00")))
    listed = api.get("/api/v1/records?limit=10").json()["records"]
    assert [r["record_id"] for r in listed] == ["newest", "new", "late"]


def test_a_record_shows_its_screening_flags_stored_or_computed(api: Api) -> None:
    api.post(body(light("quiet", flags=["lane_straddle"]), record("loud", plate="")))
    quiet = api.get("/api/v1/records/S1/quiet").json()["screening_flags"]
    assert [(f["code"], f["blocking"]) for f in quiet] == [("controller_lane_straddle", True)]
    loud = api.get("/api/v1/records/S1/loud").json()["screening_flags"]
    assert ("plate_unread", True) in [(f["code"], f["blocking"]) for f in loud]
