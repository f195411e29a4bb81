"""A per-client sliding-window rate limit for public pages (the owner's self-service).

Kept in the process's memory: each web process counts on its own, so N processes allow N times the
rate — a deliberate trade for not needing a shared store; put the public pages behind one process or a
proxy's limit when that matters.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable

from zhichao.services.errors import ServiceError


class TooManyRequests(ServiceError):
    status = 429


class RateLimiter:
    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = per_minute
        self._clock = clock
        self._hits: defaultdict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        """Count one request from ``key``; ``TooManyRequests`` (429) past the limit in the last minute."""
        now = self._clock()
        with self._lock:
            hits = self._hits[key]
            while hits and hits[0] <= now - 60:
                hits.popleft()
            if len(hits) >= self._limit:
                wait = int(hits[0] + 60 - now) + 1
                raise TooManyRequests("too_many_requests", f"查询过于频繁，请 {wait} 秒后再试", {"retry_after_s": wait})
            hits.append(now)
            if len(self._hits) > 10_000:  # forget idle clients
                for idle in [k for k, v in self._hits.items() if not v or v[-1] <= now - 60]:
                    del self._hits[idle]
