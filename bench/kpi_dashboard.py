"""The KPI dashboard (考核看板) over a full quarter of a city that weighs a million trucks a day.

Goal (issue: the KPI dashboard): the dashboard answers in under 1 s for a quarter at one million records a
day (90 million records), on SQLite and on PostgreSQL.

The dashboard never reads ``records`` or ``hourly_counts``: ingest keeps their day rollup ``daily_counts``
(station × local day × overload band) in the same transaction. So the database seeded here holds what a
quarter of 92 million records leaves in the tables the dashboard reads, not the records themselves.

Method
  seed  — a fresh database per backend (SQLite: a file in a temporary directory; PostgreSQL: a database
          ``bench_kpis``, dropped at the end), built by the project's migrations; the Shaoxing network
          registered from ``shaoxing_stations.json`` (85 enforcement sites) and ``shaoxing_gates.json``
          (6 highway entrance scales, 2 freight-source scales). Then, for 2026-07-01 … 2026-09-30 (92 local
          days), at driver level (``executemany`` on SQLite, ``COPY`` on PostgreSQL), one day at a time:
            daily_counts  every station × day × band: 1 000 000 trucks a day over the sites (weekends lighter),
                          each site's share fixed (log-normal), about 10 % overloaded, the overload bands
                          decaying with a heavy tail; trucks of 80 t or more about 0.3 %, 百吨王 about 0.06 %;
                          every counter column consistent (trucks ≥ overloaded ≥ actionable, …); the highway
                          scales about 8 000 trucks a day each, the source scales about 1 500;
            station_days  every station × day: online about 95 %, normal about 90 %; an offline day has no
                          trucks or a third of them;
            review_items  one per actionable truck (bands 2–10), with its gross weight; the trucks of 80 t or
                          more among them as many as the counters say; approved, rejected, or pending when
                          captured too recently for a decision;
            cases         one per approved item, about 10 000 opened a day; state by age (a case opened in
                          the last week is still near the start, one older than a month mostly paid or
                          closed; some withdrawn, no penalty, referred to the police); 70 % local plates (浙D);
            transfers     one per transferred case (closed cases on non-local plates, about 2 % of cases);
            inspections   about 100 a day, 70 % on the officers' phones;
            repair_tickets about 40 over the quarter.
          Then ANALYZE (both backends). On SQLite the dashboard is timed before ANALYZE as well: the server
          never analyses a SQLite database, so the figures without statistics are what a site sees.
  time  — with the clock at 2026-10-01 10:00 in Shanghai: ``kpis.dashboard`` for the quarter and the whole
          city, the same for one county (诸暨, 19 sites), and ``kpis.kpis`` (the contract's
          ``GET /api/v1/kpis``). Each on a newly built container: the first call is ``cold`` (new connection
          pool, nothing compiled; the operating system's page cache is warm, the data having just been
          written), then ``--runs`` warm calls: median and max of the wall time, and the median CPU time of this
          process (on SQLite that is all the work, so it does not move with what else the machine runs; on
          PostgreSQL the server's time is not in it), with the machine's one-minute load when the series began.
  http  — the app in process (``fastapi.testclient.TestClient``), an admin logged in with a session
          cookie: ``GET /kpis`` (the page, rendered), ``GET /api/v1/kpis/dashboard`` and ``GET /api/v1/kpis``;
          first call and the median of ``--runs``.
  parts — each read the dashboard makes, timed on its own as the dashboard calls it (how many times, median
          of ``--runs``): the sites' days, KPI 1 (station_days and repair tickets), KPI 2 (inspections), the
          cases month by month, KPI 6 (highway), the related statistics (bands, trucks of 80 t or more,
          transfers), the targets.

Seeding takes 1.5–3 minutes on SQLite and 1–1.5 on PostgreSQL (0.95 and 1.2 GB). ``--keep DIR`` keeps both
databases (the SQLite file under DIR, PostgreSQL's ``bench_kpis``) and ``--reuse DIR`` times them again
without seeding; ``--wait-quiet S`` waits up to S seconds before each series for the machine to be quiet.

    python bench/kpi_dashboard.py [--pg-url postgresql://postgres@127.0.0.1:5432/postgres] [--only sqlite]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics as stats
import string
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient  # noqa: E402

from zhichao.adapters.db import case_days  # noqa: E402
from zhichao.adapters.db.engine import open_database  # noqa: E402
from zhichao.adapters.db.migrate import upgrade  # noqa: E402
from zhichao.adapters.db.types import sqlite_text  # noqa: E402
from zhichao.bootstrap import Container, build  # noqa: E402
from zhichao.config import Settings  # noqa: E402
from zhichao.demo import GATES_FILE, load_network  # noqa: E402
from zhichao.domain.judge import TOP_BAND  # noqa: E402
from zhichao.services import kpis  # noqa: E402
from zhichao.services.auth import add_user  # noqa: E402
from zhichao.services.entrance import day_span, highway_kpi  # noqa: E402
from zhichao.services.inspections import handheld_kpi  # noqa: E402
from zhichao.services.stations import import_network  # noqa: E402
from zhichao.web.app import create_app  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
Q_START, DAYS = date(2026, 7, 1), 92
Q_END = Q_START + timedelta(days=DAYS - 1)  # 2026-09-30
NOW = datetime(2026, 10, 1, 2, 0, tzinfo=UTC)  # 10:00 on 1 October in Shanghai
REGISTERED = datetime(2026, 6, 1, tzinfo=UTC)
COUNTY = "330681"  # 诸暨: 19 sites, the largest county
PG_DB = "bench_kpis"
TRUCKS_A_DAY = 1_000_000
CASES_A_DAY = 10_000
INSPECTIONS_A_DAY = 100
TABLES = ("stations", "daily_counts", "station_days", "review_items", "cases", "transfers", "inspections",
          "repair_tickets", "records", "hourly_counts")

# Share of the overloaded trucks in each overload band 0 … 10 (band 10: 100 % and more), and of a band's
# trucks that weigh 80 t or more and 100 t or more.
SITE_BANDS = (0.55, 0.22, 0.07, 0.04, 0.025, 0.018, 0.016, 0.014, 0.012, 0.010, 0.025)
HIGHWAY_BANDS = (0.60, 0.25, 0.08, 0.035, 0.015, 0.008, 0.005, 0.003, 0.002, 0.001, 0.001)
HEAVY_80T = (0, 0, 0, 0, 0, 0, 0.35, 0.35, 0.35, 0.35, 0.60)
HEAVY_100T = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.25)
LIMITS_KG = (18_000, 25_000, 31_000, 36_000, 43_000, 49_000)
OTHER_PREFIXES = ("浙A", "浙B", "浙C", "浙F", "浙G", "苏E", "苏A", "苏B", "皖K", "皖A", "沪B", "沪A", "赣A",
                  "闽C", "鲁Q", "豫A", "鄂A", "湘A")
LONG_TRIANGLE = frozenset("沪苏浙皖")
PLATE_CHARS = "".join(c for c in string.ascii_uppercase + string.digits if c not in "IO")
REJECT_REASONS = ("plate_misread", "plate_unclear", "not_a_truck", "weighing_fault", "double_capture",
                  "permit_holder", "handled_on_site", "evidence_incomplete", "other")
RESULTS = ("compliant", "unloaded", "overload_case", "not_found", "other")
TRANSFER_STATES = (("sent", 0.50), ("received", 0.30), ("handled", 0.15), ("returned", 0.05))
# Case states by the case's age: (state, weight).
YOUNG = (("valid", 40), ("notified", 42), ("reported", 10), ("withdrawn", 5), ("referred_police", 1),
         ("no_penalty", 2))
MIDDLE = (("notified", 10), ("reported", 14), ("report_overdue", 8), ("pre_decision", 18), ("statement", 14),
          ("legal_review", 3), ("legal_approved", 2), ("decided", 14), ("paid", 7), ("no_penalty", 4),
          ("withdrawn", 4), ("referred_police", 2))
OLD = (("pre_decision", 3), ("statement", 3), ("decided", 6), ("paid", 15), ("late_fee", 3), ("reminded", 2),
       ("court_enforcement", 1), ("closed", 55), ("no_penalty", 6), ("withdrawn", 4), ("referred_police", 2))
NOTIFIED_OR_LATER = frozenset(s for s, _ in MIDDLE + OLD) - {"valid"}
DECIDED_OR_LATER = frozenset({"decided", "paid", "late_fee", "reminded", "court_enforcement", "closed",
                              "transferred"})
PAID = frozenset({"paid", "closed", "transferred"})
COUNT_FIELDS = ("trucks", "overloaded", "actionable", "over_highway_line", "gross_100t", "gross_80t",
                "plate_unread", "gross_kg_sum", "overload_kg_sum")

DAILY_COLS = ("station_id", "day", "band", *COUNT_FIELDS)
DAY_COLS = ("station_id", "day", "trucks", "summary", "pairs", "findings", "online", "normal", "complete",
            "computed_at")
ITEM_COLS = ("station_id", "record_id", "captured_at", "plate", "band", "overload_rate_x100", "gross_kg", "state",
             "version", "queued_at", "first_by", "first_at", "second_by", "second_at", "reason_code")
CASE_COLS = ("id", "station_id", "record_id", "plate", "captured_at", "state", "fine_yuan", "opened_at",
             "opened_on", "opened_by", "version", "major", "assignee_id", "notice_code", "notified_on", "decided_on",
             "paid_on", "closed_on", "paid_yuan", "late_fee_yuan")
TRANSFER_COLS = ("id", "case_id", "region", "authority", "long_triangle", "state", "due_on", "created_at",
                 "sent_at", "outcome", "outcome_at")
INSPECTION_COLS = ("client_id", "channel", "officer_id", "plate", "plate_raw", "inspected_at", "place",
                   "county_code", "station_id", "result", "photos", "created_at")
TICKET_COLS = ("station_id", "state", "fault", "opened_at", "opened_by", "assignee", "assigned_at", "closed_at",
               "closed_by", "resolution", "version")


# -- the network ------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Station:
    station_id: str
    kind: str
    county: str | None
    state: str
    name: str
    weight: float  # share of its kind's traffic
    over: float  # its overloaded share relative to the mean


def stations(rng: random.Random) -> list[Station]:
    out = []
    for spec in load_network()["stations"] + load_network(GATES_FILE)["stations"]:
        kind = spec.get("kind", "site")
        out.append(Station(spec["station_id"], kind, spec.get("county_code"), spec.get("state", "enabled"),
                           spec["name"], rng.lognormvariate(0, 0.6), rng.uniform(0.5, 1.5)))
    return out


def register(settings: Settings) -> None:
    c = build(settings, clock=lambda: REGISTERED)
    import_network(c.stations, load_network(), now=REGISTERED)
    import_network(c.stations, load_network(GATES_FILE), now=REGISTERED)
    c.close()


# -- what a quarter leaves in the tables the dashboard reads ----------------------------------------------
def utc_of(day: date, seconds: float) -> datetime:
    return (datetime(day.year, day.month, day.day, tzinfo=TZ) + timedelta(seconds=seconds)).astimezone(UTC)


def plate(rng: random.Random) -> str:
    prefix = "浙D" if rng.random() < 0.70 else rng.choice(OTHER_PREFIXES)
    return prefix + "".join(rng.choices(PLATE_CHARS, k=5))


def pick(rng: random.Random, weighted: Sequence[tuple[str, float]]) -> str:
    return rng.choices([s for s, _ in weighted], [w for _, w in weighted])[0]


def band_rows(rng: random.Random, station: str, day: date, trucks: int, over_share: float,
              shares: Sequence[float]) -> list[tuple[Any, ...]]:
    """One station-day's ``daily_counts`` rows (bands with trucks only, as ingest writes them)."""
    overloaded = round(trucks * over_share * rng.uniform(0.9, 1.1))
    counts = [0] * (TOP_BAND + 1)
    for b in range(1, TOP_BAND + 1):
        counts[b] = round(overloaded * shares[b] * rng.uniform(0.8, 1.2))
    counts[0] = max(0, overloaded - sum(counts))
    rows = []
    if trucks - sum(counts) > 0:
        n = trucks - sum(counts)
        rows.append((station, day, -1, n, 0, 0, 0, 0, 0, round(n * 0.01), n * 21_000, 0))
    for b, n in enumerate(counts):
        if n == 0:
            continue
        heavy100 = round(n * HEAVY_100T[b])
        heavy80 = max(heavy100, round(n * HEAVY_80T[b]))
        rate = (b * 10 + 5) / 100
        rows.append((station, day, b, n, n, n if b >= 2 else 0, n if b >= 1 else round(n * 0.5), heavy100, heavy80,
                     round(n * 0.01), round(n * 36_000 * (1 + rate)), round(n * 36_000 * rate)))
    return rows


