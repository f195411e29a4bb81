"""PostgreSQL restarted under load, on a private cluster of the test's own (never the shared server): once
with ``pg_ctl restart -m fast``, once stopped with ``-m immediate`` (a crash) and started again.

Over HTTP, ``zhichao serve`` answers 503 ``database_unavailable`` with Retry-After while the database is
away, never a raw 500 and never a hang, and resumes by itself when it is back; a client that resends every
batch not answered 200 ends with every record stored once. Over MQTT, ``zhichao ingest-mqtt --workers 2``
acknowledges nothing whose transaction failed, reconnects, gets those messages again and stores every
PUBACKed record once (docs/mqtt.md, "Faults")."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import TEST_HASHING
from tests.e2e.mqtt_helpers import Publisher, WorkerProcess, stored, stored_ids, unique, wait_for
from tests.factories import body, light, station
from tests.servers import ServerProcess, free_port
from zhichao.adapters.db.engine import open_database
from zhichao.adapters.db.migrate import upgrade
from zhichao.adapters.db.tables import hourly_counts
from zhichao.adapters.mqtt import FlushPolicy
from zhichao.bootstrap import Container, build
from zhichao.config import Settings

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PER_BATCH = 50
SENDERS = 3


def _as_postgres(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["runuser", "-u", "postgres", "--", *command], check=True, capture_output=True,
                          text=True, timeout=60)


class Cluster:
    """A PostgreSQL cluster in a temporary directory owned by ``postgres``, on a free port."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="zhichao-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        shutil.chown(self.root, "postgres", "postgres")
        _as_postgres(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                     "--locale=C", "--no-sync")
        with (self.data / "postgresql.conf").open("a") as conf:
            # fsync off: a killed server (immediate) loses nothing the kernel already holds; only a machine
            # crash would, and the test makes none
            conf.write(f"port = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.data}'\n"
                       "fsync = off\nmax_connections = 60\n")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def pg_ctl(self, *args: str) -> None:
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"), "-w",
                     "-t", "30", *args)

    def log(self) -> str:
        path = self.root / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "-D", str(self.data),
                            "stop", "-m", "immediate"], capture_output=True, timeout=30)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """A migrated private cluster, stopped and removed at the end whatever happened."""
    if os.geteuid() != 0 or not (PG_BIN / "initdb").exists() or shutil.which("runuser") is None:
        pytest.skip("needs root, runuser and PostgreSQL 15's binaries to run a private cluster as `postgres`")
    pg = Cluster()
    try:
        pg.pg_ctl("start")
        db = open_database(Settings(database_url=pg.url))
        upgrade(db)
        db.dispose()
        yield pg
    finally:
        pg.remove()


def _settings(pg: Cluster, tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=pg.url, **TEST_HASHING)  # type: ignore[arg-type]


@dataclass
class Answer:
    status: int | None  # None: no HTTP answer (refused, reset, timed out)
    code: str = ""
    message: str = ""
    retry_after: str | None = None


