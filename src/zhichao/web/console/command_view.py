"""View builders of the command centre (指挥中心): the trajectory page's time line, map and heading in words,
and the big screen's map, counts and ranking. Pure: no request, no clock, no I/O; codes become Chinese here.

Input is what the services answer (``services/trajectories.py``, ``services/command.py``): plain dicts with
local ISO times, weights in kg, ``overload_rate_pct`` in percent, ``share`` a fraction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from zhichao.domain.alerts import STATE_LABELS
from zhichao.web.console import labels as L
from zhichao.web.console import network_map

DIRECTIONS = {"up": "桩号递增方向", "down": "桩号递减方向"}
COUNTS = (("trucks", "过车"), ("overloaded", "超限"), ("actionable", "超限20%以上"), ("gross_100t", "100吨以上"))
TONES = {"up": "up", "late": "late", "down": "down"}  # other conditions (repair, stopped) are grey


def trajectory_url(plate: str) -> str:
    return "/command/trajectory?plate=" + quote(plate, safe="")


def _clock(iso: str, with_date: bool = True) -> str:
    at = datetime.fromisoformat(iso)
    return at.strftime("%m-%d %H:%M:%S" if with_date else "%H:%M")


def _tonnes(kg: int) -> str:
    return f"{kg / 1000:.2f}"


def _km(metres: int) -> str:
    return f"{metres / 1000:.1f}"


# --- the trajectory ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PassageRow:
    at: str
    station: str
    station_url: str
    place: str
    lane: int
    gross: str
    limit: str
    over: str
    verdict_code: str  # normal, overloaded, actionable
    verdict: str
    speed: str


def passage_row(p: Mapping[str, Any]) -> PassageRow:
    code = "actionable" if p["actionable"] else "overloaded" if p["overloaded"] else "normal"
    verdict = {"actionable": L.VERDICT_ACTIONABLE, "overloaded": L.VERDICT_OVERLOADED}.get(code, L.VERDICT_NORMAL)
    return PassageRow(
        at=_clock(p["captured_at"]), station=p["station_name"], station_url="/console/stations/" + p["station_id"],
        place=" ".join(x for x in (p["road"], p["stake"]) if x) or L.NOTHING, lane=p["lane"],
        gross=_tonnes(p["gross_weight_kg"]), limit=_tonnes(p["limit_kg"]),
        over=f"{p['overload_rate_pct']:.2f}%" if p["overloaded"] else L.NOTHING, verdict_code=code,
        verdict=verdict, speed=f"{p['speed_kmh']:.0f}",
    )  # fmt: skip


def heading_words(t: Mapping[str, Any]) -> tuple[str, list[str]]:
    """The heading as a sentence and one sentence per station ahead (预计下一站 …，约 N 公里)."""
    way = t["heading"]
    if way is None:
        return "行驶方向无法判断：期间内同一道路上没有两个不同桩号的过车记录（或相隔过久）。", []
    names = {p["station_id"]: p["station_name"] for p in t["passages"]}
    sentence = (f"沿 {way['road']} {DIRECTIONS[way['direction']]}行驶（{names.get(way['from_station_id'], '')} → "
                f"{names.get(way['to_station_id'], '')}，{_clock(way['since'])}）")
    if way["speed_kmh"] is not None:
        sentence += f"，区间平均车速按 {way['speed_kmh']:.0f} 公里/小时计"
    ahead = []
    for i, n in enumerate(t["next"]):
        arrival = f"，预计 {_clock(n['eta'], with_date=False)} 前后到达" if n["eta"] else "，到达时间无法估计"
        first = "预计下一站" if i == 0 else "其后"
        ahead.append(f"{first} {n['station_name']}，约 {_km(n['distance_m'])} 公里{arrival}")
    if not ahead:
        ahead.append("前方本道路上已无称重站点。")
    return sentence + "。", ahead


@dataclass(frozen=True, slots=True)
class Dot:
    station_id: str
    name: str
    x: float
    y: float
    tone: str  # up, late, down, grey (the screen); plain (the trajectory's background)
    mark: str  # "", seen, next
    order: str  # the passages' numbers at this station (1 = oldest), "" when not passed


@dataclass(frozen=True, slots=True)
class Leg:
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True, slots=True)
class Label:
    text: str
    x: float
    y: float


@dataclass(frozen=True, slots=True)
class Map:
    width: float
    height: float
    dots: list[Dot]
    legs: list[Leg]
    unplaced: int
    counties: list[Label]


def _project(stations: Sequence[Mapping[str, Any]],
             frame: network_map.Frame) -> dict[str, tuple[float, float]]:
    placed = [s for s in stations if s.get("lat") is not None and s.get("lon") is not None]
    points = network_map.project([(float(s["lat"]), float(s["lon"])) for s in placed], frame)
    return {s["station_id"]: (round(x, 1), round(y, 1)) for s, (x, y) in zip(placed, points, strict=True)}


def _counties(stations: Sequence[Mapping[str, Any]], at: Mapping[str, tuple[float, float]]) -> list[Label]:
    groups: dict[str, list[tuple[float, float]]] = {}
    for s in stations:
        if s["station_id"] in at and s.get("county_code"):
            groups.setdefault(L.label(L.COUNTIES, s["county_code"]), []).append(at[s["station_id"]])
    return [Label(name, round(x, 1), round(y, 1)) for name, (x, y) in network_map.centroids(groups).items()]


def trajectory_map(stations: Sequence[Mapping[str, Any]], t: Mapping[str, Any],
                   frame: network_map.Frame = network_map.FRAME) -> Map:
    """All stations as small dots; the plate's stations highlighted and numbered, joined in time order by
    legs (a repeat at the same station draws none); the next station ahead marked."""
    at = _project(stations, frame)
    oldest_first = list(reversed(t["passages"]))
    numbers: dict[str, list[str]] = {}
    for i, p in enumerate(oldest_first, 1):
        numbers.setdefault(p["station_id"], []).append(str(i))
    path = [p["station_id"] for p in oldest_first if p["station_id"] in at]
    legs = [Leg(*at[a], *at[b]) for a, b in zip(path, path[1:], strict=False) if at[a] != at[b]]
    nxt = t["next"][0]["station_id"] if t["next"] else None
    dots = [Dot(s["station_id"], s["name"], *at[s["station_id"]], "plain",
                "seen" if s["station_id"] in numbers else "next" if s["station_id"] == nxt else "",
                _numbers(numbers.get(s["station_id"], [])))
            for s in stations if s["station_id"] in at]
    dots.sort(key=lambda d: ("", "next", "seen").index(d.mark))  # highlighted ones drawn on top
    return Map(frame.width, frame.height, dots, legs, len(stations) - len(at), _counties(stations, at))


def stops(t: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The map's key: (numbers, station name) per station passed, in the order first passed."""
    seen: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for i, p in enumerate(reversed(t["passages"]), 1):
        seen.setdefault(p["station_id"], []).append(str(i))
        names[p["station_id"]] = p["station_name"]
    return [(_numbers(numbers), names[sid]) for sid, numbers in seen.items()]


