"""Fixtures for the console tests: a real database with a few stations, users and passages.

Built on tests/conftest.py's ``settings`` (SQLite always, PostgreSQL when configured) and ``clock``,
set to ``NOW``, 2026-11-26 14:03:27 in Shanghai, so times on the pages, session expiry and
certificate states are predictable. Test modules reach the helpers through the ``console`` fixture
(``console.ingest``, ``console.passage``, ``console.log_in``); parametrize ``console_options`` for
other settings or the demo network.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.e2e.browser import ARGS, CHROMIUM, serve
from zhichao.bootstrap import Container, build
from zhichao.config import Settings
from zhichao.services.auth import add_user
from zhichao.services.ingest import accept_batch
from zhichao.services.stations import add_station, import_network
from zhichao.web.app import create_app

NOW = datetime(2026, 11, 26, 6, 3, 27, tzinfo=UTC)
NETWORK_FILE = Path(__file__).resolve().parents[2] / "src" / "zhichao" / "data" / "shaoxing_stations.json"


def _cert(number: str | None, valid_from: date | None, valid_to: date | None) -> dict[str, Any]:
    return {"cert_number": number, "cert_body": "绍兴市质量技术监督检测院" if number else None,
            "cert_valid_from": valid_from, "cert_valid_to": valid_to}


# (id, name, lanes, county, state, road, stake, accuracy class, certificate)
STATIONS = [
    ("T-YC-01", "G104 越城东湖 测试站", 4, "330602", "enabled", "G104", "K1552+300", "5",
     _cert("浙量检字[2026]第0001号", date(2026, 5, 1), date(2027, 5, 1))),
    ("T-KQ-01", "G329 柯桥钱清 测试站", 6, "330603", "enabled", "G329", "K12+800", "10",
     _cert("浙量检字[2025]第0002号", date(2025, 6, 30), date(2026, 6, 30))),
    ("T-ZJ-01", "S308 诸暨枫桥 测试站", 3, "330681", "repair", "S308", "K40+100", "10",
     _cert("浙量检字[2026]第0003号", date(2027, 1, 1), date(2028, 1, 1))),
    ("T-XC-01", "S214 新昌城南 测试站", 3, "330624", "stopped", "S214", None, None, _cert(None, None, None)),
]


def passage(record_id: str, plate: str, axle_weights_kg: list[int], *, station_id: str = "T-YC-01",
            lane: int = 1, ago_s: int = 60, **extra: Any) -> dict[str, Any]:
    """A contract §1 record captured ``ago_s`` seconds before the fixed clock."""
    captured = (NOW - timedelta(seconds=ago_s)).astimezone(UTC).isoformat()
    return {"record_id": record_id, "station_id": station_id, "lane": lane, "captured_at": captured,
            "plate": plate, "speed_kmh": 62.5, "axle_count": len(axle_weights_kg),
            "axle_weights_kg": axle_weights_kg, "gross_weight_kg": sum(axle_weights_kg), **extra}


# 60 320 kg on 6 axles: 23.10 % over 49 t, actionable, 456 yuan (API.md §3).
ACTIONABLE = passage("OL-1", "浙D12345", [7000, 11000, 11000, 10440, 10440, 10440], ago_s=60,
                     plate_color="yellow")
# 47 000 kg on a 1+1+3 articulated train: 11.90 % over 42 t, inside the 20 % band (批评教育).
WARNING = passage("WARN-1", "皖K1234挂", [7000, 10000, 10000, 10000, 10000], ago_s=90, lane=2,
                  axle_groups="1+1+3", vehicle_type="articulated_train", plate_color="yellow")
NORMAL = passage("OK-1", "浙DA6789", [6000, 10000], ago_s=120, lane=3, plate_color="blue", speed_kmh=48)
UNREAD = passage("UNREAD-1", "", [5500, 9500], ago_s=150, lane=4)
FIRST_BATCH = [UNREAD, NORMAL, WARNING, ACTIONABLE]


@dataclass
class Console:
    """A container with stations, passages and users, and the users' passwords."""

    container: Container
    clock: Any  # tests/conftest.py's FixedClock: set or move ``clock.now``
    passwords: dict[str, str] = field(default_factory=dict)
    network_file: Path = NETWORK_FILE
    passage = staticmethod(passage)

    def ingest(self, station_id: str, records: list[dict[str, Any]]) -> None:
        c = self.container
        result = accept_batch(c.ingest_store, station_id, json.dumps(records).encode(), now=c.clock(),
                              policy=c.ingest_policy)
        assert result.accepted == len(records), result.rejected

    def log_in(self, client: TestClient, username: str = "reviewer1") -> None:
        response = client.post("/login", data={"username": username, "password": self.passwords[username]})
        assert response.status_code == 303, response.text


def populate(c: Container, clock: Any, *, network: bool = False) -> Console:
    """Register the test stations (and the demo network), two users, and the first passages."""
    for sid, name, lanes, county, state, road, stake, accuracy, cert in STATIONS:
        add_station(c.stations, sid, name, lanes, now=NOW, county_code=county, state=state,
                    extra={"road": road, "stake": stake, "accuracy_class": accuracy, **cert})
    if network and NETWORK_FILE.exists():
        import_network(c.stations, json.loads(NETWORK_FILE.read_text(encoding="utf-8")), now=NOW)
    console = Console(c, clock)
    for username, role, display in (("reviewer1", "reviewer", "王审核"), ("partner1", "partner", "高速入口")):
        _, password, _ = add_user(c.users, c.hasher, username, role, now=NOW, display_name=display)
        console.passwords[username] = password
    console.ingest("T-YC-01", FIRST_BATCH)
    return console


@pytest.fixture
def console_options() -> dict[str, Any]:
    """Settings overrides, and ``network: True`` to import the demo network; parametrize to change."""
    return {}


@pytest.fixture
def console(settings: Settings, clock: Any, console_options: dict[str, Any]) -> Iterator[Console]:
    """A populated console on a fresh database of each backend (``settings`` of tests/conftest.py)."""
    options = dict(console_options)
    network = bool(options.pop("network", False))
    clock.now = NOW
    c = build(settings.with_overrides(**options), clock=clock)
    yield populate(c, clock, network=network)
    c.close()


@pytest.fixture
def client(console: Console) -> Iterator[TestClient]:
    # A browser names the page a form was posted from (web/csrf.py refuses a cookie's post from elsewhere).
    with TestClient(create_app(console.container), follow_redirects=False,
                    headers={"origin": "http://testserver"}) as test_client:
        yield test_client


@dataclass
class LiveConsole:
    url: str
    console: Console


@pytest.fixture
def live_console(console: Console) -> Iterator[LiveConsole]:
    """The real app served by uvicorn on a free port, in a thread of this process (so a test can
    ingest with ``console.ingest`` and see the page change)."""
    with serve(create_app(console.container)) as url:
        yield LiveConsole(url, console)


@pytest.fixture
def browser() -> Iterator[Any]:
    """Debian's Chromium, driven by Playwright (which must never download a browser of its own)."""
    if not CHROMIUM.exists():
        pytest.skip("no system Chromium at /usr/bin/chromium (Playwright must not download one)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()