@dataclass
class Stream:
    """Clients posting batches until ``finish`` is set; each batch is sent again until it is answered 200."""

    port: int
    station_id: str
    token: str
    finish: threading.Event = field(default_factory=threading.Event)
    answers: list[Answer] = field(default_factory=list)
    acked: list[tuple[str, str]] = field(default_factory=list)
    sent: list[tuple[str, str]] = field(default_factory=list)
    stuck: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def post(self, payload: bytes) -> Answer:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        try:
            conn.request("POST", f"/api/v1/stations/{self.station_id}/records", payload,
                         {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
            response = conn.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException):
            return Answer(None)
        finally:
            conn.close()
        if response.status == 200:
            return Answer(200)
        try:
            error = json.loads(raw)["error"]
        except (ValueError, KeyError, TypeError):
            return Answer(response.status, "", raw[:200].decode(errors="replace"))
        return Answer(response.status, error["code"], error["message"], response.getheader("Retry-After"))

    def send(self, sender: int) -> None:
        batch = 0
        while not self.finish.is_set():
            ids = [f"s{sender}-b{batch:04d}-{i:02d}" for i in range(PER_BATCH)]
            payload = body(*(light(rid, self.station_id, captured_at=f"2026-11-26T{8 + batch // 60 % 10:02d}:"
                                   f"{batch % 60:02d}:{i:02d}+08:00") for i, rid in enumerate(ids)))
            with self.lock:
                self.sent.extend((self.station_id, rid) for rid in ids)
            deadline = time.monotonic() + 40
            while True:
                answer = self.post(payload)
                with self.lock:
                    self.answers.append(answer)
                if answer.status == 200:
                    with self.lock:
                        self.acked.extend((self.station_id, rid) for rid in ids)
                    break
                if time.monotonic() > deadline:
                    self.stuck.append(ids[0])
                    return
                time.sleep(0.1)
            batch += 1

    def count(self, status: int | None) -> int:
        with self.lock:
            return sum(1 for a in self.answers if a.status == status)


def _get(port: int, path: str, cookie: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Cookie": cookie, "Accept": "text/html"})
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def _drain(server: ServerProcess, lines: list[str]) -> None:
    """Read the server's log as it comes: a pipe nobody reads would stop the server once full."""
    assert server.proc is not None and server.proc.stderr is not None
    for line in server.proc.stderr:
        lines.append(line.decode(errors="replace"))


def _trucks(c: Container, station_id: str) -> int:
    with c.db.reader.connect() as conn:
        return int(conn.execute(select(func.coalesce(func.sum(hourly_counts.c.trucks), 0))
                                .where(hourly_counts.c.station_id == station_id)).scalar_one())


def _grows(what: str, count: Callable[[], int], by: int, seconds: float = 20) -> None:
    start = count()
    wait_for(lambda: count() >= start + by, seconds, what)


@pytest.mark.slow
def test_http_ingest_answers_503_while_postgresql_restarts_and_stores_every_record_once(
        cluster: Cluster, tmp_path: Path) -> None:
    settings = _settings(cluster, tmp_path)
    c = build(settings)
    sid = unique("PG")
    token = station(c, sid)
    server = ServerProcess(settings).start()
    stream = Stream(server.port, sid, token)
    log: list[str] = []
    threading.Thread(target=_drain, args=(server, log), daemon=True).start()
    senders = [threading.Thread(target=stream.send, args=(i,)) for i in range(SENDERS)]
    try:
        for s in senders:
            s.start()
        acked = lambda: len(stream.acked)  # noqa: E731
        _grows("the stream under way", acked, 10 * PER_BATCH)
        cluster.pg_ctl("restart", "-m", "fast")  # connections cut, the server away for a moment
        _grows("batches stored after the fast restart", acked, 10 * PER_BATCH)
        cluster.pg_ctl("stop", "-m", "immediate")  # a crash: no checkpoint, recovery at the next start
        wait_for(lambda: stream.count(503) >= SENDERS, 15, "503 answers while the database is down")
        # a browser with a session cookie: a page and an unknown address get pages, not a server error
        pages = [_get(server.port, path, cookie="zhichao_session=expired-or-not") for path in
                 ("/", "/no-such-page")]
        cluster.pg_ctl("start")
        _grows("batches stored after the crash", acked, 10 * PER_BATCH)
        alive = server.proc is not None and server.proc.poll() is None
    finally:
        stream.finish.set()
        for s in senders:
            s.join(60)
        server.stop()
    assert not stream.stuck, f"batches never answered 200: {stream.stuck}"
    assert alive, "the server must stay up through the restarts"

    refused = [a for a in stream.answers if a.status != 200]
    assert refused, "the restarts must land while batches are being sent"
    assert {a.status for a in refused} == {503}, [(a.status, a.code, a.message) for a in refused[:5]]
    assert {a.code for a in refused} == {"database_unavailable"}
    assert all(a.retry_after and int(a.retry_after) > 0 for a in refused)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in a.message) for a in refused), "a Chinese message"
    assert any("database unavailable" in line for line in log)
    assert [status for status, _ in pages] == [503, 404]
    assert all("<html" in body.lower() for _, body in pages)

    ids = stored_ids(c, [sid])
    assert len(ids) == len(set(ids)), "a record stored twice"
    assert sorted(ids) == sorted(stream.acked) == sorted(stream.sent)
    assert _trucks(c, sid) == len(ids), "the counters must count each stored record exactly once"
    c.close()


@pytest.mark.slow
@pytest.mark.xdist_group("system-mqtt-broker")
def test_mqtt_workers_acknowledge_nothing_uncommitted_across_postgresql_restarts(
        cluster: Cluster, tmp_path: Path) -> None:
    settings = _settings(cluster, tmp_path)
    c = build(settings)
    stations = [unique("M") for _ in range(2)]
    for sid in stations:
        station(c, sid)
    workers = WorkerProcess(settings, 2, unique("t")).start()
    pub = Publisher()
    finish = threading.Event()

    def publish() -> None:
        m = 0
        while not finish.is_set():
            sid = stations[m % 2]
            ids = [f"m{m:05d}-{i}" for i in range(2)]
            pub.publish(sid, [light(i, sid) for i in ids], ids)
            m += 1
            time.sleep(0.01)

    def failures() -> int:
        return sum(1 for line in workers.lines if "flush failed" in line)

    sender = threading.Thread(target=publish)
    count = lambda: stored(c, stations)  # noqa: E731
    try:
        sender.start()
        _grows("the stream under way", count, 200)
        cluster.pg_ctl("restart", "-m", "fast")
        _grows("records stored after the fast restart", count, 200, 30)
        before, mark = failures(), len(workers.lines)
        cluster.pg_ctl("stop", "-m", "immediate")
        wait_for(lambda: failures() > before, 15, "a flush failing while the database is down")
        cluster.pg_ctl("start")
        _grows("records stored after the crash", count, 200, 30)
        finish.set()
        sender.join(10)
        wait_for(pub.all_acked, 30, "every PUBACK")
        acked = pub.acked_records()
        wait_for(lambda: count() >= len(acked), 40, "every acknowledged record stored")
        alive = workers.proc is not None and workers.proc.poll() is None and not workers.stopped_counts()
    finally:
        finish.set()
        sender.join(10)
        pub.close()
        workers.terminate()
    assert alive, "the workers must stay up through the restarts"
    assert len(workers.stopped_counts()) == 2, workers.lines[-20:]
    assert failures() > 0
    reconnected = [line for line in workers.lines if "session present: True" in line]
    assert reconnected, "a worker whose flush failed connects again to its own session"
    first_waits: dict[str, str] = {}
    for line in workers.lines[mark:]:
        if "flush failed" in line:
            worker = re.search(r"\[worker-(\d+)\]", line)
            assert worker, line
            first_waits.setdefault(worker[1], line.split("reconnecting in ")[1].strip())
    start = f"{FlushPolicy().backoff_start_s:.1f} s"
    assert first_waits and set(first_waits.values()) == {start}, "a new outage waits from the start again"

    sent = {r for ids in pub.sent.values() for r in ids}
    ids = stored_ids(c, stations)
    assert len(ids) == len(set(ids)), "a record stored twice"
    assert sorted(ids) == sorted(acked) == sorted(sent)
    c.close()
