"""MQTT ingest as a use case: one flush of broker messages in, the results to publish out.

Contract §2: a station publishes one record or an array to ``zhichao/v1/stations/{station_id}/records``
at QoS 1. A worker collects messages for a few milliseconds and hands them to ``ingest_flush``, which
groups them by station and commits one ``accept_batch`` per station (the records of its messages merged
into one array, at most ``max_batch_records``), then returns one result per message for
``zhichao/v1/stations/{station_id}/results``: the HTTP answer ``{"accepted", "duplicates", "rejected"}``
of that message's own records, with an ``error`` ``{code, message}`` when the message was refused whole.

The caller acknowledges the messages only after ``ingest_flush`` returns. A refused message (bad JSON,
an unknown station) is kept in ``rejected_input`` where possible and acknowledged: sending it again can
never succeed. Any other exception (the database down) escapes, nothing is acknowledged and the broker
delivers the messages again; ingest is idempotent by (station_id, record_id).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

import msgspec

from zhichao.domain.errors import ZhichaoError
from zhichao.services.errors import InvalidInput
from zhichao.services.ingest import BatchResult, IngestPolicy, accept_batch, split_batch
from zhichao.services.ports import IngestStore

log = logging.getLogger("zhichao.mqtt")
SUBSCRIPTION = "zhichao/v1/stations/+/records"
_TOPIC = re.compile(r"zhichao/v1/stations/([^/+#]{1,64})/records")
_encode = msgspec.json.Encoder().encode


class _RecordId(msgspec.Struct):
    record_id: str | None = None


_record_id = msgspec.json.Decoder(_RecordId)


@dataclass(frozen=True, slots=True)
class Message:
    """A message as received; ``handle`` is the broker adapter's own (what it acknowledges with)."""

    topic: str
    payload: bytes
    handle: object = None


@dataclass(frozen=True, slots=True)
class Outgoing:
    topic: str
    payload: bytes


def station_of(topic: str) -> str | None:
    """The station of a records topic; None for any other topic."""
    found = _TOPIC.fullmatch(topic)
    return found.group(1) if found else None


def results_topic(station_id: str) -> str:
    return f"zhichao/v1/stations/{station_id}/results"


def refused(error: ZhichaoError) -> dict[str, object]:
    return {"accepted": 0, "duplicates": 0, "rejected": [], "error": {"code": error.code, "message": error.message}}


@dataclass(slots=True)
class _Part:
    """One message's records within a merged station batch."""

    index: int
    raws: list[bytes]


def ingest_flush(store: IngestStore, messages: Sequence[Message], *, now: datetime,
                 policy: IngestPolicy) -> list[Outgoing]:
    """Ingest one flush; return the result of each message on a records topic, in arrival order."""
    results: dict[int, dict[str, object]] = {}
    groups: dict[str, list[_Part]] = {}
    stations: dict[int, str] = {}
    for i, m in enumerate(messages):
        station = station_of(m.topic)
        if station is None:
            log.warning("message on %r refused: not a records topic", m.topic[:200])
            continue
        stations[i] = station
        raws = _split(m.payload)
        if raws and len(raws) <= policy.max_batch_records:
            groups.setdefault(station, []).append(_Part(i, raws))
        else:  # refused whole: accept_batch keeps it in rejected_input and says why
            results[i] = _alone(store, station, m.payload, now, policy)
    for station, parts in groups.items():
        for chunk in _chunks(parts, policy.max_batch_records):
            results.update(_merged(store, station, chunk, now, policy))
    return [Outgoing(results_topic(stations[i]), _encode(results[i])) for i in sorted(results)]


def _split(payload: bytes) -> list[bytes] | None:
    try:
        return split_batch(payload, allow_single=True)
    except InvalidInput:
        return None


def _alone(store: IngestStore, station: str, payload: bytes, now: datetime, policy: IngestPolicy) -> dict[str, object]:
    try:
        return accept_batch(store, station, payload, now=now, policy=policy, source="mqtt",
                            allow_single=True).as_contract()
    except ZhichaoError as exc:
        log.warning("message of station %s refused: %s", station, exc.code)
        return refused(exc)


def _chunks(parts: list[_Part], limit: int) -> Iterator[list[_Part]]:
    chunk: list[_Part] = []
    size = 0
    for part in parts:
        if chunk and size + len(part.raws) > limit:
            yield chunk
            chunk, size = [], 0
        chunk.append(part)
        size += len(part.raws)
    if chunk:
        yield chunk


def _merged(store: IngestStore, station: str, chunk: list[_Part], now: datetime,
            policy: IngestPolicy) -> dict[int, dict[str, object]]:
    body = b"[" + b",".join(raw for part in chunk for raw in part.raws) + b"]"
    try:
        result = accept_batch(store, station, body, now=now, policy=policy, source="mqtt")
    except ZhichaoError as exc:  # an unknown station: every message of it says so
        log.warning("%d messages of station %s refused: %s", len(chunk), station, exc.code)
        return {part.index: refused(exc) for part in chunk}
    if len(chunk) == 1:
        return {chunk[0].index: result.as_contract()}
    return split_result(result, chunk)


def split_result(result: BatchResult, chunk: list[_Part]) -> dict[int, dict[str, object]]:
    """The merged batch's result, message by message. A record both stored and repeated in one flush
    counts as accepted in the first message that carries it and as a duplicate in the others."""
    rejected: dict[int, dict[str, object]] = {int(str(r["index"])): r for r in result.rejected}
    stored = set(result.stored)
    out: dict[int, dict[str, object]] = {}
    offset = 0
    for part in chunk:
        mine, accepted, duplicates = [], 0, 0
        for j, raw in enumerate(part.raws):
            if offset + j in rejected:
                mine.append({**rejected[offset + j], "index": j})
            elif not result.duplicates:
                accepted += 1
            elif (rid := _record_id.decode(raw).record_id) in stored:
                stored.discard(rid)
                accepted += 1
            else:
                duplicates += 1
        out[part.index] = {"accepted": accepted, "duplicates": duplicates, "rejected": mine}
        offset += len(part.raws)
    return out