def _numbers(items: list[str]) -> str:
    return ",".join(items) if len(items) <= 3 else f"{items[0]}…{items[-1]}"


# --- the big screen ---------------------------------------------------------------------------------


def screen_map(stations: Sequence[Mapping[str, Any]], frame: network_map.Frame = network_map.FRAME) -> Map:
    at = _project(stations, frame)
    dots = [Dot(s["station_id"], f"{s['name']} · {L.label(L.CONDITIONS, s['condition'])}", *at[s["station_id"]],
                TONES.get(s["condition"], "grey"), "bad" if s["suspended"] or s["quality"] == "alarm" else "", "")
            for s in stations if s["station_id"] in at]
    return Map(frame.width, frame.height, dots, [], len(stations) - len(at), _counties(stations, at))


@dataclass(frozen=True, slots=True)
class Count:
    key: str
    label: str
    today: int
    yesterday: int
    change: str  # +12.5%, −3.0%, — when yesterday had none
    trend: str  # up, down, same


def change(today: int, yesterday: int) -> tuple[str, str]:
    if not yesterday:
        return L.NOTHING, "up" if today else "same"
    pct = (today - yesterday) * 100 / yesterday
    return (f"+{pct:.1f}%" if pct >= 0 else f"−{-pct:.1f}%"), "up" if pct > 0 else "down" if pct < 0 else "same"


def counts(summary: Mapping[str, Any]) -> list[Count]:
    out = []
    for key, label in COUNTS:
        today, yesterday = summary["today"][key], summary["yesterday"][key]
        text, trend = change(today, yesterday)
        out.append(Count(key, label, today, yesterday, text, trend))
    return out


def top_rows(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{**s, "share_text": f"{s['share'] * 100:.1f}%", "bar": round(s["share"] * 100, 1)}
            for s in summary["top_stations"]]


def station_tally(summary: Mapping[str, Any]) -> list[tuple[str, str, str, str, int]]:
    """(kind, code, tone, label, count): stations by condition, then quality alarms and suspensions; kind and
    code name the count in the summary's ``station_counts`` (the screen's script updates them by these)."""
    by = summary["station_counts"]
    items = [("condition", code, TONES.get(code, "grey"), label, by["condition"].get(code, 0))
             for code, label in L.CONDITIONS.items()]
    items.append(("quality", "alarm", "bad", "质量告警", by["quality"].get("alarm", 0)))
    items.append(("suspended", "", "bad", "暂停执法", by["suspended"]))
    return items


def alert_states(summary: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The unresolved alerts by state, with the states' Chinese names."""
    by = summary["alerts"]["by_state"]
    return [(code, {"label": label, "count": by.get(code, 0)}) for code, label in STATE_LABELS.items()
            if code != "resolved"]


def duty_rows(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{"user_id": d["user_id"], "name": d["display_name"], "area": L.label(L.COUNTIES, d["county_code"], "全市"),
             "since": _clock(d["since"], with_date=False)} for d in summary["on_duty"]]
