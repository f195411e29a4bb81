"""The records export over HTTP against a million records: rows, bytes, seconds and the server's memory.

For each backend (SQLite, and PostgreSQL when ``--pg-url`` is given) the script seeds ``--records`` passages of
the simulator (20 stations, judged as ingest judges them) straight into ``records`` through the storage floor of
``bench/ingest_http.py`` (``executemany`` / ``COPY``), starts ``zhichao serve`` in its own process, logs in as a
reviewer and downloads ``/console/export/records.csv`` and ``.xlsx``, first for the first tenth of the days
(about a tenth of the rows), then for all of them. Before each download the kernel's peak-RSS counter of the
server is reset (``/proc/<pid>/clear_refs``, 5); after it, the peak (``VmHWM``) is read. If memory does not grow
with the rows, the two peaks of a format are about equal.

    python bench/export_memory.py --records 1000000 --only sqlite
    python bench/export_memory.py --records 1000000 --only postgresql --pg-url postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import sqlite3
import sys
import tempfile
import time
import urllib.parse
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.servers import ServerProcess  # noqa: E402

from bench.ingest_http import DEVICE, MemorySampler, settings_for  # noqa: E402
from zhichao.adapters.db.engine import open_database  # noqa: E402
from zhichao.adapters.db.migrate import upgrade  # noqa: E402
from zhichao.bootstrap import build  # noqa: E402
from zhichao.config import Settings  # noqa: E402
from zhichao.services.auth import add_user  # noqa: E402
from zhichao.services.stations import add_station  # noqa: E402
from zhichao.simulation.traffic import SimStation, Traffic  # noqa: E402

STATIONS = 20
PER_DAY = 2000  # passages per station and day: a million records span 25 days
FIRST_DAY = date(2026, 10, 1)
CHUNK = 5000
MiB = 1024 * 1024


def simulated(n: int, seed: int = 1) -> Iterator[Any]:
    """``n`` judged rows (``NewRecord``) of simulated traffic, day by day from ``FIRST_DAY``."""
    from zhichao.domain.rulesets import get_rule_set
    from zhichao.services.ingest import judged_row
    from zhichao.services.wire import decode_record

    stations = [SimStation(f"B{i:02d}", 4, volume_per_day=PER_DAY) for i in range(STATIONS)]
    traffic = Traffic(stations, random.Random(seed), outage_share=0.0)
    rules, now, made, day = get_rule_set("ZJ-2020"), datetime.now(UTC), 0, 0
    start = datetime(FIRST_DAY.year, FIRST_DAY.month, FIRST_DAY.day, tzinfo=UTC) - timedelta(hours=8)
    while True:
        for rec in traffic.between(start + timedelta(days=day), start + timedelta(days=day + 1)):
            wire = decode_record(msgspec.json.encode(rec))
            assert not isinstance(wire, list), wire
            yield judged_row(wire, now, rules, 0)
            made += 1
            if made == n:
                return
        day += 1


def chunks(rows: Iterator[Any]) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def seed(settings: Settings, n: int) -> tuple[str, date]:
    """Migrate, register the stations and a reviewer, and store ``n`` records; the reviewer's password and
    the last local day with records."""
    db = open_database(settings)
    upgrade(db)
    db.dispose()
    c = build(settings)
    for i in range(STATIONS):
        add_station(c.stations, f"B{i:02d}", f"基准站{i}", 4, now=c.clock(), extra=DEVICE)
    _, password, _ = add_user(c.users, c.hasher, "bench", "reviewer", now=c.clock())
    c.close()
    last = _seed_sqlite(settings, n) if settings.sqlalchemy_url.startswith("sqlite") else _seed_pg(settings, n)
    return password, last


def _seed_sqlite(settings: Settings, n: int) -> date:
    from zhichao.adapters.db.ingest_store import _SQLITE_INSERT, _sqlite_row
    from zhichao.adapters.db.types import sqlite_text

    conn = sqlite3.connect(settings.data_dir / "zhichao.sqlite3", isolation_level=None)
    last = None
    for batch in chunks(simulated(n)):
        received = (batch[0].received_at, sqlite_text(batch[0].received_at))
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(_SQLITE_INSERT, [_sqlite_row(r, received) for r in batch])
        conn.execute("COMMIT")
        last = batch[-1].captured_at
    conn.close()
    assert last is not None
    return (last + timedelta(hours=8)).date()


def _seed_pg(settings: Settings, n: int) -> date:
    import psycopg

    from zhichao.adapters.db.ingest_store import _PG_COPY, _pg_row

    last = None
    with psycopg.connect(settings.database_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        for batch in chunks(simulated(n)):
            with conn.transaction(), conn.cursor() as cur, cur.copy(_PG_COPY) as copy:
                for r in batch:
                    copy.write_row(_pg_row(r))
            last = batch[-1].captured_at
        conn.execute("ANALYZE records")
    assert last is not None
    return (last + timedelta(hours=8)).date()


def log_in(port: int, password: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = urllib.parse.urlencode({"username": "bench", "password": password, "next": "/"})
    conn.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded"})
    answer = conn.getresponse()
    answer.read()
    assert answer.status == 303, answer.status
    cookie = answer.getheader("set-cookie") or ""
    return cookie.split(";", 1)[0]


def xlsx_rows(path: Path) -> int:
    """Data rows of every sheet, counted in the sheets' XML as it is unzipped (no workbook in memory)."""
    rows = 0
    with zipfile.ZipFile(path) as book:
        for name in book.namelist():
            if name.startswith("xl/worksheets/sheet"):
                with book.open(name) as sheet:
                    tail = b""
                    while block := sheet.read(MiB):
                        rows += (tail + block).count(b"<row ") - tail.count(b"<row ")
                        tail = block[-8:]
                rows -= 1  # the headings
    return rows


