"""The partner check API (``GET /api/v1/check/{plate}``) under load, at 10 million records and a million vehicles.

Goal (issue: joint punishment): p99 ≤ 5 ms a call at 200 calls a second, on SQLite and on PostgreSQL.

Method
  seed    — once, cached between runs (``--reseed`` starts again): a SQLite file under
            ``/tmp/zhichao-bench/`` and a PostgreSQL database ``bench_check``, both built by the project's
            migrations, then filled in SQL: 10 M ``records`` over a year (one every 200 is an actionable
            overload that became a case and carries four evidence references; every verdict column comes from
            the real ``judge`` through a small template table), a ``vehicles`` registry of 1 M plates, 50 000
            ``cases`` on 40 000 plates (60 % still unresolved), 1 700 vehicle ``sanctions`` (1 000 listed today,
            200 whose two years ran out, others proposed, rejected or lifted). ``plate_checks`` and
            ``case_links`` are then written by the real code (``adapters/db/plate_checks.rebuild``: what an
            upgrade or a restore runs), and both databases are analysed.
  serve   — ``zhichao serve`` in its own process on a free port, against the seeded database; a partner
            account is made with ``zhichao user add … --role partner --rate 1000 --json``.
  load    — an open-loop generator: call i is due at t0 + i / rate, whatever happened to the calls before it,
            over eight keep-alive HTTP/1.1 connections (a thread each, raw sockets; a scheduler thread hands
            due calls to idle connections). Latency runs from the call's scheduled time to the last byte of
            its answer, so a stalled server is charged for every call that waited (no coordinated omission).
            Each phase runs ``--warmup`` seconds (discarded) and then ``--seconds`` measured seconds. The load
            starts ``--settle`` seconds after the server: the serving process runs its sanction sweep 30 s after
            start (then hourly) and writes the partners' lists 120 s after start (then daily), each holding the
            interpreter for a second or two; ``--parts`` times them on their own rather than mixing them in. Every phase
            reports the CPU that everything else on the machine used meanwhile; ``--wait-quiet S`` waits (up to S
            seconds) before each phase until the others are idle, for shared machines.
            Plates: 80 % registered vehicles with nothing against them, 15 % with unresolved cases, 5 % listed
            today; 40 % are sent in another form (colour prefix 黄浙D…, full-width ＤＡ１２, lower case,
            separators) and must get the same answer. Every answer must be 200 and right: plate, number of
            unresolved cases, blacklisted and refuse_entry are compared with what the cases and sanctions
            tables say (not with plate_checks, which is what is being tested).
  floor   — the same generator at the same rate against ``GET /healthz`` (no token, no database; a sync route
            like the check, so the same thread-pool hop) in the same run. The figure of merit is the check's
            p99 and its ratio to the floor's p99; the server's CPU time per call (from /proc) is reported too.
  parts   — ``--parts``: the check's pieces timed in this process against the same database (token look-up,
            plate normalisation, the row read, the answer, FastAPI's JSON rendering, the call log's flush),
            beside driver-level reference points (one round trip; the same row read on a held connection).
  servers — ``--servers serve pool40 lean``: ``zhichao serve``; the same with ``ZHICHAO_DB_POOL_SIZE=40`` (as many
            PostgreSQL connections as the thread pool has threads); ``bench/serve_check_lean.py``, a bench-only
            launcher with the proposed reads (token remembered for 5 s; the row read at driver level).

    python bench/check_api.py --pg-url postgresql://postgres@127.0.0.1:5432/postgres [--rates 200 400]
                              [--seconds 30] [--warmup 5] [--rounds 1] [--parts] [--servers serve pool40 lean]
                              [--only sqlite|postgresql] [--reseed] [--json-out F]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import queue
import random
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import delete, func, select  # noqa: E402
from tests.servers import ServerProcess, settings_env  # noqa: E402

from zhichao.adapters.db import plate_checks  # noqa: E402
from zhichao.adapters.db.engine import open_database  # noqa: E402
from zhichao.adapters.db.migrate import upgrade  # noqa: E402
from zhichao.adapters.db.tables import cases, partner_calls, sanctions, users  # noqa: E402
from zhichao.config import Settings  # noqa: E402
from zhichao.domain.cases import FINAL_STATES  # noqa: E402
from zhichao.domain.judge import judge  # noqa: E402
from zhichao.domain.rulesets import get_rule_set  # noqa: E402
from zhichao.domain.sanctions import BASIS, VEHICLE, listed_until, year_back  # noqa: E402
from zhichao.domain.vehicles import Vehicle, parse_axle_groups  # noqa: E402

CACHE = Path("/tmp/zhichao-bench")
SEED_RECIPE = 1  # bump when the seed changes, so cached databases are rebuilt
BEIJING = ZoneInfo("Asia/Shanghai")

# ---------------------------------------------------------------------------------------------- plates
# Vehicle v has the plate PREFIXES[v % 20] + a 5-character serial of a scrambled v (no I, no O): well formed,
# unique, and computable both here and in SQL. About a third are Shaoxing plates (浙D).
PREFIXES = ("浙D",) * 6 + ("浙A", "浙B", "浙C", "浙F", "浙G", "浙H", "苏E", "皖K", "沪A", "赣H", "湘D", "晋K",
                          "豫A", "鲁B")
ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
SERIALS = len(ALPHABET) ** 5
SCRAMBLE = 7919  # prime, so v → v * 7919 mod 34⁵ is one to one
RECORD_STEP = 104729  # prime: record r belongs to vehicle r * 104729 mod vehicles (each vehicle ~10 records)
CASE_EVERY = 200  # record r with r % 200 == 0 is the case (r / 200 − 1)'s record
CASE_SPREAD = 23  # case k is on vehicle (k mod case plates) * 23 + 7


def plate_of(v: int) -> str:
    n = v * SCRAMBLE % SERIALS
    return PREFIXES[v % len(PREFIXES)] + "".join(ALPHABET[n // 34 ** p % 34] for p in (4, 3, 2, 1, 0))


def plate_sql(v: str, n: str) -> str:
    """The SQL twin of ``plate_of``: ``v`` the vehicle number, ``n`` its scrambled serial (v * 7919 mod 34⁵)."""
    prefixes = "".join(PREFIXES)
    chars = " || ".join(f"substr('{ALPHABET}', CAST({n} / {34 ** p} % 34 + 1 AS INTEGER), 1)" for p in (4, 3, 2, 1, 0))
    return f"substr('{prefixes}', CAST(({v} % {len(PREFIXES)}) * 2 + 1 AS INTEGER), 2) || {chars}"


@dataclass(frozen=True)
class Scale:
    records: int = 10_000_000
    vehicles: int = 1_000_000
    case_plates: int = 40_000

    @property
    def cases(self) -> int:
        return self.records // CASE_EVERY

    @property
    def two_case_plates(self) -> int:  # plates k < this carry cases k and k + case_plates
        return self.cases - self.case_plates

    def case_vehicle(self, k: int) -> int:
        return (k % self.case_plates) * CASE_SPREAD + 7

    @property
    def tag(self) -> str:
        return "" if self == Scale() else f"_{self.records}"


# ---------------------------------------------------------------------------------------------- seeding
# (axles, groups, type, drive axle, spacings mm, length, width, height): the five usual layouts
LAYOUTS = (
    (2, "1+1", "rigid_truck", "single", [4500], 8300, 2450, 3300),
    (3, "1+2", "rigid_truck", "tandem", [4300, 1350], 10800, 2430, 3500),
    (4, "2+2", "rigid_truck", "tandem", [1800, 3200, 1330], 10300, 2480, 3000),
    (5, "1+2+2", "articulated_train", "tandem", [3200, 1370, 7000, 1310], 16200, 2420, 3200),
    (6, "1+2+3", "articulated_train", "tandem", [3270, 1385, 6460, 1340, 1320], 17100, 2540, 3400),
)
# Gross as a percentage of the limit: ordinary passages (92 within the limit, 7 overloaded within the
# no-penalty band, 1 actionable that never became a case) and the cases' passages (21–80 % over).
ORDINARY_PCT = [55 + i * 45 // 91 for i in range(92)] + [102, 104, 106, 109, 112, 115, 118, 125]
CASE_PCT = list(range(121, 181))
OPEN = ["valid", "notified", "reported", "report_overdue", "pre_decision", "statement", "legal_review",
        "legal_approved", "decided", "paid", "late_fee", "reminded"]
FINAL = ["closed", "closed", "closed", "closed", "transferred", "no_penalty", "withdrawn", "referred_police"]
STATES = OPEN + FINAL  # case k is in STATES[(k + 3 * (k // case plates)) % 20]: 60 % unresolved
assert not set(OPEN) & FINAL_STATES and set(FINAL) <= FINAL_STATES


def templates(rule_set: str) -> list[tuple[Any, ...]]:
    """The verdict of every (layout, gross) the seed uses, from the real judge: row id = layout * 1000 + j."""
    rules = get_rule_set(rule_set)
    rows = []
    for a, (axles, groups, kind, drive, spacings, length, width, height) in enumerate(LAYOUTS):
        shape = (parse_axle_groups(groups), kind, drive, length, width, height)
        limit = judge(Vehicle(axles, 1000, *shape), rules).limit_kg
        for base, pcts in ((0, ORDINARY_PCT), (500, CASE_PCT)):
            for j, pct in enumerate(pcts):
                gross = round(limit * pct / 100, -1)
                each = gross // axles // 10 * 10
                weights = [each] * (axles - 1) + [gross - each * (axles - 1)]
                v = judge(Vehicle(axles, gross, *shape), rules)
                assert v.actionable == (base == 500 or pct > 120), (pct, v)
                rows.append((a * 1000 + base + j, axles, groups, kind, drive, json.dumps(weights),
                             json.dumps(spacings), gross, length, width, height, v.rule_set, v.limit_kg,
                             v.limit_basis, v.limit_inferred, v.overload_kg, v.overload_rate_x100, v.overloaded,
                             v.actionable, v.fine_yuan, v.warning_only, v.legal_basis, v.band))
    return rows


TEMPLATE_DDL = """CREATE TEMP TABLE bench_tpl (id INTEGER PRIMARY KEY, axle_count INTEGER, axle_groups TEXT,
  vehicle_type TEXT, drive_axle TEXT, axle_weights TEXT, axle_spacings TEXT, gross INTEGER, length_mm INTEGER,
  width_mm INTEGER, height_mm INTEGER, rule_set TEXT, limit_kg INTEGER, limit_basis TEXT, limit_inferred BOOLEAN,
  overload_kg INTEGER, overload_rate_x100 INTEGER, overloaded BOOLEAN, actionable BOOLEAN, fine_yuan INTEGER,
  warning_only BOOLEAN, legal_basis TEXT, band INTEGER)"""


class Dialect:
    """The few SQL pieces that differ between SQLite and PostgreSQL."""

    def __init__(self, name: str) -> None:
        self.pg = name == "postgresql"
        self.param = "%s" if self.pg else "?"
        self.false = "false" if self.pg else "0"

    def series(self, lo: int, hi: int) -> str:  # a FROM item with one column, r
        if self.pg:
            return f"generate_series({lo}::bigint, {hi}::bigint) AS g(r)"
        return (f"(WITH RECURSIVE s(r) AS (SELECT {lo} UNION ALL SELECT r + 1 FROM s WHERE r < {hi}) "
                "SELECT r FROM s) AS g")

    def at(self, secs: str, micros: str = "0") -> str:  # a UTC instant in each driver's storage form
        if self.pg:
            return f"to_timestamp({secs} + ({micros}) / 1000000.0)"
        return f"strftime('%Y-%m-%d %H:%M:%S', {secs}, 'unixepoch') || '.' || printf('%06d', {micros})"

    def pad(self, expr: str, width: int) -> str:
        return f"lpad(({expr})::text, {width}, '0')" if self.pg else f"printf('%0{width}d', {expr})"

    def json(self, expr: str) -> str:
        return f"({expr})::json" if self.pg else expr

    def plus_days(self, col: str, days: int) -> str:
        if self.pg:
            return f"{col} + interval '{days} days'"
        return f"datetime(substr({col}, 1, 19), '+{days} days') || substr({col}, 20)"

    def images(self, r: str) -> str:  # four evidence references, as the stations send them
        kinds = ("plate", "front", "side", "rear")
        if self.pg:
            items = [f"json_build_object('kind', '{k}', 'sha256', md5(({r} * 4 + {i})::text) || md5(({r} * 4 + {i})"
                     f"::text || 'x'), 'content_type', 'image/jpeg')" for i, k in enumerate(kinds)]
            return f"json_build_array({', '.join(items)})"
        items = [f"json_object('kind', '{k}', 'sha256', lower(hex(randomblob(32))), 'content_type', 'image/jpeg')"
                 for k in kinds]
        return f"json_array({', '.join(items)})"


RECORD_COLUMNS = (
    "id, station_id, record_id, lane, captured_at, received_at, plate, plate_raw, plate_color, plate_confidence, "
    "speed_kmh, axle_count, axle_weights_kg, gross_weight_kg, axle_groups, vehicle_type, drive_axle, "
    "axle_spacings_mm, length_mm, width_mm, height_mm, direction, images, rule_set, limit_kg, limit_basis, "
    "limit_inferred, overload_kg, overload_rate_x100, overloaded, actionable, fine_yuan, warning_only, legal_basis, "
    "band")


def records_sql(d: Dialect, s: Scale, lo: int, hi: int, start_s: int) -> str:
    """Records lo..hi over a year from ``start_s``: 85 stations, time order; ``bench_tpl`` gives the verdicts."""
    span_s = 365 * 86400
    vehicle = (f"CASE WHEN r % {CASE_EVERY} = 0 THEN ((r / {CASE_EVERY} - 1) % {s.case_plates}) * {CASE_SPREAD} + 7 "
               f"ELSE r * {RECORD_STEP} % {s.vehicles} END")
    layout = f"CASE WHEN r % {CASE_EVERY} = 0 THEN 500 + r % {len(CASE_PCT)} ELSE r * 31 % {len(ORDINARY_PCT)} END"
    numbered = (f"SELECT r, v, v * {SCRAMBLE} % {SERIALS} AS n, r % {CASE_EVERY} = 0 AS is_case, "
                f"{start_s} + r * {span_s} / {s.records} AS secs, r * 7777 % 1000000 AS micros, "
                f"(v % {len(LAYOUTS)}) * 1000 + {layout} AS tpl, 'S' || {d.pad('r % 85', 2)} AS station "
                f"FROM (SELECT r, {vehicle} AS v FROM {d.series(lo, hi)}) AS s0")
    return (
        f"INSERT INTO records ({RECORD_COLUMNS}) SELECT g.r, g.station, g.station || '-' || {d.pad('g.r', 9)}, "
        f"1 + g.r / 85 % 3, {d.at('g.secs', 'g.micros')}, {d.at('g.secs + 2', 'g.micros')}, g.plate, g.plate, "
        f"'yellow', 0.80 + (g.r % 20) / 100.0, 20 + g.r % 60 + (g.r % 10) / 10.0, t.axle_count, "
        f"{d.json('t.axle_weights')}, t.gross, t.axle_groups, t.vehicle_type, t.drive_axle, "
        f"{d.json('t.axle_spacings')}, t.length_mm, t.width_mm, t.height_mm, "
        f"CASE WHEN g.r % 2 = 0 THEN '上行' ELSE '下行' END, CASE WHEN g.is_case THEN {d.images('g.r')} END, "
        f"t.rule_set, t.limit_kg, t.limit_basis, t.limit_inferred, t.overload_kg, t.overload_rate_x100, "
        f"t.overloaded, t.actionable, t.fine_yuan, t.warning_only, t.legal_basis, t.band "
        f"FROM (SELECT *, {plate_sql('v', 'n')} AS plate FROM ({numbered}) AS s1) AS g "
        f"JOIN bench_tpl AS t ON t.id = g.tpl")


def vehicles_sql(d: Dialect, s: Scale, now_s: int) -> str:
    return (
        "INSERT INTO vehicles (plate, vehicle_type, axle_count, owner_name, owner_id, transport_cert, "
        "enterprise_code, engineering, updated_at) "
        f"SELECT {plate_sql('g.v', 'g.n')}, t.vehicle_type, t.axle_count, '绍兴车主' || g.v, "
        f"'330602' || {d.pad('g.v', 12)}, '浙交运管许可绍字' || {d.pad('g.v', 9)}, "
        f"CASE WHEN g.v % 4 = 0 THEN NULL ELSE '91330600' || {d.pad('g.v / 40', 10)} END, g.v % 50 = 0, "
        f"{d.at(str(now_s))} "
        f"FROM (SELECT r - 1 AS v, (r - 1) * {SCRAMBLE} % {SERIALS} AS n FROM {d.series(1, s.vehicles)}) AS g "
        f"JOIN bench_tpl AS t ON t.id = (g.v % {len(LAYOUTS)}) * 1000")


def cases_sql(d: Dialect, s: Scale) -> str:
    state = " ".join(f"WHEN {i} THEN '{st}'" for i, st in enumerate(STATES))
    return (
        "INSERT INTO cases (id, station_id, record_id, plate, captured_at, state, fine_yuan, opened_at, opened_on, "
        "opened_by, version, major, paid_yuan, late_fee_yuan) "
        f"SELECT g.r + 1, rec.station_id, rec.record_id, rec.plate, rec.captured_at, "
        f"CASE (g.r + 3 * (g.r / {s.case_plates})) % {len(STATES)} {state} END, rec.fine_yuan, "
        f"{d.plus_days('rec.captured_at', 5)}, '2026-11-01', 1, 0, {d.false}, 0, 0 "  # the check reads no opening day
        f"FROM {d.series(0, s.cases - 1)} JOIN records AS rec ON rec.id = (g.r + 1) * {CASE_EVERY}")


def sanction_rows(s: Scale, seed_day: date) -> list[dict[str, Any]]:
    """Vehicle sanctions on plates with two cases: listed today, listed and run out, proposed, lifted, rejected."""
    rows: list[dict[str, Any]] = []

    def add(k: int, state: str, confirmed: date | None = None, lifted: date | None = None) -> None:
        judged = (confirmed or seed_day - timedelta(days=2)) - timedelta(days=3)
        decided = state != "proposed"
        rows.append({
            "party_kind": VEHICLE, "party_key": plate_of(s.case_vehicle(k)), "rule": "art66_vehicle",
            "basis": BASIS[VEHICLE], "judged_on": judged, "window_from": year_back(judged), "count": 4,
            "threshold": 3.0, "fleet": None, "case_ids": [k + 1, k + 1 + s.case_plates], "state": state,
            "proposed_at": datetime(judged.year, judged.month, judged.day, 2, tzinfo=UTC),
            "decided_at": datetime(judged.year, judged.month, judged.day, 9, tzinfo=UTC) if decided else None,
            "decided_by": 1 if decided else None, "note": "不予采纳：核查有误" if state == "rejected" else None,
            "confirmed_on": confirmed, "listed_until": listed_until(confirmed) if confirmed else None,
            "lifted_on": lifted, "lifted_by": 1 if lifted else None, "lift_reason": "复议撤销" if lifted else None})

    two = s.two_case_plates
    for i, k in enumerate(range(0, two, 10)):
        add(k, "confirmed", seed_day - timedelta(days=10 + i % 600))
    for i, k in enumerate(range(5, two // 5, 10)):
        add(k, "confirmed", seed_day - timedelta(days=800 + i % 100))  # two years over: off the list
    for k in range(3, 3 * two // 10, 10):
        add(k, "proposed")
    for k in range(7, two // 10, 10):
        add(k, "lifted", seed_day - timedelta(days=200), lifted=seed_day - timedelta(days=30))
    for k in range(9, two // 10, 10):
        add(k, "rejected")
    return rows


class Timer:
    def __init__(self) -> None:
        self.steps: dict[str, float] = {}

    def step(self, name: str, started: float) -> None:
        self.steps[name] = round(time.perf_counter() - started, 1)
        print(f"  {name}: {self.steps[name]} s", flush=True)


def _bulk_sqlite(settings: Settings, s: Scale, timer: Timer, seed_day: date) -> None:
    d = Dialect("sqlite")
    conn = sqlite3.connect(settings.data_dir / "zhichao.sqlite3", isolation_level=None)
    # Seeding only: no journal, no fsync, a large cache. The server later runs with its own settings (WAL, FULL).
    for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-2000000", "temp_store=MEMORY"):
        conn.execute(f"PRAGMA {pragma}")
    _bulk(conn, d, s, timer, seed_day)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()


def _bulk_pg(url: str, s: Scale, timer: Timer, seed_day: date) -> None:
    import psycopg

    with psycopg.connect(url) as conn:
        conn.execute("SET synchronous_commit = off")  # this session only; the server keeps its own settings
        conn.execute("SET maintenance_work_mem = '1GB'")
        conn.commit()
        _bulk(conn, Dialect("postgresql"), s, timer, seed_day)


def _bulk(conn: Any, d: Dialect, s: Scale, timer: Timer, seed_day: date) -> None:
    """Records, vehicles and cases in SQL. The records' two plain indexes are dropped during the load and
    created again from their own definitions (sorting once beats 10 M random inserts); the unique key stays."""
    def tx(*statements: str) -> None:
        if not d.pg:
            conn.execute("BEGIN")
        for sql in statements:
            conn.execute(sql)
        if d.pg:
            conn.commit()
        else:
            conn.execute("COMMIT")

    tx(TEMPLATE_DDL)
    conn.cursor().executemany(f"INSERT INTO bench_tpl VALUES ({', '.join([d.param] * 23)})",
                              templates(Settings().rule_set))
    if d.pg:
        conn.commit()
        indexes = conn.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'records' "
                               "AND indexname LIKE 'ix\\_%'").fetchall()
    else:
        indexes = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'records' "
                               "AND name LIKE 'ix\\_%' ESCAPE '\\'").fetchall()
    tx(*(f"DROP INDEX {name}" for name, _ in indexes))
    start_s = int(datetime(seed_day.year, seed_day.month, seed_day.day, tzinfo=UTC).timestamp()) - 375 * 86400
    t0 = time.perf_counter()
    chunk = 1_000_000
    for lo in range(1, s.records + 1, chunk):
        hi = min(lo + chunk - 1, s.records)
        tx(records_sql(d, s, lo, hi, start_s))
        print(f"    records {hi:,} ({time.perf_counter() - t0:.0f} s)", flush=True)
    timer.step("records", t0)
    t0 = time.perf_counter()
    tx(*(ddl for _, ddl in indexes))
    timer.step("records indexes (" + ", ".join(n for n, _ in indexes) + ")", t0)
    for name, sql in (("vehicles", vehicles_sql(d, s, start_s + 375 * 86400)), ("cases", cases_sql(d, s))):
        t0 = time.perf_counter()
        tx(sql)
        timer.step(name, t0)


def analyse(backend: str, settings: Settings) -> None:
    """Statistics for the planners, on the drivers directly (VACUUM must run outside a transaction)."""
    if backend == "sqlite":
        conn = sqlite3.connect(settings.data_dir / "zhichao.sqlite3", isolation_level=None)
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        return
    import psycopg

    with psycopg.connect(_driver_url(settings), autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")  # also spares the load an autovacuum of 10 M new rows


def seed(backend: str, settings: Settings, s: Scale, admin_url: str | None) -> dict[str, Any]:
    timer, seed_day = Timer(), datetime.now(UTC).date()
    print(f"seeding {backend} ({s.records:,} records, {s.vehicles:,} vehicles)", flush=True)
    t0 = time.perf_counter()
    if backend == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            (settings.data_dir / f"zhichao.sqlite3{suffix}").unlink(missing_ok=True)
    else:
        import psycopg

        assert admin_url is not None
        name = settings.database_url.rsplit("/", 1)[1]
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name}")
    db = open_database(settings)
    upgrade(db)
    db.dispose()
    timer.step("schema (migrations)", t0)
    if backend == "sqlite":
        _bulk_sqlite(settings, s, timer, seed_day)
    else:
        _bulk_pg(_driver_url(settings), s, timer, seed_day)
    db = open_database(settings)
    t0 = time.perf_counter()
    rows = sanction_rows(s, seed_day)
    with db.writer.begin() as conn:
        conn.execute(sanctions.insert(), rows)
    timer.step(f"sanctions ({len(rows)})", t0)
    t0 = time.perf_counter()
    with db.writer.begin() as conn:
        plates = plate_checks.rebuild(conn)
    timer.step(f"plate_checks + case_links by plate_checks.rebuild ({plates:,} plates)", t0)
    db.dispose()
    t0 = time.perf_counter()
    analyse(backend, settings)
    timer.step("ANALYZE" if backend == "sqlite" else "VACUUM (ANALYZE)", t0)
    os.sync()
    return {"recipe": SEED_RECIPE, "scale": [s.records, s.vehicles, s.case_plates], "seeded_on": seed_day.isoformat(),
            "seconds": timer.steps, "total_s": round(sum(timer.steps.values()), 1)}


def _driver_url(settings: Settings) -> str:
    return settings.database_url.replace("postgresql+psycopg://", "postgresql://")


def disk_bytes(backend: str, settings: Settings) -> int:
    if backend == "sqlite":
        return sum(p.stat().st_size for p in settings.data_dir.glob("zhichao.sqlite3*"))
    import psycopg

    with psycopg.connect(_driver_url(settings)) as conn:
        return int(conn.execute("SELECT pg_database_size(current_database())").fetchone()[0])  # type: ignore[index]


def seeded(settings: Settings, s: Scale, meta: dict[str, Any] | None) -> bool:
    """The cached database is complete: its marker matches this recipe and scale, and its rows are there."""
    if not meta or meta.get("recipe") != SEED_RECIPE or meta.get("scale") != [s.records, s.vehicles, s.case_plates]:
        return False
    try:
        db = open_database(settings)
        with db.reader.connect() as conn:
            top = conn.exec_driver_sql("SELECT max(id) FROM records").scalar()
            checks = conn.exec_driver_sql("SELECT count(*) FROM plate_checks").scalar()
        db.dispose()
    except Exception:  # noqa: BLE001 — a missing or broken database is simply not seeded
        return False
    return top == s.records and bool(checks)


# ---------------------------------------------------------------------------------------------- what to ask
@dataclass
class Sample:
    """The plates to ask about and what the answer must say, from the cases and sanctions tables."""

    clear: list[str]
    unresolved: dict[str, int]  # plate → unresolved cases (not listed)
    listed: dict[str, int]  # plate → unresolved cases (listed today)


def sample_of(settings: Settings, s: Scale) -> Sample:
    today = datetime.now(BEIJING).date()
    db = open_database(settings)
    with db.reader.connect() as conn:
        open_counts = {p: int(n) for p, n in conn.execute(
            select(cases.c.plate, func.count()).where(cases.c.state.not_in(sorted(FINAL_STATES)))
            .group_by(cases.c.plate))}
        listed = {p for (p,) in conn.execute(
            select(sanctions.c.party_key).where(sanctions.c.party_kind == VEHICLE, sanctions.c.state == "confirmed",
                   sanctions.c.confirmed_on <= today, sanctions.c.listed_until >= today))}
    db.dispose()
    rng = random.Random(7)
    clear: list[str] = []
    while len(clear) < 20_000:
        plate = plate_of(rng.randrange(s.vehicles))
        if plate not in open_counts and plate not in listed:
            clear.append(plate)
    return Sample(clear, {p: n for p, n in open_counts.items() if p not in listed},
                  {p: open_counts.get(p, 0) for p in listed})


FULL_WIDTH = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in ALPHABET})


def written_as(plate: str, rng: random.Random) -> str:
    """The plate as a partner's system might send it: 60 % as stored, the rest in another form."""
    x = rng.random()
    if x < 0.6:
        return plate
    if x < 0.7:
        return rng.choice(("黄", "黄牌", "黄色")) + plate
    if x < 0.8:
        return plate.translate(FULL_WIDTH)
    if x < 0.9:
        return plate.lower()
    return plate[:2] + rng.choice((" ", "·", "-")) + plate[2:]


