"""Sections of the quarterly report about the whole city and the vehicles: the overview (a), vehicle types
and axles (b), cargo and freight sources (c), hours and weekdays (e), repeat offenders (g) and accidents (h);
pure. Places (d, f, i) are in quarterly_places.py."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from zhichao.domain.accidents import SEVERITIES, SEVERITY_LABELS
from zhichao.domain.document_context import COUNTIES, VEHICLE_TYPES
from zhichao.domain.plates import is_local
from zhichao.domain.quarterly import WEEKDAYS, fold_hours, pct_change, pp_change, rate, repeat_buckets, weekday_days
from zhichao.domain.quarterly_figures import AccidentTotal, QuarterFigures, total
from zhichao.domain.quarterly_tables import (
    CHANGE,
    DATETIME,
    INT,
    NUMBER,
    PERCENT,
    PP,
    Chart,
    Col,
    ReportSettings,
    Section,
    change_words,
    pct_text,
    pp_words,
    share,
    table,
)  # fmt: skip

NO_TYPE = "未判别（设备未报车型）"
NO_CARGO = "未登记货物"
NIGHT_HOURS = frozenset({22, 23, 0, 1, 2, 3, 4, 5})


def last_day(f: QuarterFigures) -> date:
    return f.as_of or f.quarter.last_day


def overview(f: QuarterFigures, s: ReportSettings) -> Section:
    cur, prev, v = total(f.counts), total(f.previous_counts), f.violations
    counts = [("称重货车（辆次）", cur.trucks, prev.trucks),
              ("超限货车（辆次）", cur.overloaded, prev.overloaded),
              ("违法超限（辆次）", cur.actionable, prev.actionable),
              ("违法车辆（辆）", v.vehicles, f.previous_vehicles),
              ("百吨王（辆次）", cur.gross_100t, prev.gross_100t)]
    now_rate, old_rate = rate(cur.actionable, cur.trucks), rate(prev.actionable, prev.trucks)
    rates = [("超限率（违法超限 ÷ 称重货车）", now_rate, old_rate),
             ("超限货车占比（超限 ÷ 称重货车）", rate(cur.overloaded, cur.trucks), rate(prev.overloaded, prev.trucks))]
    first = table("summary", "总体情况", "表 1-1 总体情况与上季度比较",
                  [Col("item", "指标", width=30), Col("current", "本季度", INT), Col("previous", "上季度", INT),
                   Col("difference", "增减", INT), Col("change", "增减率", CHANGE)],
                  [(name, c, p, c - p, pct_change(c, p)) if f.previous_counts else (name, c, None, None, None)
                   for name, c, p in counts])
    second = table("rates", "超限率", "表 1-2 超限率与上季度比较",
                   [Col("item", "指标", width=30), Col("current", "本季度", PERCENT),
                    Col("previous", "上季度", PERCENT),
                    Col("change_pp", "变化（百分点）", PP)],
                   [(name, c, p, pp_change(c, p)) for name, c, p in rates])
    sites = sum(1 for c in f.counts.values() if c.trucks)
    text = (f"全市 {sites} 个治超检测点共称重货车 {cur.trucks:,} 辆次，其中超限 {cur.overloaded:,} 辆次、违法超限 "
            f"{cur.actionable:,} 辆次，超限率 {pct_text(now_rate)}，较上季度{pp_words(pp_change(now_rate, old_rate))}；"
            f"违法超限较上季度{change_words(pct_change(cur.actionable, prev.actionable))}。违法车辆 {v.vehicles:,} 辆"
            f"（按号牌去重），百吨王 {cur.gross_100t:,} 辆次。")
    paragraphs = [text]
    if f.as_of is not None:
        paragraphs.append(f"本季度尚未结束，本报告数据截至 {f.as_of.isoformat()}，上季度为全季数据，"
                          "比较时请注意天数不同。")
    return Section("overview", "一、总体情况", tuple(paragraphs), (first, second), (_daily_chart(f, s),))


def _daily_chart(f: QuarterFigures, s: ReportSettings) -> Chart:
    fold = fold_hours(((h.hour, h.actionable) for h in f.hours), s.tz)
    trucks = fold_hours(((h.hour, h.trucks) for h in f.hours), s.tz).by_day
    first = f.quarter.first_day
    days = [first + timedelta(days=i) for i in range((last_day(f) - first).days + 1)]
    values = tuple(float(fold.by_day.get(d, 0)) if trucks.get(d) else None for d in days)
    return Chart("line", "每日违法超限", "辆次", tuple(d.isoformat() for d in days), values, tuple(days))


def vehicle_types(f: QuarterFigures) -> Section:
    v = f.violations
    axles = sorted(v.by_axle, key=lambda a: a.axle_count)
    by_axle = table("by_axle", "按轴数", "表 2-1 违法超限按轴数",
                    [Col("axles", "轴数"), Col("violations", "违法超限（辆次）", INT), Col("share", "占比", PERCENT),
                     Col("vehicles", "违法车辆（辆）", INT)],
                    [(f"{a.axle_count} 轴", a.violations, share(a.violations, v.total), a.vehicles) for a in axles])
    types = sorted(v.by_type, key=lambda t: (-t.violations, t.vehicle_type or "~", t.axle_count))
    by_type = table("by_type", "按车型", "表 2-2 违法超限按车型与轴数",
                    [Col("vehicle_type", "车型", width=24), Col("axles", "轴数", INT),
                     Col("violations", "违法超限（辆次）", INT), Col("share", "占比", PERCENT),
                     Col("vehicles", "违法车辆（辆）", INT)],
                    [(_type_label(t.vehicle_type), t.axle_count, t.violations, share(t.violations, v.total), t.vehicles)
                     for t in types])
    chart = Chart("bar", "违法超限按轴数", "辆次", tuple(f"{a.axle_count}轴" for a in axles),
                  tuple(float(a.violations) for a in axles))
    paragraphs = [f"本季度违法超限 {v.total:,} 辆次，涉及车辆 {v.vehicles:,} 辆（另有 {v.unread:,} 辆次未识别号牌，"
                  f"计入违法次数，不计入车辆数）。"]
    if axles:
        top = max(axles, key=lambda a: a.violations)
        paragraphs.append(f"按轴数，{top.axle_count} 轴车最多，{top.violations:,} 辆次，占 "
                          f"{pct_text(share(top.violations, v.total), 1)}。车型以检测设备判别的结果为准，"
                          f"不判别车型的设备记为“{NO_TYPE}”。")
    return Section("vehicle_types", "二、违法车辆的车型与轴数", tuple(paragraphs), (by_axle, by_type), (chart,))


def _type_label(code: str | None) -> str:
    if not code:
        return NO_TYPE
    return VEHICLE_TYPES.get(code, "其他" if code == "other" else code)


def cargo(f: QuarterFigures) -> Section:
    rows = sorted(f.cargo, key=lambda c: (-c.overloaded, -c.inspections, c.cargo or "~"))
    by_cargo = table("by_cargo", "按货物（现场检查）", "表 3-1 现场检查按货物",
                     [Col("cargo", "货物", width=20), Col("inspections", "现场检查（次）", INT),
                      Col("overloaded", "发现超限（次）", INT),
                      Col("violators", "其中车辆本季度有违法超限（次）", INT)],
                     [(c.cargo or NO_CARGO, c.inspections, c.overloaded, c.violators) for c in rows])
    sources = sorted(f.sources, key=lambda x: (-x.overloaded, -x.road_cases, x.code))
    by_source = table("by_source", "按货运源头", "表 3-2 货运源头出场与关联路面案件",
                      [Col("code", "源头编号"), Col("name", "名称", width=24), Col("county", "区县"),
                       Col("connected", "称重接入"), Col("departures", "出场（辆次）", INT),
                       Col("overloaded", "超限出场（辆次）", INT), Col("share", "超限出场占比", PERCENT),
                       Col("road_cases", "关联路面案件", INT), Col("penalised", "其中已处罚", INT)],
                      [(x.code, x.name, COUNTIES.get(x.county_code or "", x.county_code or ""),
                        "已接入" if x.connected else "未接入", x.departures, x.overloaded,
                        share(x.overloaded, x.departures), x.road_cases, x.penalised) for x in sources])
    inspections, found = sum(c.inspections for c in f.cargo), sum(c.overloaded for c in f.cargo)
    named = [c for c in rows if c.cargo and c.overloaded][:3]
    text = f"本季度现场检查 {inspections:,} 次，发现超限 {found:,} 次"
    text += ("，超限车辆装载的货物主要为" + "、".join(f"{c.cargo}（{c.overloaded} 次）" for c in named) + "。"
             if named else "。")
    departures, over = sum(x.departures for x in f.sources), sum(x.overloaded for x in f.sources)
    return Section("cargo", "三、货物与货运源头", (
        "货物信息取自现场检查记录（检查时登记的货物）；非现场称重记录不含货物。" + text,
        f"货运源头出场 {departures:,} 辆次，其中超限出场 {over:,} 辆次。源头称重的出场记录不含货物信息，"
        "因此货源只能按源头统计出场、超限出场及追溯到源头的路面案件，无法按货物细分。",
    ), (by_cargo, by_source))


def time_of_day(f: QuarterFigures, s: ReportSettings) -> Section:
    act = fold_hours(((h.hour, h.actionable) for h in f.hours), s.tz)
    trucks = fold_hours(((h.hour, h.trucks) for h in f.hours), s.tz)
    total_act = sum(act.by_hour)
    hours = table("by_hour", "按时段", "表 5-1 违法超限按时段（北京时间）",
                  [Col("hour", "时段"), Col("trucks", "称重货车（辆次）", INT),
                   Col("violations", "违法超限（辆次）", INT), Col("rate", "超限率", PERCENT),
                   Col("share", "占违法超限", PERCENT)],
                  [(f"{h:02d}:00–{h + 1:02d}:00", trucks.by_hour[h], act.by_hour[h],
                    rate(act.by_hour[h], trucks.by_hour[h]), share(act.by_hour[h], total_act)) for h in range(24)])
    days = weekday_days(f.quarter.first_day, last_day(f))
    weekdays = table("by_weekday", "按星期", "表 5-2 违法超限按星期",
                     [Col("weekday", "星期"), Col("days", "天数", INT), Col("violations", "违法超限（辆次）", INT),
                      Col("per_day", "日均违法超限", NUMBER), Col("trucks", "称重货车（辆次）", INT),
                      Col("rate", "超限率", PERCENT)],
                     [(WEEKDAYS[d], days[d], act.by_weekday[d], act.by_weekday[d] / days[d] if days[d] else None,
                       trucks.by_weekday[d], rate(act.by_weekday[d], trucks.by_weekday[d])) for d in range(7)])
    charts = (Chart("bar", "违法超限按时段", "辆次", tuple(str(h) for h in range(24)),
                    tuple(float(n) for n in act.by_hour)),
              Chart("bar", "日均违法超限按星期", "辆次", WEEKDAYS,
                    tuple(round(act.by_weekday[d] / days[d], 1) if days[d] else None for d in range(7))))
    return Section("time", "五、违法超限的时段与星期分布", (_time_words(act.by_hour, total_act),), (hours, weekdays),
                   charts)


def _time_words(by_hour: Sequence[int], whole: int) -> str:
    if not whole:
        return "本季度没有违法超限。"
    peak = sorted(range(24), key=lambda h: (-by_hour[h], h))[:3]
    night = sum(by_hour[h] for h in NIGHT_HOURS)
    return ("违法超限最多的时段为 " + "、".join(f"{h:02d}时" for h in peak) + f"；夜间（22 时至次日 6 时）"
            f"违法超限 {night:,} 辆次，占 {pct_text(share(night, whole), 1)}。时段按北京时间，星期按日均比较"
            "（季度内各星期的天数不同）。")


def repeat_offenders(f: QuarterFigures, s: ReportSettings) -> Section:
    v = f.violations
    buckets = repeat_buckets(v.vehicles_by_count)
    read = sum(b.violations for b in buckets)
    by_count = table("repeat", "违法次数分布", "表 7-1 违法车辆按本季度违法次数",
                     [Col("times", "违法次数"), Col("vehicles", "车辆（辆）", INT),
                      Col("vehicle_share", "占违法车辆", PERCENT), Col("violations", "违法超限（辆次）", INT),
                      Col("violation_share", "占违法超限（有号牌）", PERCENT)],
                     [(b.bucket.label, b.vehicles, share(b.vehicles, v.vehicles), b.violations,
                       share(b.violations, read)) for b in buckets])
    top = table("top_plates", "违法最多车辆", f"表 7-2 违法次数最多的 {len(v.top)} 辆车",
                [Col("no", "序号", INT), Col("plate", "车牌"), Col("local", "本地/外地"),
                 Col("violations", "违法超限（辆次）", INT), Col("sites", "涉及检测点", INT),
                 Col("max_rate", "最高超限率", PERCENT)],
                [(i, t.plate, "本地" if is_local(t.plate, s.local_prefixes) else "外地", t.violations, t.sites,
                  t.max_rate_x100 / 10_000) for i, t in enumerate(v.top, 1)])
    chart = Chart("bar", "违法车辆按违法次数", "辆", tuple(b.bucket.label for b in buckets),
                  tuple(float(b.vehicles) for b in buckets))
    many = [b for b in buckets if b.bucket.low >= 3]
    n, w = sum(b.vehicles for b in many), sum(b.violations for b in many)
    text = (f"本季度违法 3 次及以上的车辆 {n:,} 辆，占违法车辆的 {pct_text(share(n, v.vehicles), 1)}，其违法超限 {w:,} "
            f"辆次，占有号牌违法超限的 {pct_text(share(w, read), 1)}。")
    if v.top:
        text += f"违法最多的车辆 {v.top[0].plate} 本季度违法超限 {v.top[0].violations} 次。"
    return Section("repeat", "七、违法次数与重点车辆", (text,), (by_count, top), (chart,))


def accidents(f: QuarterFigures, s: ReportSettings) -> Section:
    a = f.accidents
    rows: list[tuple[object, ...]] = []
    for sev in (*reversed(SEVERITIES), None):
        of_sev = [t for t in a.totals if sev is None or t.severity == sev]
        involved = [t for t in of_sev if t.involved]
        rows.append((SEVERITY_LABELS[sev] if sev else "合计", *_sums(of_sev), *_sums(involved)))
    totals = table("accidents", "交通事故", "表 8-1 本季度货车交通事故与涉违法车辆事故",
                   [Col("severity", "事故等级"), Col("accidents", "事故（起）", INT), Col("deaths", "死亡（人）", INT),
                    Col("injuries", "受伤（人）", INT), Col("loss", "财产损失（元）", INT),
                    Col("involved", "涉违法车辆事故（起）", INT), Col("involved_deaths", "其中死亡（人）", INT),
                    Col("involved_injuries", "其中受伤（人）", INT), Col("involved_loss", "其中财产损失（元）", INT)],
                   rows)
    listed = table("accident_list", "涉违法车辆事故", "表 8-2 涉违法车辆的交通事故",
                   [Col("ref", "事故编号", width=18), Col("occurred_at", "事故时间", DATETIME, 17),
                    Col("plate", "车牌"), Col("place", "地点", width=30), Col("county", "区县"),
                    Col("severity", "等级"), Col("deaths", "死亡", INT), Col("injuries", "受伤", INT),
                    Col("loss", "财产损失（元）", INT), Col("overloaded", "认定超载"),
                    Col("violations", "违法超限（本季及前12个月）", INT)],
                   [(r.ref, r.occurred_at.astimezone(s.tz).replace(tzinfo=None), r.plate,
                     r.place + (f"（{r.road}）" if r.road else ""),
                     COUNTIES.get(r.county_code or "", r.county_code or ""),
                     SEVERITY_LABELS.get(r.severity, r.severity), r.deaths, r.injuries, r.loss_yuan,
                     _finding(r.overloaded), r.violations) for r in a.involved])
    every, inv = _sums(a.totals), _sums([t for t in a.totals if t.involved])
    text = (f"本季度登记货车交通事故 {every[0]:,} 起（死亡 {every[1]} 人、受伤 {every[2]} 人），其中 {inv[0]:,} 起"
            f"涉及本季度或此前 12 个月有违法超限记录的车辆（死亡 {inv[1]} 人、受伤 {inv[2]} 人）。")
    return Section("accidents", "八、违法车辆涉及的交通事故", (text,), (totals, listed), landscape=True)


def _finding(overloaded: bool | None) -> str:
    return "未认定" if overloaded is None else ("是" if overloaded else "否")


def _sums(ts: Sequence[AccidentTotal]) -> tuple[int, int, int, int]:
    return (sum(t.accidents for t in ts), sum(t.deaths for t in ts), sum(t.injuries for t in ts),
            sum(t.loss_yuan for t in ts))
