"""Every operation of the OpenAPI document, fuzzed: whatever a caller sends, the answer is never a 5xx.

Schemathesis generates requests from ``/openapi.json`` (valid ones and, in its negative phase, invalid
ones) and sends them to the app in process, on a fresh database holding the e2e stations, users and
passages. Every request carries an admin's bearer token, so that it gets past the role checks and reaches
the handler; the station routes want a station's own token and answer 401, which is fine. Each operation
gets a handful of examples only, to keep the module well under two minutes: a regression found here is
kept below as a plain example (``FOUND``).

The operations are walked here rather than with schemathesis's pytest plugin: its fixture-backed schema
(``schemathesis.pytest.from_fixture``) does not run under pytest 9, and the app needs this test's database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.result import Err

from tests.e2e.conftest import NOW, Console
from zhichao.services.auth import add_user
from zhichao.web.app import create_app

pytestmark = pytest.mark.slow

# Raise for a deeper, slower search, e.g. ZHICHAO_FUZZ_EXAMPLES=100 (about 1.5 minutes on two cores).
EXAMPLES_PER_OPERATION = int(os.environ.get("ZHICHAO_FUZZ_EXAMPLES", "10"))
# Server-sent events that never end: a call would hang the test (tests/e2e/test_alerts_api.py reads it).
SKIPPED = {"/api/v1/alerts/stream"}


@pytest.fixture
def admin_token(console: Console) -> str:
    c = console.container
    token: str
    _, _, token = add_user(c.users, c.hasher, "fuzzadmin", "admin", now=NOW, display_name="接口模糊测试")
    return token


@pytest.fixture
def api(console: Console, admin_token: str) -> Iterator[TestClient]:
    with TestClient(create_app(console.container), headers={"Authorization": f"Bearer {admin_token}"}) as c:
        yield c


def _server_error(operation: Any, mode: GenerationMode, token: str) -> str | None:
    """The first request of ``mode`` that ``operation`` answers with a 5xx (or an exception), if any."""
    found: list[str] = []

    @given(case=operation.as_strategy(mode))
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def call(case: Any) -> None:
        if found:
            return
        try:
            response = case.call(headers={"Authorization": f"Bearer {token}"})
        except Exception as exc:  # an unhandled exception is a finding too (the app would answer 500)
            found.append(f"{case.as_curl_command()}\n  raised {exc!r}")
            return
        if response.status_code >= 500:
            found.append(f"{case.as_curl_command()}\n  answered {response.status_code}: {response.text[:300]}")

    try:
        call()
    except Unsatisfiable:  # no invalid request can be written for this operation
        return None
    return found[0] if found else None


def test_no_operation_answers_a_server_error(console: Console, admin_token: str) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(console.container))
    errors: list[str] = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        operation = result.ok()
        if operation.path in SKIPPED:
            continue
        for mode in GenerationMode:
            if (error := _server_error(operation, mode, admin_token)) is not None:
                errors.append(f"{operation.method.upper()} {operation.path} ({mode.value}): {error}")
    assert not errors, "\n".join(errors)


BEYOND_BIGINT = 2**70  # no row id: SQLite and PostgreSQL integers stop at 2**63 - 1

# (path, body, error code) that answered 500 before: a bound parameter overflowed the database's
# integer, or a day's local start had no UTC instant (datetime stops at year 1 and 9999).
FOUND = [
    (f"GET /api/v1/partner-calls?partner_id={BEYOND_BIGINT}", None, "invalid_request"),
    (f"POST /api/v1/watchlist/{BEYOND_BIGINT}/lift", {"reason": "误报"}, "invalid_request"),
    (f"GET /api/v1/cases/{BEYOND_BIGINT}", None, "invalid_request"),
    (f"GET /api/v1/vehicles/浙D12345/records?before_id={BEYOND_BIGINT}", None, "invalid_request"),
    ("GET /api/v1/accidents?from=0001-01-01", None, "date_out_of_range"),
    ("GET /api/v1/evasion?from=0001-01-01&to=0001-01-07", None, "date_out_of_range"),
    ("GET /api/v1/inspections?from=0001-01-01&to=0001-01-01", None, "date_out_of_range"),
    ("GET /api/v1/kpis/handheld?from=0001-01-01&to=0001-01-01", None, "date_out_of_range"),
    ("GET /api/v1/kpis?from=0001-01-01&to=0001-01-01", None, "date_out_of_range"),
    ("GET /api/v1/kpis/devices?from=9999-12-31&to=9999-12-31", None, "date_out_of_range"),
]


@pytest.mark.parametrize(("request_line", "body", "code"), FOUND)
def test_what_the_fuzzer_found_is_a_400_in_chinese(api: TestClient, request_line: str, body: Any,
                                                   code: str) -> None:
    method, url = request_line.split(" ", 1)
    response = api.request(method, url, json=body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])