def check_calls(sample: Sample, n: int, token: str, seed: int) -> tuple[list[bytes], list[tuple[str, int, bool]]]:
    """n requests and, for each, (plate, unresolved cases, blacklisted): 80 % clear, 15 % unresolved, 5 % listed."""
    rng = random.Random(seed)
    unresolved, listed = sorted(sample.unresolved), sorted(sample.listed)
    requests, expected = [], []
    for _ in range(n):
        x = rng.random()
        if x < 0.80:
            plate, count, black = rng.choice(sample.clear), 0, False
        elif x < 0.95:
            plate = rng.choice(unresolved)
            count, black = sample.unresolved[plate], False
        else:
            plate = rng.choice(listed)
            count, black = sample.listed[plate], True
        path = "/api/v1/check/" + quote(written_as(plate, rng), safe="")
        requests.append(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
        expected.append((plate, count, black))
    return requests, expected


# ---------------------------------------------------------------------------------------------- load
def _read_response(sock: socket.socket, buf: bytearray) -> tuple[int, bytes]:
    while (end := buf.find(b"\r\n\r\n")) < 0:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        buf += chunk
    head = bytes(buf[:end]).lower()
    at = head.find(b"content-length:")
    stop = head.find(b"\r\n", at)
    length = int(head[at + 15:stop if stop > 0 else None])
    need = end + 4 + length
    while len(buf) < need:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        buf += chunk
    body = bytes(buf[end + 4:need])
    del buf[:need]
    return int(head[9:12]), body


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def busy_s() -> float:
    """CPU seconds the whole machine spent busy (all cores; /proc/stat: everything but idle and iowait)."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_s() -> float:
    """CPU seconds of the PostgreSQL server: its live processes, plus the backends that exited (the postmaster
    reaps them, so their time lands in its cutime and cstime). On a quiet machine, the bench's database alone."""
    total = 0.0
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if (proc / "comm").read_text().strip() != "postgres":
                continue
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            own = int(fields[11]) + int(fields[12])
            reaped = int(fields[13]) + int(fields[14]) if (proc / "cmdline").read_bytes().startswith(b"/") else 0
            total += (own + reaped) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            continue
    return total


def pg_sessions(url: str | None) -> int:
    """Sessions opened on the bench database so far (pg_stat_database.sessions, PostgreSQL 14+)."""
    if url is None:
        return 0
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        row = conn.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()").fetchone()
    return int(row[0]) - 1 if row else 0  # less this one


def wait_quiet(max_s: float, below_pct: float = 15.0) -> float:
    """On a shared machine: wait (at most ``max_s``) until everything else has used under ``below_pct`` of one
    core for two 5-second windows in a row (the server idles meanwhile). The seconds waited."""
    t0, calm = time.monotonic(), 0
    while max_s > 0 and time.monotonic() - t0 < max_s and calm < 2:
        before = busy_s()
        time.sleep(5)
        calm = calm + 1 if (busy_s() - before) / 5 * 100 < below_pct else 0
    return round(time.monotonic() - t0)


def open_loop(port: int, requests: list[bytes], rate: float, connections: int,
              server_pid: int, warmup_s: float, pg_url: str | None = None) -> dict[str, Any]:
    """Send requests[i] at t0 + i / rate over keep-alive connections; per call (due, sent, done, status, body)."""
    due_q: queue.SimpleQueue[tuple[int, float] | None] = queue.SimpleQueue()
    results: list[tuple[float, float, float, int, bytes] | None] = [None] * len(requests)

    def connection() -> None:
        sock, buf = _connect(port), bytearray()
        while (item := due_q.get()) is not None:
            i, due = item
            sent = time.perf_counter()
            try:
                sock.sendall(requests[i])
                status, body = _read_response(sock, buf)
            except (OSError, ValueError) as exc:
                status, body = -1, repr(exc).encode()
                sock.close()
                sock, buf = _connect(port), bytearray()
            results[i] = (due, sent, time.perf_counter(), status, body)
        sock.close()

    threads = [threading.Thread(target=connection, daemon=True) for _ in range(connections)]
    for t in threads:
        t.start()
    time.sleep(0.2)  # connections open
    t0 = time.perf_counter() + 0.01
    measure_from = int(warmup_s * rate)
    cpu = client = machine = db = 0.0
    sessions = pg_sessions(pg_url)
    for i in range(len(requests)):
        due = t0 + i / rate
        if i == measure_from:
            cpu, client, machine = cpu_s(server_pid), time.process_time(), busy_s()
            db = postgres_cpu_s() if pg_url else 0.0
        wait = due - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        due_q.put((i, due))
    for _ in threads:
        due_q.put(None)
    for t in threads:
        t.join()
    span = (len(requests) - measure_from) / rate
    server_cpu, client_cpu = cpu_s(server_pid) - cpu, time.process_time() - client
    db_cpu = postgres_cpu_s() - db if pg_url else 0.0
    return {"results": results[measure_from:], "from": measure_from, "server_cpu_s": server_cpu,
            "client_cpu_s": client_cpu, "db_cpu_s": db_cpu, "pg_sessions": pg_sessions(pg_url) - sessions,
            "others_cpu_s": busy_s() - machine - server_cpu - client_cpu - db_cpu, "seconds": span}


def percentile(sorted_ms: list[float], p: float) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, max(0, round(p / 100 * len(sorted_ms)) - 1))]


