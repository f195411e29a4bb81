"""A per-client sliding-window rate limit for public pages (the owner's self-service).

Kept in the process's memory: each web process counts on its own, so N processes allow N times the
rate — a deliberate trade for not needing a shared store; put the public pages behind one process or a
proxy's limit when that matters.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from typing import Any

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


class HeartbeatGate:
    """At most one stored heartbeat per station every ``min_interval_s``; refusals counted by station and code.

    A flood of heartbeats (a controller stuck in a loop, a misconfigured integrator) is answered 429 from
    memory without touching the database, so it cannot slow ingest. The counts are per process.
    """

    def __init__(self, min_interval_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._min = min_interval_s
        self._clock = clock
        self._last: dict[str, float] = {}
        self._refused: defaultdict[tuple[str, str], int] = defaultdict(int)
        self._lock = threading.Lock()

    def check(self, station_id: str) -> None:
        """Refuse at once, before any token is checked or body read, a heartbeat for a station whose last
        one was stored less than the interval ago: a station stuck in a loop then costs next to nothing.
        (It cannot keep an honest station's heartbeats out: those come after the interval.)"""
        with self._lock:
            self._refuse_if_recent(station_id, self._clock())

    def admit(self, station_id: str) -> None:
        """Count a well-formed, authenticated heartbeat against the interval; refused if another got in first."""
        now = self._clock()
        with self._lock:
            self._refuse_if_recent(station_id, now)
            self._last[station_id] = now

    def _refuse_if_recent(self, station_id: str, now: float) -> None:
        last = self._last.get(station_id)
        if last is not None and now - last < self._min:
            self._refused[(station_id, "heartbeat_too_frequent")] += 1
            raise TooManyRequests("heartbeat_too_frequent", f"心跳过于频繁：同一站点 {self._min:g} 秒内只接收一次",
                                  {"retry_after_s": round(self._min - (now - last), 1)})

    def refused(self, station_id: str, code: str) -> None:
        with self._lock:
            self._refused[(station_id[:32], code)] += 1
            if len(self._refused) > 10_000:  # a flood of made-up station ids: keep the counts bounded
                self._refused.clear()
                self._refused[("*", "counts_reset")] = 1

    def refusals(self) -> dict[str, dict[str, int]]:
        """Refused heartbeats by station and code since the process started."""
        out: dict[str, dict[str, int]] = {}
        with self._lock:
            for (station_id, code), n in sorted(self._refused.items()):
                out.setdefault(station_id, {})[code] = n
        return out


_HEARTBEAT_PATH = re.compile(r"^/api/v1/stations/([^/]+)/heartbeat$")


class HeartbeatFastPath:
    """ASGI middleware: a heartbeat inside its station's interval is answered 429 here, before routing, token
    checks or reading the body, in the same error shape as the app's (`{"error": {...}}`). Measured in
    docs/benchmarks.md ("Device health"): a station stuck in a loop must not take the CPU ingest needs."""

    def __init__(self, app: Callable[..., Awaitable[None]], gate: HeartbeatGate) -> None:
        self.app = app
        self.gate = gate

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"].endswith("/heartbeat"):
            match = _HEARTBEAT_PATH.match(scope["path"])
            if match:
                try:
                    self.gate.check(match.group(1))
                except TooManyRequests as exc:
                    await send_error(send, 429, exc)
                    return
        await self.app(scope, receive, send)


async def send_error(send: Any, status: int, exc: TooManyRequests) -> None:
    """Answer a raw ASGI request with ``exc`` in the API's error format, before any route ran."""
    body = json.dumps({"error": {"code": exc.code, "message": exc.message, "details": exc.details}},
                      ensure_ascii=False).encode()
    details = exc.details if isinstance(exc.details, dict) else {}
    wait = str(math.ceil(float(details.get("retry_after_s", 1))))
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"retry-after", wait.encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
