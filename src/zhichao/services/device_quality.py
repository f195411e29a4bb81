"""The quality sweep: each station's local day summarised from its records, the data-quality checks run on
the summaries (docs/data-quality.md), the station's quality and suspension changed as rows and notified.

    days to do   every (station, day) with trucks in the hourly counters of the last BACKFILL_DAYS whose
                 stored summary is missing or not yet complete (today, and yesterday until SETTLE after
                 midnight, so late uploads after an outage still count)
    per day      one streamed query of the day's records → DaySummary per station, paired differences
                 across stations → station_days (a replaced summary keeps its findings until re-judged)
    per station  baseline (first days after the last verification, check or certificate), drift over the
                 rolling window, paired comparison, read rate, lanes, volume against the same weekday,
                 axle mix, clock → findings, drift %, online / normal for KPI 1, stored on the day
    latest day   quality ok / warn / alarm and, on drift beyond the MPE, the suspension of enforcement
                 use: conditional updates (one change, one event, one notice however many sweeps run)

Running it twice gives the same rows; it only reads records, so ingest is never held up.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from operator import attrgetter
from typing import Any

from zhichao.domain import anomalies, histograms
from zhichao.domain.device_health import certificate_valid_on
from zhichao.domain.drift import Baseline, drift, mpe_pct
from zhichao.domain.drift import baseline as make_baseline
from zhichao.domain.outbox import DINGTALK
from zhichao.domain.paired import PairObservation, add_plate_pairs, paired
from zhichao.domain.quality import ALARM, WARN, DaySummary, Finding, Observation, summarise
from zhichao.services.device_health import DeviceContext, clock_offset_s
from zhichao.services.ports import Notice, Station, StationChange

BACKFILL_DAYS = 35  # how far back a first sweep summarises (the volume check looks 4 weeks back)
SETTLE = timedelta(hours=2)  # a day is complete this long after it ended
PAIR_WINDOW_DAYS = 7
HISTORY_DAYS = 35
BASELINE_ROWS = 30  # the baseline is found within the first this-many days after its start
QUALITY_TEXT = {"ok": "正常", WARN: "预警", ALARM: "告警"}


@dataclass(frozen=True, slots=True)
class QualitySweep:
    days: int  # (station, day) summaries written
    changes: int  # quality or suspension changes


def mpe_for(ctx: DeviceContext, s: Station) -> float:
    """The station's MPE in %: its own setting, else its accuracy class, else the default."""
    return s.mpe_pct or mpe_pct(s.accuracy_class) or ctx.default_mpe_pct


def baseline_start(s: Station) -> date | None:
    """The baseline starts at the last verification (certificate) or check, whichever is later."""
    dates = [d for d in (s.cert_valid_from, s.baseline_from) if d is not None]
    return max(dates) if dates else None


def _summary(row: Mapping[str, Any]) -> DaySummary:
    return DaySummary.from_json(row["summary"])


def baseline_for(ctx: DeviceContext, s: Station, until: date) -> Baseline | None:
    start = baseline_start(s) or until - timedelta(days=HISTORY_DAYS)
    rows = ctx.repo.days(s.station_id, start, until)[:BASELINE_ROWS]
    return make_baseline([_summary(r) for r in rows], ctx.drift)


def _merged_pairs(rows: Iterable[Mapping[str, Any]]) -> dict[str, dict[int, int]]:
    per: dict[str, list[dict[int, int]]] = defaultdict(list)
    for row in rows:
        for neighbour, h in (row["pairs"] or {}).items():
            per[neighbour].append(histograms.from_json(h))
    return {n: histograms.merge(hs) for n, hs in per.items()}


def pair_window(ctx: DeviceContext, station_id: str, day: date) -> dict[str, tuple[float, int]]:
    """Per neighbour, the median difference (%) and the number of pairs over the week up to ``day``."""
    rows = ctx.repo.days(station_id, day - timedelta(days=PAIR_WINDOW_DAYS - 1), day)
    station = ctx.stations.get(station_id)
    mpe = mpe_for(ctx, station) if station else ctx.default_mpe_pct
    reading, _ = paired(_merged_pairs(rows), mpe, ctx.pairs)
    if reading is None:
        return {}
    # a handful of pairs is two different trucks sharing a plate reading, not a neighbour
    return {n: v for n, v in reading.per_neighbour.items() if v[1] >= ctx.pairs.min_neighbour_pairs}