def summarise(run: dict[str, Any], expected: list[Any] | None) -> dict[str, Any]:
    """Latency from due time to the answer's last byte; errors are non-200 answers, wrong answers, failures."""
    latencies, lags, errors, wrong, examples = [], [], 0, 0, []
    for j, r in enumerate(run["results"]):
        due, sent, done, status, body = r
        latencies.append((done - due) * 1000)
        lags.append((sent - due) * 1000)
        if status != 200:
            errors += 1
            examples.append(f"{status}: {body[:200]!r}")
            continue
        answer = json.loads(body)
        if expected is None:
            ok = answer == {"status": "ok"}
        else:
            plate, count, black = expected[run["from"] + j]
            ok = (answer["plate"] == plate and answer["unresolved_cases"] == count
                  and answer["blacklisted"] is black and answer["refuse_entry"] is black
                  and (answer["listed_until"] is not None) is black)
        if not ok:
            wrong += 1
            examples.append(f"wrong answer: {body[:300]!r}")
    latencies.sort()
    lags.sort()
    n = len(latencies)
    return {"calls": n, "errors": errors, "wrong": wrong, "examples": examples[:3],
            "p50_ms": round(percentile(latencies, 50), 2), "p95_ms": round(percentile(latencies, 95), 2),
            "p99_ms": round(percentile(latencies, 99), 2), "max_ms": round(latencies[-1], 2),
            "send_lag_p99_ms": round(percentile(lags, 99), 2),
            "server_cpu_us_per_call": round(run["server_cpu_s"] / n * 1e6),
            "server_cpu_pct": round(100 * run["server_cpu_s"] / run["seconds"], 1),
            "db_cpu_us_per_call": round(run["db_cpu_s"] / n * 1e6),  # the PostgreSQL server's processes
            "pg_sessions_opened": run["pg_sessions"],  # during the phase and its warm-up: pool overflow
            "client_cpu_pct": round(100 * run["client_cpu_s"] / run["seconds"], 1),
            # everything else on the machine (other sessions, other databases, the kernel's own threads): noise
            "others_cpu_pct": round(100 * run["others_cpu_s"] / run["seconds"], 1)}


