"""Work that runs beside the server: periodic sweeps that must not wait for a request.

Each job runs in its own daemon thread, catches and logs its own failures (a failed sweep is
retried at the next interval, never crash-loops), and stops when the event is set.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from zhichao.bootstrap import Container
from zhichao.services.reviews import sweep_evidence

log = logging.getLogger("zhichao.background")
EVIDENCE_SWEEP_S = 60.0


def _every(interval_s: float, job: Callable[[], object], stop: threading.Event, name: str) -> threading.Thread:
    def loop() -> None:
        while not stop.wait(interval_s):
            try:
                job()
            except Exception:  # noqa: BLE001 — a sweep must survive a bad moment and try again
                log.exception("%s failed; retrying in %.0f s", name, interval_s)

    thread = threading.Thread(target=loop, name=name, daemon=True)
    thread.start()
    return thread


def start(c: Container, stop: threading.Event) -> list[threading.Thread]:
    """Start the periodic jobs of a serving process."""
    return [
        _every(EVIDENCE_SWEEP_S, lambda: sweep_evidence(c.reviews, c.clock()), stop, "evidence-sweep"),
    ]
