"""The delay from a record's acknowledgement to its alert on an open browser page, under load.

``zhichao serve`` runs in its own process on the demo network (81 enforcement sites), with its alert
engine, as in production. Headless Chromium logs in and opens the alert stream (an ``EventSource`` on
``/api/v1/alerts/stream``, as the command-centre screen and the officers' phones do) and notes, in the
page, when each alert arrives. Meanwhile:

  load    — every station posts its simulated traffic once a second, at ``--rate`` records/s over the
            network (default 160/s: ten times a city's peak — a city sends about a million records a day,
            and its busiest hour carries 1.34× the mean, 15.5/s; the demo network's own peak is 3.4/s);
  probes  — every ``--every`` seconds one station posts a record of a watched plate (布控), a new plate
            each time; the client notes when the acknowledgement arrived.

Delay = the page's clock when the alert arrived − the client's clock when the acknowledgement arrived (the
same machine clock). It can be below zero: the engine is woken by the commit, before the answer is sent.
Reported: p50, p90, p99 and max over the probes, probes never seen, and the load actually carried.

    python bench/alert_latency.py --seconds 120 [--pg-url postgresql://postgres@127.0.0.1:5432/postgres]
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
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text  # noqa: E402
from tests.servers import ServerProcess  # noqa: E402

from zhichao.adapters.db.migrate import upgrade  # noqa: E402
from zhichao.bootstrap import build  # noqa: E402
from zhichao.config import Settings  # noqa: E402
from zhichao.services import alerts  # noqa: E402
from zhichao.services.auth import add_user  # noqa: E402
from zhichao.services.stations import import_network  # noqa: E402
from zhichao.simulation.traffic import Traffic, load_sim_stations  # noqa: E402

NETWORK = Path(__file__).resolve().parents[1] / "src" / "zhichao" / "data" / "shaoxing_stations.json"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PROBE_PLATES = 2000
LISTEN_JS = """() => { window.__seen = {}; window.__opened = false;
  const source = new EventSource('/api/v1/alerts/stream');
  source.onopen = () => { window.__opened = true; };
  source.addEventListener('alert', (e) => {
    const at = performance.timeOrigin + performance.now();
    const alert = JSON.parse(e.data);
    if (alert.rule === 'watchlist') window.__seen[alert.record_id] = at; }); }"""


def probe_plate(i: int) -> str:
    """A plate the simulator never makes (no pool of Hainan plates): the load can never raise its alert first,
    which would rightly keep the probe's from being raised again within the window."""
    return f"琼A{i:05d}"


def prepare(settings: Settings) -> tuple[dict[str, str], str]:
    c = build(settings)
    try:
        upgrade(c.db)
        now = datetime.now(UTC)
        tokens = import_network(c.stations, json.loads(NETWORK.read_text(encoding="utf-8")), now=now)
        user, password, _ = add_user(c.users, c.hasher, "centre", "leader", now=now, display_name="指挥中心")
        end = now.astimezone(c.alerts.tz).date() + timedelta(days=30)
        for i in range(PROBE_PLATES):
            alerts.add_watch(c.alerts, user, probe_plate(i), "基准测试布控", end, None, now, "bench")
        return tokens, password
    finally:
        c.close()


class Poster:
    def __init__(self, port: int, tokens: dict[str, str]) -> None:
        self.port, self.tokens = port, tokens
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def post(self, station: str, records: list[dict[str, Any]]) -> dict[str, Any]:
        body = json.dumps(records, ensure_ascii=False).encode()
        headers = {"Authorization": f"Bearer {self.tokens[station]}", "Content-Type": "application/json"}
        self.conn.request("POST", f"/api/v1/stations/{station}/records", body, headers)
        response = self.conn.getresponse()
        answer = json.loads(response.read())
        if response.status != 200:
            raise RuntimeError(f"{response.status}: {answer}")
        return dict(answer)


def stamped(template: dict[str, Any], record_id: str) -> dict[str, Any]:
    return {**template, "record_id": record_id, "captured_at": datetime.now(UTC).isoformat(), "images": []}


def station_plan(tokens: dict[str, str], rate: float) -> list[tuple[str, float, list[dict[str, Any]]]]:
    """Per station: records per second at ``rate`` for the network (each its share of the day's volume), and
    six hours of its simulated traffic to draw records from."""
    network = [s for s in load_sim_stations(json.loads(NETWORK.read_text(encoding="utf-8"))) if s.state == "enabled"]
    network = [s for s in network if s.station_id in tokens]
    start = datetime(2026, 11, 2, 1, tzinfo=UTC)
    templates: dict[str, list[dict[str, Any]]] = {s.station_id: [] for s in network}
    for rec in Traffic(network, random.Random(7), outage_share=0.0).between(start, start + timedelta(hours=6)):
        templates[str(rec["station_id"])].append(rec)
    total = sum(s.volume_per_day for s in network)
    return [(s.station_id, rate * s.volume_per_day / total, templates[s.station_id]) for s in network
            if templates[s.station_id]]


