"""Work that runs beside the server: periodic sweeps that must not wait for a request.

Each job runs in its own daemon thread, catches and logs its own failures (a failed sweep is
retried at the next interval, never crash-loops), and stops when the event is set.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta

from zhichao.adapters.db import partitions
from zhichao.adapters.metrics import observe_job
from zhichao.bootstrap import Container
from zhichao.domain.evasion_detectors import DETOUR, KINDS
from zhichao.services import evasion, outbox, partner_exports, quarterly, sanctions
from zhichao.services.case_deadlines import sweep_deadlines
from zhichao.services.reviews import sweep_evidence

log = logging.getLogger("zhichao.background")
EVIDENCE_SWEEP_S = 60.0
DEADLINE_SWEEP_S = 15 * 60.0
HEALTH_SWEEP_S = 30.0
QUALITY_FIRST_S = 60.0  # a restarted server judges the stations' data soon, not a quarter of an hour later
SANCTION_FIRST_S = 30.0
EXPORT_EVERY_S = 24 * 3600.0
EXPORT_FIRST_S = 120.0  # a restarted server writes today's lists soon (the files are dated: rewritten, not added)
EVASION_SWEEP_S = 3600.0  # cloned and covered plates, straddling, crawling: yesterday and today, every hour
EVASION_DETOUR_S = 24 * 3600.0  # detours read two weeks of passages: once a day
EVASION_FIRST_S = 300.0
# the previous quarter's analysis report, once its quarter has ended (idempotent: nothing when its files exist)
QUARTERLY_EVERY_S = 24 * 3600.0
QUARTERLY_FIRST_S = 600.0
LEADER_RETRY_S = 5.0  # a process without the alert lock asks again this often
LEADER_CHECK_S = 5.0  # the holder checks this often that its lock's session is alive
PARTITIONS_EVERY_S = 24 * 3600.0  # PostgreSQL: the records' month partitions, created months ahead
PARTITIONS_FIRST_S = 60.0


def _every(interval_s: float, job: Callable[[], object], stop: threading.Event, name: str,
           first_s: float | None = None) -> threading.Thread:
    def loop() -> None:
        wait = interval_s if first_s is None else first_s
        while not stop.wait(wait):
            wait = interval_s
            started, ok = time.perf_counter(), False
            try:
                job()
                ok = True
            except Exception:  # noqa: BLE001 — a sweep must survive a bad moment and try again
                log.exception("%s failed; retrying in %.0f s", name, interval_s)
            observe_job(name, time.perf_counter() - started, ok)

    thread = threading.Thread(target=loop, name=name, daemon=True)
    thread.start()
    return thread


def _sweep_deadlines(c: Container) -> int:
    s = c.settings
    return sweep_deadlines(c.cases, c.clock(), warn_days=s.deadline_warn_days, recipient=s.deadline_recipient)


def _sweep_sanctions(c: Container) -> int:
    now = c.clock()
    return len(sanctions.sweep(c.sanctions, now.astimezone(c.sanctions.tz).date(), now))


def _sweep_evasion(c: Container, detours: bool) -> dict[str, int]:
    now = c.clock()
    today = now.astimezone(c.evasion.tz).date()
    kinds = (DETOUR,) if detours else tuple(k for k in KINDS if k != DETOUR)
    return evasion.sweep(c.evasion, today - timedelta(days=1), today, now, kinds)


def ensure_partitions(c: Container, since: date | None = None) -> list[str]:
    """Create the records' month partitions due, and those from ``since``'s month on (PostgreSQL; nothing on
    SQLite). Idempotent."""
    today = c.clock().date()
    with c.db.writer.begin() as conn:
        created = partitions.ensure(conn, today, c.settings.partition_months_ahead,
                                    also=partitions.months_between(since, today) if since else ())
    if created:
        log.info("records partitions created: %s", ", ".join(created))
    return created


def sweep_quality_if_leading(c: Container) -> object:
    """The data-quality sweep, in the serving process that runs the alert engine (the others would read the
    same day again for the same result)."""
    return c.devices.sweep_quality(c.clock()) if c.alert_leader.held else None


def lead_alert_engine(c: Container, stop: threading.Event) -> None:
    """Run the alert engine while this process holds the alert lock; take it when its holder goes. Each
    engine would raise every alert once, so several serving processes run one between them."""
    while not stop.is_set():
        try:
            leading = c.alert_leader.acquire()
        except Exception:  # noqa: BLE001 — the database away: try again later
            log.warning("alert lock not taken: the database is out of reach")
            leading = False
        if not leading:
            stop.wait(LEADER_RETRY_S)
            continue
        log.info("this process runs the alert engine")
        quit_engine = threading.Event()
        engine = threading.Thread(target=c.alert_engine.run, args=(quit_engine,), name="alert-engine-run",
                                  daemon=True)
        engine.start()
        while not stop.wait(LEADER_CHECK_S):
            if not c.alert_leader.holds():
                break
        quit_engine.set()
        engine.join()
        c.alert_leader.release()
        c.alert_engine.reset()


def start(c: Container, stop: threading.Event) -> list[threading.Thread]:
    """Start the periodic jobs of a serving process."""
    return [
        _every(EVIDENCE_SWEEP_S, lambda: sweep_evidence(c.reviews, c.clock()), stop, "evidence-sweep"),
        # notices: send what is due, then look again after the interval (a second worker, e.g.
        # `zhichao outbox run`, may run beside it: claims keep them apart)
        _every(DEADLINE_SWEEP_S, lambda: _sweep_deadlines(c), stop, "deadline-sweep"),
        _every(c.settings.outbox_interval_s, lambda: outbox.drain(c.outbox, c.clock, stop), stop, "outbox"),
        # stations: up / late / down often; the day summaries and data-quality checks less often (they read
        # the day's records); a second process running the same sweeps changes nothing twice
        _every(HEALTH_SWEEP_S, lambda: c.devices.sweep_health(c.clock()), stop, "health-sweep"),
        # the quality sweep reads a whole day of records: only in the process that holds the alert lock
        _every(float(c.settings.quality_sweep_s), lambda: sweep_quality_if_leading(c), stop, "quality-sweep",
               first_s=QUALITY_FIRST_S),
        # joint punishment: proposals for leaders (idempotent); partner calls written a second after they came
        _every(float(c.settings.sanction_sweep_s), lambda: _sweep_sanctions(c), stop, "sanction-sweep",
               first_s=SANCTION_FIRST_S),
        _thread(lambda: c.checks.calls.run(stop), "partner-call-log"),
        # live alerts: in one serving process at a time (the lock's holder), woken by its own ingest commits and
        # looking every second for what other processes stored
        _thread(lambda: lead_alert_engine(c, stop), "alert-engine"),
        _every(EXPORT_EVERY_S, lambda: partner_exports.write_files(c.exports, c.clock()), stop, "partner-lists",
               first_s=EXPORT_FIRST_S),
        # evasion findings (idempotent: a second process or a rerun adds nothing)
        _every(EVASION_SWEEP_S, lambda: _sweep_evasion(c, False), stop, "evasion-sweep", first_s=EVASION_FIRST_S),
        _every(EVASION_DETOUR_S, lambda: _sweep_evasion(c, True), stop, "detour-sweep", first_s=EVASION_FIRST_S),
        _every(QUARTERLY_EVERY_S, lambda: quarterly.scheduled(c.quarterly, c.clock()), stop, "quarterly-report",
               first_s=QUARTERLY_FIRST_S),
        _every(PARTITIONS_EVERY_S, lambda: ensure_partitions(c), stop, "records-partitions",
               first_s=PARTITIONS_FIRST_S),
    ]


def _thread(target: Callable[[], object], name: str) -> threading.Thread:
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread
