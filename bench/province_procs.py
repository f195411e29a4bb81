"""The province benchmark's machinery: databases (fresh, seeded, copied), a private Mosquitto, the processes'
CPU and memory from /proc, the closed-loop latency clients, and the count check."""

from __future__ import annotations

import collections
import getpass
import json
import multiprocessing
import os
import random
import socket
import subprocess
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
from tests.servers import ServerProcess, free_port

from zhichao.adapters.db.engine import open_database
from zhichao.adapters.db.migrate import upgrade
from zhichao.config import Settings

BENCH_DB = "zhichao_bench_province"
CACHE = Path("/tmp/zhichao-bench")
TX_ROWS = 20_000  # seed rows a transaction
# A verified device, as every enforcement station has (bench/ingest_http.py): otherwise every record is flagged.
DEVICE = {"road": "G104", "accuracy_class": "5", "cert_number": "基准", "cert_valid_from": date(2020, 1, 1),
          "cert_valid_to": date(2030, 12, 31), "speed_min_kmh": 0.0, "speed_max_kmh": 200.0}
CORES = os.cpu_count() or 1
TICK = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------------------------------- databases
def _db_url(admin_url: str, name: str) -> str:
    return f"{admin_url.rsplit('/', 1)[0]}/{name}".replace("postgresql://", "postgresql+psycopg://")