def load(port: int, tokens: dict[str, str], plan: list[tuple[str, float, list[dict[str, Any]]]],
         stop: threading.Event, carried: list[int], part: int) -> None:
    """Each station of ``plan`` posts what it weighed in the last second, once a second."""
    poster, owed, n = Poster(port, tokens), dict.fromkeys((s for s, _, _ in plan), 0.0), 0
    rng = random.Random(part)
    while not stop.wait(1.0 - (time.time() % 1.0)):
        for station, per_s, templates in plan:
            owed[station] += per_s
            count = int(owed[station])
            if count == 0:
                continue
            owed[station] -= count
            batch = []
            for _ in range(count):
                n += 1
                batch.append(stamped(rng.choice(templates), f"{station}-LOAD{part}-{n}"))
            carried[part] += poster.post(station, batch)["accepted"]


def probes(port: int, tokens: dict[str, str], every: float, stop: threading.Event,
           acked: dict[str, float]) -> None:
    poster, stations, i = Poster(port, tokens), sorted(tokens), 0
    template = {"lane": 1, "plate_color": "yellow", "speed_kmh": 60.0, "axle_count": 3,
                "axle_weights_kg": [6000, 9000, 9000], "gross_weight_kg": 24000}
    while not stop.wait(every) and i < PROBE_PLATES:
        station = stations[i * 7 % len(stations)]
        record_id = f"{station}-PROBE-{i}"
        record = {**template, "record_id": record_id, "station_id": station, "plate": probe_plate(i),
                  "captured_at": datetime.now(UTC).isoformat()}
        answer = poster.post(station, [record])
        acked[record_id] = time.time()
        assert answer["accepted"] == 1, answer
        i += 1


def run(settings: Settings, seconds: float, rate: float, every: float) -> dict[str, Any]:
    tokens, password = prepare(settings)
    plan = station_plan(tokens, rate)
    server = ServerProcess(settings).start()
    stop, acked, carried = threading.Event(), {}, [0, 0, 0]
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page()
            page.goto(f"{server.url}/login")
            page.fill("input[name=username]", "centre")
            page.fill("input[name=password]", password)
            page.click("button[type=submit]")
            page.wait_for_load_state()
            page.evaluate(LISTEN_JS)
            page.wait_for_function("window.__opened")
            threads = [threading.Thread(target=load, args=(server.port, tokens, plan[k::3], stop, carried, k))
                       for k in range(3)]
            threads.append(threading.Thread(target=probes, args=(server.port, tokens, every, stop, acked)))
            began = time.time()
            for t in threads:
                t.start()
            time.sleep(seconds)
            stop.set()
            for t in threads:
                t.join()
            elapsed = time.time() - began
            time.sleep(2.0)
            seen: dict[str, float] = page.evaluate("window.__seen")
            browser.close()
    finally:
        stop.set()
        server.stop()
    delays = sorted(seen[r] / 1000 - at for r, at in acked.items() if r in seen)
    q = statistics.quantiles(delays, n=100, method="inclusive") if len(delays) >= 2 else [float("nan")] * 99
    return {"probes": len(acked), "seen": len(delays), "missing": len(acked) - len(delays),
            "load_per_s": sum(carried) / elapsed, "p50_ms": q[49] * 1000, "p90_ms": q[89] * 1000,
            "p99_ms": q[98] * 1000, "max_ms": max(delays) * 1000 if delays else float("nan"),
            "min_ms": min(delays) * 1000 if delays else float("nan")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--rate", type=float, default=160.0, help="load in records per second")
    parser.add_argument("--every", type=float, default=0.25, help="seconds between two probes")
    parser.add_argument("--pg-url", help="also on this PostgreSQL server (a scratch database is made on it)")
    args = parser.parse_args()
    backends: list[tuple[str, Settings]] = []
    sqlite_dir = Path(tempfile.mkdtemp(prefix="zhichao-alerts-"))
    backends.append(("SQLite", Settings(data_dir=sqlite_dir, database_url=f"sqlite:///{sqlite_dir}/zhichao.db")))
    if args.pg_url:
        admin = create_engine(args.pg_url.replace("postgresql://", "postgresql+psycopg://"),
                              isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS bench_alerts"))
            conn.execute(text("CREATE DATABASE bench_alerts"))
        pg_dir = Path(tempfile.mkdtemp(prefix="zhichao-alerts-pg-"))
        backends.append(("PostgreSQL", Settings(data_dir=pg_dir,
                                                database_url=args.pg_url.rsplit("/", 1)[0] + "/bench_alerts")))
    print(f"rate {args.rate:.0f}/s, a probe every {args.every} s, {args.seconds:.0f} s per backend "
          f"({date.today().isoformat()})")
    for name, settings in backends:
        result = run(settings, args.seconds, args.rate, args.every)
        print(f"{name:<10} probes {result['probes']:>4} seen {result['seen']:>4} missing {result['missing']:>2}  "
              f"load {result['load_per_s']:6.1f}/s  delay ms p50 {result['p50_ms']:6.1f} p90 {result['p90_ms']:6.1f} "
              f"p99 {result['p99_ms']:6.1f} max {result['max_ms']:6.1f} min {result['min_ms']:5.1f}", flush=True)


if __name__ == "__main__":
    main()
