"""The quarterly analysis (季度分析报告, KPIS.md): quarters, changes, rankings and buckets; pure.

A quarter is three calendar months in the display time zone (Asia/Shanghai): Q1 January–March, Q2
April–June, Q3 July–September, Q4 October–December. Its instants are ``[start, end)`` from local
midnight of its first day to local midnight of the next quarter's first day. A quarter may be reported
once it has begun; until it has ended the report is labelled 截至 <date> (``as_of``). No clock is read:
``today`` is an argument.

Changes against the previous quarter: counts as a relative change (``pct_change``, a fraction:
0.125 is +12.5 %), rates as a difference in percentage points (``pp_change``). A count that was 0 has no
relative change (None, printed —).

Rankings (``rank_desc``): competition ranking ("1224"), highest value first, equal values share a rank;
rows without a value (a site that weighed no truck) are not ranked. Rates are compared as exact fractions,
so two sites with 3/200 and 6/400 share a rank whatever floating point would say.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from fractions import Fraction

from zhichao.domain.errors import DomainError

MIN_YEAR, MAX_YEAR = 2000, 2099
QUARTER_WORDS = ("一", "二", "三", "四")
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


class QuarterError(DomainError):
    """A quarter that cannot be reported: malformed (``invalid_year``, ``invalid_quarter``) or not yet begun
    (``quarter_in_future``); the edge answers 400."""

    code = "invalid_quarter"

    def __init__(self, code: str, message: str, details: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.details = details


@dataclass(frozen=True, order=True, slots=True)
class Quarter:
    year: int
    number: int  # 1–4

    @property
    def key(self) -> str:
        """``2026-Q3``: file names, sheet and JSON identifiers."""
        return f"{self.year}-Q{self.number}"

    @property
    def label(self) -> str:
        return f"{self.year}年第{QUARTER_WORDS[self.number - 1]}季度"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    def year_before(self) -> Quarter:
        return Quarter(self.year - 1, self.number)

    def bounds(self, tz: tzinfo) -> tuple[datetime, datetime]:
        """The quarter's UTC instants ``[start, end)``: local midnights of its first day and the next quarter's."""
        return local_midnight(self.first_day, tz), local_midnight(self.next().first_day, tz)


def local_midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(), tz).astimezone(UTC)


def quarter_of(day: date) -> Quarter:
    return Quarter(day.year, (day.month - 1) // 3 + 1)


def parse_quarter(year: object, quarter: object) -> Quarter:
    """A quarter from what a caller typed: year ``2026``, quarter ``3`` or ``Q3``; ``QuarterError`` otherwise."""
    y = str(year).strip()
    if not (y.isascii() and y.isdigit() and MIN_YEAR <= int(y) <= MAX_YEAR):
        raise QuarterError("invalid_year", f"年份应为 {MIN_YEAR}–{MAX_YEAR} 的四位数字，收到 {y[:16] or '（空）'}",
                           {"year": y[:16]})
    q = str(quarter).strip().upper().removeprefix("Q")
    if q not in {"1", "2", "3", "4"}:
        raise QuarterError("invalid_quarter", f"季度应为 1–4，收到 {str(quarter)[:16] or '（空）'}",
                           {"quarter": str(quarter)[:16]})
    return Quarter(int(y), int(q))


def check_begun(q: Quarter, today: date) -> None:
    if q.first_day > today:
        raise QuarterError("quarter_in_future", f"{q.label}尚未开始（{q.first_day.isoformat()} 起），不能生成报告",
                           {"quarter": q.key, "begins_on": q.first_day.isoformat()})


def as_of(q: Quarter, today: date) -> date | None:
    """The last day a report of ``q`` made on ``today`` covers, or None when the quarter has ended."""
    return None if today > q.last_day else today


def city_of(authority: str) -> str:
    """The city an authority's name begins with (绍兴市交通运输局 → 绍兴市); the name itself without 市."""
    head, found, _ = authority.partition("市")
    return head + found if found else authority


# --- rates and changes ----------------------------------------------------------------------------


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def pct_change(current: int, previous: int) -> float | None:
    """The relative change of a count (0.125 = +12.5 %); None when the previous count was 0."""
    return (current - previous) / previous if previous else None


