"""A station's day summarised for the data-quality checks, and the finding those checks return (pure).

The sweep reads one station-day of stored records, turns each into an ``Observation`` and calls
``summarise``; the ``DaySummary`` is stored as JSON and every check (``drift``, ``anomalies``) works on
summaries only, so a window of days costs a merge of small dicts, not a scan of records. See
docs/data-quality.md for each check, its threshold and its limits.

``Finding``, ``WARN`` and ``ALARM`` live here because both ``drift`` and ``anomalies`` return them and
import this module; it imports neither.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from zhichao.domain import histograms

WARN, ALARM = "warn", "alarm"
LEVELS = (WARN, ALARM)

# Devices report weights in 10 kg steps; a bin of two steps never splits a step across bins (25 kg would
# put three steps in some bins and two in others), and 20 kg is 0.3 % of a 7 t steering axle, so the
# interpolated median is good to a few kg — far below the 2.5 % warning of a class 5 device.
STEER_BIN_KG = 20
# Gross peaks only need to be located to about 1 % of a 16 t empty truck and of a 45 t loaded one.
GROSS_BIN_KG = 500
# A five-axle articulated truck weighs 14.5–19 t empty and at most 42–43 t loaded (GB 1589); from 30 t it
# is clearly loaded, and a loaded truck's steering axle is steadier (the kingpin load is up).
LOADED5_KG = 30_000
# The same holds for six-axle trains (14.5–18 t empty, 49 t legal): their steering axle is two-humped,
# ~4.7 t empty and ~7.5 t loaded, so a median over all of them sits in the valley and swings with the day's
# share of empty trucks (±2 % from day to day in the simulator). Over loaded trains only it is one hump,
# steady to ±0.4 % a day: the statistic road agencies use for WIM calibration checks.
LOADED6_KG = 30_000
# A record cannot be captured after it was received. Up to a minute is left to the two clocks' ordinary
# disagreement (NTP-less devices, rounding to the second); beyond it the device's clock runs ahead.
AHEAD_TOLERANCE_S = 60

SIX_AXLE_GROUPS = "1+2+3"


@dataclass(frozen=True, slots=True)
class Finding:
    """One check's result. ``code`` is stored, ``message`` is shown (Chinese, with the numbers)."""

    code: str
    level: str
    value: float
    threshold: float
    message: str
    detail: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "level": self.level,
            "value": self.value,
            "threshold": self.threshold,
            "message": self.message,
            "detail": dict(self.detail),
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Finding:
        return cls(d["code"], d["level"], float(d["value"]), float(d["threshold"]), d["message"], dict(d["detail"]))


@dataclass(frozen=True, slots=True)
class Observation:
    """One stored record as the checks see it. ``plate`` is "" when unread; ``axle_groups`` is None when
    the device does not classify."""

    lane: int
    captured_at: datetime
    received_at: datetime
    plate: str
    axle_count: int
    axle_groups: str | None
    axle_weights_kg: tuple[int, ...]
    gross_weight_kg: int


