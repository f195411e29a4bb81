"""Freight sources (重点货运源头, 浙江省公路条例 Art. 35): each weighs every departing truck on a scale connected to
the platform (a station of kind ``source``, named in the source's registry entry). Per source and period:
departures, departures over the limit, and road cases linked to it — entered by officers, or traced from
an overloaded departure in the hours before the truck was weighed on the road (adapters/db/plate_checks.py,
``TRACE_WINDOW``). The quarterly analysis reads these counts; the sanction rules count the penalised cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any, Protocol

from zhichao.services.device_kpis import check_period
from zhichao.services.entrance import day_span
from zhichao.services.errors import InvalidInput, NotFound


class SourceReader(Protocol):
    def sources(self) -> list[dict[str, Any]]: ...

    def departures_counted(self, start: datetime, end: datetime) -> dict[str, tuple[int, int]]: ...

    def road_cases(self, start: date, end: date) -> dict[str, tuple[int, int]]: ...

    def departures(self, code: str, start: datetime, end: datetime, overloaded: bool | None,
                   limit: int) -> list[dict[str, Any]]: ...


@dataclass(frozen=True, slots=True)
class SourceContext:
    repo: SourceReader
    tz: tzinfo


def source_stats(ctx: SourceContext, start: date, end: date) -> list[dict[str, Any]]:
    """Every registered source with its departures and road cases in the period, busiest offender first."""
    check_period(start, end)
    lo, hi = day_span(ctx.tz, start, end)
    counted = ctx.repo.departures_counted(lo, hi)
    road = ctx.repo.road_cases(start, end)
    out = []
    for source in ctx.repo.sources():
        trucks, over = counted.get(source["code"], (0, 0))
        linked, penalised = road.get(source["code"], (0, 0))
        out.append({**source, "departures": trucks, "overloaded_departures": over,
                    "overloaded_share": over / trucks if trucks else None, "road_cases": linked,
                    "penalised_cases": penalised, "connected": bool(source["station_id"])})
    return sorted(out, key=lambda s: (-s["overloaded_departures"] - s["road_cases"], s["code"]))


def departures(ctx: SourceContext, code: str, start: date, end: date, *, overloaded: bool | None = True,
               limit: int = 500) -> list[dict[str, Any]]:
    if not 1 <= limit <= 5000:
        raise InvalidInput("invalid_limit", "limit 必须是 1–5000 的整数")
    if not any(s["code"] == code for s in ctx.repo.sources()):
        raise NotFound("source_not_found", f"名录中没有货运源头 {code}")
    check_period(start, end)
    lo, hi = day_span(ctx.tz, start, end)
    return [{**row, "captured_at": row["captured_at"].astimezone(ctx.tz).isoformat(),
             "overload_rate_pct": row["overload_rate_x100"] / 100}
            for row in ctx.repo.departures(code, lo, hi, overloaded, limit)]
