"""The quarterly analysis report (季度分析报告) put together from its figures: cover, how each figure is
counted, headline figures and the nine sections the bureau's plan asks for; pure (the generation time and
the settings are arguments)."""

from __future__ import annotations

from datetime import datetime

from zhichao.domain.quarterly import pct_change, pp_change, rate
from zhichao.domain.quarterly_figures import QuarterFigures, total
from zhichao.domain.quarterly_places import registration, site_overload, sites_and_roads
from zhichao.domain.quarterly_sections import (
    accidents,
    cargo,
    last_day,
    overview,
    repeat_offenders,
    time_of_day,
    vehicle_types,
)  # fmt: skip
from zhichao.domain.quarterly_tables import (
    Highlight,
    Report,
    ReportSettings,
    change_words,
    cn_day,
    pct_text,
    pp_words,
)  # fmt: skip


def title_of(city: str) -> str:
    return f"{city}治超非现场执法季度分析报告"


def period_of(f: QuarterFigures) -> str:
    q = f.quarter
    if f.as_of is None:
        return f"{cn_day(q.first_day)}至{cn_day(q.last_day)}"
    return f"{cn_day(q.first_day)}起，截至{cn_day(f.as_of)}（季度未结束）"


def method(f: QuarterFigures, s: ReportSettings) -> tuple[str, ...]:
    """How each figure is counted, printed before the sections and on the workbook's first sheet."""
    prev = f.quarter.previous()
    return (
        f"统计范围：全市治超检测点（非现场执法站点，不含高速入口称重和源头企业称重），{period_of(f)}，按北京时间计。",
        f"违法超限：在治超检测点称重、超过可处罚线的过车记录，即{s.rule_note}；每条记录计一次（辆次），同一车辆多次"
        "违法分别计数。超限：超过法定限值的过车记录（含未达可处罚线的）。百吨王：车货总质量 100 吨及以上。",
        "称重货车、超限、违法超限、百吨王及时段分布取自与过车记录同一事务写入的小时汇总；车型、轴数、登记地、"
        "违法次数和重点车辆由本季度违法超限记录分组统计。",
        "违法车辆：按规范化号牌去重；未识别号牌的违法超限计入违法次数，不计入车辆数、登记地与违法次数分布。",
        "超限率 = 违法超限 ÷ 称重货车（与“非现场点位平均超限率”指标同一口径）。",
        f"登记地由号牌前两位（省份简称与发牌机关代号）确定；本地号牌为 {'、'.join(s.local_prefixes)}。",
        "货物：取自现场检查时登记的货物；源头出场称重记录不含货物信息。",
        "交通事故：事故登记表中本季度发生的货车事故；其号牌在本季度或此前 12 个月有违法超限记录的，"
        "计为涉违法车辆事故。",
        f"与上季度（{prev.label}）比较：数量给出增减率，比率给出百分点变化；上季度日均称重货车不足本季度的十分之一"
        "（如检测点尚在建设、数据缺失）时不作比较。",
    )


def highlights(f: QuarterFigures) -> tuple[Highlight, ...]:
    cur, prev = total(f.counts), total(f.previous_counts)
    now_rate, old_rate = rate(cur.actionable, cur.trucks), rate(prev.actionable, prev.trucks)
    involved = sum(t.accidents for t in f.accidents.totals if t.involved)
    return (
        Highlight("称重货车", f"{cur.trucks:,} 辆次", change_words(pct_change(cur.trucks, prev.trucks))),
        Highlight("违法超限", f"{cur.actionable:,} 辆次", change_words(pct_change(cur.actionable, prev.actionable))),
        Highlight("超限率", pct_text(now_rate), pp_words(pp_change(now_rate, old_rate))),
        Highlight("违法车辆", f"{f.violations.vehicles:,} 辆",
                  change_words(pct_change(f.violations.vehicles, f.previous_vehicles))),
        Highlight("百吨王", f"{cur.gross_100t:,} 辆次", change_words(pct_change(cur.gross_100t, prev.gross_100t))),
        Highlight("涉违法车辆交通事故", f"{involved:,} 起", ""),
    )


def build_report(f: QuarterFigures, s: ReportSettings, generated_at: datetime) -> Report:
    """The report of ``f.quarter``, as of ``f.as_of`` while it runs; ``generated_at`` is shown in local time."""
    sections = (
        overview(f, s), vehicle_types(f), cargo(f), sites_and_roads(f), time_of_day(f, s), registration(f, s),
        repeat_offenders(f, s), accidents(f, s), site_overload(f, s),
    )
    assert last_day(f) >= f.quarter.first_day, "a report of a quarter that has not begun"
    return Report(quarter=f.quarter, title=title_of(s.city), city=s.city, authority=s.authority,
                  period=period_of(f), as_of=f.as_of, generated_at=generated_at.astimezone(s.tz),
                  method=method(f, s), highlights=highlights(f), sections=sections)
