"""Highway entrance weighing (入口称重劝返): which trucks an entrance turns back, and which of them drove in
through another entrance afterwards; pure.

At a highway entrance a truck up to 105 % of its limit is treated as not overloaded (LEGAL.md §3, MOT
2021); above it the truck is refused entry (劝返) — the statistic of KPI 6. An entrance controller may
also report a refusal of its own (flag ``refused``: a vehicle on the dishonesty list, a driver who would
not be weighed again). A refused truck weighed within the line at *another* entrance within the window
entered the highway after all: the refusal is marked with where and when, for the command centre and
the quarterly analysis.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from zhichao.domain.judge import over_highway_line
from zhichao.domain.kpis import KpiValue, target

HIGHWAY_RATE = "highway_overload_rate"
HIGHWAY_RULE = "高速入口及收费站称重中超过限值105%的货车数 ÷ 称重货车数"
OVERLOAD, STATION = "overload", "station"
REASON_LABELS = {OVERLOAD: "超过限值105%，劝返", STATION: "入口站点报告劝返"}
REFUSED_FLAG = "refused"


def refusal_reason(gross_kg: int, limit_kg: int, flags: Sequence[str] | None) -> str | None:
    """Why the entrance turns this truck back, or None when it may enter."""
    if over_highway_line(gross_kg, limit_kg):
        return OVERLOAD
    if flags and REFUSED_FLAG in flags:
        return STATION
    return None


@dataclass(frozen=True, slots=True)
class Refusal:
    id: int
    station_id: str
    plate: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Entry:
    station_id: str
    record_id: str
    plate: str
    at: datetime


def entered_elsewhere(refusals: Sequence[Refusal], entries: Sequence[Entry],
                      window: timedelta) -> list[tuple[Refusal, Entry]]:
    """Each refusal with the first entry of its plate at another entrance within ``window`` after it.
    Unread plates match nothing."""
    out = []
    for refusal in refusals:
        later = [e for e in entries if e.plate and e.plate == refusal.plate and e.station_id != refusal.station_id
                 and refusal.at < e.at <= refusal.at + window]
        if later:
            out.append((refusal, min(later, key=lambda e: (e.at, e.station_id, e.record_id))))
    return out


def highway_rate(per_station: Sequence[tuple[str, int, int]], year: int) -> KpiValue:
    """KPI 6 from (station, trucks weighed, trucks over 105 %) at the highway scales; None when none weighed."""
    trucks = sum(t for _, t, _ in per_station)
    over = sum(o for _, _, o in per_station)
    return KpiValue(HIGHWAY_RATE, over / trucks if trucks else None, target(HIGHWAY_RATE, year), over, trucks,
                    rule=HIGHWAY_RULE, by_station=tuple((s, o, t) for s, t, o in per_station))
