"""The plate cross-check worker: read each reviewed record's plate photo by OCR and flag a disagreement
with the station's reading (domain/plate_check.py says what is flagged and why it never blocks).

It runs in its own process (``zhichao ocr run``), never in the ingest path: a reading takes about a second.
Work is an outbox, ``plate_readings``: a row is queued when a record in the review queue has its plate
photo (``enqueue``, called by the evidence upload; ``enqueue_missing`` finds any the hook missed). A worker
claims rows with a conditional UPDATE, so two workers never read the same record; reads the photo from
the evidence store outside any transaction; then stores the reading and raises the flag in one
transaction, only if it still holds the claim. A failure sends the row back to pending, to be retried
after ``retry_after_s``, until ``max_attempts`` reads were started; then it is ``failed``, with the error.
A worker that dies leaves its claim, which another takes again after ``stale_after_s``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from zhichao.domain.plate_check import CODES, best_plate, compare
from zhichao.services.ports import EvidenceStore, FlagRow, PlateClaim, PlateReading
from zhichao.services.screening import flag_rows

log = logging.getLogger(__name__)
PLATE_KIND = "plate"
MAX_ERROR_CHARS = 500


class PlateReader(Protocol):
    @property
    def engine(self) -> str:
        """Name and version of the engine, stored with each reading."""

    def read(self, image: bytes) -> list[tuple[str, float]]:
        """The text lines found in the image, each with its confidence in [0, 1]; raises if it cannot."""


class PlateReadingRepository(Protocol):
    def enqueue(self, station_id: str, record_id: str, now: datetime) -> bool: ...

    def unread_items(self, after: tuple[datetime, str, str] | None, limit: int) -> list[dict[str, Any]]: ...

    def present_evidence(self, hashes: Sequence[str]) -> set[str]: ...

    def claim(self, limit: int, now: datetime, stale_before: datetime, retry_before: datetime,
              max_attempts: int) -> list[PlateClaim]: ...

    def subject(self, station_id: str, record_id: str) -> tuple[str, list[dict[str, Any]]] | None: ...

    def finish(self, claim: PlateClaim, reading: PlateReading, flags: Sequence[FlagRow], clear: Sequence[str],
               now: datetime) -> bool: ...

    def fail(self, claim: PlateClaim, error: str, final: bool) -> bool: ...

    def reading(self, station_id: str, record_id: str) -> dict[str, Any] | None: ...


@dataclass(frozen=True, slots=True)
class PlateCheckPolicy:
    """The worker's numbers, each with its reason.

    - min_confidence 0.90: RapidOCR scores a clean plate read 0.99 and more; below 0.90 a differing
      reading is more likely OCR's error than the station's, and is reported as unreadable, not a mismatch.
    - batch_size 8: about 8 s of OCR per claim on 2 cores, so a stopping worker finishes quickly.
    - stale_after_s 600: far beyond a batch's time; a claim this old belongs to a dead worker.
    - retry_after_s 60: a failure caused by the store or the database often passes within a minute.
    - max_attempts 3: a photo that failed three reads will fail the fourth; the reviewer checks it by eye.
    - sweep_every_s 300: how often the worker looks for review items the upload hook did not queue.
    """

    min_confidence: float = 0.90
    batch_size: int = 8
    stale_after_s: int = 600
    retry_after_s: int = 60
    max_attempts: int = 3
    sweep_every_s: int = 300


@dataclass(frozen=True, slots=True)
class PlateCheckContext:
    repo: PlateReadingRepository
    store: EvidenceStore
    policy: PlateCheckPolicy = PlateCheckPolicy()


def enqueue(ctx: PlateCheckContext, station_id: str, record_id: str, *, now: datetime) -> bool:
    """Queue the reading of a record's plate photo, once it has arrived. Only records in the review queue
    are queued; True if a job was added (False: already queued, or not under review)."""
    return ctx.repo.enqueue(station_id, record_id, now)


def _plate_hashes(images: Sequence[dict[str, Any]]) -> list[str]:
    return [str(i["sha256"]) for i in images if i.get("kind") == PLATE_KIND]


def enqueue_missing(ctx: PlateCheckContext, now: datetime, limit: int = 1000) -> int:
    """Queue up to ``limit`` open review items whose plate photo has arrived but that have no job yet."""
    queued, after, page = 0, None, 500
    while queued < limit:
        items = ctx.repo.unread_items(after, page)
        if not items:
            break
        after = (items[-1]["captured_at"], items[-1]["station_id"], items[-1]["record_id"])
        present = ctx.repo.present_evidence([h for i in items for h in _plate_hashes(i["images"] or [])])
        for item in items:
            if queued < limit and present.intersection(_plate_hashes(item["images"] or [])):
                queued += ctx.repo.enqueue(item["station_id"], item["record_id"], now)
    return queued


def _read(ctx: PlateCheckContext, reader: PlateReader, claim: PlateClaim) -> tuple[PlateReading, list[FlagRow]]:
    subject = ctx.repo.subject(claim.station_id, claim.record_id)
    if subject is None:
        raise LookupError(f"记录 {claim.station_id}/{claim.record_id} 不存在")
    station_plate, images = subject
    hashes = _plate_hashes(images)
    present = ctx.repo.present_evidence(hashes)
    arrived = [h for h in hashes if h in present]
    if not arrived:
        raise LookupError("车牌照片尚未收到")
    lines = reader.read(ctx.store.get(arrived[0]))
    best = best_plate(lines)
    flag = compare(station_plate, best, ctx.policy.min_confidence)
    reading = PlateReading(best[0] if best else "", "\n".join(text for text, _ in lines),
                           best[1] if best else None, reader.engine)
    return reading, flag_rows(claim.station_id, claim.record_id, [flag] if flag else [])


def _read_one(ctx: PlateCheckContext, reader: PlateReader, claim: PlateClaim, now: datetime) -> None:
    try:
        reading, flags = _read(ctx, reader, claim)
    except Exception as exc:  # one bad photo, or a store hiccup, must never stop the worker
        final = claim.attempts >= ctx.policy.max_attempts
        log.warning("plate reading of %s/%s failed (attempt %d%s): %s", claim.station_id, claim.record_id,
                    claim.attempts, ", giving up" if final else "", exc)
        ctx.repo.fail(claim, f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS], final)
        return
    raised = {f.code for f in flags}
    if not ctx.repo.finish(claim, reading, flags, [c for c in CODES if c not in raised], now):
        log.info("plate reading of %s/%s: claim lost to another worker", claim.station_id, claim.record_id)


def run_once(ctx: PlateCheckContext, reader: PlateReader, now: datetime) -> int:
    """Claim a batch of jobs and read each; the number claimed (0: nothing to do)."""
    p = ctx.policy
    claims = ctx.repo.claim(p.batch_size, now, now - timedelta(seconds=p.stale_after_s),
                            now - timedelta(seconds=p.retry_after_s), p.max_attempts)
    for claim in claims:
        _read_one(ctx, reader, claim, now)
    if claims:
        log.info("plate cross-check: %d job(s) handled", len(claims))
    return len(claims)


def drain(ctx: PlateCheckContext, reader: PlateReader, clock: Callable[[], datetime]) -> int:
    """Queue what the hook missed, then read until nothing is claimable; the number of jobs handled."""
    enqueue_missing(ctx, clock())
    total = 0
    while claimed := run_once(ctx, reader, clock()):
        total += claimed
    return total


def run_forever(ctx: PlateCheckContext, reader: PlateReader, stop: threading.Event, interval_s: float,
                clock: Callable[[], datetime]) -> None:
    """Work until ``stop`` is set: read while there is work, else wait ``interval_s``. An error (the
    database gone, say) is logged and waited out, never raised."""
    last_sweep = float("-inf")
    while not stop.is_set():
        busy = False
        try:
            if time.monotonic() - last_sweep >= ctx.policy.sweep_every_s:
                enqueue_missing(ctx, clock())
                last_sweep = time.monotonic()
            busy = run_once(ctx, reader, clock()) > 0
        except Exception:
            log.exception("plate cross-check worker: error, retrying in %.0f s", interval_s)
        if not busy:
            stop.wait(interval_s)
