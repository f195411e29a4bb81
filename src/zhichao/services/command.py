"""The command centre's summary (指挥中心大屏): today's counts against yesterday to the same hour, the stations
with the highest overload share today, every station's live state, the officers on duty, alerts by state.

Counts come from ``hourly_counts`` (never from raw records), so the summary costs the same whatever the
traffic; the screen asks for it every 20 seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, Protocol

from zhichao.domain.alerts import RESOLVED
from zhichao.domain.alerts import STATES as ALERT_STATES
from zhichao.domain.device_health import HealthPolicy
from zhichao.services.stations import health
from zhichao.services.trajectories import StationLister, TrajectoryContext

TOP_STATIONS = 10
# A station needs this many trucks today to be ranked by overload share: 3 overloaded of 4 trucks is 75 %
# and says nothing; a site weighs some thousands a day, so the rule only leaves out the quiet hours' noise.
TOP_MIN_TRUCKS = 50


class CommandReader(Protocol):
    def totals(self, start: datetime, end: datetime) -> dict[str, int]: ...

    def by_station(self, start: datetime, end: datetime) -> list[tuple[str, int, int]]: ...

    def on_duty(self) -> list[dict[str, Any]]: ...

    def alert_counts(self) -> dict[str, int]: ...


@dataclass(frozen=True, slots=True)
class CommandContext:
    repo: CommandReader
    stations: StationLister
    health: HealthPolicy
    trajectories: TrajectoryContext


def _spans(ctx: CommandContext, now: datetime) -> tuple[tuple[datetime, datetime], tuple[datetime, datetime]]:
    """Today from local midnight to the end of the current hour, and yesterday to the end of the same hour.
    The counts are hourly: the hour under way is compared with the whole of yesterday's."""
    tz = ctx.trajectories.tz
    today = now.astimezone(tz).date()
    hour_end = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    midnight = datetime.combine(today, time(), tz).astimezone(UTC)
    yesterday = datetime.combine(today - timedelta(days=1), time(), tz).astimezone(UTC)
    return (midnight, hour_end), (yesterday, hour_end - timedelta(days=1))


def top_stations(rows: list[tuple[str, int, int]], names: dict[str, str]) -> list[dict[str, Any]]:
    """The ``TOP_STATIONS`` stations with ``TOP_MIN_TRUCKS`` trucks or more, highest overload share first."""
    ranked = sorted((r for r in rows if r[1] >= TOP_MIN_TRUCKS), key=lambda r: (-r[2] / r[1], -r[1], r[0]))
    return [{"station_id": s, "name": names.get(s, s), "trucks": t, "overloaded": o, "share": round(o / t, 4)}
            for s, t, o in ranked[:TOP_STATIONS]]


def _stations(ctx: CommandContext, now: datetime) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every station's live state (health now, as the board computes it) and the counts by state."""
    out: list[dict[str, Any]] = []
    for s in ctx.stations.all():
        live = health(s, now, ctx.health)
        out.append({"station_id": s.station_id, "name": s.name, "kind": s.kind, "county_code": s.county_code,
                    "road": s.road, "stake": s.stake, "lat": s.lat, "lon": s.lon, "state": s.state,
                    "health": live, "condition": s.state if s.state in {"repair", "stopped"} else live,
                    "quality": s.quality, "suspended": s.suspended_since is not None})
    condition: dict[str, int] = {}
    quality: dict[str, int] = {}
    for row in out:
        condition[row["condition"]] = condition.get(row["condition"], 0) + 1
        quality[row["quality"] or "none"] = quality.get(row["quality"] or "none", 0) + 1
    return out, {"condition": condition, "quality": quality, "suspended": sum(row["suspended"] for row in out)}


def summary(ctx: CommandContext, now: datetime) -> dict[str, Any]:
    tz = ctx.trajectories.tz
    (t0, t1), (y0, y1) = _spans(ctx, now)
    stations, counts = _stations(ctx, now)
    names = {s["station_id"]: s["name"] for s in stations}
    by_state = {state: 0 for state in ALERT_STATES} | ctx.repo.alert_counts()
    return {
        "at": now.astimezone(tz).isoformat(), "until": t1.astimezone(tz).isoformat(),
        "today": ctx.repo.totals(t0, t1), "yesterday": ctx.repo.totals(y0, y1),
        "top_stations": top_stations(ctx.repo.by_station(t0, t1), names), "top_min_trucks": TOP_MIN_TRUCKS,
        "stations": stations, "station_counts": counts,
        "on_duty": [{**d, "since": d["since"].astimezone(tz).isoformat()} for d in ctx.repo.on_duty()],
        "alerts": {"by_state": by_state, "unresolved": sum(n for s, n in by_state.items() if s != RESOLVED)},
    }  # fmt: skip
