"""The notice worker: sends what the outbox holds through each channel, after commit and outside any
transaction (STYLE.md habit 5). domain/outbox.py has the states; docs/notifications.md the channels.

A run claims a batch of due notices (a conditional UPDATE each, so two workers never hold the same
row), sends each through its channel's notifier, and records the outcome in a transaction of its own,
only while it still holds the claim. One notice's failure never stops the others: a slow channel costs
its adapter's timeout, a failure is retried with backoff until ``max_attempts``, a refusal (4xx) is
``dead`` at once. Notices of a channel with no notifier (not configured) are never claimed: they wait,
``pending``, marked ``通道未配置``, and go out once the channel is configured.

A crash loses nothing and duplicates nothing the channel can recognise: the dead worker's claim
expires after ``lease_s`` and another run sends the notice again, with the same message id
(the dedupe_key), which the SMS gateway dedupes, the print queue finds as an existing file, and e-mail
and DingTalk carry (as Message-ID, and at the foot of the text) for people and mail systems to see.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any, Protocol

from zhichao.domain.outbox import CHANNELS, PENDING, Claim, DeliveryFailed, Message, after_failure

log = logging.getLogger(__name__)
MAX_ERROR_CHARS = 500


class Notifier(Protocol):
    def send(self, message: Message) -> str:
        """Hand the message to the channel; its delivery reference, or ``DeliveryFailed``."""


class OutboxRepository(Protocol):
    def claim(self, limit: int, now: datetime, token: str, stale_before: datetime, channels: Collection[str],
              max_attempts: int) -> list[Claim]: ...

    def mark_sent(self, claim: Claim, now: datetime, delivery_ref: str) -> bool: ...

    def mark_failed(self, claim: Claim, error: str, state: str, next_attempt_at: datetime | None) -> bool: ...

    def release(self, claim: Claim) -> bool: ...

    def mark_unconfigured(self, channels: Collection[str]) -> int: ...

    def list(self, state: str | None = None, channel: str | None = None, limit: int = 100) -> list[dict[str, Any]]: ...

    def counts(self) -> dict[str, int]: ...


@dataclass(frozen=True, slots=True)
class OutboxPolicy:
    """The worker's numbers (settings ``ZHICHAO_OUTBOX_*``; docs/settings.md gives the reasons).

    ``lease_s`` must exceed what a batch can take (``batch_size`` × the adapters' timeout); a worker also
    stops sending a batch once half the lease has passed and releases the rest, so a slow batch never
    outlives its claims."""

    batch_size: int = 20
    max_attempts: int = 8
    backoff_base_s: int = 60
    backoff_cap_s: int = 3600
    lease_s: int = 300


def worker_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


@dataclass(frozen=True, slots=True)
class OutboxContext:
    repo: OutboxRepository
    notifiers: Mapping[str, Notifier]  # the configured channels; a channel absent here is not configured
    policy: OutboxPolicy = OutboxPolicy()
    worker: str = field(default_factory=worker_name)

    @property
    def unconfigured(self) -> list[str]:
        return [c for c in CHANNELS if c not in self.notifiers]


@dataclass(slots=True)
class RunResult:
    """What runs did: notices claimed, sent, to be retried, dead, and released unsent or lost to another worker."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0
    released: int = 0
    lost: int = 0

    def add(self, other: RunResult) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def _send_one(ctx: OutboxContext, claim: Claim, now: datetime, result: RunResult) -> None:
    m, p = claim.message, ctx.policy
    try:
        ref = ctx.notifiers[m.channel].send(m)
    except Exception as exc:  # one notice's failure, or a notifier's bug, must never stop the others
        retryable = exc.retryable if isinstance(exc, DeliveryFailed) else True
        error = (exc.reason if isinstance(exc, DeliveryFailed) else f"{type(exc).__name__}: {exc}")[:MAX_ERROR_CHARS]
        state, next_at = after_failure(claim.attempts, retryable, now, max_attempts=p.max_attempts,
                                       base_s=p.backoff_base_s, cap_s=p.backoff_cap_s)
        log.warning("notice %d (%s, %s) failed, attempt %d, %s: %s", m.id, m.channel, m.dedupe_key, claim.attempts,
                    f"retry at {next_at:%Y-%m-%d %H:%M:%S}Z" if next_at else "giving up", error)
        held = ctx.repo.mark_failed(claim, error, state, next_at)
        if held and state == PENDING:
            result.retried += 1
        elif held:
            result.dead += 1
    else:
        held = ctx.repo.mark_sent(claim, now, ref)
        result.sent += held
    if not held:
        result.lost += 1
        log.warning("notice %d (%s): claim lost to another worker before the outcome was recorded", m.id, m.dedupe_key)


def run_once(ctx: OutboxContext, now: datetime) -> RunResult:
    """Claim a batch of due notices and send each; what happened (``claimed`` 0: nothing due)."""
    p = ctx.policy
    ctx.repo.mark_unconfigured(ctx.unconfigured)
    token = f"{ctx.worker}/{uuid.uuid4().hex[:12]}"
    claims = ctx.repo.claim(p.batch_size, now, token, now - timedelta(seconds=p.lease_s), list(ctx.notifiers),
                            p.max_attempts)
    result = RunResult(claimed=len(claims))
    started = time.monotonic()
    for claim in claims:
        if time.monotonic() - started > p.lease_s / 2:  # let another worker have the rest well before the lease ends
            result.released += ctx.repo.release(claim)
            continue
        _send_one(ctx, claim, now, result)
    if claims:
        log.info("outbox: %d claimed, %d sent, %d to retry, %d dead", result.claimed, result.sent, result.retried,
                 result.dead)
    return result


def drain(ctx: OutboxContext, clock: Callable[[], datetime], stop: threading.Event | None = None) -> RunResult:
    """Run until nothing due is left to claim (or ``stop`` is set); the sum of the runs."""
    total = RunResult()
    while stop is None or not stop.is_set():
        result = run_once(ctx, clock())
        total.add(result)
        if result.claimed == 0:
            break
    return total


def run_forever(ctx: OutboxContext, stop: threading.Event, interval_s: float, clock: Callable[[], datetime]) -> None:
    """Work until ``stop`` is set: send while notices are due, else wait ``interval_s``. An error (the
    database gone, say) is logged and waited out, never raised."""
    while not stop.is_set():
        busy = False
        try:
            busy = run_once(ctx, clock()).claimed > 0
        except Exception:
            log.exception("outbox worker: error, retrying in %.0f s", interval_s)
        if not busy:
            stop.wait(interval_s)


def listing(ctx: OutboxContext, state: str | None = None, channel: str | None = None,
            limit: int = 100) -> dict[str, Any]:
    """For people: counts by state, the channels not configured, and the newest notices."""
    return {"counts": ctx.repo.counts(), "unconfigured": ctx.unconfigured,
            "rows": ctx.repo.list(state=state, channel=channel, limit=limit)}
