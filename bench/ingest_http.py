"""End-to-end HTTP ingest against the storage floor, measured in the same run.

For each backend (SQLite, and PostgreSQL when ``--pg-url`` is given):
  floor — the cheapest way to put the same rows into an equivalent ``records`` table with the same
          indexes: stdlib ``sqlite3`` ``executemany`` (SQLite) or psycopg ``COPY`` into the partitioned
          ``records`` and into ``record_keys`` (PostgreSQL), one
          transaction per 500 rows with the same durability settings as the server;
  e2e   — ``zhichao serve`` in its own process, one client posting batches of 500 over keep-alive
          HTTP; every batch is validated, judged, stored with its counters and acknowledged.
The figure of merit is e2e ÷ floor. The server's resident memory is sampled every 0.5 s.

    python bench/ingest_http.py --records 200000 --pg-url postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import sqlite3
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.servers import ServerProcess  # noqa: E402

from zhichao.adapters.db.engine import open_database  # noqa: E402
from zhichao.adapters.db.migrate import upgrade  # noqa: E402
from zhichao.bootstrap import build  # noqa: E402
from zhichao.config import Settings  # noqa: E402
from zhichao.services.stations import add_station  # noqa: E402
from zhichao.simulation.traffic import SimStation, Traffic  # noqa: E402

BATCH = 500
STATIONS = 20
# A verified device, as every enforcement station has: without a valid certificate every record
# would (rightly) be flagged, which is not the traffic the benchmark is about.
DEVICE = {"road": "G104", "accuracy_class": "5", "cert_number": "基准", "cert_valid_from": date(2020, 1, 1),
          "cert_valid_to": date(2030, 12, 31), "speed_min_kmh": 0.0, "speed_max_kmh": 200.0}


def make_batches(n: int, seed: int = 1) -> list[tuple[str, bytes, list[dict[str, Any]]]]:
    stations = [SimStation(f"B{i:02d}", 4, volume_per_day=20_000) for i in range(STATIONS)]
    traffic = Traffic(stations, random.Random(seed), outage_share=0.0)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    out: list[tuple[str, bytes, list[dict[str, Any]]]] = []
    pending: dict[str, list[dict[str, Any]]] = {}
    day = 0
    while sum(len(b[2]) for b in out) < n:
        for rec in traffic.between(start + timedelta(days=day), start + timedelta(days=day + 1)):
            group = pending.setdefault(str(rec["station_id"]), [])
            group.append(rec)
            if len(group) == BATCH:
                out.append((str(rec["station_id"]), msgspec.json.encode(group), group))
                pending[str(rec["station_id"])] = []
                if len(out) * BATCH >= n:
                    return out
        day += 1
    return out


class MemorySampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.samples, self.stop = pid, [], threading.Event()

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def peak_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def run(self) -> None:
        while not self.stop.wait(0.5):
            try:
                self.samples.append(self.rss_mb())
            except OSError:
                return


def floor_rows(batches: list[tuple[str, bytes, list[dict[str, Any]]]]) -> list[list[tuple[Any, ...]]]:
    """The rows the server would store, pre-built, so the floor times storage alone."""
    from zhichao.domain.rulesets import get_rule_set
    from zhichao.services.ingest import judged_row  # the same row shape the service stores
    from zhichao.services.wire import decode_record

    rules, now = get_rule_set("ZJ-2020"), datetime.now(UTC)
    out = []
    for _, _, recs in batches:
        rows = []
        for rec in recs:
            wire = decode_record(msgspec.json.encode(rec))
            assert not isinstance(wire, list)
            rows.append(judged_row(wire, now, rules, 0))
        out.append(rows)
    return out


def settle() -> None:
    """Flush what earlier phases left in the page cache, so one phase's writeback does not slow the next."""
    os.sync()
    time.sleep(2)


