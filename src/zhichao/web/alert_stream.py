"""Alerts to browsers as server-sent events.

The alert engine's thread calls ``AlertHub.publish``; each open page has a bounded queue on the server's
event loop, filled with ``call_soon_threadsafe``, so publishing never waits for a browser. A page that
falls ``QUEUE_SIZE`` events behind is dropped; its ``EventSource`` reconnects with ``Last-Event-ID`` and
the stream replays what it missed from the database (``replay`` in web/api/alerts.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("zhichao.alerts")
QUEUE_SIZE = 256
KEEP_ALIVE_S = 15.0
RETRY_MS = 3000

Event = tuple[str, int, str]  # event name, alert id, JSON data


def sse(event: str, alert_id: int, data: str) -> str:
    return f"event: {event}\nid: {alert_id}\ndata: {data}\n\n"


def encode(view: dict[str, Any]) -> str:
    return json.dumps(view, ensure_ascii=False, separators=(",", ":"))


@dataclass(eq=False)
class Subscriber:
    loop: asyncio.AbstractEventLoop
    county: str | None
    queue: asyncio.Queue[Event] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    overflow: bool = False

    def offer(self, item: Event) -> None:
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            self.overflow = True

    def wants(self, view: dict[str, Any]) -> bool:
        return self.county is None or view.get("county_code") in (self.county, None)


class AlertHub:
    def __init__(self) -> None:
        self._subscribers: set[Subscriber] = set()
        self._lock = threading.Lock()
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._subscribers)

    def subscribe(self, county: str | None) -> Subscriber:
        sub = Subscriber(asyncio.get_running_loop(), county)
        with self._lock:
            self._subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        with self._lock:
            self._subscribers.discard(sub)

    def publish(self, event: str, view: dict[str, Any]) -> None:
        """From any thread; returns at once."""
        item = (event, int(view["id"]), encode(view))
        with self._lock:
            subscribers = list(self._subscribers)
        for sub in subscribers:
            if not sub.wants(view):
                continue
            try:
                sub.loop.call_soon_threadsafe(sub.offer, item)
            except RuntimeError:  # the loop has closed: the page is gone
                self.unsubscribe(sub)

    async def stream(self, sub: Subscriber, missed: Callable[[], Awaitable[list[Event]]]) -> AsyncIterator[str]:
        """The event stream of one page: what it missed, then what comes, with keep-alives."""
        try:
            yield f"retry: {RETRY_MS}\n\n"
            for item in await missed():
                yield sse(*item)
            while not sub.overflow:
                try:
                    item = await asyncio.wait_for(sub.queue.get(), KEEP_ALIVE_S)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                if sub.overflow:
                    break
                yield sse(*item)
            self.dropped += 1
        finally:
            self.unsubscribe(sub)
