"""Notices to parties and staff, sent after commit through an outbox (STYLE.md habit 5); pure.

A notice is a row of ``outbox``: a channel, a recipient, a text, and a ``dedupe_key`` that is both the
row's unique key and the message id every channel carries (docs/notifications.md). Its states:

    pending ──sent by the channel────────────────────────────▶ sent
       │ ▲
       │ └─ a retryable failure, attempts < max: next_attempt_at = now + backoff(attempts)
       └─── a failure that is not retryable, or the max_attempts-th failure ──▶ dead

A claim does not change the state: a claimed row stays ``pending`` with ``claimed_at`` / ``claimed_by``
set (the claim's token). A claim older than the lease belongs to a dead worker and may be taken again,
which is why every channel must carry the message id: a resend after a crash is the same message.
``attempts`` counts sends started (it grows at the claim), so a notice whose sending kills the worker
goes ``dead`` after ``max_attempts`` crashes instead of crash-looping. A notice for a channel that is not
configured is never claimed: it waits, ``pending``, with the error ``通道未配置``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from zhichao.domain.errors import DomainError

SMS, DINGTALK, EMAIL, POST = "sms", "dingtalk", "email", "post"
CHANNELS = (SMS, DINGTALK, EMAIL, POST)
CHANNEL_LABELS: Mapping[str, str] = {SMS: "短信", DINGTALK: "钉钉", EMAIL: "电子邮件", POST: "邮寄"}

PENDING, SENT, DEAD = "pending", "sent", "dead"
STATES = (PENDING, SENT, DEAD)
STATE_LABELS: Mapping[str, str] = {PENDING: "待发送", SENT: "已发送", DEAD: "发送失败（已停止重试）"}

NOT_CONFIGURED = "通道未配置"
MAX_TEXT = 256  # recipient, subject and dedupe_key columns are at most this long (dedupe_key: 128)
MAX_KEY = 128

_MOBILE = re.compile(r"1[3-9]\d{9}")
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+"
)
_WEBHOOK_NAME = re.compile(r"[\w.-]{1,64}")
_WEBHOOK_URL = re.compile(r"https?://[^\s/?#]+[^\s]*")
_SAFE_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_UNSAFE_CHAR = re.compile(r"[^A-Za-z0-9._-]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class InvalidNotice(DomainError):
    """A notice that cannot be queued. Codes: ``unknown_channel``, ``invalid_recipient``,
    ``invalid_dedupe_key``, ``invalid_subject``, ``empty_body``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class DeliveryFailed(Exception):
    """A channel did not take the message. ``retryable``: the same send may succeed later (timeouts,
    5xx); otherwise (4xx, a refused address) the notice goes ``dead`` at once."""

    def __init__(self, reason: str, *, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


@dataclass(frozen=True, slots=True)
class Message:
    """What a channel sends. ``dedupe_key`` is the message id the channel carries."""

    id: int
    channel: str
    recipient: str
    subject: str
    body: str
    dedupe_key: str
    payload: Mapping[str, Any] | None = None
    case_id: int | None = None


@dataclass(frozen=True, slots=True)
class Claim:
    """A notice a worker holds: (``token``, ``claimed_at``) is the claim; ``attempts`` counts this send."""

    message: Message
    token: str
    claimed_at: datetime
    attempts: int


def _refuse(channel: str, what: str) -> InvalidNotice:
    return InvalidNotice("invalid_recipient", f"{CHANNEL_LABELS[channel]}收件人无效：{what}")


def validate_recipient(channel: str, recipient: str) -> str:
    """The recipient as stored (surrounding blanks removed; for SMS also inner blanks, hyphens and +86),
    or ``InvalidNotice``."""
    if channel not in CHANNELS:
        raise InvalidNotice("unknown_channel", f"未知的通知渠道：{channel}（应为短信、钉钉、电子邮件或邮寄）")
    value = recipient.strip()
    if len(value) > MAX_TEXT:
        raise _refuse(channel, f"长度超过 {MAX_TEXT} 个字符")
    if channel == SMS:
        value = re.sub(r"[\s-]", "", value).removeprefix("+86")
        if not _MOBILE.fullmatch(value):
            raise _refuse(channel, f"「{recipient}」不是有效的大陆手机号码（11 位，以 13–19 开头）")
    elif channel == EMAIL:
        if not _EMAIL.fullmatch(value):
            raise _refuse(channel, f"「{recipient}」不是有效的电子邮件地址")
    elif channel == POST:
        if not value or _CONTROL.search(value):
            raise _refuse(channel, "邮寄地址不能为空，且不能含控制字符")
    elif not (_WEBHOOK_URL.fullmatch(value) or _WEBHOOK_NAME.fullmatch(value)):
        raise _refuse(channel, f"「{recipient}」既不是机器人名称（字母、数字、汉字、_ . -），也不是 http(s) 地址")
    return value


def validate_notice(channel: str, recipient: str, subject: str, body: str, dedupe_key: str) -> str:
    """Check a notice before it is queued; the recipient as stored, or ``InvalidNotice``."""
    stored = validate_recipient(channel, recipient)
    if not dedupe_key or len(dedupe_key) > MAX_KEY or _CONTROL.search(dedupe_key) or dedupe_key != dedupe_key.strip():
        raise InvalidNotice("invalid_dedupe_key", f"消息编号须为 1–{MAX_KEY} 个字符，不含空白和控制字符")
    if len(subject) > MAX_TEXT or "\n" in subject or _CONTROL.search(subject):
        raise InvalidNotice("invalid_subject", f"标题须为一行，不超过 {MAX_TEXT} 个字符")
    if not body.strip():
        raise InvalidNotice("empty_body", "通知正文不能为空")
    return stored


def next_attempt(attempts: int, now: datetime, base_s: int, cap_s: int) -> datetime:
    """When to try again after ``attempts`` failed sends: ``base_s · 2^(attempts − 1)``, at most ``cap_s``.

    Deterministic (no jitter): the claim's conditional UPDATE, not randomness, keeps workers apart, and a
    test can name the exact time."""
    exponent = min(max(attempts, 1) - 1, 32)  # 2^32 · base is past any cap; bigger powers only waste work
    return now + timedelta(seconds=min(base_s * 2**exponent, cap_s))


def after_failure(attempts: int, retryable: bool, now: datetime, *, max_attempts: int, base_s: int,
                  cap_s: int) -> tuple[str, datetime | None]:
    """The state after a failed send, and when to try again (None when ``dead``)."""
    if not retryable or attempts >= max_attempts:
        return DEAD, None
    return PENDING, next_attempt(attempts, now, base_s, cap_s)


def message_token(dedupe_key: str) -> str:
    """The message id as a token safe in a file name and a Message-ID: the key itself when it is made of
    ``A–Z a–z 0–9 . _ -`` (at most 100, not starting with a dot); else the key with every other character
    as ``_``, cut to 80, and ``-`` + 16 hex of its SHA-256 (so two keys never share a token)."""
    if _SAFE_TOKEN.fullmatch(dedupe_key):
        return dedupe_key
    readable = _UNSAFE_CHAR.sub("_", dedupe_key)[:80].lstrip("._-")
    return f"{readable or 'k'}-{hashlib.sha256(dedupe_key.encode('utf-8')).hexdigest()[:16]}"