def partner_token(settings: Settings, rate: int = 1000) -> str:
    """A partner account made the way an administrator makes one; its rate is above the load's."""
    name = f"bench-partner-{time.time_ns()}"
    done = subprocess.run([sys.executable, "-m", "zhichao.cli", "user", "add", name, "--role", "partner",
                           "--rate", str(rate), "--json"], env=settings_env(settings), capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"zhichao user add failed: {done.stderr.strip()}")
    out = done.stdout
    return str(json.loads(out)["token"])


def forget_earlier_runs(settings: Settings) -> None:
    """Earlier runs' partners and call log, so the cached database stays the seed."""
    db = open_database(settings)
    with db.writer.begin() as conn:
        conn.execute(delete(partner_calls))
        conn.execute(delete(users).where(users.c.username.startswith("bench-partner-")))
    db.dispose()


# The servers a run may compare: the real one; the real one with a PostgreSQL pool as large as the thread pool
# that uses it (anyio runs sync routes on up to 40 threads; the default pool keeps 5 connections and closes the
# overflow ones as they come back); and the bench-only launcher with the proposed lean reads.
SERVERS: dict[str, list[str] | None] = {
    "serve": None,
    "pool40": ["env", "ZHICHAO_DB_POOL_SIZE=40", sys.executable, "-m", "zhichao.cli", "serve"],
    "lean": [sys.executable, str(Path(__file__).with_name("serve_check_lean.py"))]}


