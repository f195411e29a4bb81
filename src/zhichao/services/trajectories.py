"""A plate's trajectory (轨迹): its passages across the network in a period, with where each station stands,
the heading along its road and the stations it will pass next (``domain/trajectory.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Protocol

from zhichao.domain.plates import normalize_plate
from zhichao.domain.trajectory import Heading, NextStation, Passage, Place, heading, next_stations
from zhichao.services.device_kpis import check_period
from zhichao.services.entrance import day_span
from zhichao.services.errors import InvalidInput
from zhichao.services.ports import Station

DEFAULT_DAYS = 7  # the period when none is asked for: the last 7 days, today included
MAX_PASSAGES = 500  # the newest are kept; a plate seen more often in the period is cut (``truncated``)


class TrajectoryReader(Protocol):
    def passages(self, plate: str, start: datetime, end: datetime, limit: int) -> list[dict[str, Any]]: ...


class StationLister(Protocol):
    def all(self) -> list[Station]: ...


@dataclass(frozen=True, slots=True)
class TrajectoryContext:
    repo: TrajectoryReader
    stations: StationLister
    tz: tzinfo


def plate_text(plate: str) -> str:
    """The plate as ingest stores it; a plate that is unread or not well formed is refused."""
    read = normalize_plate(plate)
    if not read.text or not read.well_formed:
        raise InvalidInput("invalid_plate", f"车牌号格式不正确：{plate.strip() or '（空）'}，应如 浙D12345",
                           {"plate": plate})
    return read.text


def places(stations: Sequence[Station]) -> list[Place]:
    """Where stations stand. Stopped stations and freight-source scales weigh no through traffic."""
    return [Place(s.station_id, s.road, s.stake, s.state != "stopped" and s.kind != "source") for s in stations]


def _station(s: Station | None, station_id: str) -> dict[str, Any]:
    if s is None:
        return {"station_id": station_id, "station_name": station_id, "road": None, "stake": None, "lat": None,
                "lon": None}
    return {"station_id": s.station_id, "station_name": s.name, "road": s.road, "stake": s.stake, "lat": s.lat,
            "lon": s.lon}


def _passage(row: dict[str, Any], s: Station | None, tz: tzinfo) -> dict[str, Any]:
    return {**_station(s, row["station_id"]), "record_id": row["record_id"], "lane": row["lane"],
            "plate_color": row["plate_color"],
            "captured_at": row["captured_at"].astimezone(tz).isoformat(), "speed_kmh": row["speed_kmh"],
            "axle_count": row["axle_count"], "gross_weight_kg": row["gross_weight_kg"], "limit_kg": row["limit_kg"],
            "overload_rate_pct": row["overload_rate_x100"] / 100, "overloaded": bool(row["overloaded"]),
            "actionable": bool(row["actionable"]), "direction": row["direction"]}


def _heading(way: Heading, tz: tzinfo) -> dict[str, Any]:
    return {"road": way.road, "direction": way.direction, "from_station_id": way.from_station,
            "to_station_id": way.to_station, "since": way.since.astimezone(tz).isoformat(),
            "speed_kmh": None if way.speed_kmh is None else round(way.speed_kmh, 1)}


def _next(n: NextStation, s: Station | None, tz: tzinfo) -> dict[str, Any]:
    return {**_station(s, n.station_id), "distance_m": n.distance_m,
            "eta": n.eta.astimezone(tz).isoformat() if n.eta else None}


def trajectory(ctx: TrajectoryContext, plate: str, start: date | None, end: date | None,
               now: datetime) -> dict[str, Any]:
    """The plate's passages in ``start``–``end`` (local days; default the last ``DEFAULT_DAYS`` days), newest
    first, at most ``MAX_PASSAGES``; the heading and the next stations, both from the newest passages."""
    text = plate_text(plate)
    last = end or now.astimezone(ctx.tz).date()
    first = start or last - timedelta(days=DEFAULT_DAYS - 1)
    check_period(first, last)
    rows = ctx.repo.passages(text, *day_span(ctx.tz, first, last), MAX_PASSAGES)
    stations = ctx.stations.all()
    by_id = {s.station_id: s for s in stations}
    where = places(stations)
    way = heading([Passage(r["station_id"], r["captured_at"], r["speed_kmh"]) for r in rows], where)
    return {
        "plate": text, "from": first.isoformat(), "to": last.isoformat(), "truncated": len(rows) == MAX_PASSAGES,
        "passages": [_passage(r, by_id.get(r["station_id"]), ctx.tz) for r in rows],
        "heading": None if way is None else _heading(way, ctx.tz),
        "next": [_next(n, by_id.get(n.station_id), ctx.tz) for n in next_stations(way, where)],
    }  # fmt: skip