# A previous quarter that weighed less than a tenth of this quarter's trucks a day (the network still being
# built, a gap in the data) is no basis for a change: the report says there is nothing to compare with
# rather than printing an increase of a million percent.
MIN_COMPARABLE_SHARE = 0.1


def comparable(trucks: int, days: int, previous_trucks: int, previous_days: int) -> bool:
    """Whether the previous quarter's counts are worth comparing with (daily volumes, not totals: the
    quarter being reported may not have ended)."""
    if previous_trucks == 0 or days <= 0 or previous_days <= 0:
        return False
    return previous_trucks / previous_days >= MIN_COMPARABLE_SHARE * trucks / days


def pp_change(current: float | None, previous: float | None) -> float | None:
    """The change of a rate in percentage points (0.030 → 0.025 is −0.5); None when either is unknown."""
    if current is None or previous is None:
        return None
    return round((current - previous) * 100, 10)


def rank_desc(values: Mapping[str, Fraction | int | None]) -> dict[str, int]:
    """Competition ranks, highest value first; keys whose value is None are left out."""
    ranked = sorted(((v, k) for k, v in values.items() if v is not None), key=lambda vk: (-vk[0], vk[1]))
    out: dict[str, int] = {}
    for i, (value, key) in enumerate(ranked):
        out[key] = out[ranked[i - 1][1]] if i and ranked[i - 1][0] == value else i + 1
    return out


def exact_rate(part: int, whole: int) -> Fraction | None:
    return Fraction(part, whole) if whole else None


def rank_change(previous: int | None, current: int | None) -> int | None:
    """Places moved towards rank 1 (a higher overload rate): previous − current; None without both ranks."""
    if previous is None or current is None:
        return None
    return previous - current


# --- buckets ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bucket:
    key: str
    low: int
    high: int | None  # inclusive; None: no upper end
    label: str

    def holds(self, n: int) -> bool:
        return n >= self.low and (self.high is None or n <= self.high)


REPEAT_BUCKETS: tuple[Bucket, ...] = (
    Bucket("1", 1, 1, "1 次"), Bucket("2", 2, 2, "2 次"), Bucket("3-5", 3, 5, "3–5 次"),
    Bucket("6-10", 6, 10, "6–10 次"), Bucket("11+", 11, None, "10 次以上"),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class BucketCount:
    bucket: Bucket
    vehicles: int
    violations: int


def repeat_buckets(vehicles_by_count: Mapping[int, int],
                   buckets: Sequence[Bucket] = REPEAT_BUCKETS) -> list[BucketCount]:
    """Vehicles by their number of violations, as ``{violations of a vehicle: vehicles}``, put in buckets;
    each bucket also sums the violations of its vehicles."""
    out = []
    for b in buckets:
        held = [(n, v) for n, v in vehicles_by_count.items() if n > 0 and b.holds(n)]
        out.append(BucketCount(b, sum(v for _, v in held), sum(n * v for n, v in held)))
    return out


# --- time of day and weekday --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimeFold:
    """Counts of UTC hours folded into local hours of the day, weekdays (Monday 0) and days."""

    by_hour: tuple[int, ...]
    by_weekday: tuple[int, ...]
    by_day: Mapping[date, int]


def fold_hours(counts: Iterable[tuple[datetime, int]], tz: tzinfo) -> TimeFold:
    """Fold ``(hour start, count)`` pairs into the local hour of day, weekday and day of their start. The
    rollup's hours are UTC hours; in a zone whose offset is whole hours (Asia/Shanghai) this is exact."""
    hours, weekdays, days = [0] * 24, [0] * 7, dict[date, int]()
    for start, n in counts:
        local = start.astimezone(tz)
        hours[local.hour] += n
        weekdays[local.weekday()] += n
        days[local.date()] = days.get(local.date(), 0) + n
    return TimeFold(tuple(hours), tuple(weekdays), days)


def weekday_days(first: date, last: date) -> tuple[int, ...]:
    """How many Mondays … Sundays lie in ``[first, last]`` (for a per-day average by weekday)."""
    out = [0] * 7
    for i in range(max(0, (last - first).days + 1)):
        out[(first + timedelta(days=i)).weekday()] += 1
    return tuple(out)
