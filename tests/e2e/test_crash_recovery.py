"""Kill the server while batches are in flight, restart it, resend everything: every acknowledged
record is stored exactly once, and so is its contribution to the counters."""

from __future__ import annotations

import http.client
import threading
import time

import pytest
from sqlalchemy import func, select

from tests.factories import body, light, record
from tests.servers import ServerProcess
from zhichao.adapters.db.tables import hourly_counts, records
from zhichao.bootstrap import build
from zhichao.config import Settings
from zhichao.services.stations import add_station

BATCHES = 60
PER_BATCH = 200


def make_batches() -> list[tuple[list[str], bytes]]:
    out = []
    for b in range(BATCHES):
        at = f"2026-11-26T{8 + b // 30:02d}:{b % 30 * 2:02d}"
        recs = [(record if i % 25 == 0 else light)(f"b{b:03d}-{i:03d}", "S1", captured_at=f"{at}:{i % 60:02d}+08:00")
                for i in range(PER_BATCH)]
        out.append(([r["record_id"] for r in recs], body(*recs)))
    return out


def post(port: int, token: str, payload: bytes) -> int | None:
    """The number accepted, or None when the server did not answer (not acknowledged)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/api/v1/stations/S1/records", payload, {"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        answer = response.read()
        return int(__import__("json").loads(answer)["accepted"]) if response.status == 200 else None
    except (OSError, http.client.HTTPException, ValueError):
        return None
    finally:
        conn.close()


@pytest.mark.slow
def test_acknowledged_records_survive_a_kill_and_a_full_resend(settings: Settings) -> None:
    c = build(settings)
    token = add_station(c.stations, "S1", "测试站", 4, now=c.clock())
    batches = make_batches()
    acked: list[str] = []
    server = ServerProcess(settings).start()
    done = threading.Event()

    def send_all() -> None:
        for ids, payload in batches:
            if post(server.port, token, payload) is not None:
                acked.extend(ids)
        done.set()

    sender = threading.Thread(target=send_all)
    sender.start()
    while len(acked) < PER_BATCH * 5 and not done.is_set():
        time.sleep(0.01)
    server.kill()  # SIGKILL mid-stream: whatever was in flight was never acknowledged
    sender.join(timeout=120)
    assert 0 < len(acked) < BATCHES * PER_BATCH, "the kill must land while batches are being sent"

    with ServerProcess(settings, port=server.port):
        answers = [post(server.port, token, payload) for _, payload in batches]
    assert None not in answers

    with c.db.reader.connect() as conn:
        stored = conn.execute(select(records.c.record_id, func.count()).group_by(records.c.record_id)).all()
        trucks = conn.execute(select(func.sum(hourly_counts.c.trucks))).scalar()
    counts = dict(stored)
    assert all(counts.get(rid) == 1 for rid in acked), "an acknowledged record is missing or doubled"
    assert len(counts) == BATCHES * PER_BATCH
    assert trucks == BATCHES * PER_BATCH, "counters must count each stored record exactly once"
    c.close()