def _bounds(ctx: DeviceContext, day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(), ctx.tz)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def _days_to_do(ctx: DeviceContext, now: datetime) -> dict[date, set[str]]:
    today = now.astimezone(ctx.tz).date()
    since = today - timedelta(days=BACKFILL_DAYS)
    counted: dict[tuple[str, date], int] = defaultdict(int)
    for station_id, hour, trucks in ctx.repo.hours_with_data(_bounds(ctx, since)[0]):
        day = hour.astimezone(ctx.tz).date()
        if day <= today:
            counted[(station_id, day)] += trucks
    done = ctx.repo.day_states(since)
    todo: dict[date, set[str]] = defaultdict(set)
    for (station_id, day), trucks in counted.items():
        complete, summarised = done.get((station_id, day), (False, -1))
        # redone until complete, and again whenever records arrived later (an upload after an outage)
        if not complete or summarised != trucks:
            todo[day].add(station_id)
    return todo


def _summarise_day(ctx: DeviceContext, day: date, now: datetime) -> list[dict[str, Any]]:
    """Every station's summary of ``day`` and its paired differences, from two streamed reads (by station, then
    by plate): one station's or one plate's records in memory at a time, whatever a day holds (a province's
    day is millions of records)."""
    start, end = _bounds(ctx, day)
    differences: dict[str, dict[str, dict[int, int]]] = {}
    by_plate = ctx.repo.observations(start, end, by="plate")
    for _, rows in itertools.groupby(by_plate, key=attrgetter("plate")):
        add_plate_pairs(differences, [PairObservation(r.station_id, r.plate, r.captured_at, r.axle_count,
                                                      r.gross_weight_kg) for r in rows], ctx.pairs)
    complete = now >= end + SETTLE
    days = []
    for station_id, rows in itertools.groupby(ctx.repo.observations(start, end, by="station"),
                                              key=attrgetter("station_id")):
        summary = summarise(day, [Observation(r.lane, r.captured_at, r.received_at, r.plate, r.axle_count,
                                              r.axle_groups, tuple(r.axle_weights_kg or ()), r.gross_weight_kg)
                                  for r in rows], ctx.tz)
        days.append({"station_id": station_id, "day": day, "trucks": summary.trucks, "summary": summary.to_json(),
                     "pairs": {n: histograms.to_json(h) for n, h in differences.get(station_id, {}).items()},
                     "online": summary.trucks > 0, "complete": complete, "computed_at": now})
    return days


@dataclass(frozen=True, slots=True)
class Judgement:
    findings: list[Finding]
    drift_pct: float | None
    pair_median_pct: float | None
    normal: bool


def judge_day(ctx: DeviceContext, s: Station, day: date, rows: Sequence[Mapping[str, Any]], base: Baseline | None,
              certificates: Sequence[Mapping[str, Any]], now: datetime) -> Judgement:
    """The checks of one station-day, from its stored days up to ``day`` (oldest first) and its baseline."""
    by_day = {r["day"]: r for r in rows if r["day"] <= day}
    today_row = by_day[day]
    summary = _summary(today_row)
    mpe = mpe_for(ctx, s)
    findings: list[Finding] = []
    reading = None
    if base is not None:
        reading, found = drift(base, [_summary(r) for d, r in sorted(by_day.items()) if d > base.last_day], mpe,
                               ctx.drift)
        findings += found
    window = [r for d, r in by_day.items() if d > day - timedelta(days=PAIR_WINDOW_DAYS)]
    pair_reading, pair_finding = paired(_merged_pairs(window), mpe, ctx.pairs)
    today = now.astimezone(ctx.tz).date()
    upto = 24 if day < today else now.astimezone(ctx.tz).hour
    weekdays = [_summary(by_day[d]) for d in (day - timedelta(days=7 * k) for k in range(1, 5)) if d in by_day]
    checks = [pair_finding, anomalies.read_rate(summary, ctx.anomalies),
              anomalies.silent_lanes(summary, s.lanes, ctx.anomalies),
              anomalies.volume(summary, weekdays, upto, ctx.anomalies),
              anomalies.axle_mix(summary, base.axle_mix if base else {}, ctx.anomalies),
              anomalies.clock(clock_offset_s(s) if day == today else None, summary, ctx.anomalies)]
    findings += [f for f in checks if f is not None]
    certified = certificate_valid_on(s.cert_valid_from, s.cert_valid_to, day) or any(
        certificate_valid_on(c["valid_from"], c["valid_to"], day) for c in certificates)
    normal = summary.trucks > 0 and certified and not any(anomalies.blocks_normal(f) for f in findings)
    return Judgement(findings, reading.pct if reading else None, pair_reading.median_pct if pair_reading else None,
                     normal)