@dataclass(frozen=True, slots=True)
class DaySummary:
    """Counts and histograms of one station's local day. Histogram fields use ``histograms`` bins:
    ``steer6``/``steer5`` of ``STEER_BIN_KG``, ``gross6``/``gross5`` of ``GROSS_BIN_KG``."""

    day: date
    trucks: int
    plates_read: int
    lanes: Mapping[int, int]
    hours: tuple[int, ...]
    axle_mix: Mapping[int, int]
    steer6: Mapping[int, int]
    steer5: Mapping[int, int]
    gross6: Mapping[int, int]
    gross5: Mapping[int, int]
    ahead: int
    max_ahead_s: int

    def to_json(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "trucks": self.trucks,
            "plates_read": self.plates_read,
            "lanes": histograms.to_json(self.lanes),
            "hours": list(self.hours),
            "axle_mix": histograms.to_json(self.axle_mix),
            "steer6": histograms.to_json(self.steer6),
            "steer5": histograms.to_json(self.steer5),
            "gross6": histograms.to_json(self.gross6),
            "gross5": histograms.to_json(self.gross5),
            "ahead": self.ahead,
            "max_ahead_s": self.max_ahead_s,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> DaySummary:
        return cls(
            day=date.fromisoformat(d["day"]),
            trucks=int(d["trucks"]),
            plates_read=int(d["plates_read"]),
            lanes=histograms.from_json(d["lanes"]),
            hours=tuple(int(n) for n in d["hours"]),
            axle_mix=histograms.from_json(d["axle_mix"]),
            steer6=histograms.from_json(d["steer6"]),
            steer5=histograms.from_json(d["steer5"]),
            gross6=histograms.from_json(d["gross6"]),
            gross5=histograms.from_json(d["gross5"]),
            ahead=int(d["ahead"]),
            max_ahead_s=int(d["max_ahead_s"]),
        )


def empty(day: date) -> DaySummary:
    """A day without records."""
    return DaySummary(day, 0, 0, {}, (0,) * 24, {}, {}, {}, {}, {}, 0, 0)


def is_six_axle_articulated(axle_count: int, axle_groups: str | None) -> bool:
    """A 6x4 tractor with a tridem semitrailer ("1+2+3"). Devices that do not classify (no groups) are
    taken at their axle count: most six-axle trucks on trunk roads are of this layout, and the steering
    axle of the others (2+1+3, 2+2+2) is a twin steer, a minority that shifts the median only a little."""
    if axle_groups is None:
        return axle_count == 6
    return axle_groups.replace(" ", "") == SIX_AXLE_GROUPS


def has_single_steer(axle_groups: str | None) -> bool:
    """True unless the groups say the front group has two axles (a twin steer carries half the load on
    its first axle, which would make the steering-axle histogram bimodal)."""
    return axle_groups is None or axle_groups.replace(" ", "").startswith("1+")


def summarise(day: date, observations: Iterable[Observation], tz: tzinfo) -> DaySummary:
    """The summary of ``day`` (a local date in ``tz``); records captured on another local date are ignored.

    ``steer5`` counts loaded (gross ≥ ``LOADED5_KG``) five-axle trucks with a single steering axle.
    Records without axle weights count everywhere except in the steering histograms.
    """
    tally = _Tally()
    for o in observations:
        local = o.captured_at.astimezone(tz)
        if local.date() == day:
            tally.add(o, local.hour)
    return tally.summary(day)


@dataclass(slots=True)
class _Tally:
    trucks: int = 0
    plates_read: int = 0
    lanes: dict[int, int] = field(default_factory=dict)
    hours: list[int] = field(default_factory=lambda: [0] * 24)
    axle_mix: dict[int, int] = field(default_factory=dict)
    steer6: dict[int, int] = field(default_factory=dict)
    steer5: dict[int, int] = field(default_factory=dict)
    gross6: dict[int, int] = field(default_factory=dict)
    gross5: dict[int, int] = field(default_factory=dict)
    ahead: int = 0
    max_ahead_s: int = 0

    def add(self, o: Observation, hour: int) -> None:
        self.trucks += 1
        self.plates_read += o.plate != ""
        self.lanes[o.lane] = self.lanes.get(o.lane, 0) + 1
        self.hours[hour] += 1
        self.axle_mix[o.axle_count] = self.axle_mix.get(o.axle_count, 0) + 1
        if is_six_axle_articulated(o.axle_count, o.axle_groups):
            histograms.add(self.gross6, o.gross_weight_kg, GROSS_BIN_KG)
            if o.axle_weights_kg and o.gross_weight_kg >= LOADED6_KG:
                histograms.add(self.steer6, o.axle_weights_kg[0], STEER_BIN_KG)
        elif o.axle_count == 5:
            histograms.add(self.gross5, o.gross_weight_kg, GROSS_BIN_KG)
            if o.axle_weights_kg and o.gross_weight_kg >= LOADED5_KG and has_single_steer(o.axle_groups):
                histograms.add(self.steer5, o.axle_weights_kg[0], STEER_BIN_KG)
        lead_s = (o.captured_at - o.received_at).total_seconds()
        if lead_s > AHEAD_TOLERANCE_S:
            self.ahead += 1
            self.max_ahead_s = max(self.max_ahead_s, int(lead_s))

    def summary(self, day: date) -> DaySummary:
        return DaySummary(
            day=day,
            trucks=self.trucks,
            plates_read=self.plates_read,
            lanes=self.lanes,
            hours=tuple(self.hours),
            axle_mix=self.axle_mix,
            steer6=self.steer6,
            steer5=self.steer5,
            gross6=self.gross6,
            gross5=self.gross5,
            ahead=self.ahead,
            max_ahead_s=self.max_ahead_s,
        )


def merge(days: Sequence[DaySummary]) -> DaySummary:
    """The sum of several days (``max_ahead_s`` is the largest); ``day`` is the last one's. At least one."""
    if not days:
        raise ValueError("merge needs at least one DaySummary")
    return DaySummary(
        day=days[-1].day,
        trucks=sum(d.trucks for d in days),
        plates_read=sum(d.plates_read for d in days),
        lanes=histograms.merge(d.lanes for d in days),
        hours=tuple(sum(d.hours[h] for d in days) for h in range(24)),
        axle_mix=histograms.merge(d.axle_mix for d in days),
        steer6=histograms.merge(d.steer6 for d in days),
        steer5=histograms.merge(d.steer5 for d in days),
        gross6=histograms.merge(d.gross6 for d in days),
        gross5=histograms.merge(d.gross5 for d in days),
        ahead=sum(d.ahead for d in days),
        max_ahead_s=max(d.max_ahead_s for d in days),
    )


def thousands(value: float) -> str:
    """A whole number with a space between thousands, as in the console: 7230.4 → "7 230"."""
    return f"{round(value):,}".replace(",", " ")


def share_text(share: float) -> str:
    """A share of a threshold in words for messages: 0.5 → 一半, else a percentage."""
    return "一半" if share == 0.5 else f"{share * 100:g}%"