def load(backend: str, settings: Settings, s: Scale, args: argparse.Namespace) -> dict[str, Any]:
    forget_earlier_runs(settings)
    sample = sample_of(settings, s)
    print(f"{backend}: asking about {len(sample.clear):,} clear, {len(sample.unresolved):,} unresolved and "
          f"{len(sample.listed):,} listed plates", flush=True)
    token = partner_token(settings)
    health = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    pg_url = _driver_url(settings) if settings.database_url else None
    out: dict[str, Any] = {}
    for variant in args.servers:
        os.sync()
        time.sleep(2)
        server = ServerProcess(settings, command=SERVERS[variant]).start()
        assert server.proc is not None
        time.sleep(args.settle)  # past the server's startup jobs: hourly and daily ones, not the steady state
        rounds = []
        try:
            for round_no in range(args.rounds):
                by_rate: dict[str, Any] = {}
                for rate in args.rates:
                    n = int(rate * (args.warmup + args.seconds))
                    requests, expected = check_calls(sample, n, token, seed=round_no * 1000 + rate)
                    waited = wait_quiet(args.wait_quiet)
                    check = summarise(open_loop(server.port, requests, rate, args.connections, server.proc.pid,
                                                args.warmup, pg_url), expected)
                    waited += wait_quiet(args.wait_quiet)
                    floor = summarise(open_loop(server.port, [health] * n, rate, args.connections, server.proc.pid,
                                                args.warmup, pg_url), None)
                    check["waited_for_quiet_s"] = waited
                    by_rate[str(rate)] = {"check": check, "floor": floor,
                                          "ratio_p99": round(check["p99_ms"] / floor["p99_ms"], 2)}
                    print(f"{backend} {variant} round {round_no + 1} {rate}/s: check {json.dumps(check)}\n"
                          f"    floor {json.dumps(floor)}", flush=True)
                rounds.append(by_rate)
        finally:
            server.stop()
        out[variant] = rounds
    return out


