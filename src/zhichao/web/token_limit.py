"""A rate limit per bearer token: users' API tokens, station tokens, the metrics token.

Each token has a bucket (``domain/token_bucket.py``) of ``ZHICHAO_API_RATE_PER_TOKEN`` requests a second
and ``ZHICHAO_API_BURST_PER_TOKEN`` at once, keyed by the token's SHA-256 (the token itself is never kept).
``TokenRateLimit`` is ASGI middleware: a request beyond its token's bucket is answered 429 ``rate_limited``
with ``Retry-After`` before routing, authentication or reading the body, so it does nothing and costs a
hash and a dictionary look-up (docs/benchmarks.md, run 9: nothing on this path may go through the thread
pool). The token is not checked here: an unknown token still gets its own bucket, and then its 401.

The check API (``/api/v1/check/…``) is left out: each partner account has its own limit there
(``services/partner_check.py``), which may be set higher than this one.

Kept in each process's memory, like the other limits: N web processes allow N times the rate. Buckets
that have refilled are dropped when the map reaches ``max_keys``; if a flood of distinct tokens still
fills it, the least recently used half goes (such a token starts again with a full bucket).
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

from zhichao.domain.token_bucket import Rate, full_after_s, take
from zhichao.web.rate_limit import TooManyRequests, send_error

CODE = "rate_limited"
EXEMPT_PREFIXES = ("/api/v1/check/",)


class TokenLimiter:
    """The buckets of one process. ``admit`` answers the wait in seconds: 0 admits the request."""

    def __init__(self, rate: Rate, max_keys: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self._max = max_keys
        self._clock = clock
        self._buckets: dict[bytes, list[float]] = {}  # key → [level, last touched]
        self._lock = threading.Lock()

    def admit(self, key: bytes) -> float:
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= self._max:
                    self._evict(now)
                bucket = self._buckets[key] = [float(self.rate.burst), now]
            level, wait = take(self.rate, bucket[0], now - bucket[1])
            bucket[0], bucket[1] = level, now
            return wait

    def __len__(self) -> int:
        return len(self._buckets)

    def _evict(self, now: float) -> None:
        for key in [k for k, (level, last) in self._buckets.items() if now - last >= full_after_s(self.rate, level)]:
            del self._buckets[key]
        if len(self._buckets) >= self._max:
            by_age = sorted(self._buckets, key=lambda k: self._buckets[k][1])
            for key in by_age[: len(by_age) // 2 + 1]:
                del self._buckets[key]


def bearer_of(headers: list[tuple[bytes, bytes]]) -> bytes | None:
    """The bearer token of an ASGI request's ``Authorization`` header, if it has one."""
    for name, value in headers:
        if name == b"authorization":
            scheme, _, token = value.partition(b" ")
            token = token.strip()
            return token if token and scheme.lower() == b"bearer" else None
    return None


def refusal(rate: Rate, wait_s: float) -> TooManyRequests:
    retry = max(1, math.ceil(wait_s))
    return TooManyRequests(CODE, f"请求过于频繁：每个令牌每秒最多 {rate.per_s:g} 次（可连续 {rate.burst} 次），"
                                 f"请 {retry} 秒后再试", {"retry_after_s": retry})


class TokenRateLimit:
    """ASGI middleware: a request whose bearer token is past its bucket is answered 429 here."""

    def __init__(self, app: Callable[..., Awaitable[None]], limiter: TokenLimiter | None) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if self.limiter is not None and scope["type"] == "http":
            token = bearer_of(scope["headers"])
            if token is not None and not scope["path"].startswith(EXEMPT_PREFIXES):
                wait = self.limiter.admit(hashlib.sha256(token).digest())
                if wait > 0:
                    await send_error(send, 429, refusal(self.limiter.rate, wait))
                    return
        await self.app(scope, receive, send)
