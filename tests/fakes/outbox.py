"""Helpers the outbox tests share: settings whose channels point at the fakes, and notices to queue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.fakes.smtp import SmtpSink
from zhichao.config import Settings
from zhichao.simulation.gateway import ROBOT_SECRET, SMS_SECRET, FakeGateway

RECIPIENTS = {"sms": "13812345678", "dingtalk": "default", "email": "zhidui@sxjt.example.cn",
              "post": "浙江省绍兴市越城区人民中路 1 号 王某收"}


def wired(settings: Settings, gateway: FakeGateway | None = None, smtp: SmtpSink | None = None,
          **overrides: Any) -> Settings:
    """``settings`` with SMS and DingTalk at ``gateway`` and e-mail at ``smtp`` (each left unconfigured
    when not given), a short timeout and the outbox numbers the tests count with."""
    channels: dict[str, Any] = {}
    if gateway is not None:
        channels.update(sms_gateway_url=gateway.sms_url, sms_gateway_secret=SMS_SECRET,
                        dingtalk_webhook_url=gateway.robot_url, dingtalk_secret=ROBOT_SECRET)
    if smtp is not None:
        channels.update(smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_from="zhichao@sxjt.example.cn")
    numbers = {"notify_timeout_s": 2.0, "outbox_batch_size": 10, "outbox_max_attempts": 4,
               "outbox_backoff_base_s": 60, "outbox_backoff_cap_s": 600, "outbox_lease_s": 120}
    return settings.with_overrides(**{**numbers, **channels, **overrides})


def notice(key: str, channel: str = "sms", now: datetime | None = None, **changes: Any) -> dict[str, Any]:
    assert now is not None
    return {"channel": channel, "recipient": RECIPIENTS[channel], "subject": "浙D12345 超限案件",
            "body": f"您的车辆浙D12345经检测超限，请于15日内接受处理。（{key}）", "dedupe_key": key, "now": now,
            "case_id": 7, **changes}
