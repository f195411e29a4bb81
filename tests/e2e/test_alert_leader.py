"""Several serving processes on one database run one alert engine between them: a record stored through
either raises each of its alerts once, and when the engine's process dies another takes over."""

from __future__ import annotations

import http.client
import json
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.e2e.mqtt_helpers import wait_for
from tests.factories import record, station
from tests.servers import ServerProcess
from zhichao.adapters.db.tables import alerts
from zhichao.bootstrap import build
from zhichao.config import Settings

KING = [10000, 20000, 20000, 20000, 20000, 12000]  # 102 t on 6 axles: gross_100t and overload alerts


def post(server: ServerProcess, token: str, records: list[dict[str, Any]]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("POST", "/api/v1/stations/S1/records", body=json.dumps(records),
                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        answer = conn.getresponse()
        assert answer.status == 200 and json.loads(answer.read())["accepted"] == len(records)
    finally:
        conn.close()


def king(record_id: str, plate: str) -> dict[str, Any]:
    at = (datetime.now(UTC) - timedelta(seconds=20)).isoformat()
    return record(record_id, plate=plate, captured_at=at, axle_weights_kg=KING, gross_weight_kg=sum(KING))


def logged(server: ServerProcess) -> list[str]:
    lines: list[str] = []

    def read() -> None:
        assert server.proc is not None and server.proc.stderr is not None
        for line in server.proc.stderr:
            lines.append(line.decode("utf-8", "replace"))

    threading.Thread(target=read, daemon=True).start()
    return lines


@pytest.mark.slow
def test_two_servers_raise_each_alert_once_and_the_engine_moves_when_its_process_dies(settings: Settings) -> None:
    c = build(settings)
    token = station(c, "S1")

    def alerts_of(plate: str) -> int:
        with c.db.reader.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(alerts).where(alerts.c.plate == plate))
                       .scalar_one())

    servers = [ServerProcess(settings).start(), ServerProcess(settings).start()]
    logs = [logged(s) for s in servers]
    try:
        wait_for(lambda: sum("runs the alert engine" in line for log in logs for line in log) == 1, 15,
                 "one process running the alert engine")
        leader = next(i for i, log in enumerate(logs) if any("runs the alert engine" in line for line in log))
        other = 1 - leader
        post(servers[other], token, [king("k1", "浙D88888")])  # stored by the process without the engine
        wait_for(lambda: alerts_of("浙D88888") == 2, 15, "the two alerts of the first truck")
        time.sleep(3)  # a second engine would have raised them again by now (it polls every second)
        assert alerts_of("浙D88888") == 2

        servers[leader].kill()
        post(servers[other], token, [king("k2", "浙D99999")])
        wait_for(lambda: alerts_of("浙D99999") == 2, 30, "the survivor taking over the engine")
        assert any("runs the alert engine" in line for line in logs[other])
        time.sleep(2)
        assert (alerts_of("浙D88888"), alerts_of("浙D99999")) == (2, 2)  # the take-over repeats nothing
    finally:
        for s in servers:
            s.stop()
        c.close()