def item_weight(rng: random.Random, band: int, heavy: int) -> tuple[int, int]:
    """(gross kg, overload rate × 100) of a truck in ``band``: ``heavy`` 100 (百吨王), 80 (80–100 t) or 0."""
    if heavy == 100:
        limit, gross = 49_000, rng.randint(100_000, 125_000)
    elif heavy == 80:
        limit = 43_000 if band == TOP_BAND else 49_000
        low = max(80_000, limit * (10 + band) // 10)
        high = 99_999 if band == TOP_BAND else min(99_999, limit * (11 + band) // 10 - 1)
        gross = rng.randint(low, max(low, high))
    else:
        top = 1.6 if band == TOP_BAND else (band + 1) / 10
        limit = rng.choice([x for x in LIMITS_KG if x * (1 + top) < 80_000])
        rate = rng.uniform(band / 10, top) if band < TOP_BAND else rng.uniform(1.0, 1.6)
        gross = int(limit * (1 + rate))
    return gross, min(max((gross - limit) * 10_000 // limit, band * 1_000), 99_999)


def fine(rng: random.Random, band: int) -> int:
    return min(30_000, rng.randint(2, 8) * 100 * (band - 1) ** 2)


def notice_code(case_id: int) -> str:
    return f"{case_id * 0x9E3779B97F4A7C15 % (1 << 48):012X}"  # an odd multiplier: one code per id


@dataclass
class Quarter:
    """Generates the quarter day by day, the same on every backend (one seed)."""

    seed: int = 20260701
    rng: random.Random = field(init=False)
    network: list[Station] = field(init=False)
    case_id: int = 0
    transfer_id: int = 0
    inspection_id: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.network = stations(self.rng)
        factors = [(0.82 if d.weekday() == 6 else 0.9 if d.weekday() == 5 else 1.05) for d in self.days()]
        self.factors = [f * len(factors) / sum(factors) for f in factors]

    def days(self) -> Iterator[date]:
        return (Q_START + timedelta(days=i) for i in range(DAYS))

    def tickets(self) -> list[tuple[Any, ...]]:
        rng, rows = self.rng, []
        sites = [s for s in self.network if s.kind == "site" and s.state != "stopped"]
        for _ in range(40):
            s = rng.choice(sites)
            opened = utc_of(Q_START, rng.uniform(-5, DAYS) * 86_400)
            closed = opened + timedelta(hours=rng.uniform(4, 120))
            rows.append((s.station_id, "closed", "称重数据异常", opened, "值班员", "维保单位",
                         opened + timedelta(hours=1), closed, "维保单位", "已更换传感器", 3))
        for s in self.network:
            if s.state == "repair":  # the three sites in repair: a ticket still open
                opened = utc_of(Q_END, -rng.uniform(2, 20) * 86_400)
                rows.append((s.station_id, "assigned", "设备离线", opened, "值班员", "维保单位",
                             opened + timedelta(hours=2), None, None, None, 2))
        return rows

    def day(self, i: int, day: date) -> dict[str, list[tuple[Any, ...]]]:
        rng = self.rng
        out: dict[str, list[tuple[Any, ...]]] = {"daily_counts": [], "station_days": [], "review_items": [],
                                                 "cases": [], "transfers": [], "inspections": []}
        computed = utc_of(day, 86_400 + 2 * 3_600)
        activity: dict[str, float] = {}
        flags: dict[str, tuple[bool, bool]] = {}
        for s in self.network:
            if s.state == "stopped":
                online, active = False, 0.0
            else:
                online = rng.random() < 0.95
                active = 1.0 if online else rng.choice((0.0, 0.3))
            normal = online and rng.random() < 0.947
            activity[s.station_id], flags[s.station_id] = active, (online, normal)
        volume = {"site": TRUCKS_A_DAY, "highway": 8_000 * 6, "source": 1_500 * 2}
        trucks: dict[str, int] = {}
        for kind, total in volume.items():
            members = [s for s in self.network if s.kind == kind]
            weight = sum(s.weight * activity[s.station_id] for s in members) or 1.0
            day_total = total * self.factors[i] * rng.uniform(0.97, 1.03)
            for s in members:
                trucks[s.station_id] = round(day_total * s.weight * activity[s.station_id] / weight)
        heavy_rows: list[tuple[Station, int, int, int, int]] = []  # (station, band, trucks, 80 t, 100 t)
        for s in self.network:
            n = trucks[s.station_id]
            online, normal = flags[s.station_id]
            out["station_days"].append((s.station_id, day, n, "{}", "[]", "[]", online, normal, True, computed))
            if n == 0:
                continue
            over, shares = (0.10, SITE_BANDS) if s.kind == "site" else (0.03, HIGHWAY_BANDS)
            for row in band_rows(rng, s.station_id, day, n, over * s.over, shares):
                out["daily_counts"].append(row)
                if s.kind == "site" and row[2] >= 2:
                    heavy_rows.append((s, row[2], row[3], row[8], row[7]))
        actionable = sum(n for _, _, n, _, _ in heavy_rows)
        heavy = sum(h for _, _, _, h, _ in heavy_rows)
        approve_heavy = 0.8
        approve = max(0.0, min(0.95, (CASES_A_DAY - approve_heavy * heavy) / max(1, actionable - heavy)))
        self._items(day, heavy_rows, approve, approve_heavy, out)
        self._inspections(day, out)
        return out

    def _items(self, day: date, rows: list[tuple[Station, int, int, int, int]], approve: float,
               approve_heavy: float, out: dict[str, list[tuple[Any, ...]]]) -> None:
        rng, ymd = self.rng, day.strftime("%Y%m%d")
        seq: dict[str, int] = {}
        for s, band, n, heavy80, heavy100 in rows:
            for k in range(n):
                heavy = 100 if k < heavy100 else 80 if k < heavy80 else 0
                seq[s.station_id] = seq.get(s.station_id, 0) + 1
                record_id = f"{ymd}{seq[s.station_id]:06d}"
                captured = utc_of(day, rng.random() * 86_400)
                queued = captured + timedelta(seconds=rng.uniform(1, 30))
                gross, rate = item_weight(rng, band, heavy)
                p = plate(rng)
                first_at = queued + timedelta(hours=rng.uniform(0.5, 20))
                second_at = first_at + timedelta(hours=rng.uniform(0.5, 16))
                first_by, second_by = rng.randint(2, 13), rng.randint(14, 19)
                if first_at > NOW:
                    out["review_items"].append((s.station_id, record_id, captured, p, band, rate, gross,
                                                "pending_first", 0, queued, None, None, None, None, None))
                    continue
                if second_at > NOW:
                    out["review_items"].append((s.station_id, record_id, captured, p, band, rate, gross,
                                                "pending_second", 1, queued, first_by, first_at, None, None, None))
                    continue
                if rng.random() < (approve_heavy if heavy else approve):
                    out["review_items"].append((s.station_id, record_id, captured, p, band, rate, gross, "approved",
                                                2, queued, first_by, first_at, second_by, second_at, None))
                    self._case(s, record_id, p, captured, second_at, band, out)
                else:
                    out["review_items"].append((s.station_id, record_id, captured, p, band, rate, gross, "rejected",
                                                2, queued, first_by, first_at, second_by, second_at,
                                                rng.choice(REJECT_REASONS)))

    def _case(self, s: Station, record_id: str, p: str, captured: datetime, opened: datetime, band: int,
              out: dict[str, list[tuple[Any, ...]]]) -> None:
        rng = self.rng
        self.case_id += 1
        age = (NOW - opened).days
        state = pick(rng, YOUNG if age < 7 else MIDDLE if age < 30 else OLD)
        local = p.startswith("浙D")
        transfer_at = None
        if state == "closed" and not local and rng.random() < 0.2:
            transfer_at = opened + timedelta(days=rng.uniform(20, 45))
            if transfer_at < NOW:
                state = "transferred"
        fine_yuan = fine(rng, band)
        opened_day = opened.astimezone(TZ).date()
        notified = opened_day + timedelta(days=rng.randint(1, 5)) if state in NOTIFIED_OR_LATER else None
        decided = opened_day + timedelta(days=rng.randint(18, 30)) if state in DECIDED_OR_LATER else None
        paid = decided + timedelta(days=rng.randint(1, 14)) if decided and state in PAID else None
        closed = paid + timedelta(days=rng.randint(0, 3)) if paid and state in ("closed", "transferred") else None
        out["cases"].append((self.case_id, s.station_id, record_id, p, captured, state, fine_yuan, opened,
                             opened_day, rng.randint(14, 19), 6, fine_yuan >= 20_000, rng.randint(20, 40),
                             None if state == "valid" else notice_code(self.case_id), notified, decided, paid,
                             closed, fine_yuan if paid else 0, 0))
        if state == "transferred" and transfer_at is not None:
            self.transfer_id += 1
            region = p[:2]
            t_state = pick(self.rng, TRANSFER_STATES)
            outcome_at = transfer_at + timedelta(days=rng.uniform(2, 10)) if t_state != "sent" else None
            if outcome_at is not None and outcome_at > NOW:
                t_state, outcome_at = "sent", None
            out["transfers"].append((self.transfer_id, self.case_id, region, f"{region}交通运输综合行政执法机构",
                                     region[0] in LONG_TRIANGLE, t_state, transfer_at.astimezone(TZ).date()
                                     + timedelta(days=9), transfer_at, transfer_at,
                                     None if outcome_at is None else "已处理", outcome_at))

    def _inspections(self, day: date, out: dict[str, list[tuple[Any, ...]]]) -> None:
        rng = self.rng
        sites = [s for s in self.network if s.kind == "site"]
        for _ in range(rng.randint(INSPECTIONS_A_DAY - 20, INSPECTIONS_A_DAY + 20)):
            self.inspection_id += 1
            s = rng.choice(sites)
            at = utc_of(day, rng.uniform(7, 21) * 3_600)
            p = plate(rng)
            out["inspections"].append((f"bench-{self.inspection_id}", "handheld" if rng.random() < 0.7 else "desk",
                                       rng.randint(20, 40), p, p, at, s.name, s.county, s.station_id,
                                       rng.choice(RESULTS), "[]", at + timedelta(minutes=rng.uniform(1, 60))))


# -- writing it -------------------------------------------------------------------------------------------
TIME_COLUMNS = {"computed_at", "captured_at", "queued_at", "first_at", "second_at", "opened_at", "created_at",
                "sent_at", "outcome_at", "inspected_at", "assigned_at", "closed_at"}
DATE_COLUMNS = {"day", "opened_on", "notified_on", "decided_on", "paid_on", "closed_on", "due_on"}


def _sqlite_rows(columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    times = [i for i, c in enumerate(columns) if c in TIME_COLUMNS]
    days = [i for i, c in enumerate(columns) if c in DATE_COLUMNS]
    for row in rows:
        values = list(row)
        for i in times:
            if values[i] is not None:
                values[i] = sqlite_text(values[i])
        for i in days:
            if values[i] is not None:
                values[i] = values[i].isoformat()
        yield values


class Writer:
    """Bulk inserts at driver level: ``executemany`` on SQLite, ``COPY`` on PostgreSQL."""

    def __init__(self, settings: Settings) -> None:
        self.sqlite = not settings.database_url or settings.database_url.startswith("sqlite")
        if self.sqlite:
            self.conn: Any = sqlite3.connect(settings.data_dir / "zhichao.sqlite3", isolation_level=None)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA cache_size=-1000000")
        else:
            import psycopg

            self.conn = psycopg.connect(pg_plain(settings.database_url))

    def write(self, tables: dict[str, list[tuple[Any, ...]]]) -> None:
        """One transaction for these rows of several tables."""
        if self.sqlite:
            self.conn.execute("BEGIN IMMEDIATE")
            for table, rows in tables.items():
                if rows:
                    columns = COLUMNS[table]
                    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
                    self.conn.executemany(sql, _sqlite_rows(columns, rows))
            self.conn.execute("COMMIT")
            return
        with self.conn.transaction(), self.conn.cursor() as cur:
            for table, rows in tables.items():
                if rows:
                    with cur.copy(f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)

    def finish(self) -> None:
        """Sequences past the ids written, and statistics."""
        if self.sqlite:  # ANALYZE comes later (``run``): the dashboard is timed without statistics first
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            with self.conn.transaction():
                for table in ("cases", "transfers"):
                    self.conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                      f"(SELECT max(id) FROM {table}))")
            self.conn.autocommit = True
            self.conn.execute("VACUUM ANALYZE")
        self.conn.close()


COLUMNS = {"daily_counts": DAILY_COLS, "station_days": DAY_COLS, "review_items": ITEM_COLS, "cases": CASE_COLS,
           "transfers": TRANSFER_COLS, "inspections": INSPECTION_COLS, "repair_tickets": TICKET_COLS}


def seed(settings: Settings) -> dict[str, Any]:
    t0 = time.perf_counter()
    quarter, writer = Quarter(), Writer(settings)
    generating = 0.0
    writer.write({"repair_tickets": quarter.tickets()})
    for i, day in enumerate(quarter.days()):
        g0 = time.perf_counter()
        tables = quarter.day(i, day)
        generating += time.perf_counter() - g0
        writer.write(tables)
        if i % 15 == 0:
            print(f"  {day}: {sum(map(len, tables.values()))} rows, {time.perf_counter() - t0:.0f} s", flush=True)
    written = time.perf_counter() - t0
    db = open_database(settings)
    with db.writer.begin() as conn:  # the bulk load bypassed the case actions that keep the day counts
        case_days.rebuild(conn)
    db.dispose()
    writer.finish()
    return {"seed_s": time.perf_counter() - t0, "generate_s": generating, "write_s": written - generating,
            "analyze_s": time.perf_counter() - t0 - written}


def analyze_sqlite(settings: Settings) -> float:
    t0 = time.perf_counter()
    conn = sqlite3.connect(settings.data_dir / "zhichao.sqlite3")
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()
    return time.perf_counter() - t0


def row_counts(settings: Settings) -> dict[str, int]:
    db = open_database(settings)
    from sqlalchemy import text

    with db.reader.connect() as conn:
        counts = {t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in TABLES}
        extra = conn.execute(text(
            "SELECT sum(d.trucks), sum(d.gross_80t), sum(d.gross_100t), sum(d.actionable) FROM daily_counts d "
            "JOIN stations s ON s.station_id = d.station_id AND s.kind = 'site'")).one()
        heavy = conn.execute(text("SELECT count(*) FROM review_items WHERE gross_kg >= 80000")).scalar_one()
        if settings.database_url and settings.database_url.startswith("postgresql"):
            size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        else:
            size = (settings.data_dir / "zhichao.sqlite3").stat().st_size
    db.dispose()
    return {**counts, "site_trucks": int(extra[0]), "site_trucks_80t": int(extra[1]),
            "site_trucks_100t": int(extra[2]), "site_actionable": int(extra[3]), "review_items_80t": int(heavy),
            "database_bytes": int(size)}


# -- timing -----------------------------------------------------------------------------------------------
def clock() -> datetime:
    return NOW


QUIET = {"seconds": 0.0, "load": 1.0}


def wait_quiet() -> float:
    """Wait (up to ``--wait-quiet`` seconds) until the machine's one-minute load is under ``--quiet-load``;
    return the load when the measurement starts."""
    waited = 0.0
    while os.getloadavg()[0] > QUIET["load"] and waited < QUIET["seconds"]:
        time.sleep(5)
        waited += 5
    return os.getloadavg()[0]


def timed(fn: Callable[[], Any]) -> tuple[float, float]:
    """(wall seconds, this process's CPU seconds)."""
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0


def series(fn: Callable[[], Any], runs: int) -> dict[str, float]:
    load = wait_quiet()
    cold, _ = timed(fn)
    warm = [timed(fn) for _ in range(runs)]
    return {"cold": cold, "median": stats.median(w for w, _ in warm), "max": max(w for w, _ in warm),
            "cpu_median": stats.median(c for _, c in warm), "load": load}


def calls(settings: Settings, runs: int) -> dict[str, dict[str, float]]:
    """Each call on a container of its own, so that its first call is the cold one."""
    cases: dict[str, Callable[[Container], Any]] = {
        "dashboard, city": lambda c: kpis.dashboard(c.kpis, Q_START, Q_END, None, c.clock()),
        f"dashboard, county {COUNTY}": lambda c: kpis.dashboard(c.kpis, Q_START, Q_END, COUNTY, c.clock()),
        "kpis (contract), city": lambda c: kpis.kpis(c.kpis, Q_START, Q_END, None, c.clock()),
    }
    out = {}
    for name, fn in cases.items():
        c = build(settings, clock=clock)
        out[name] = series(lambda c=c, fn=fn: fn(c), runs)  # type: ignore[misc]
        c.close()
    return out


def pages(settings: Settings, runs: int) -> dict[str, dict[str, float]]:
    c = build(settings, clock=clock)
    name = f"bench-admin-{time.time_ns()}"
    _, password, _ = add_user(c.users, c.hasher, name, "admin", now=NOW, display_name="基准管理员")
    query = f"from={Q_START.isoformat()}&to={Q_END.isoformat()}"
    out = {}
    with TestClient(create_app(c), base_url="https://testserver", follow_redirects=False) as client:
        response = client.post("/login", data={"username": name, "password": password})
        assert response.status_code == 303, response.text
        for label, url in (("GET /kpis (page)", f"/kpis?{query}"),
                           ("GET /api/v1/kpis/dashboard", f"/api/v1/kpis/dashboard?{query}"),
                           ("GET /api/v1/kpis", f"/api/v1/kpis?{query}")):
            def get(url: str = url) -> None:
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code, response.text[:300])

            out[label] = series(get, runs)
    c.close()
    return out


def parts(settings: Settings, county: str | None, runs: int) -> dict[str, dict[str, float]]:
    """Each read the dashboard makes, as many times as it makes it (median of ``runs``)."""
    c = build(settings, clock=clock)
    ctx, now = c.kpis, NOW
    spans = [*kpis.months(Q_START, Q_END), (Q_START, Q_END)]  # each month, then the quarter
    months = spans[:-1]
    lo, hi = day_span(ctx.tz, Q_START, Q_END)
    reads: dict[str, tuple[int, Callable[[], Any]]] = {
        "site_days (daily_counts)": (1, lambda: ctx.reader.site_days(Q_START, Q_END, county, ctx.line_band)),
        "devices KPI 1 (station_days, tickets)": (len(spans), lambda: [ctx.devices.kpis(a, b, county, now)
                                                                       for a, b in spans]),
        "handheld KPI 2 (inspections)": (len(spans), lambda: [handheld_kpi(ctx.inspections, a, b, county)
                                                               for a, b in spans]),
        "cases by month KPI 3, 4": (len(months), lambda: [kpis._cases(ctx, a, b, county) for a, b in months]),
        "highway KPI 6 (daily_counts)": (len(spans), lambda: [highway_kpi(ctx.entrance, a, b, county)
                                                               for a, b in spans]),
        "statistics: bands (daily_counts)": (1, lambda: ctx.reader.bands(Q_START, Q_END, county)),
        "statistics: 80 t reviewed (review_items)": (1, lambda: ctx.reader.heavy_reviews(lo, hi, county)),
        "statistics: transfers": (1, lambda: ctx.reader.transfers(lo, hi, county)),
        "targets": (1, lambda: ctx.reader.targets()),
        "the whole dashboard": (1, lambda: kpis.dashboard(ctx, Q_START, Q_END, county, now)),
        "cases, whole quarter (kpis)": (1, lambda: kpis._cases(ctx, Q_START, Q_END, county)),
    }
    out = {}
    for name, (n, fn) in reads.items():
        fn()
        out[name] = {"calls": n, "median": stats.median(timed(fn)[0] for _ in range(runs))}
    c.close()
    return out


# -- the databases ------------------------------------------------------------------------------------------
def pg_plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def pg_admin(admin_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql)


def settings_for(backend: str, tmp: Path, pg_url: str | None) -> Settings:
    if backend == "sqlite":
        path = tmp / "sqlite"
        path.mkdir(parents=True, exist_ok=True)
        return Settings(data_dir=path)
    assert pg_url is not None
    base = pg_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    return Settings(data_dir=tmp / "pg", database_url=f"{base}/{PG_DB}")


def machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "?")
    mem = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
               if line.startswith("MemTotal"))
    return {"cpus": os.cpu_count(), "cpu": cpu, "ram_gib": round(mem / 1024 / 1024, 1),
            "sqlite": sqlite3.sqlite_version, "python": sys.version.split()[0]}


def run(backend: str, tmp: Path, pg_url: str | None, runs: int, reuse: bool) -> dict[str, Any]:
    settings = settings_for(backend, tmp, pg_url)
    result: dict[str, Any] = {}
    if backend == "postgresql":
        assert pg_url is not None
        if not reuse:
            pg_admin(pg_url, f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            pg_admin(pg_url, f"CREATE DATABASE {PG_DB}")
        import psycopg

        with psycopg.connect(pg_url) as conn:
            result["server"] = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
            result["shared_buffers"] = conn.execute("SHOW shared_buffers").fetchone()[0]  # type: ignore[index]
    if reuse:
        result["seed"] = {}
    else:
        db = open_database(settings)
        upgrade(db)
        db.dispose()
        register(settings)
        print(f"{backend}: seeding", flush=True)
        result["seed"] = seed(settings)
    result["rows"] = row_counts(settings)
    print(backend, json.dumps(result["seed"]), json.dumps(result["rows"]), flush=True)
    if backend == "sqlite" and not reuse:
        result["calls_without_statistics"] = calls(settings, runs)
        print(backend, "without statistics", json.dumps(result["calls_without_statistics"]), flush=True)
        result["parts_without_statistics"] = parts(settings, None, runs)
        result["seed"]["analyze_s"] = analyze_sqlite(settings)
    result["calls"] = calls(settings, runs)
    print(backend, json.dumps(result["calls"]), flush=True)
    result["pages"] = pages(settings, runs)
    print(backend, json.dumps(result["pages"]), flush=True)
    result["parts"] = parts(settings, None, runs)
    result["parts_county"] = parts(settings, COUNTY, runs)
    return result


def ms(x: float) -> str:
    return f"{x * 1000:,.0f}".replace(",", " ")


def report(results: dict[str, Any]) -> None:
    print("\nrows seeded")
    for backend, r in results.items():
        print(f"  {backend}: " + ", ".join(f"{t} {n:,}".replace(",", " ") for t, n in r["rows"].items()))
        s = r["seed"]
        if s:
            print(f"    seeding {s['seed_s']:.0f} s (generating {s['generate_s']:.0f} s, writing {s['write_s']:.0f} s, "
                  f"analyse {s['analyze_s']:.0f} s)")
    print(f"\n{'backend':<28} {'call':<34} {'cold ms':>9} {'median ms':>10} {'max ms':>8} {'cpu ms':>7} {'load':>5}")
    for backend, r in results.items():
        for group, label in (("calls_without_statistics", f"{backend} (no statistics)"), ("calls", backend),
                             ("pages", backend)):
            for name, t in r.get(group, {}).items():
                print(f"{label:<28} {name:<34} {ms(t['cold']):>9} {ms(t['median']):>10} {ms(t['max']):>8} "
                      f"{ms(t['cpu_median']):>7} {t['load']:>5.1f}")
    for backend, r in results.items():
        for group in ("parts_without_statistics", "parts", "parts_county"):
            if group not in r:
                continue
            print(f"\n{backend} {group}: read, calls, median ms per dashboard")
            for name, t in r[group].items():
                total = t["median"]
                print(f"  {name:<44} {t['calls']:>2} × {ms(total / t['calls']):>6} = {ms(total):>6}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg-url", help="admin URL of a PostgreSQL server (creates and drops bench_kpis)")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", metavar="DIR", help="seed into DIR and keep it (and the database bench_kpis)")
    parser.add_argument("--reuse", metavar="DIR", help="time again what --keep DIR seeded (no seeding)")
    parser.add_argument("--wait-quiet", type=float, default=0.0, metavar="S",
                        help="before each measurement wait up to S seconds for the machine to be quiet")
    parser.add_argument("--quiet-load", type=float, default=1.0, help="quiet: one-minute load average under this")
    args = parser.parse_args()
    QUIET.update(seconds=args.wait_quiet, load=args.quiet_load)
    backends = [b for b in ("sqlite", "postgresql") if args.only in (None, b)
                and (b == "sqlite" or args.pg_url)]
    results: dict[str, Any] = {}
    print(json.dumps(machine()), flush=True)
    keep = args.keep or args.reuse
    tmp = Path(args.reuse or args.keep or tempfile.mkdtemp(prefix="zhichao-kpis-"))
    try:
        for backend in backends:
            results[backend] = run(backend, tmp, args.pg_url, args.runs, bool(args.reuse))
    finally:
        if not keep:
            if "postgresql" in backends and args.pg_url:
                pg_admin(args.pg_url, f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            shutil.rmtree(tmp, ignore_errors=True)
    report(results)
    print(json.dumps({"machine": machine(), "results": results}, indent=1, default=str))


if __name__ == "__main__":
    main()
