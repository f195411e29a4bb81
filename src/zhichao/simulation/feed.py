"""Feeding simulated traffic into zhichao: straight into the ingest service, or over HTTP.

Both paths send the same batches (per station, in time order) and both end in ``accept_batch``.
"""

from __future__ import annotations

import http.client
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec

from zhichao.services.ingest import IngestPolicy, accept_batch
from zhichao.services.ports import IngestStore

_encode = msgspec.json.Encoder().encode


@dataclass(slots=True)
class FeedTotals:
    batches: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0

    def add(self, answer: Mapping[str, Any]) -> None:
        self.batches += 1
        self.accepted += int(answer["accepted"])
        self.duplicates += int(answer["duplicates"])
        self.rejected += len(answer["rejected"])


def batches(records: Iterable[dict[str, object]], size: int) -> Iterator[tuple[str, list[dict[str, object]]]]:
    """Group a time-ordered stream into per-station batches of at most ``size`` records."""
    pending: dict[str, list[dict[str, object]]] = {}
    for rec in records:
        station = str(rec["station_id"])
        group = pending.setdefault(station, [])
        group.append(rec)
        if len(group) >= size:
            yield station, pending.pop(station)
    yield from pending.items()


def feed_direct(store: IngestStore, policy: IngestPolicy, records: Iterable[dict[str, object]],
                clock: Callable[[], datetime], size: int = 500,
                after: Callable[[list[dict[str, object]]], None] | None = None) -> FeedTotals:
    """Ingest through the service; ``after`` sees each batch once it is committed (e.g. to upload photos)."""
    totals = FeedTotals()
    for station, group in batches(records, size):
        result = accept_batch(store, station, _encode(group), now=clock(), policy=policy, source="sim")
        totals.add(result.as_contract())
        if after is not None:
            after(group)
    return totals


class HttpFeeder:
    """Posts batches to a running server over one keep-alive connection, with each station's token."""

    def __init__(self, base_url: str, tokens: Mapping[str, str], retries: int = 5) -> None:
        url = urllib.parse.urlsplit(base_url)
        self._host, self._port = url.hostname or "127.0.0.1", url.port or 80
        self._tokens = tokens
        self._retries = retries
        self._conn = http.client.HTTPConnection(self._host, self._port, timeout=60)

    def post(self, station: str, body: bytes) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self._tokens[station]}", "Content-Type": "application/json"}
        for attempt in range(self._retries + 1):
            try:
                self._conn.request("POST", f"/api/v1/stations/{station}/records", body, headers)
                response = self._conn.getresponse()
                payload = response.read()
            except (OSError, http.client.HTTPException):
                # Not acknowledged: resend the same batch (ingest is idempotent per record_id).
                self._conn.close()
                self._conn = http.client.HTTPConnection(self._host, self._port, timeout=60)
                if attempt == self._retries:
                    raise
                time.sleep(0.2 * (attempt + 1))
                continue
            answer: dict[str, Any] = msgspec.json.decode(payload)
            if response.status != 200:
                raise RuntimeError(f"station {station}: HTTP {response.status}: {answer}")
            return answer
        raise AssertionError("unreachable")

    def feed(self, records: Iterable[dict[str, object]], size: int = 500) -> FeedTotals:
        totals = FeedTotals()
        for station, group in batches(records, size):
            if station in self._tokens:
                totals.add(self.post(station, _encode(group)))
        return totals

    def close(self) -> None:
        self._conn.close()
