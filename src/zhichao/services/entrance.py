"""Highway entrances: the trucks turned back (劝返), those that entered elsewhere after a refusal, and KPI 6
(the highway overload rate) for a period and county, from the hourly counts of the entrance scales."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Protocol

from zhichao.domain.entrance import REASON_LABELS, highway_rate
from zhichao.domain.kpis import KpiValue
from zhichao.services.device_kpis import check_day, check_period
from zhichao.services.errors import InvalidInput


class EntranceReader(Protocol):
    def refusals(self, start: datetime, end: datetime, station_id: str | None, entered_elsewhere: bool | None,
                 limit: int) -> list[dict[str, Any]]: ...

    def highway_counts(self, start: date, end: date, county: str | None) -> list[tuple[str, int, int]]: ...


@dataclass(frozen=True, slots=True)
class EntranceContext:
    repo: EntranceReader
    tz: tzinfo


def day_span(tz: tzinfo, start: date, end: date) -> tuple[datetime, datetime]:
    """The UTC instants from the start of ``start`` to the end of ``end`` in ``tz``; a day outside
    ``MIN_DAY``–``MAX_DAY`` raises ``InvalidInput``."""
    check_day(start)
    check_day(end)
    return (datetime.combine(start, time(), tz).astimezone(UTC),
            datetime.combine(end + timedelta(days=1), time(), tz).astimezone(UTC))


def _span(ctx: EntranceContext, start: date, end: date) -> tuple[datetime, datetime]:
    check_period(start, end)
    return day_span(ctx.tz, start, end)


def refusal_list(ctx: EntranceContext, start: date, end: date, *, station_id: str | None = None,
                 entered_elsewhere: bool | None = None, limit: int = 500) -> list[dict[str, Any]]:
    if not 1 <= limit <= 5000:
        raise InvalidInput("invalid_limit", "limit 必须是 1–5000 的整数")
    lo, hi = _span(ctx, start, end)
    out = []
    for row in ctx.repo.refusals(lo, hi, station_id, entered_elsewhere, limit):
        entered = row["entered_at"]
        out.append({**row, "captured_at": row["captured_at"].astimezone(ctx.tz).isoformat(),
                    "entered_at": entered.astimezone(ctx.tz).isoformat() if entered else None,
                    "reason_label": REASON_LABELS.get(row["reason"], row["reason"]),
                    "over_pct": round((row["gross_weight_kg"] / row["limit_kg"] - 1) * 100, 2)})
    return out


def highway_kpi(ctx: EntranceContext, start: date, end: date, county: str | None) -> KpiValue:
    check_period(start, end)
    return highway_rate(ctx.repo.highway_counts(start, end, county), end.year)
