"""The quarterly analysis, pure: quarter arithmetic, changes, rankings, buckets and the report's tables, with
numbers computed by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from zhichao.domain.quarterly import (
    Quarter,
    QuarterError,
    as_of,
    check_begun,
    city_of,
    comparable,
    fold_hours,
    parse_quarter,
    pct_change,
    pp_change,
    quarter_of,
    rank_change,
    rank_desc,
    repeat_buckets,
    weekday_days,
)
from zhichao.domain.quarterly_figures import (
    AccidentFigures,
    Counts,
    PrefixCount,
    QuarterFigures,
    SiteInfo,
    ViolationFigures,
)
from zhichao.domain.quarterly_places import place_of
from zhichao.domain.quarterly_report import build_report
from zhichao.domain.quarterly_tables import (
    CHANGE,
    DATETIME,
    INT,
    PERCENT,
    PP,
    RANK_CHANGE,
    TEXT,
    ReportSettings,
    Table,
    cell_text,
)
from zhichao.domain.regions import load_regions

SHANGHAI = ZoneInfo("Asia/Shanghai")
REGIONS = load_regions((Path(__file__).resolve().parents[2] / "src/zhichao/data/plate_regions.json").read_text("utf-8"))


@pytest.mark.parametrize(("day", "expected"), [
    (date(2026, 1, 1), Quarter(2026, 1)), (date(2026, 3, 31), Quarter(2026, 1)), (date(2026, 4, 1), Quarter(2026, 2)),
    (date(2026, 9, 30), Quarter(2026, 3)), (date(2026, 10, 1), Quarter(2026, 4)),
    (date(2026, 12, 31), Quarter(2026, 4)),
])  # fmt: skip
def test_the_quarter_of_a_day(day: date, expected: Quarter) -> None:
    assert quarter_of(day) == expected


@pytest.mark.parametrize(("q", "first", "last", "days", "previous", "following"), [
    (Quarter(2026, 1), date(2026, 1, 1), date(2026, 3, 31), 90, Quarter(2025, 4), Quarter(2026, 2)),
    (Quarter(2024, 1), date(2024, 1, 1), date(2024, 3, 31), 91, Quarter(2023, 4), Quarter(2024, 2)),  # leap year
    (Quarter(2026, 2), date(2026, 4, 1), date(2026, 6, 30), 91, Quarter(2026, 1), Quarter(2026, 3)),
    (Quarter(2026, 3), date(2026, 7, 1), date(2026, 9, 30), 92, Quarter(2026, 2), Quarter(2026, 4)),
    (Quarter(2026, 4), date(2026, 10, 1), date(2026, 12, 31), 92, Quarter(2026, 3), Quarter(2027, 1)),
])  # fmt: skip
def test_a_quarters_days_and_neighbours(q: Quarter, first: date, last: date, days: int, previous: Quarter,
                                        following: Quarter) -> None:
    assert (q.first_day, q.last_day, q.days, q.previous(), q.next()) == (first, last, days, previous, following)


def test_a_quarters_instants_run_from_local_midnight_to_the_next_quarters() -> None:
    start, end = Quarter(2026, 3).bounds(SHANGHAI)
    assert start == datetime(2026, 6, 30, 16, 0, tzinfo=UTC)
    assert end == datetime(2026, 9, 30, 16, 0, tzinfo=UTC)
    assert Quarter(2026, 4).bounds(SHANGHAI)[1] == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(("q", "key", "label"), [
    (Quarter(2026, 1), "2026-Q1", "2026年第一季度"), (Quarter(2026, 4), "2026-Q4", "2026年第四季度"),
])  # fmt: skip
def test_a_quarter_has_a_key_and_a_chinese_label(q: Quarter, key: str, label: str) -> None:
    assert (q.key, q.label) == (key, label)


@pytest.mark.parametrize(("year", "quarter", "expected"), [
    ("2026", "3", Quarter(2026, 3)), ("2026", "Q3", Quarter(2026, 3)), (" 2026 ", "q4", Quarter(2026, 4)),
    (2019, 1, Quarter(2019, 1)),
])  # fmt: skip
def test_a_quarter_is_read_from_what_a_caller_typed(year: object, quarter: object, expected: Quarter) -> None:
    assert parse_quarter(year, quarter) == expected


@pytest.mark.parametrize(("year", "quarter", "code"), [
    ("26", "1", "invalid_year"), ("1999", "1", "invalid_year"), ("2100", "1", "invalid_year"),
    ("abcd", "1", "invalid_year"), ("２０２６", "1", "invalid_year"), ("", "1", "invalid_year"),
    ("2026", "0", "invalid_quarter"), ("2026", "5", "invalid_quarter"), ("2026", "", "invalid_quarter"),
    ("2026", "Q", "invalid_quarter"), ("2026", "3.pdf", "invalid_quarter"), ("2026", "一", "invalid_quarter"),
])  # fmt: skip
def test_a_malformed_year_or_quarter_is_refused_with_its_code(year: str, quarter: str, code: str) -> None:
    with pytest.raises(QuarterError) as refused:
        parse_quarter(year, quarter)
    assert refused.value.code == code and refused.value.message


@pytest.mark.parametrize(("today", "begun", "covered"), [
    (date(2026, 6, 30), False, None), (date(2026, 7, 1), True, date(2026, 7, 1)),
    (date(2026, 9, 30), True, date(2026, 9, 30)), (date(2026, 10, 1), True, None),
])  # fmt: skip
def test_a_quarter_may_be_reported_once_begun_and_is_labelled_until_it_ends(today: date, begun: bool,
                                                                           covered: date | None) -> None:
    q = Quarter(2026, 3)
    if begun:
        check_begun(q, today)
        assert as_of(q, today) == covered
    else:
        with pytest.raises(QuarterError) as refused:
            check_begun(q, today)
        assert refused.value.code == "quarter_in_future"


@pytest.mark.parametrize(("current", "previous", "expected"), [
    (120, 100, 0.2), (75, 100, -0.25), (100, 100, 0.0), (5, 0, None), (0, 0, None), (0, 8, -1.0),
])  # fmt: skip
def test_a_count_changes_relatively(current: int, previous: int, expected: float | None) -> None:
    assert pct_change(current, previous) == expected


@pytest.mark.parametrize(("current", "previous", "points"), [
    (0.025, 0.030, -0.5), (0.0312, 0.0270, 0.42), (0.01, 0.01, 0.0), (None, 0.01, None), (0.01, None, None),
])  # fmt: skip
def test_a_rate_changes_in_percentage_points(current: float | None, previous: float | None,
                                             points: float | None) -> None:
    assert pp_change(current, previous) == (None if points is None else pytest.approx(points))


def test_ranks_put_the_highest_first_share_ties_and_skip_the_unknown() -> None:
    values = {"A": Fraction(3, 200), "B": Fraction(6, 400), "C": Fraction(1, 10), "D": None, "E": Fraction(0),
              "F": Fraction(1, 1000)}
    assert rank_desc(values) == {"C": 1, "A": 2, "B": 2, "F": 4, "E": 5}


@pytest.mark.parametrize(("previous", "current", "moved"), [(5, 2, 3), (2, 5, -3), (4, 4, 0), (None, 1, None),
                                                            (1, None, None)])
def test_a_rank_change_counts_places_towards_first(previous: int | None, current: int | None,
                                                   moved: int | None) -> None:
    assert rank_change(previous, current) == moved


def test_vehicles_are_bucketed_by_their_number_of_violations() -> None:
    # 40 plates once, 10 twice, 3 × 3, 2 × 5, 1 × 6, 1 × 10, 2 × 11, 1 × 40
    found = repeat_buckets({1: 40, 2: 10, 3: 3, 5: 2, 6: 1, 10: 1, 11: 2, 40: 1})
    assert [(b.bucket.label, b.vehicles, b.violations) for b in found] == [
        ("1 次", 40, 40), ("2 次", 10, 20), ("3–5 次", 5, 19), ("6–10 次", 2, 16), ("10 次以上", 3, 62)]


def test_utc_hours_fold_into_local_hours_weekdays_and_days() -> None:
    counts = [(datetime(2026, 7, 5, 15, tzinfo=UTC), 2),  # Sunday 23:00 in Shanghai
              (datetime(2026, 7, 5, 16, tzinfo=UTC), 3),  # Monday 00:00
              (datetime(2026, 7, 6, 1, tzinfo=UTC), 4)]  # Monday 09:00
    fold = fold_hours(counts, SHANGHAI)
    assert (fold.by_hour[23], fold.by_hour[0], fold.by_hour[9], sum(fold.by_hour)) == (2, 3, 4, 9)
    assert (fold.by_weekday[6], fold.by_weekday[0]) == (2, 7)
    assert fold.by_day == {date(2026, 7, 5): 2, date(2026, 7, 6): 7}


def test_a_quarter_counts_its_weekdays() -> None:
    # 2026-07-01 is a Wednesday; Q3 has 92 days: 13 weeks and one more Wednesday
    assert weekday_days(date(2026, 7, 1), date(2026, 9, 30)) == (13, 13, 14, 13, 13, 13, 13)
    assert weekday_days(date(2026, 7, 1), date(2026, 7, 2)) == (0, 0, 1, 1, 0, 0, 0)


@pytest.mark.parametrize(("value", "kind", "text"), [
    (0.0235, PERCENT, "2.35%"), (None, PERCENT, "—"), (0.125, CHANGE, "+12.5%"), (-0.03, CHANGE, "-3.0%"),
    (0.0, CHANGE, "0%"), (0.42, PP, "+0.42"), (-1.5, PP, "-1.50"), (3, RANK_CHANGE, "↑3"), (-2, RANK_CHANGE, "↓2"),
    (0, RANK_CHANGE, "持平"), (1234567, INT, "1,234,567"), ("G104", TEXT, "G104"), ("", TEXT, "—"),
    (datetime(2026, 8, 3, 10, 10, 59), DATETIME, "2026-08-03 10:10"),
])  # fmt: skip
def test_cells_are_printed_by_their_columns_kind(value: object, kind: str, text: str) -> None:
    assert cell_text(value, kind) == text


def test_the_city_is_read_from_the_authoritys_name() -> None:
    assert (city_of("绍兴市交通运输局"), city_of("某县交通运输局")) == ("绍兴市", "某县交通运输局")


# --- the report's tables, from a small city of three sites ------------------------------------------

SITES = [SiteInfo("S1", "甲站", "G104", "K1+000", "330602"), SiteInfo("S2", "乙站", "G104", "K9+000", "330603"),
         SiteInfo("S3", "丙站", "S308", None, "330681")]
SETTINGS = ReportSettings("绍兴市", "绍兴市交通运输局", "超限率超过 20%", ("浙D",), REGIONS, SHANGHAI)


def figures(**changes: object) -> QuarterFigures:
    base: dict[str, object] = dict(
        quarter=Quarter(2026, 3), as_of=None, sites=SITES,
        counts={"S1": Counts(1000, 60, 30, 2), "S2": Counts(400, 20, 12, 0)},  # S3 weighed nothing
        previous_counts={"S1": Counts(800, 40, 16, 1), "S2": Counts(500, 30, 20, 1), "S3": Counts(100, 9, 5, 0)},
        previous_vehicles=30,
        violations=ViolationFigures(total=42, vehicles=25, unread=2,
                                    by_prefix=[PrefixCount("浙D", 25, 15), PrefixCount("浙A", 5, 3),
                                               PrefixCount("皖K", 8, 6), PrefixCount("WJ", 2, 1)],
                                    vehicles_by_site={"S1": 18, "S2": 9}, vehicles_by_count={1: 20, 2: 3, 9: 2}),
        hours=[], cargo=[], sources=[], accidents=AccidentFigures())
    base.update(changes)
    return QuarterFigures(**base)  # type: ignore[arg-type]


def table_of(key: str, **changes: object) -> Table:
    report = build_report(figures(**changes), SETTINGS, datetime(2026, 10, 1, 2, tzinfo=UTC))
    return next(t for t in report.tables if t.key == key)


def test_the_summary_compares_counts_with_the_previous_quarter() -> None:
    rows = {r[0]: r[1:] for r in table_of("summary").rows}
    assert rows["称重货车（辆次）"] == (1400, 1400, 0, 0.0)
    assert rows["违法超限（辆次）"] == (42, 41, 1, pytest.approx(1 / 41))
    assert rows["违法车辆（辆）"] == (25, 30, -5, pytest.approx(-5 / 30))
    assert rows["百吨王（辆次）"] == (2, 2, 0, 0.0)
    rates = {r[0]: r[1:] for r in table_of("rates").rows}
    assert rates["超限率（违法超限 ÷ 称重货车）"] == (0.03, pytest.approx(41 / 1400), pytest.approx(3 - 41 / 14))


def test_sites_are_ranked_by_their_overload_rate_against_the_previous_quarter() -> None:
    rows = table_of("site_overload").rows
    # S1: 30/1000 = 3.0 %, rank 1 (before: 16/800 = 2.0 %, rank 3); S2: 12/400 = 3.0 %, rank 1 too (before 4.0 %,
    # rank 2); S3 weighed nothing: unranked (before 5.0 %, rank 1)
    assert [(r[0], r[1], r[7], r[9], r[11], r[12]) for r in rows] == [
        (1, "甲站", 0.03, 0.02, 3, 2), (1, "乙站", 0.03, 0.04, 2, 1), (None, "丙站", None, 0.05, 1, None)]
    assert rows[0][10] == pytest.approx(1.0) and rows[1][10] == pytest.approx(-1.0) and rows[2][10] is None
    assert rows[0][2:7] == ("G104 K1+000", "越城区", 1000, 60, 30)


def test_roads_sum_their_sites() -> None:
    assert table_of("by_road").rows == (("G104", 2, 1400, 42, 0.03, 1.0), ("S308", 1, 0, 0, None, 0.0))


def test_registration_splits_local_other_zhejiang_other_provinces_and_unknown() -> None:
    rows = {r[0]: (r[1], r[3]) for r in table_of("by_locality").rows}
    assert rows == {"本地号牌（浙D）": (25, 15), "本省其他地区": (5, 3), "外省": (8, 6), "号牌无法确定登记地": (2, 1),
                    "未识别号牌": (2, 0)}
    assert [r[:3] for r in table_of("by_province").rows] == [("浙江省", 30, 18), ("安徽省", 8, 6), ("无法确定", 2, 1)]


@pytest.mark.parametrize(("prefix", "province", "city", "local"), [
    ("浙D", "浙江省", "绍兴市", True), ("浙A", "浙江省", "杭州市", False), ("沪D", "上海市", "上海市", False),
    ("WJ", "无法确定", "无法确定", False),
])  # fmt: skip
def test_a_plate_prefix_names_its_registration_place(prefix: str, province: str, city: str, local: bool) -> None:
    place = place_of(prefix, SETTINGS)
    assert (place.province, place.city, place.local) == (province, city, local)


def test_repeat_offences_are_tabled_with_their_shares() -> None:
    rows = table_of("repeat").rows
    assert [r[:2] for r in rows] == [("1 次", 20), ("2 次", 3), ("3–5 次", 0), ("6–10 次", 2), ("10 次以上", 0)]
    assert rows[3][3:] == (18, pytest.approx(18 / 44))


def test_a_running_quarter_is_labelled_with_the_day_it_covers() -> None:
    report = build_report(figures(as_of=date(2026, 8, 15)), SETTINGS, datetime(2026, 8, 15, 2, tzinfo=UTC))
    assert report.period == "2026年7月1日起，截至2026年8月15日（季度未结束）"
    assert any("截至 2026-08-15" in p for p in report.sections[0].paragraphs)
    weekdays = next(t for t in report.tables if t.key == "by_weekday").rows
    assert sum(int(str(r[1])) for r in weekdays) == 46  # 1 July – 15 August


def test_every_table_has_a_unique_key_and_a_legal_sheet_name() -> None:
    report = build_report(figures(), SETTINGS, datetime(2026, 10, 1, 2, tzinfo=UTC))
    sheets = [t.sheet for t in report.tables]
    assert len(set(sheets)) == len(sheets) == len({t.key for t in report.tables}) == 18
    assert all(len(s) <= 31 and not set(s) & set("[]:*?/\\") for s in sheets)
    assert [s.title[:1] for s in report.sections] == list("一二三四五六七八九")


@pytest.mark.parametrize(("trucks", "days", "previous", "previous_days", "expected"), [
    (900_000, 90, 90_000, 90, True),    # a tenth a day: comparable
    (900_000, 90, 89_999, 90, False),   # just under
    (100_000, 10, 92_000, 92, True),    # a quarter ten days old against a whole one: daily volumes
    (393_550, 58, 2, 92, False),        # the network was not yet sending
    (1000, 30, 0, 91, False),           # nothing before
])  # fmt: skip
def test_the_previous_quarter_is_compared_only_when_it_is_comparable(trucks: int, days: int, previous: int,
                                                                      previous_days: int, expected: bool) -> None:
    assert comparable(trucks, days, previous, previous_days) is expected
