"""A province's day on PostgreSQL: MQTT and HTTP ingest end to end, read latency at 10 M records, memory.

Phases (``--only`` picks one; each starts with ``os.sync()``):
  mqtt     — a simulated province day (``--stations`` sites, ``--records`` passages, hours compressed) replayed as
             fast as it is taken: one publisher process (``--publisher``, below) sends pre-serialised batches of
             ``--batch`` records, QoS 1, to a private Mosquitto; ``zhichao ingest-mqtt --workers 2`` stores them in
             a fresh database. The publisher keeps at most ``--window`` messages without their result (the
             workers publish one per message after its commit), so the broker's queue stays bounded and the
             rate is the rate of the slowest stage. Then the database is counted: per station, and distinct
             (station_id, record_id), against what was published.
  http     — the same batches posted to ``zhichao serve`` (one process, or two on two ports: ``--http-servers``)
             over ``--connections`` keep-alive connections, each station with its token; the same count.
  latency  — a copy of the seeded database (10 M records, ``--seed-records``), the MQTT phase's ingest again on
             it (new records, a later day), and meanwhile a closed-loop client per endpoint at ``--latency-rate``
             calls a second: the partner check ``GET /api/v1/check/{plate}`` and the record look-up
             ``GET /api/v1/records/{station_id}/{record_id}`` on one ``zhichao serve``. Latency runs from sending a
             call to the last byte of its answer.
Every phase samples each process's VmRSS from /proc every 0.5 s (first tenth, last tenth, VmHWM) and its CPU
time from /proc/PID/stat (share of the machine's cores over the phase).

Seed (kept between runs in ``zhichao_bench_province``; ``--reseed`` starts again): the same stations on earlier
days, records made by the simulator, judged by ``services.ingest.judged_row`` and stored through
``SqlIngestStore.transaction()`` (``insert_new_records``, the counters), 20 000 rows a transaction, no
screening, by two processes (half the stations each). The latency phase runs on a ``FILE_COPY`` of it, dropped
afterwards, so the seed stays as it was.

    python bench/province.py --pg-url postgresql://postgres@127.0.0.1:5432/postgres
    python bench/province.py --stations 100 --records 50000 --seed-records 200000 --json-out /tmp/p.json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.mqtt_helpers import WorkerProcess, wait_for  # noqa: E402

from bench.province_procs import (  # noqa: E402
    BENCH_DB,
    Mosquitto,
    ProcessWatch,
    child_pids,
    copy_database,
    count_check,
    drop_database,
    fresh_database,
    latency_clients,
    register,
    seed,
    start_server,
)
from bench.province_publish import read_batches, run_publisher, write_batches  # noqa: E402
from zhichao.config import Settings  # noqa: E402
from zhichao.simulation.feed import batches as station_batches  # noqa: E402
from zhichao.simulation.traffic import SimStation, Traffic  # noqa: E402


def province_day(stations: list[str], records: int, start: datetime, batch: int, seed_no: int,
                 path: Path) -> dict[str, int]:
    """Simulate ``records`` passages from ``start`` on, group them per station, write them to ``path``; the
    count per station is returned (what must be stored)."""
    per_day = max(1, records // len(stations))
    sims = [SimStation(sid, 4, volume_per_day=per_day) for sid in stations]
    traffic = Traffic(sims, random.Random(seed_no), outage_share=0.0)

    def stream() -> Any:
        n, day = 0, 0
        while True:
            for rec in traffic.between(start + timedelta(days=day), start + timedelta(days=day + 1)):
                yield rec
                n += 1
                if n == records:
                    return
            day += 1

    expected: dict[str, int] = {}
    encode = msgspec.json.Encoder().encode

    def encoded() -> Any:
        for station, group in station_batches(stream(), batch):
            expected[station] = expected.get(station, 0) + len(group)
            yield station, encode(group), len(group)

    write_batches(path, encoded())
    return expected


class ProfiledWorker(WorkerProcess):
    """One worker under cProfile, which writes ``out`` when SIGTERM has stopped the worker."""

    def __init__(self, settings: Settings, group: str, port: int, index: int, out: Path, flush: int) -> None:
        super().__init__(settings, 1, group, port)
        self.env["ZHICHAO_MQTT_CLIENT_ID_PREFIX"] = f"{group}-p{index}"  # client ids of its own, the same group
        self.env["ZHICHAO_MQTT_FLUSH_MAX_MESSAGES"] = str(flush)
        self.out = out

    def start(self) -> ProfiledWorker:
        subscribed = len(self.subscriptions())
        self.proc = subprocess.Popen([sys.executable, "-m", "cProfile", "-o", str(self.out), "-m", "zhichao.cli",
                                      "ingest-mqtt", "--workers", "1"], env=self.env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        threading.Thread(target=self._read, args=(self.proc,), daemon=True).start()
        wait_for(lambda: len(self.subscriptions()) > subscribed, 30, "worker subscribed")
        return self


def start_workers(settings: Settings, port: int, profile: Path | None,
                  flush: int) -> tuple[list[WorkerProcess], list[int]]:
    """``zhichao ingest-mqtt --workers 2``; with ``profile``, two single-worker processes under cProfile instead."""
    group = f"province{os.getpid()}"
    if profile is None:
        w = WorkerProcess(settings, 2, group, port)
        w.env["ZHICHAO_MQTT_FLUSH_MAX_MESSAGES"] = str(flush)
        w.start()
        assert w.proc is not None
        return [w], child_pids(w.proc.pid, 2)
    out: list[WorkerProcess] = [ProfiledWorker(settings, group, port, i, profile / f"worker-{i}.prof", flush).start()
                                for i in range(2)]
    return out, [w.proc.pid for w in out if w.proc is not None]


def database_name(settings: Settings) -> str:
    return settings.database_url.rsplit("/", 1)[1]


def publisher_figures(watch: ProcessWatch, run: dict[str, Any]) -> dict[str, Any]:
    """The watch's report with the publisher's CPU and peak as it measured them itself before it exited."""
    report = watch.report()
    own = run.pop("self")
    report["publisher"].update(own, cpu_share=own["cpu_s"] / (run["seconds"] * (os.cpu_count() or 1)))
    report["everything else"]["cpu_s"] = round(report["everything else"]["cpu_s"] - own["cpu_s"], 1)
    mine = 0.0
    for name, figures in report.items():
        figures["cpu_us_per_record"] = round(figures["cpu_s"] / max(1, run["records"]) * 1e6, 1)
        if name not in ("everything else", "machine busy"):
            mine += figures["cpu_us_per_record"]
    # what the run's own processes cost, and the rate they would reach with every core to themselves
    run["cpu_us_per_record"] = round(mine, 1)
    run["rate_if_alone"] = round((os.cpu_count() or 1) * 1e6 / mine) if mine else None
    return report


def mqtt_phase(args: argparse.Namespace, settings: Settings, batches_file: Path, expected: dict[str, int],
               tmp: Path, latency: dict[str, Any] | None = None) -> dict[str, Any]:
    broker = Mosquitto(tmp / f"mq-{time.time_ns()}")
    broker.start()
    workers, worker_pids = start_workers(settings, broker.port, args.profile, args.flush_max_messages)
    server = start_server(settings) if latency is not None else None
    watch = ProcessWatch({"mosquitto": broker.pid, **{f"worker-{i}": p for i, p in enumerate(worker_pids)},
                          **({"server": server.proc.pid} if server and server.proc else {})},
                         database_name(settings))
    clients = None
    try:
        os.sync()
        time.sleep(2)
        publisher = [sys.executable, __file__, "--publisher", "mqtt", "--batches", str(batches_file),
                     "--port", str(broker.port), "--window", str(args.window)]
        proc = subprocess.Popen(publisher, stdout=subprocess.PIPE, text=True)
        watch.add("publisher", proc.pid)
        watch.start()
        if server is not None and latency is not None:
            clients = latency_clients(server.port, latency, args.latency_rate)
        out, _ = proc.communicate()
        if clients is not None:
            latencies = clients.stop()
        watch.stop()
        run = json.loads(out)
    finally:
        for w in workers:
            w.terminate()
        if server is not None:
            server.stop()
        broker.stop()
    per_worker = [n for w in workers for n in w.stopped_counts()]
    processes = publisher_figures(watch, run)
    result = {**run, "messages_per_worker": per_worker, "processes": processes,
              "check": count_check(settings, expected, args.day)}
    if clients is not None:
        result["latency"] = latencies
    if server is not None:  # what the server's own jobs said meanwhile (sweeps, warnings)
        result["server_log"] = [line.decode(errors="replace").strip() for line in server.log  # type: ignore[attr-defined]
                                if b"sweep" in line or b"WARNING" in line or b"ERROR" in line][-30:]
    return result


def http_phase(args: argparse.Namespace, settings: Settings, batches_file: Path, expected: dict[str, int],
               tokens_file: Path, servers: int) -> dict[str, Any]:
    procs = [start_server(settings) for _ in range(servers)]
    watch = ProcessWatch({f"server-{i}": s.proc.pid for i, s in enumerate(procs) if s.proc}, database_name(settings))
    try:
        os.sync()
        time.sleep(2)
        publisher = [sys.executable, __file__, "--publisher", "http", "--batches", str(batches_file),
                     "--ports", *[str(s.port) for s in procs], "--tokens", str(tokens_file),
                     "--connections", str(args.connections)]
        proc = subprocess.Popen(publisher, stdout=subprocess.PIPE, text=True)
        watch.add("publisher", proc.pid)
        watch.start()
        out, _ = proc.communicate()
        watch.stop()
        run = json.loads(out)
    finally:
        for s in procs:
            s.stop()
    processes = publisher_figures(watch, run)
    return {**run, "servers": servers, "processes": processes, "check": count_check(settings, expected, args.day)}


def run_phase(args: argparse.Namespace, phase: str, stations: list[str], day: datetime, batches_file: Path,
              expected: dict[str, int], tmp: Path, servers: int, report: dict[str, Any]) -> dict[str, Any]:
    """One phase on its database: a fresh one for ingest alone, a copy of the seed for the latency."""
    if phase == "latency":
        report["seed"] = seed(args, stations, day - timedelta(days=400))
        # the seed's days are long before the replayed day: every replayed record is new to it
        settings, latency = copy_database(args.pg_url, tmp)
        try:
            return mqtt_phase(args, settings, batches_file, expected, tmp, latency)
        finally:
            drop_database(args.pg_url, database_name(settings))
    settings = fresh_database(args.pg_url, tmp, f"{BENCH_DB}_ingest")
    tokens_file = register(settings, stations, tmp)
    if phase == "mqtt":
        return mqtt_phase(args, settings, batches_file, expected, tmp)
    return http_phase(args, settings, batches_file, expected, tokens_file, servers)


def summary(report: dict[str, Any]) -> str:
    lines = ["| phase | records | seconds | records/s overall | records/s middle 80 % | messages per worker | "
             "CPU µs a record (ours) | bound with the cores to ourselves | check |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name, r in report["phases"].items():
        c = r["check"]
        ok = "ok" if c["ok"] else "FAILED"
        lines.append(f"| {name} | {r['records']:,} | {r['seconds']:.1f} | {r['rate_overall']:,.0f} | "
                     f"{r['rate_middle']:,.0f} | {r.get('messages_per_worker', '')} | {r['cpu_us_per_record']} | "
                     f"{r['rate_if_alone']:,} | {ok}: {c['stored']:,} stored, "
                     f"{c['distinct']:,} distinct, {c['stations_wrong']} stations off |")
    lines += ["", "| phase | process | CPU s | share of the cores | CPU µs a record | RSS first tenth MB | "
              "last tenth MB | peak MB |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name, r in report["phases"].items():
        for proc, p in r["processes"].items():
            lines.append(f"| {name} | {proc} | {p['cpu_s']:.1f} | {p['cpu_share']:.0%} | {p['cpu_us_per_record']} | "
                         f"{p.get('rss_first_mb', '')} | "
                         f"{p.get('rss_last_mb', '')} | {p.get('peak_mb', '')} |")
    lat = report["phases"].get("latency", {}).get("latency")
    if lat:
        lines += ["", "| endpoint | calls | errors | p50 ms | p95 ms | p99 ms | max ms |", "| --- | --- | --- | --- | "
                  "--- | --- | --- |"]
        for ep, s in lat.items():
            lines.append(f"| {ep} | {s['calls']} | {s['errors']} | {s['p50_ms']} | {s['p95_ms']} | {s['p99_ms']} | "
                         f"{s['max_ms']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres", help="admin URL")
    parser.add_argument("--stations", type=int, default=1000)
    parser.add_argument("--records", type=int, default=2_500_000, help="the day's passages (default 1 000 × 2 500)")
    parser.add_argument("--batch", type=int, default=500, help="records a message or a request")
    parser.add_argument("--seed-records", type=int, default=10_000_000)
    parser.add_argument("--skip-seed", action="store_true", help="use the seeded database as it is")
    parser.add_argument("--reseed", action="store_true", help="drop the seeded database and seed again")
    parser.add_argument("--only", choices=["mqtt", "http", "latency"], action="append")
    parser.add_argument("--window", type=int, default=200, help="messages the publisher keeps without a result")
    parser.add_argument("--flush-max-messages", type=int, default=20,
                        help="the workers' ZHICHAO_MQTT_FLUSH_MAX_MESSAGES (20 of 500 records: 10 000 a flush)")
    parser.add_argument("--http-servers", type=int, nargs="+", default=[1, 2], help="serve processes to compare")
    parser.add_argument("--connections", type=int, default=4, help="HTTP client connections")
    parser.add_argument("--latency-rate", type=float, default=50.0, help="calls a second, each endpoint")
    parser.add_argument("--profile", type=Path, help="run the MQTT workers under cProfile, profiles into this folder")
    parser.add_argument("--json-out", type=Path, default=Path("province-result.json"))
    parser.add_argument("--publisher", choices=["mqtt", "http"], help=argparse.SUPPRESS)
    parser.add_argument("--batches", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--ports", type=int, nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--tokens", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.publisher:
        print(json.dumps(run_publisher(args, read_batches(args.batches))))
        return
    phases = args.only or ["mqtt", "http", "latency"]
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    stations = [f"P{i:04d}" for i in range(args.stations)]
    day = (datetime.now(UTC) - timedelta(days=2)).replace(hour=0, minute=0, second=0, microsecond=0)
    args.day = day
    report: dict[str, Any] = {"started": datetime.now(UTC).isoformat(timespec="seconds"), "args": {
        k: str(v) for k, v in vars(args).items() if v is not None}, "load_before": os.getloadavg(), "phases": {}}
    tmp = Path(tempfile.mkdtemp(prefix="province-"))
    try:
        batches_file = tmp / "day.bin"
        t0 = time.perf_counter()
        expected = province_day(stations, args.records, day, args.batch, 1, batches_file)
        report["generated"] = {"records": sum(expected.values()), "seconds": round(time.perf_counter() - t0, 1),
                               "bytes": batches_file.stat().st_size}
        print(f"day: {json.dumps(report['generated'])}", flush=True)
        for phase in phases:
            runs = [(f"http-{n}", n) for n in args.http_servers] if phase == "http" else [(phase, 0)]
            for name, servers in runs:
                report["phases"][name] = r = run_phase(args, phase, stations, day, batches_file, expected, tmp,
                                                       servers, report)
                print(f"{name}: {json.dumps(r)}", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        drop_database(args.pg_url, f"{BENCH_DB}_ingest")
    report["load_after"] = os.getloadavg()
    print(summary(report))
    args.json_out.write_text(json.dumps(report, indent=1, ensure_ascii=False))
    print(f"written to {args.json_out}")


if __name__ == "__main__":
    main()