def _admin(admin_url: str, *sql: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        for statement in sql:
            conn.execute(statement)


def fresh_database(admin_url: str, tmp: Path, name: str) -> Settings:
    _admin(admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}")
    settings = Settings(data_dir=tmp / name, database_url=_db_url(admin_url, name))
    db = open_database(settings)
    upgrade(db)
    db.dispose()
    return settings


def drop_database(admin_url: str, name: str) -> None:
    _admin(admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def register(settings: Settings, stations: list[str], tmp: Path) -> Path:
    """The stations, registered as an administrator does; their tokens in a file for the HTTP publisher."""
    from zhichao.bootstrap import build
    from zhichao.services.stations import add_station

    c = build(settings)
    tokens = {sid: add_station(c.stations, sid, f"省站{sid}", 4, now=c.clock(), extra=DEVICE) for sid in stations}
    c.close()
    path = tmp / f"tokens-{time.time_ns()}.json"
    path.write_text(json.dumps(tokens))
    return path


def _seed_part(url: str, stations: list[str], mine: list[str], start: datetime, per_day: int, quota: int,
               now: datetime) -> int:
    """One process's share of the seed: its stations' passages, judged and stored through the ingest store."""
    from zhichao.adapters.db.ingest_store import SqlIngestStore
    from zhichao.domain.rulesets import get_rule_set
    from zhichao.services.ingest import SHANGHAI, count_rows, day_counts, judged_row, mpe_permille
    from zhichao.services.wire import WireRecord, decode_record
    from zhichao.simulation.traffic import SimStation, Traffic

    db = open_database(Settings(data_dir=CACHE / BENCH_DB, database_url=url))
    store = SqlIngestStore(db)
    sims = [SimStation(sid, 4, volume_per_day=per_day) for sid in stations]
    traffic = Traffic(sims, random.Random(3), outage_share=0.0, only=mine)
    rules, mpe, encode = get_rule_set("ZJ-2020"), mpe_permille(str(DEVICE["accuracy_class"])), msgspec.json.encode
    stored, day, rows = 0, 0, []
    while stored < quota:
        for rec in traffic.between(start + timedelta(days=day), start + timedelta(days=day + 1)):
            wire = decode_record(encode(rec))
            assert isinstance(wire, WireRecord), wire
            rows.append(judged_row(wire, now, rules, mpe))
            if len(rows) == TX_ROWS or stored + len(rows) == quota:
                with store.transaction() as tx:
                    new = tx.insert_new_records(iter(rows))
                    hourly = count_rows(new)
                    tx.add_counts(hourly)
                    tx.add_day_counts(day_counts(hourly, SHANGHAI))
                stored += len(new)
                rows = []
                if stored >= quota:
                    break
        day += 1
    db.dispose()
    return stored


def _months_before_seeding(settings: Settings, start: datetime) -> None:
    """The month partitions from the seed's first day on, made before the rows come (as an operator does
    before importing a backlog, docs/postgresql.md): else they all land in the default partition."""
    from zhichao.adapters.db import partitions

    db = open_database(settings)
    today = datetime.now(UTC).date()
    with db.writer.begin() as conn:
        partitions.ensure(conn, today, 3, also=partitions.months_between(start.date(), today))
    db.dispose()


def seed(args: Any, stations: list[str], start: datetime) -> dict[str, Any]:
    """The seeded database, made once (two processes, half the stations each) and kept."""
    CACHE.mkdir(exist_ok=True)
    marker = CACHE / f"{BENCH_DB}.json"
    meta: dict[str, Any] = json.loads(marker.read_text()) if marker.exists() else {}
    url = _db_url(args.pg_url, BENCH_DB)
    settings = Settings(data_dir=CACHE / BENCH_DB, database_url=url)
    wanted = {"records": args.seed_records, "stations": len(stations)}
    if args.skip_seed or (not args.reseed and {k: meta.get(k) for k in wanted} == wanted):
        db = open_database(settings)
        upgrade(db)  # a migration newer than the seed is applied; the rows stay
        db.dispose()
        return {**meta, "reused": True}
    marker.unlink(missing_ok=True)
    fresh_database(args.pg_url, CACHE, BENCH_DB)
    register(settings, stations, CACHE).unlink()  # the seed's stations are never posted for
    _months_before_seeding(settings, start)
    os.sync()
    t0 = time.perf_counter()
    per_day = max(1, args.records // len(stations))
    halves = [stations[0::2], stations[1::2]]
    quotas = [args.seed_records // 2, args.seed_records - args.seed_records // 2]
    now = datetime.now(UTC)
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        stored = pool.starmap(_seed_part, [(url, stations, h, start, per_day, q, now) for h, q in zip(halves, quotas,
                                                                                                   strict=True)])
    _admin(url.replace("postgresql+psycopg://", "postgresql://"), "ANALYZE")
    meta = {**wanted, "stored": sum(stored), "seconds": round(time.perf_counter() - t0), "first_day": str(start.date()),
            "seeded_at": datetime.now(UTC).isoformat(timespec="seconds")}
    marker.write_text(json.dumps(meta))
    print(f"seed: {json.dumps(meta)}", flush=True)
    return meta


def copy_database(admin_url: str, tmp: Path) -> tuple[Settings, dict[str, Any]]:
    """A file copy of the seed for one run, with a partner and a reviewer, and what the latency clients ask."""
    import psycopg

    from zhichao.bootstrap import build
    from zhichao.services.auth import add_user

    name = f"{BENCH_DB}_run"
    _admin(admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)",
           f"CREATE DATABASE {name} TEMPLATE {BENCH_DB} STRATEGY FILE_COPY")
    settings = Settings(data_dir=tmp / name, database_url=_db_url(admin_url, name))
    c = build(settings)
    _, _, check_token = add_user(c.users, c.hasher, "bench-partner", "partner", now=c.clock(), rate_per_s=10_000)
    _, _, read_token = add_user(c.users, c.hasher, "bench-reviewer", "reviewer", now=c.clock())
    c.close()
    with psycopg.connect(_db_url(admin_url, name).replace("+psycopg", "")) as conn:
        sample = conn.execute("SELECT station_id, record_id, plate FROM records TABLESAMPLE SYSTEM (0.1) "
                              "LIMIT 20000").fetchall()
    random.Random(5).shuffle(sample)
    return settings, {"check_token": check_token, "read_token": read_token,
                      "plates": [p for _, _, p in sample if p], "records": [(s, r) for s, r, _ in sample]}


def count_check(settings: Settings, expected: dict[str, int], since: datetime) -> dict[str, Any]:
    """What was stored since ``since``, per station and distinct, against what was published."""
    import psycopg

    with psycopg.connect(settings.database_url.replace("+psycopg", "")) as conn:
        rows = conn.execute("SELECT station_id, count(*), count(DISTINCT record_id) FROM records "
                            "WHERE captured_at >= %s GROUP BY station_id", (since,)).fetchall()
    got = {sid: (n, d) for sid, n, d in rows}
    wrong = sorted(sid for sid in set(got) | set(expected) if got.get(sid, (0, 0))[0] != expected.get(sid, 0))
    stored, distinct = sum(n for n, _ in got.values()), sum(d for _, d in got.values())
    return {"ok": not wrong and stored == distinct == sum(expected.values()), "expected": sum(expected.values()),
            "stored": stored, "distinct": distinct, "stations_wrong": len(wrong), "first_wrong": wrong[:5]}


# ---------------------------------------------------------------------------------------------- processes
class Mosquitto:
    """A broker of the benchmark's own (nobody else's workers hear the load), queues large enough for it."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True)
        self.port = free_port()
        self.conf = folder / "mosquitto.conf"
        self.conf.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                             f"max_queued_messages 100000\nuser {getpass.getuser()}\n")
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> None:
        self.proc = subprocess.Popen(["mosquitto", "-c", str(self.conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise RuntimeError("mosquitto did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def start_server(settings: Settings) -> ServerProcess:
    """``zhichao serve``, its log read as it comes: a full pipe would stop the server at its next log line."""
    server = ServerProcess(settings).start()
    assert server.proc is not None and server.proc.stderr is not None
    log: collections.deque[bytes] = collections.deque(maxlen=200)
    threading.Thread(target=lambda f: log.extend(f), args=(server.proc.stderr,), daemon=True).start()
    server.log = log  # type: ignore[attr-defined]
    return server


def child_pids(parent: int, n: int) -> list[int]:
    """The spawned worker processes of ``zhichao ingest-mqtt`` (children whose command line is spawn's)."""
    for _ in range(100):
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                    cmd = (entry / "cmdline").read_bytes()
                except (OSError, IndexError, ValueError):
                    continue
                if ppid == parent and b"spawn_main" in cmd:
                    found.append(int(entry.name))
        if len(found) >= n:
            return sorted(found)
        time.sleep(0.1)
    raise RuntimeError(f"{parent}: {n} workers not found")


_PG_SHARED = ("checkpointer", "background writer", "walwriter", "autovacuum launcher", "logical replication",
              "stats collector", "archiver")


def pg_processes(database: str) -> tuple[list[int], list[int]]:
    """PostgreSQL's processes working for ``database`` (backends, autovacuum workers) and its shared ones
    (checkpointer, WAL writer, …); other databases' backends (other people's tests) are in neither."""
    ours, shared = [], []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() != "postgres":
                    continue
                title = (entry / "cmdline").read_bytes().decode(errors="replace").replace("\0", " ")
            except OSError:
                continue
            if f" {database} " in title:
                ours.append(int(entry.name))
            elif ":" not in title or title.rsplit(":", 1)[1].strip().startswith(_PG_SHARED):
                shared.append(int(entry.name))
    return ours, shared


def _cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def _status_mb(pid: int, key: str) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def _machine_busy_s() -> float:
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / TICK  # all but idle and iowait


class ProcessWatch(threading.Thread):
    """Each named process's VmRSS every 0.5 s, its VmHWM at the end, and everyone's CPU over the phase
    (PostgreSQL: the sum of the database's backends, and of the shared processes; "machine busy" is every CPU
    on the machine, ours and others'). A backend that exits during the phase takes its CPU time with it."""

    def __init__(self, pids: dict[str, int], database: str) -> None:
        super().__init__(daemon=True)
        self.pids, self._database = dict(pids), database
        self.samples: dict[str, list[float]] = {name: [] for name in pids}
        self._stop_event = threading.Event()
        self.cpu0 = {name: _cpu_s(pid) for name, pid in pids.items()}
        self.report_: dict[str, dict[str, Any]] = {}

    def add(self, name: str, pid: int) -> None:
        self.pids[name], self.samples[name], self.cpu0[name] = pid, [], _cpu_s(pid)

    def start(self) -> None:
        self.t0, self.machine0 = time.perf_counter(), _machine_busy_s()
        ours, shared = pg_processes(self._database)
        self.pg0 = {pid: _cpu_s(pid) for pid in ours + shared}
        super().start()

    def run(self) -> None:
        while not self._stop_event.wait(0.5):
            for name, pid in list(self.pids.items()):
                rss = _status_mb(pid, "VmRSS:")
                if rss is not None:
                    self.samples[name].append(rss)

    def stop(self) -> None:
        """Read the end figures while the processes still run."""
        self._stop_event.set()
        self.join()
        wall = time.perf_counter() - self.t0
        for name, pid in self.pids.items():
            s = self.samples[name] or [0.0]
            tenth = max(1, len(s) // 10)
            cpu = _cpu_s(pid) - self.cpu0[name]
            self.report_[name] = {"cpu_s": round(cpu, 1), "cpu_share": cpu / (wall * CORES),
                                  "rss_first_mb": max(s[:tenth]), "rss_last_mb": max(s[-tenth:]),
                                  "peak_mb": _status_mb(pid, "VmHWM:"),
                                  "rss_tenths_mb": [max(s[i * len(s) // 10:(i + 1) * len(s) // 10] or [0.0])
                                                    for i in range(10)]}
        busy = _machine_busy_s() - self.machine0
        ours = sum(r["cpu_s"] for r in self.report_.values())
        for name, pids in zip(("postgresql backends", "postgresql shared"), pg_processes(self._database),
                              strict=True):
            pg = sum(_cpu_s(pid) - self.pg0.get(pid, 0.0) for pid in pids)
            ours += pg
            self.report_[name] = {"cpu_s": round(pg, 1), "cpu_share": pg / (wall * CORES)}
        self.report_["everything else"] = {"cpu_s": round(busy - ours, 1),
                                           "cpu_share": (busy - ours) / (wall * CORES)}
        self.report_["machine busy"] = {"cpu_s": round(busy, 1), "cpu_share": busy / (wall * CORES)}

    def report(self) -> dict[str, dict[str, Any]]:
        return self.report_


# ---------------------------------------------------------------------------------------------- latency
class LatencyClients:
    """One closed-loop client per endpoint: a call every 1/rate s on its own keep-alive connection (late calls
    are sent at once, never skipped); latency from sending to the last byte of the answer."""

    def __init__(self, port: int, cfg: dict[str, Any], rate: float) -> None:
        from urllib.parse import quote

        self._stop = threading.Event()
        self.latencies: dict[str, list[float]] = {"check": [], "record": []}
        self.errors: dict[str, collections.Counter[str]] = {"check": collections.Counter(),
                                                            "record": collections.Counter()}
        plates = [f"/api/v1/check/{quote(p)}" for p in cfg["plates"]]
        records = [f"/api/v1/records/{quote(s)}/{quote(r)}" for s, r in cfg["records"]]
        self._threads = [
            threading.Thread(target=self._loop, args=("check", port, plates, cfg["check_token"], rate), daemon=True),
            threading.Thread(target=self._loop, args=("record", port, records, cfg["read_token"], rate), daemon=True)]
        for t in self._threads:
            t.start()

    def _loop(self, name: str, port: int, paths: list[str], token: str, rate: float) -> None:
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Authorization": f"Bearer {token}"}
        t0, i = time.perf_counter(), 0
        while not self._stop.is_set():
            due = t0 + i / rate
            if (wait := due - time.perf_counter()) > 0:
                time.sleep(wait)
            sent = time.perf_counter()
            try:
                conn.request("GET", paths[i % len(paths)], headers=headers)
                response = conn.getresponse()
                response.read()
                status = str(response.status)
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status = type(exc).__name__
            self.latencies[name].append(time.perf_counter() - sent)
            if status != "200":
                self.errors[name][status] += 1
            i += 1

    def stop(self) -> dict[str, dict[str, Any]]:
        self._stop.set()
        for t in self._threads:
            t.join(60)
        out = {}
        for name, values in self.latencies.items():
            v = sorted(values) or [0.0]

            def q(share: float, v: list[float] = v) -> float:
                return round(v[min(len(v) - 1, int(share * len(v)))] * 1000, 2)

            out[name] = {"calls": len(values), "errors": sum(self.errors[name].values()),
                         "error_kinds": dict(self.errors[name]), "p50_ms": q(0.5), "p95_ms": q(0.95),
                         "p99_ms": q(0.99), "max_ms": round(v[-1] * 1000, 2)}
        return out


def latency_clients(port: int, cfg: dict[str, Any], rate: float) -> LatencyClients:
    return LatencyClients(port, cfg, rate)
