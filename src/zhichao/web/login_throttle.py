"""Failed console logins, counted per username and per client address, to slow down password guessing.

After ``max_failures`` failures for one username (or ``max_failures_per_address`` from one address) within
``window_s``, every further attempt for it is refused with 429 ``login_throttled`` for ``lockout_s``, whether
the password is right or not, and whether the user exists or not (an unknown name is counted like any
other, so the answer tells nothing). A successful login clears its username's and address's counts.

Kept in the process's memory, like ``rate_limit``: each web process counts on its own, and a restart
forgets; a determined guesser facing N processes gets N times the attempts, still few.
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable

from zhichao.web.rate_limit import TooManyRequests


class LoginThrottle:
    def __init__(self, max_failures: int, max_failures_per_address: int, window_s: float, lockout_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._limits = {"user": max_failures, "addr": max_failures_per_address}
        self._window, self._lockout, self._clock = window_s, lockout_s, clock
        self._failures: defaultdict[str, deque[float]] = defaultdict(deque)
        self._locked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _keys(username: str, address: str) -> tuple[str, str]:
        return f"user:{username.casefold()}", f"addr:{address}"

    def check(self, username: str, address: str) -> None:
        """Refuse (429) an attempt for a locked username or from a locked address."""
        now = self._clock()
        with self._lock:
            until = max(self._locked_until.get(k, 0.0) for k in self._keys(username, address))
        if until > now:
            minutes = max(1, math.ceil((until - now) / 60))
            raise TooManyRequests("login_throttled", f"登录失败次数过多，请 {minutes} 分钟后再试",
                                  {"retry_after_s": math.ceil(until - now)})

    def failed(self, username: str, address: str) -> None:
        now = self._clock()
        with self._lock:
            for key in self._keys(username, address):
                hits = self._failures[key]
                hits.append(now)
                while hits and hits[0] <= now - self._window:
                    hits.popleft()
                if len(hits) >= self._limits[key.split(":", 1)[0]]:
                    self._locked_until[key] = now + self._lockout
                    hits.clear()
            if len(self._failures) > 10_000:  # forget names and addresses that stopped failing
                for idle in [k for k, v in self._failures.items() if not v or v[-1] <= now - self._window]:
                    del self._failures[idle]
                for gone in [k for k, t in self._locked_until.items() if t <= now]:
                    del self._locked_until[gone]

    def succeeded(self, username: str, address: str) -> None:
        with self._lock:
            for key in self._keys(username, address):
                self._failures.pop(key, None)