def download(server: ServerProcess, sampler: MemorySampler, cookie: str, fmt: str, query: str,
             spool: Path) -> dict[str, Any]:
    pid = server.proc.pid if server.proc else 0
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    before = sampler.rss_mb()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=3600)
    t0 = time.perf_counter()
    conn.request("GET", f"/console/export/records.{fmt}?{query}", headers={"Cookie": cookie})
    answer = conn.getresponse()
    assert answer.status == 200, (answer.status, answer.read()[:500])
    size, newlines = 0, 0
    with spool.open("wb") as out:
        while block := answer.read(MiB):
            size += len(block)
            newlines += block.count(b"\n")
            out.write(block)
    seconds = time.perf_counter() - t0
    rows = newlines - 1 if fmt == "csv" else xlsx_rows(spool)
    spool.unlink()
    return {"format": fmt, "query": query, "rows": rows, "bytes": size, "seconds": round(seconds, 1),
            "rss_before_mb": round(before, 1), "peak_mb": round(sampler.peak_mb(), 1)}


def run(backend: str, n: int, tmp: Path, pg_url: str | None) -> list[dict[str, Any]]:
    settings = settings_for(backend, "export", tmp, pg_url)
    t0 = time.perf_counter()
    password, last = seed(settings, n)
    print(f"{backend}: {n} records seeded in {time.perf_counter() - t0:.0f} s, {FIRST_DAY} to {last}", flush=True)
    tenth = FIRST_DAY + timedelta(days=max(0, (last - FIRST_DAY).days // 10))
    out = []
    with ServerProcess(settings) as server:
        assert server.proc is not None
        sampler = MemorySampler(server.proc.pid)
        cookie = log_in(server.port, password)
        for query in (f"start={FIRST_DAY}&end={tenth}", f"start={FIRST_DAY}&end={last}"):
            for fmt in ("csv", "xlsx"):
                result = {"backend": backend, **download(server, sampler, cookie, fmt, query, tmp / "download")}
                print(json.dumps(result, ensure_ascii=False), flush=True)
                out.append(result)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--pg-url", help="admin URL of a PostgreSQL server (creates a bench database)")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for backend in ("sqlite", "postgresql"):
            if args.only not in (None, backend) or (backend == "postgresql" and not args.pg_url):
                continue
            results += run(backend, args.records, Path(tmp), args.pg_url)
    print(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
