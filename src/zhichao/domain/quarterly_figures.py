"""What the quarterly analysis counts, as the database gives it (adapters/db/quarterly.py); pure data.

Counts of trucks and overloads come from the hourly rollup (``hourly_counts``), summed per site or per hour;
everything about violating vehicles (type, axles, plate, registration, repeat offences) comes from the
quarter's actionable records at enforcement sites, grouped in SQL. Times are aware (UTC); nothing here is
labelled in Chinese yet (domain/quarterly_report.py does that).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from zhichao.domain.inspections import RESULTS
from zhichao.domain.quarterly import Quarter

# Inspection results that found the truck overloaded (domain/inspections.py): unloaded on the spot, case opened.
OVERLOAD_FOUND: tuple[str, ...] = tuple(k for k in ("unloaded", "overload_case") if k in RESULTS)


@dataclass(frozen=True, slots=True)
class Counts:
    """Rollup counters of a site (or the city) over a period: trucks weighed, over the limit, over the
    actionable line (violations), gross ≥ 100 t (百吨王)."""

    trucks: int = 0
    overloaded: int = 0
    actionable: int = 0
    gross_100t: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.trucks + other.trucks, self.overloaded + other.overloaded,
                      self.actionable + other.actionable, self.gross_100t + other.gross_100t)


def total(counts: Mapping[str, Counts]) -> Counts:
    out = Counts()
    for c in counts.values():
        out = out + c
    return out


@dataclass(frozen=True, slots=True)
class SiteInfo:
    """An enforcement site (stations of kind ``site``) as the registry describes it."""

    station_id: str
    name: str
    road: str | None = None
    stake: str | None = None
    county_code: str | None = None


@dataclass(frozen=True, slots=True)
class HourCount:
    hour: datetime  # the UTC hour's start
    trucks: int
    actionable: int


@dataclass(frozen=True, slots=True)
class TypeCount:
    vehicle_type: str | None  # as the station classified it; None when it does not classify
    axle_count: int
    violations: int
    vehicles: int  # distinct read plates


@dataclass(frozen=True, slots=True)
class AxleCount:
    axle_count: int
    violations: int
    vehicles: int


@dataclass(frozen=True, slots=True)
class PrefixCount:
    prefix: str  # the plate's first two characters (浙D)
    violations: int
    vehicles: int


@dataclass(frozen=True, slots=True)
class TopPlate:
    plate: str
    violations: int
    sites: int
    max_rate_x100: int  # the highest overload rate among them, in hundredths of a percent


@dataclass(frozen=True, slots=True)
class ViolationFigures:
    """The quarter's violations (actionable records at sites), grouped in SQL."""

    total: int = 0
    vehicles: int = 0  # distinct read plates
    unread: int = 0  # violations without a read plate: counted, but in no vehicle table
    by_type: Sequence[TypeCount] = ()
    by_axle: Sequence[AxleCount] = ()
    vehicles_by_site: Mapping[str, int] = field(default_factory=dict)
    by_prefix: Sequence[PrefixCount] = ()
    vehicles_by_count: Mapping[int, int] = field(default_factory=dict)  # violations of a plate → plates
    top: Sequence[TopPlate] = ()


@dataclass(frozen=True, slots=True)
class CargoCount:
    """On-site inspections of the quarter with one cargo (as the officer wrote it; None: not written)."""

    cargo: str | None
    inspections: int
    overloaded: int  # found overloaded: unloaded on the spot or a case opened
    violators: int  # of a vehicle with a violation in the quarter


@dataclass(frozen=True, slots=True)
class SourceCount:
    code: str
    name: str
    county_code: str | None
    connected: bool  # its scale is a platform station
    departures: int
    overloaded: int
    road_cases: int
    penalised: int


@dataclass(frozen=True, slots=True)
class AccidentTotal:
    severity: str
    involved: bool  # a vehicle with a violation in the quarter or the 12 months before
    accidents: int
    deaths: int
    injuries: int
    loss_yuan: int


@dataclass(frozen=True, slots=True)
class AccidentRow:
    ref: str
    occurred_at: datetime
    plate: str
    place: str
    road: str | None
    county_code: str | None
    severity: str
    deaths: int
    injuries: int
    loss_yuan: int | None
    overloaded: bool | None
    violations: int  # the plate's violations in the quarter and the 12 months before


@dataclass(frozen=True, slots=True)
class AccidentFigures:
    totals: Sequence[AccidentTotal] = ()
    involved: Sequence[AccidentRow] = ()


@dataclass(frozen=True, slots=True)
class QuarterFigures:
    """Everything the report counts for ``quarter`` (up to ``as_of`` while it runs) and its predecessor."""

    quarter: Quarter
    as_of: date | None
    sites: Sequence[SiteInfo]
    counts: Mapping[str, Counts]
    previous_counts: Mapping[str, Counts]
    previous_vehicles: int
    violations: ViolationFigures
    hours: Sequence[HourCount]
    cargo: Sequence[CargoCount]
    sources: Sequence[SourceCount]
    accidents: AccidentFigures
