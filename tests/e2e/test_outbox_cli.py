"""``zhichao outbox run --once`` and ``zhichao outbox list`` as an operator runs them, in a subprocess."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from tests.e2e.test_cli import run
from tests.fakes.outbox import notice
from zhichao.adapters.db.engine import open_database
from zhichao.adapters.db.outbox import SqlOutboxRepository
from zhichao.config import Settings


def test_outbox_list_shows_notices_of_an_unconfigured_channel_waiting(settings: Settings) -> None:
    db = open_database(settings)
    repo = SqlOutboxRepository(db)
    now = datetime.now(UTC)
    repo.enqueue(**notice("case:7:send_notice:1:sms", "sms", now))
    repo.enqueue(**notice("case:7:send_notice:1:post", "post", now, payload={"document_id": 12}))
    db.dispose()

    done = run(settings, "outbox", "run", "--once")
    assert done.returncode == 0, done.stderr
    assert "已发送 1 条" in done.stdout  # the letter; SMS has no gateway configured

    listed = run(settings, "outbox", "list")
    assert listed.returncode == 0, listed.stderr
    assert "待发送 1 条" in listed.stdout and "已发送 1 条" in listed.stdout
    assert "未配置的通道：短信、钉钉、电子邮件" in listed.stdout
    assert "短信  13812345678  待发送  已尝试 0 次" in listed.stdout and "错误：通道未配置" in listed.stdout

    pending = json.loads(run(settings, "outbox", "list", "--state", "pending", "--json").stdout)
    assert [(r["channel"], r["last_error"]) for r in pending["rows"]] == [("sms", "通道未配置")]
    assert pending["counts"] == {"pending": 1, "sent": 1}
    assert (settings.data_dir / "print-queue").is_dir()


def test_outbox_list_refuses_an_unknown_state(settings: Settings) -> None:
    done = run(settings, "outbox", "list", "--state", "lost")
    assert done.returncode == 2 and "invalid choice" in done.stderr