# ---------------------------------------------------------------------------------------------- parts
def parts(settings: Settings, s: Scale) -> dict[str, float]:
    """The pieces of one check, timed in this process (µs, median of 5 passes over 2 000 mixed plates)."""
    from fastapi.encoders import jsonable_encoder
    from fastapi.responses import JSONResponse

    from zhichao.bootstrap import build
    from zhichao.domain.plates import normalize_plate
    from zhichao.services import partner_check
    from zhichao.services.auth import user_for_token

    token = partner_token(settings, rate=10_000)  # the most a partner may have: the loop below is fast
    sample = sample_of(settings, s)
    _, expected = check_calls(sample, 2000, token, seed=99)
    raws = [written_as(p, random.Random(i)) for i, (p, _, _) in enumerate(expected)]
    c = build(settings)
    user = user_for_token(c.users, token)
    now = c.clock()
    today = now.astimezone(c.checks.tz).date()
    rows = [c.checks.checks.get(p) for p, _, _ in expected]
    answers = [partner_check.answer(p, row, today, c.checks.policy, c.checks.tz) for (p, _, _), row in
               zip(expected, rows, strict=True)]
    row_sql = ("SELECT unresolved_cases, worst_open_rate_x100, listed_until, entries FROM plate_checks "
               "WHERE plate = {p}")
    if c.settings.sqlalchemy_url.startswith("sqlite"):
        raw: Any = sqlite3.connect(settings.data_dir / "zhichao.sqlite3", check_same_thread=False)
        raw_one = lambda i: raw.execute("SELECT 1").fetchone()  # noqa: E731
        raw_row = lambda i: raw.execute(row_sql.format(p="?"), (expected[i][0],)).fetchone()  # noqa: E731
    else:
        import psycopg

        raw = psycopg.connect(_driver_url(settings), autocommit=True)
        raw_one = lambda i: raw.execute("SELECT 1").fetchone()  # noqa: E731
        raw_row = lambda i: raw.execute(row_sql.format(p="%s"), (expected[i][0],), prepare=True).fetchone()  # noqa: E731

    def checkout(i: int) -> None:
        with c.db.reader.connect() as conn:
            conn.exec_driver_sql("SELECT 1").fetchone()

    steps = {
        "driver: one round trip (SELECT 1 on a held connection)": raw_one,
        "driver: the plate_checks row by primary key (held connection)": raw_row,
        "SQLAlchemy reader: check out, SELECT 1, return": checkout,
        "token look-up (users by token hash)": lambda i: user_for_token(c.users, token),
        "plate normalisation, not cached": lambda i: normalize_plate.__wrapped__(raws[i]),  # type: ignore[attr-defined]
        "plate_checks row read": lambda i: c.checks.checks.get(expected[i][0]),
        "answer from the row": lambda i: partner_check.answer(expected[i][0], rows[i], today, c.checks.policy,
                                                              c.checks.tz),
        "JSON rendering (jsonable_encoder + JSONResponse)": lambda i: JSONResponse(jsonable_encoder(answers[i])),
        "whole service call (partner_check.check)": lambda i: partner_check.check(c.checks, user, raws[i], now),
    }
    out = {}
    for name, step in steps.items():
        passes = []
        for _ in range(5):
            t0 = time.perf_counter()
            for i in range(len(raws)):
                step(i)
            passes.append((time.perf_counter() - t0) / len(raws) * 1e6)
        out[name] = round(sorted(passes)[2], 1)
        print(f"  {name}: {out[name]} µs", flush=True)
    from zhichao import background
    from zhichao.services import partner_exports

    jobs = {  # what the serving process also runs, in its own threads, beside the API
        "sanction sweep (30 s after start, then hourly)": lambda: background._sweep_sanctions(c),
        "partners' lists written (120 s after start, then daily)": lambda: partner_exports.write_files(c.exports, now),
    }
    for name, job in jobs.items():
        t0, cpu = time.perf_counter(), time.thread_time()
        job()
        out[name] = round((time.perf_counter() - t0) * 1e6)
        print(f"  {name}: {out[name] / 1e6:.2f} s ({time.thread_time() - cpu:.2f} s CPU)", flush=True)
    for rate in (200, 400):  # the call log's background flush: one second of calls, in one transaction
        passes = []
        for _ in range(5):
            c.checks.calls.flush()
            for i in range(rate):
                c.checks.calls.add({"partner_id": user.id, "at": now, "plate": raws[i], "status": 200,
                                    "unresolved_cases": 0, "blacklisted": False, "refuse_entry": False})
            t0 = time.perf_counter()
            c.checks.calls.flush()
            passes.append((time.perf_counter() - t0) * 1e6)
        out[f"call log flush of {rate} calls (once a second, background thread)"] = round(sorted(passes)[2])
        print(f"  call log flush of {rate} calls: {sorted(passes)[2] / 1000:.1f} ms", flush=True)
    c.close()
    raw.close()
    return out


