"""A DingTalk custom robot (自定义机器人) webhook, with 加签 (signing) when a secret is configured.

POST ``{"msgtype": "markdown", "markdown": {"title", "text"}}`` to the webhook URL plus ``timestamp`` (ms)
and ``sign`` = URL-encoded base64 of HMAC-SHA256 over ``f"{timestamp}\\n{secret}"`` keyed by the secret.
The robot answers HTTP 200 with ``{"errcode": 0, "errmsg": "ok"}``; any other errcode is a failure.

DingTalk does not dedupe: the message id is written at the foot of the text, so a resend after a crash
(the robot took the message, the worker died before recording it) shows as the same notice twice.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.parse

from zhichao.adapters.notifiers.http import post_json
from zhichao.domain.outbox import DeliveryFailed, Message

# errcodes worth another try: -1 系统繁忙, 130101 每分钟发送超过 20 条. Others (310000: 签名不匹配 / 关键词 /
# IP 不在白名单; 300001: token 无效, ...) are configuration errors that a resend repeats.
RETRYABLE_ERRCODES = frozenset({-1, 130101})


def sign(timestamp_ms: int, secret: str) -> str:
    """The robot's ``sign`` parameter, URL-encoded as DingTalk documents it."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def signed_url(webhook_url: str, secret: str, timestamp_ms: int) -> str:
    if not secret:
        return webhook_url
    separator = "&" if urllib.parse.urlsplit(webhook_url).query else "?"
    return f"{webhook_url}{separator}timestamp={timestamp_ms}&sign={sign(timestamp_ms, secret)}"


def markdown(message: Message) -> dict[str, object]:
    text = f"#### {message.subject}\n\n{message.body}\n\n> 消息编号：{message.dedupe_key}"
    return {"msgtype": "markdown", "markdown": {"title": message.subject or "通知", "text": text}}


class DingTalkRobot:
    """A recipient that is an http(s) URL is that robot's webhook; a name stands for the configured one.
    Both are signed with the configured secret."""

    def __init__(self, webhook_url: str, secret: str, timeout_s: float) -> None:
        self._url, self._secret, self._timeout_s = webhook_url, secret, timeout_s

    def send(self, message: Message) -> str:
        timestamp_ms = int(time.time() * 1000)
        target = message.recipient if message.recipient.startswith(("http://", "https://")) else self._url
        body = json.dumps(markdown(message), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        _, answer = post_json(signed_url(target, self._secret, timestamp_ms), body, {}, self._timeout_s)
        try:
            reply = json.loads(answer)
        except ValueError:
            reply = None
        if not isinstance(reply, dict) or not isinstance(reply.get("errcode"), int):
            raise DeliveryFailed(f"钉钉应答无法识别：{answer[:200].decode('utf-8', 'replace')}", retryable=True)
        if reply["errcode"] != 0:
            raise DeliveryFailed(f"钉钉 errcode {reply['errcode']}: {reply.get('errmsg', '')}",
                                 retryable=reply["errcode"] in RETRYABLE_ERRCODES)
        return f"dingtalk:{timestamp_ms}"
