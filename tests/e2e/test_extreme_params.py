"""Every page and API read, asked with values at and past the edges of what it declares: ids beyond 64
bits, negative numbers, days of year 1 and 99999, very long text. An admin asks (the role that reaches
every handler), and the answer must be a page or a clear refusal, never a server error."""

from __future__ import annotations

import datetime as dt
import inspect
import typing
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from tests.e2e.conftest import NOW, Console
from zhichao.services.auth import add_user
from zhichao.web.app import create_app

HUGE = str(2**70)
EXTREMES: dict[type, list[str]] = {
    int: [HUGE, "-" + HUGE, "-1", "0"],
    float: ["1e400", "-1e400", "nan"],
    dt.date: ["0001-01-01", "9999-12-31", "99999-01-01", "2026-02-30"],
    dt.datetime: ["0001-01-01T00:00:00", "9999-12-31T23:59:59", "2026-11-26T25:00"],
    str: ["x" * 2000, "%00", "' OR 1=1 --", "９"],
}
SKIP = {"/api/v1/alerts/stream"}  # an endless stream


def _kind(annotation: Any) -> type:
    """The scalar type a parameter is read as (``int | None``, ``Annotated[...]`` unwrapped)."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if args:
        annotation = args[0]
    return annotation if annotation in EXTREMES else str


def _get_routes(app: Any) -> list[Any]:
    return [r for r in iter_route_contexts(app.routes)
            if "GET" in (r.methods or ()) and hasattr(r, "dependant") and r.path not in SKIP]


def _requests(route: Any) -> Iterator[str]:
    """URLs with each path parameter, then each query parameter, set to each extreme value in turn."""
    params = {p.name: _kind(p.field_info.annotation) for p in route.dependant.path_params}
    base = {name: ("1" if kind is int else "T-YC-01") for name, kind in params.items()}
    for name, kind in params.items():
        for value in EXTREMES[kind]:
            yield route.path.format(**{**base, name: value})
    for q in route.dependant.query_params:
        for value in EXTREMES[_kind(q.field_info.annotation)]:
            yield route.path.format(**base) + "?" + f"{q.alias or q.name}={value}"


@pytest.fixture
def admin_client(console: Console) -> Iterator[tuple[TestClient, str]]:
    c = console.container
    _, password, token = add_user(c.users, c.hasher, "edge-admin", "admin", now=NOW)
    with TestClient(create_app(c), follow_redirects=False, raise_server_exceptions=False,
                    headers={"origin": "http://testserver"}) as client:
        response = client.post("/login", data={"username": "edge-admin", "password": password})
        assert response.status_code == 303
        yield client, token


def test_no_read_answers_an_extreme_value_with_a_server_error(admin_client: tuple[TestClient, str]) -> None:
    client, token = admin_client
    failures, asked = [], 0
    for route in _get_routes(client.app):
        for url in _requests(route):
            headers = {"authorization": f"Bearer {token}"} if url.startswith("/api/") else {}
            response = client.get(url, headers=headers)
            asked += 1
            if response.status_code >= 500:
                failures.append(f"{url[:120]} → {response.status_code}")
    assert asked > 300  # every GET route with its parameters was asked
    assert failures == [], "\n".join(failures)


def test_the_parameter_kinds_are_read_from_the_signatures() -> None:
    def handler(a: int, b: int | None = None, c: dt.date | None = None, d: str = "") -> None:
        return None

    hints = typing.get_type_hints(handler)
    kinds = [_kind(hints[name]) for name in inspect.signature(handler).parameters]
    assert kinds == [int, int, dt.date, str]


def test_a_nul_character_in_a_body_is_refused_on_postgresql_and_nothing_is_stored(
        console: Console, admin_client: tuple[TestClient, str]) -> None:
    """PostgreSQL cannot store NUL; SQLite can, and keeps it. Neither answers with a server error."""
    client, token = admin_client
    auth = {"authorization": f"Bearer {token}"}
    postgresql = console.container.db.dialect == "postgresql"
    response = client.post("/api/v1/watchlist", headers=auth,
                           json={"plate": "浙D12345", "reason": "核查\u0000", "ends_on": "2026-12-31"})
    page = client.post("/command/watchlist", data={"plate": "浙D54321", "reason": "核查\u0000",
                                                   "ends_on": "2026-12-31"})
    watches = client.get("/api/v1/watchlist", headers=auth).json()["watches"]
    if postgresql:
        assert response.status_code == 400 and response.json()["error"]["code"] == "nul_character"
        assert page.status_code == 400 and "空字符" in page.text
        assert watches == []
    else:
        assert response.status_code == 201 and page.status_code == 303
        assert len(watches) == 2
