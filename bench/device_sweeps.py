"""What device health costs: the quality sweep over a day of the Shaoxing network, and ingest under a flood of
heartbeats.

sweep — one local day of simulated traffic on the 85 sites (about 220 000 records) is written through the
        ingest service; then, timed: the floor (streaming the same day's rows out of the database, as the
        sweep's query does, and nothing else), the first quality sweep (summaries, paired differences, every
        check, the stations' quality), a second sweep (nothing new: the steady state between arrivals), and
        the health sweep. The figure of merit is the first sweep ÷ the floor.
flood — ``zhichao serve`` in its own process; one client posts batches of 500 records, alone, then with a
        second client posting heartbeats for one station 100 times a second (a controller retrying in a
        loop), then as fast as it can (a stress figure: on two cores the flooding client and the server
        share the CPU); all but one every interval are refused with 429 before any token is checked.
        Alternating, ``--rounds`` times; the figures are ingest with each flood ÷ alone.

    python bench/device_sweeps.py --rounds 3 [--pg-url postgresql://postgres@127.0.0.1:5432/postgres] [--only flood]
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.servers import ServerProcess  # noqa: E402

import bench.ingest_http as base  # noqa: E402
from zhichao.adapters.db.engine import open_database  # noqa: E402
from zhichao.adapters.db.migrate import upgrade  # noqa: E402
from zhichao.bootstrap import build  # noqa: E402
from zhichao.config import Settings  # noqa: E402
from zhichao.demo import load_network  # noqa: E402
from zhichao.services.stations import add_station, import_network  # noqa: E402
from zhichao.simulation.feed import feed_direct  # noqa: E402
from zhichao.simulation.traffic import Traffic, load_sim_stations  # noqa: E402

DAY_START = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)  # local midnight starting 25 November


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _fresh(settings: Settings) -> None:
    db = open_database(settings)
    upgrade(db)
    db.dispose()


def sweep(settings: Settings) -> dict[str, Any]:
    _fresh(settings)
    clock = Clock(DAY_START)
    c = build(settings, clock=clock)
    network = load_network()
    import_network(c.stations, network, now=DAY_START)
    traffic = Traffic(load_sim_stations(network), random.Random(3), through_share=0.15)
    clock.now = DAY_START + timedelta(days=1)
    fed = feed_direct(c.ingest_store, c.ingest_policy, traffic.between(DAY_START, clock.now), clock)
    now = clock.now + timedelta(hours=3)
    base.settle()
    t0 = time.perf_counter()
    rows = sum(1 for _ in c.devices.ctx.repo.observations(DAY_START, DAY_START + timedelta(days=1)))
    floor = time.perf_counter() - t0
    t0 = time.perf_counter()
    first = c.devices.sweep_quality(now)
    first_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = c.devices.sweep_quality(now)
    again_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    c.devices.sweep_health(now)
    health_s = time.perf_counter() - t0
    c.close()
    return {"records": fed.accepted, "rows_read": rows, "floor_s": floor, "first_sweep_s": first_s,
            "station_days": first.days, "second_sweep_s": again_s, "second_days": again.days,
            "health_sweep_s": health_s, "ratio": first_s / floor}


def _flood(port: int, token: str, stop: threading.Event, counts: dict[int, int], per_s: float | None) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    pause = 1 / per_s if per_s else 0.0
    while not stop.wait(pause):
        body = json.dumps({"at": datetime.now(UTC).isoformat(), "status": {"camera": "ok"}})
        conn.request("POST", "/api/v1/stations/B00/heartbeat", body, headers)
        response = conn.getresponse()
        response.read()
        counts[response.status] = counts.get(response.status, 0) + 1


def ingest(settings: Settings, batches: list[Any], flood: float | None) -> dict[str, Any]:
    """Ingest rate with a heartbeat flood of ``flood`` requests a second (0: as fast as it can; None: none)."""
    _fresh(settings)
    c = build(settings)
    tokens = {f"B{i:02d}": add_station(c.stations, f"B{i:02d}", f"基准站{i}", 4, now=c.clock(), extra=base.DEVICE)
              for i in range(base.STATIONS)}
    c.close()
    server = ServerProcess(settings).start()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    stop, counts = threading.Event(), {}  # type: ignore[var-annotated]
    flooder = threading.Thread(target=_flood, args=(server.port, tokens["B00"], stop, counts, flood), daemon=True)
    base.settle()
    if flood is not None:
        flooder.start()
    accepted, t0 = 0, time.perf_counter()
    for station, payload, _ in batches:
        conn.request("POST", f"/api/v1/stations/{station}/records", payload,
                     {"Authorization": f"Bearer {tokens[station]}", "Content-Type": "application/json"})
        accepted += json.loads(conn.getresponse().read())["accepted"]
    elapsed = time.perf_counter() - t0
    stop.set()
    if flood is not None:
        flooder.join()
    server.stop()
    return {"rate": accepted / elapsed, "heartbeats": counts}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pg-url")
    parser.add_argument("--only", choices=["sweep", "flood"])
    args = parser.parse_args()
    backends = ["sqlite"] + (["postgresql"] if args.pg_url else [])
    batches = base.make_batches(args.records)
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            result = None
            if args.only != "flood":
                result = sweep(base.settings_for(backend, "sweep", Path(tmp), args.pg_url))
                print(backend, "sweep", json.dumps(result), flush=True)
            if args.only == "sweep":
                report[backend] = {"sweep": result}
                continue
            variants: dict[str, float | None] = {"alone": None, "flood100": 100.0, "floodmax": 0.0}
            rates: dict[str, list[float]] = {v: [] for v in variants}
            beats: dict[str, list[dict[int, int]]] = {v: [] for v in variants}
            for i in range(args.rounds):
                for variant, per_s in variants.items():
                    run = ingest(base.settings_for(backend, f"{variant}{i}", Path(tmp), args.pg_url), batches, per_s)
                    rates[variant].append(run["rate"])
                    beats[variant].append(run["heartbeats"])
            medians = {v: statistics.median(r) for v, r in rates.items()}
            report[backend] = {"sweep": result, "ingest": medians, "runs": rates, "heartbeats": beats,
                               "ratio_flood100": medians["flood100"] / medians["alone"],
                               "ratio_floodmax": medians["floodmax"] / medians["alone"]}
            print(backend, "flood", json.dumps({k: v for k, v in report[backend].items() if k != "sweep"}), flush=True)
    print(json.dumps(report, indent=1, default=str))


if __name__ == "__main__":
    main()