def sqlite_floor(settings: Settings, row_batches: list[list[Any]]) -> float:
    from zhichao.adapters.db.ingest_store import _SQLITE_INSERT, _sqlite_row
    from zhichao.adapters.db.types import sqlite_text

    db = open_database(settings)
    upgrade(db)
    db.dispose()
    prepared = [[_sqlite_row(r, (r.received_at, sqlite_text(r.received_at))) for r in rows] for rows in row_batches]
    conn = sqlite3.connect(settings.data_dir / "zhichao.sqlite3", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={settings.sqlite_synchronous}")
    settle()
    t0 = time.perf_counter()
    for rows in prepared:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(_SQLITE_INSERT, rows)
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    conn.close()
    return sum(map(len, prepared)) / elapsed


def pg_floor(settings: Settings, row_batches: list[list[Any]]) -> float:
    import psycopg

    from zhichao.adapters.db.ingest_store import _PG_COPY, _PG_COPY_KEYS, _pg_row

    db = open_database(settings)
    upgrade(db)
    db.dispose()
    prepared = [[_pg_row(r) for r in rows] for rows in row_batches]
    # records are partitioned by month and their (station_id, record_id) is unique in record_keys: both
    # are part of storing a record
    keys = [sorted((r.station_id, r.record_id, r.captured_at) for r in rows) for rows in row_batches]
    url = settings.database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as conn:
        settle()
        t0 = time.perf_counter()
        for rows, batch_keys in zip(prepared, keys, strict=True):
            with conn.transaction(), conn.cursor() as cur:
                with cur.copy(_PG_COPY) as copy:
                    for r in rows:
                        copy.write_row(r)
                with cur.copy(_PG_COPY_KEYS) as copy:
                    for k in batch_keys:
                        copy.write_row(k)
        elapsed = time.perf_counter() - t0
    return sum(map(len, prepared)) / elapsed


def end_to_end(settings: Settings, batches: list[tuple[str, bytes, list[dict[str, Any]]]],
               command: list[str] | None = None) -> dict[str, float]:
    db = open_database(settings)
    upgrade(db)
    db.dispose()
    c = build(settings)
    tokens = {f"B{i:02d}": add_station(c.stations, f"B{i:02d}", f"基准站{i}", 4, now=c.clock(), extra=DEVICE)
              for i in range(STATIONS)}
    c.close()
    server = ServerProcess(settings, command=command).start()
    assert server.proc is not None
    sampler = MemorySampler(server.proc.pid)
    sampler.start()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    accepted = 0
    settle()
    t0 = time.perf_counter()
    for station, payload, _ in batches:
        conn.request("POST", f"/api/v1/stations/{station}/records", payload,
                     {"Authorization": f"Bearer {tokens[station]}", "Content-Type": "application/json"})
        response = conn.getresponse()
        answer = json.loads(response.read())
        accepted += answer["accepted"]
    elapsed = time.perf_counter() - t0
    peak = sampler.peak_mb()
    sampler.stop.set()
    server.stop()
    samples = sampler.samples or [0.0]
    tenth = max(1, len(samples) // 10)
    return {"rate": accepted / elapsed, "accepted": accepted, "seconds": elapsed, "peak_mb": peak,
            "rss_first_tenth_mb": max(samples[:tenth]), "rss_last_tenth_mb": max(samples[-tenth:])}


def fresh_pg(admin_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    base = admin_url.rsplit("/", 1)[0]
    return f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://")


def settings_for(backend: str, tag: str, tmp: Path, pg_url: str | None) -> Settings:
    if backend == "sqlite":
        return Settings(data_dir=tmp / f"{backend}-{tag}")
    assert pg_url is not None
    return Settings(data_dir=tmp / tag, database_url=fresh_pg(pg_url, f"zhichao_bench_{tag}"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--pg-url", help="admin URL of a PostgreSQL server (creates bench databases)")
    parser.add_argument("--skip-floor", action="store_true", help="memory runs: end-to-end only")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    batches = make_batches(args.records)
    print(f"{len(batches)} batches of {BATCH}; mean record {len(batches[0][1]) / BATCH:.0f} bytes", flush=True)
    rows = None if args.skip_floor else floor_rows(batches)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        backends = [b for b in ("sqlite", "postgresql") if args.only in (None, b)]
        for backend in backends:
            if backend == "postgresql" and not args.pg_url:
                continue
            floor = None
            if rows is not None:
                floor_fn = sqlite_floor if backend == "sqlite" else pg_floor
                floor = floor_fn(settings_for(backend, "floor", Path(tmp), args.pg_url), rows)
            e2e = end_to_end(settings_for(backend, "e2e", Path(tmp), args.pg_url), batches)
            results[backend] = {"floor_rate": floor, **e2e, "ratio": e2e["rate"] / floor if floor else None}
            print(backend, json.dumps(results[backend], indent=None), flush=True)
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
