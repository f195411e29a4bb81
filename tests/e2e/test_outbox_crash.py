"""A notice worker killed mid-send (``zhichao outbox run`` in a subprocess, SIGKILL) neither loses nor
duplicates the notice: after the lease another run sends it again with the same message id, which the
SMS gateway dedupes; on both databases."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.fakes.outbox import notice
from tests.servers import settings_env
from zhichao.adapters.db.engine import open_database
from zhichao.adapters.db.outbox import SqlOutboxRepository
from zhichao.config import Settings
from zhichao.simulation.gateway import SMS_SECRET, FakeGateway

LEASE_S = 10  # long enough for a worker process to start and finish within it, even on a busy machine


def worker(settings: Settings, gateway: FakeGateway) -> subprocess.Popen[str]:
    env = settings_env(settings)
    env.update(ZHICHAO_SMS_GATEWAY_URL=gateway.sms_url, ZHICHAO_SMS_GATEWAY_SECRET=SMS_SECRET,
               ZHICHAO_OUTBOX_LEASE_S=str(LEASE_S), ZHICHAO_NOTIFY_TIMEOUT_S="60")
    return subprocess.Popen([sys.executable, "-m", "zhichao.cli", "outbox", "run", "--once"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_a_worker_killed_after_the_gateway_took_the_sms_neither_loses_nor_duplicates_it(settings: Settings) -> None:
    db = open_database(settings)
    repo = SqlOutboxRepository(db)
    repo.enqueue(**notice("case:7:send_notice:1:sms", "sms", datetime.now(UTC)))
    with FakeGateway() as gateway:
        gateway.hang_next(1, 60.0)  # takes the SMS, then keeps the worker waiting for the answer
        first = worker(settings, gateway)
        gateway.wait_for(lambda r: "case:7:send_notice:1:sms" in r.delivered, timeout_s=30)
        first.kill()  # SIGKILL: no chance to record anything
        first.wait(10)
        held: Any = repo.by_key("case:7:send_notice:1:sms")
        assert (held["state"], held["attempts"], held["sent_at"]) == ("pending", 1, None)
        assert held["claimed_at"] is not None  # the dead worker's claim

        early = worker(settings, gateway)  # within the lease: the claim is respected
        assert early.wait(30) == 0, early.stderr.read() if early.stderr else ""
        assert datetime.now(UTC) < held["claimed_at"] + timedelta(seconds=LEASE_S), "the check came too late"
        assert gateway.sms_requests("case:7:send_notice:1:sms") == 1

        lease_ends = held["claimed_at"] + timedelta(seconds=LEASE_S + 0.5)
        time.sleep(max(0.0, (lease_ends - datetime.now(UTC)).total_seconds()))
        again = worker(settings, gateway)
        out, err = again.communicate(timeout=30)
        assert again.returncode == 0, err
        assert "已发送 1 条" in out

        assert gateway.sms_requests("case:7:send_notice:1:sms") == 2  # sent again after the crash …
        assert list(gateway.deliveries()) == ["case:7:send_notice:1:sms"]  # … and delivered once
        sent: Any = repo.by_key("case:7:send_notice:1:sms")
        assert (sent["state"], sent["attempts"], sent["delivery_ref"]) == ("sent", 2, "sms-1")
    db.dispose()