# ---------------------------------------------------------------------------------------------- main
def machine() -> dict[str, Any]:
    import fastapi
    import psycopg
    import sqlalchemy
    import uvicorn

    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "?")
    mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024 // 1024
    return {"cpu": model, "cores": os.cpu_count(), "memory_gib": mem, "kernel": platform.release(),
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version, "psycopg": psycopg.__version__,
            "fastapi": fastapi.__version__, "uvicorn": uvicorn.__version__, "sqlalchemy": sqlalchemy.__version__}


def revision() -> str:
    """The commit measured, and how many files under src/ differed from it (read-only git commands)."""
    root = Path(__file__).resolve().parents[1]
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True).stdout
    changed = subprocess.run(["git", "status", "--porcelain", "src"], cwd=root, capture_output=True, text=True).stdout
    return f"{head.strip()} ({len(changed.splitlines())} files under src/ changed)"


def table(report: dict[str, Any]) -> str:
    lines = ["| database | server | rate/s | round | calls | errors | p50 ms | p95 ms | p99 ms | max ms | floor p50 | "
             "floor p99 | ratio p99 | server CPU µs/call, check / floor | PostgreSQL CPU µs/call | others' CPU % |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for backend, result in report["backends"].items():
        for variant, rounds in result["load"].items():
            for i, by_rate in enumerate(rounds):
                for rate, r in by_rate.items():
                    c, f = r["check"], r["floor"]
                    lines.append(f"| {backend} | {variant} | {rate} | {i + 1} | {c['calls']} | "
                                 f"{c['errors'] + c['wrong']} | "
                                 f"{c['p50_ms']} | {c['p95_ms']} | {c['p99_ms']} | {c['max_ms']} | {f['p50_ms']} | "
                                 f"{f['p99_ms']} | {r['ratio_p99']} | {c['server_cpu_us_per_call']} / "
                                 f"{f['server_cpu_us_per_call']} | {c['db_cpu_us_per_call']} | "
                                 f"{c['others_cpu_pct']} / {f['others_cpu_pct']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg-url", help="admin URL of a PostgreSQL server (the bench database is made there)")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--rates", type=int, nargs="+", default=[200, 400])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--wait-quiet", type=float, default=0.0, metavar="SECONDS",
                        help="on a shared machine, wait up to this long before each phase for the others to be idle")
    parser.add_argument("--settle", type=float, default=130.0,
                        help="seconds between the server's start and the load, past its startup jobs (sanction sweep "
                             "at 30 s, partner lists at 120 s; --parts times them)")
    parser.add_argument("--servers", nargs="+", choices=sorted(SERVERS), default=["serve"],
                        help="lean: bench/serve_check_lean.py, the proposed reads (bench only)")
    parser.add_argument("--records", type=int, default=10_000_000, help="smaller for a trial (vehicles: a tenth)")
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--seed-only", action="store_true")
    parser.add_argument("--parts", action="store_true", help="also time the check's pieces in this process")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    s = Scale() if args.records == 10_000_000 else Scale(args.records, args.records // 10, args.records // 250)
    backends = [b for b in ("sqlite", "postgresql") if args.only in (None, b)]
    if "postgresql" in backends and not args.pg_url:
        backends.remove("postgresql")
    CACHE.mkdir(exist_ok=True)
    marker = CACHE / f"check_api{s.tag}.json"
    metas: dict[str, Any] = json.loads(marker.read_text()) if marker.exists() else {}
    report: dict[str, Any] = {"machine": machine(), "code": revision(), "scale": s.__dict__, "backends": {}}
    for backend in backends:
        if backend == "sqlite":
            settings = Settings(data_dir=CACHE / f"check_api{s.tag}")
        else:
            base = args.pg_url.rsplit("/", 1)[0]
            settings = Settings(data_dir=CACHE / f"check_api{s.tag}_pg",
                                database_url=f"{base}/bench_check{s.tag}".replace("postgresql://",
                                                                                  "postgresql+psycopg://"))
        if args.reseed or not seeded(settings, s, metas.get(backend)):
            metas[backend] = seed(backend, settings, s, args.pg_url)
            metas[backend]["disk_bytes"] = disk_bytes(backend, settings)
            marker.write_text(json.dumps(metas, indent=1))
        db = open_database(settings)
        upgrade(db)  # a migration newer than the seed is applied; the rows stay
        db.dispose()
        result: dict[str, Any] = {"seed": metas[backend], "disk_gib": round(disk_bytes(backend, settings) / 2**30, 2)}
        print(f"{backend}: seed {json.dumps(metas[backend])}; on disk now {result['disk_gib']} GiB", flush=True)
        if not args.seed_only:
            result["load"] = load(backend, settings, s, args)
            if args.parts:
                print(f"{backend}: the check's parts, in process", flush=True)
                result["parts_us"] = parts(settings, s)
        report["backends"][backend] = result
    if not args.seed_only:
        print(table(report))
    text = json.dumps(report, indent=1, ensure_ascii=False)
    print(text)
    if args.json_out:
        args.json_out.write_text(text)


if __name__ == "__main__":
    main()