def _level(findings: Sequence[Finding]) -> str:
    levels = {f.level for f in findings}
    return ALARM if ALARM in levels else WARN if WARN in levels else "ok"


def _quality_notice(ctx: DeviceContext, s: Station, level: str, findings: Sequence[Finding]) -> Notice:
    lines = "\n".join(f"- {f.message}" for f in findings) or "- 各项检查均正常"
    subject = f"【数据质量{QUALITY_TEXT[level]}】{s.name}"
    body = (f"### 数据质量{QUALITY_TEXT[level]}：{s.name}（{s.station_id}）\n\n{lines}\n\n"
            f"{ctx.console_url}/console/stations/{s.station_id}")
    return Notice(DINGTALK, ctx.recipient, subject, body, {"station_id": s.station_id, "quality": level})


def _apply_latest(ctx: DeviceContext, s: Station, judgement: Judgement, now: datetime) -> int:
    level = _level(judgement.findings)
    changes = 0
    if level != s.quality:
        message = f"数据质量{QUALITY_TEXT[level]}" + "".join(f"；{f.message}" for f in judgement.findings)
        notice = None if s.quality is None and level == "ok" else _quality_notice(ctx, s, level, judgement.findings)
        changes += ctx.repo.change_station(
            s.station_id, {"quality": s.quality}, {"quality": level, "quality_since": now}, now,
            StationChange("quality", message, s.quality, level, judgement.findings[0].code if judgement.findings
                          else None, details={"findings": [f.to_json() for f in judgement.findings]}), notice)
    over = [f for f in judgement.findings if f.code == "calibration_drift" and f.level == ALARM]
    if over and s.suspended_since is None:
        message = f"暂停执法使用：{over[0].message}。自此起新记录不作为执法证据，待检定或核查后恢复"
        notice = Notice(DINGTALK, ctx.recipient, f"【暂停执法使用】{s.name}",
                        f"### 暂停执法使用：{s.name}（{s.station_id}）\n\n- {over[0].message}\n- 请安排检定或标定核查。"
                        f"\n\n{ctx.console_url}/console/stations/{s.station_id}",
                        {"station_id": s.station_id, "suspended": True})
        changes += ctx.repo.change_station(s.station_id, {"suspended_since": None}, {"suspended_since": now}, now,
                                           StationChange("suspension", message, None, "suspended", over[0].code,
                                                         details=over[0].to_json()), notice)
    return changes


def _finding_values(j: Judgement) -> dict[str, Any]:
    return {"findings": [f.to_json() for f in j.findings], "drift_pct": j.drift_pct,
            "pair_median_pct": j.pair_median_pct, "normal": j.normal}


def sweep_quality(ctx: DeviceContext, now: datetime) -> QualitySweep:
    """Summarise the days not yet complete, judge them, and change the stations' quality where it moved."""
    todo = _days_to_do(ctx, now)
    written: dict[str, list[date]] = defaultdict(list)
    for day in sorted(todo):
        rows = _summarise_day(ctx, day, now)
        ctx.repo.save_days(rows)
        for row in rows:
            written[row["station_id"]].append(day)
    changes = 0
    for s in ctx.stations.all():
        days = written.get(s.station_id)
        if not days:
            continue
        first = min(days)
        rows = ctx.repo.days(s.station_id, first - timedelta(days=HISTORY_DAYS))
        base = baseline_for(ctx, s, max(days))
        certificates = ctx.repo.certificates(s.station_id)
        judgement = None
        for day in sorted(days):
            judgement = judge_day(ctx, s, day, rows, base, certificates, now)
            ctx.repo.set_day_findings(s.station_id, day, _finding_values(judgement))
        latest = max(r["day"] for r in rows)
        if judgement is not None and max(days) == latest and s.state == "enabled":
            changes += _apply_latest(ctx, s, judgement, now)
    return QualitySweep(sum(len(d) for d in written.values()), changes)
