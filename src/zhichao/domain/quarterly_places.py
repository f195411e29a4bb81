"""Sections of the quarterly report about places: violations by site and road (d), by registration place
(f), and the overload situation of every enforcement site with its ranking (i); pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from zhichao.domain.document_context import COUNTIES
from zhichao.domain.plates import is_local
from zhichao.domain.quarterly import exact_rate, pp_change, rank_change, rank_desc, rate
from zhichao.domain.quarterly_figures import Counts, PrefixCount, QuarterFigures, SiteInfo, total
from zhichao.domain.quarterly_tables import (
    INT,
    PERCENT,
    PP,
    RANK_CHANGE,
    Chart,
    Col,
    ReportSettings,
    Section,
    pct_text,
    share,
    table,
)  # fmt: skip
from zhichao.domain.regions import UnknownRegion, region_of

NO_ROAD = "未填道路"
UNKNOWN_PLACE = "无法确定"
TOP_SITES = 20  # the PDF's site tables; the workbook has every site
CHART_ROWS = 15


def short_name(name: str) -> str:
    """A site's name for a chart's label: without the 治超检测点 every site's name ends with."""
    for suffix in ("治超检测点", "检测点"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name.removesuffix(suffix).strip()
    return name


def _county(code: str | None) -> str:
    return COUNTIES.get(code or "", code or "")


def _where(site: SiteInfo) -> str:
    return " ".join(p for p in (site.road, site.stake) if p) or NO_ROAD


def sites_and_roads(f: QuarterFigures) -> Section:
    whole = total(f.counts).actionable
    ordered = sorted(f.sites, key=lambda s: (-f.counts.get(s.station_id, Counts()).actionable, s.station_id))
    rows = [(s.name, s.road or NO_ROAD, s.stake or "", _county(s.county_code), c.actionable,
             f.violations.vehicles_by_site.get(s.station_id, 0), share(c.actionable, whole))
            for s in ordered if (c := f.counts.get(s.station_id, Counts())).actionable]
    sites = table("by_site", "按检测点", "表 4-1 违法超限按检测点",
                  [Col("site", "检测点", width=26), Col("road", "道路"), Col("stake", "桩号"), Col("county", "区县"),
                   Col("violations", "违法超限（辆次）", INT), Col("vehicles", "违法车辆（辆）", INT),
                   Col("share", "占全市违法超限", PERCENT)], rows, pdf_rows=TOP_SITES,
                  note=f"按违法超限从多到少；PDF 列出前 {TOP_SITES} 个检测点，Excel 含全部。")
    roads = _roads(f, whole)
    chart = Chart("hbar", "违法超限最多的道路", "辆次", tuple(r[0] for r in roads[:CHART_ROWS]),
                  tuple(float(r[3]) for r in roads[:CHART_ROWS]))
    by_road = table("by_road", "按道路", "表 4-2 违法超限按道路",
                    [Col("road", "道路"), Col("sites", "检测点", INT), Col("trucks", "称重货车（辆次）", INT),
                     Col("violations", "违法超限（辆次）", INT), Col("rate", "超限率", PERCENT),
                     Col("share", "占全市违法超限", PERCENT)], roads)
    text = "本季度各检测点均无违法超限。"
    if rows:
        text = "违法超限最多的检测点为" + "、".join(f"{r[0]}（{r[4]:,} 辆次）" for r in rows[:3]) + "。"
    if len(rows) > 10:
        text += f"前 10 个检测点合计占全市违法超限的 {pct_text(share(sum(r[4] for r in rows[:10]), whole), 1)}。"
    if roads and roads[0][3]:
        text += f"按道路，{roads[0][0]} 最多（{roads[0][3]:,} 辆次）。"
    return Section("places", "四、违法超限的检测点与道路", (text,), (sites, by_road), (chart,))


def _roads(f: QuarterFigures, whole: int) -> list[tuple[str, int, int, int, float | None, float | None]]:
    grouped: dict[str, tuple[int, Counts]] = {}
    for s in f.sites:
        n, c = grouped.get(s.road or NO_ROAD, (0, Counts()))
        grouped[s.road or NO_ROAD] = (n + 1, c + f.counts.get(s.station_id, Counts()))
    rows = [(road, n, c.trucks, c.actionable, rate(c.actionable, c.trucks), share(c.actionable, whole))
            for road, (n, c) in grouped.items()]
    return sorted(rows, key=lambda r: (-r[3], r[0]))


@dataclass(frozen=True, slots=True)
class Place:
    prefix: str
    province: str
    city: str
    local: bool


def place_of(prefix: str, s: ReportSettings) -> Place:
    """The registration place of a plate prefix (its first two characters); local by the settings' prefixes
    (which the report compares with the first two characters only: 浙D or 浙, never longer)."""
    try:
        region = region_of(prefix, s.regions)
    except UnknownRegion:
        return Place(prefix, UNKNOWN_PLACE, UNKNOWN_PLACE, False)
    # a municipality (上海市, 重庆市 …) is its own city; elsewhere an authority letter the table does not know
    city = region.city or (region.province if region.province.endswith("市") else UNKNOWN_PLACE)
    return Place(prefix, region.province, city, is_local(prefix, s.local_prefixes))


def registration(f: QuarterFigures, s: ReportSettings) -> Section:
    v = f.violations
    places = [(place_of(p.prefix, s), p) for p in v.by_prefix]
    rows = _localities(places, s) + [("未识别号牌", v.unread, 0)]
    local = table("by_locality", "本地与外地", "表 6-1 违法超限按本地与外地",
                  [Col("group", "类别", width=24), Col("violations", "违法超限（辆次）", INT),
                   Col("share", "占违法超限", PERCENT), Col("vehicles", "违法车辆（辆）", INT),
                   Col("vehicle_share", "占违法车辆", PERCENT)],
                  [(n, w, share(w, v.total), c, share(c, v.vehicles)) for n, w, c in rows])
    provinces = _provinces(places, v.vehicles)
    by_province = table("by_province", "按省份", "表 6-2 违法车辆按登记省份",
                        [Col("province", "省份"), Col("violations", "违法超限（辆次）", INT),
                         Col("vehicles", "违法车辆（辆）", INT), Col("vehicle_share", "占违法车辆", PERCENT)],
                        provinces)
    cities = sorted(places, key=lambda pp: (-pp[1].vehicles, pp[0].prefix))
    by_city = table("by_city", "按登记地", "表 6-3 违法车辆按登记地（号牌前缀）",
                    [Col("prefix", "号牌前缀"), Col("province", "省份"), Col("city", "城市"), Col("local", "本地"),
                     Col("violations", "违法超限（辆次）", INT), Col("vehicles", "违法车辆（辆）", INT),
                     Col("vehicle_share", "占违法车辆", PERCENT)],
                    [(pl.prefix, pl.province, pl.city, "是" if pl.local else "否", p.violations, p.vehicles,
                      share(p.vehicles, v.vehicles)) for pl, p in cities], pdf_rows=TOP_SITES,
                    note=f"PDF 列出违法车辆最多的 {TOP_SITES} 个登记地，Excel 含全部。")
    chart = Chart("hbar", "违法车辆最多的登记地", "辆",
                  tuple(f"{pl.prefix} {pl.city if pl.city != UNKNOWN_PLACE else pl.province}" for pl, _ in
                        cities[:CHART_ROWS]), tuple(float(p.vehicles) for _, p in cities[:CHART_ROWS]))
    text = (f"违法车辆中本地号牌 {rows[0][2]:,} 辆，占 {pct_text(share(rows[0][2], v.vehicles), 1)}；本省其他地区 "
            f"{rows[1][2]:,} 辆；外省 {rows[2][2]:,} 辆。登记地由号牌的省份简称和发牌机关代号确定。")
    return Section("registration", "六、违法车辆的登记地", (text,), (local, by_province, by_city), (chart,))


def _localities(places: Sequence[tuple[Place, PrefixCount]], s: ReportSettings) -> list[tuple[str, int, int]]:
    """(group, violations, vehicles): local plates, the rest of the local province, other provinces, unknown."""
    home = s.local_prefixes[0][:1] if s.local_prefixes else ""
    groups = (("本地号牌（" + "、".join(s.local_prefixes) + "）", [p for pl, p in places if pl.local]),
              ("本省其他地区", [p for pl, p in places if not pl.local and pl.prefix[:1] == home]),
              ("外省", [p for pl, p in places if pl.province != UNKNOWN_PLACE and pl.prefix[:1] != home]),
              ("号牌无法确定登记地", [p for pl, p in places if pl.province == UNKNOWN_PLACE]))
    return [(name, sum(p.violations for p in ps), sum(p.vehicles for p in ps)) for name, ps in groups]


def _provinces(places: Sequence[tuple[Place, PrefixCount]], vehicles: int) -> list[tuple[str, int, int, float | None]]:
    sums: dict[str, tuple[int, int]] = {}
    for pl, p in places:
        w, c = sums.get(pl.province, (0, 0))
        sums[pl.province] = (w + p.violations, c + p.vehicles)
    rows = [(name, w, c, share(c, vehicles)) for name, (w, c) in sums.items()]
    return sorted(rows, key=lambda r: (-r[2], r[0]))


def site_overload(f: QuarterFigures, s: ReportSettings) -> Section:
    ranks = rank_desc({k: exact_rate(c.actionable, c.trucks) for k, c in f.counts.items()})
    before = rank_desc({k: exact_rate(c.actionable, c.trucks) for k, c in f.previous_counts.items()})
    ordered = sorted(f.sites, key=lambda x: (ranks.get(x.station_id, 10**9), x.station_id))
    rows = [_site_row(x, f.counts, f.previous_counts, ranks, before) for x in ordered]
    sites = table("site_overload", "各检测点超限情况", "表 9-1 各治超检测点超限情况与排名",
                  [Col("rank", "排名", INT, 6), Col("site", "检测点", width=26), Col("where", "道路/桩号", width=18),
                   Col("county", "区县"), Col("trucks", "称重货车", INT), Col("overloaded", "超限", INT),
                   Col("violations", "违法超限", INT), Col("rate", "超限率", PERCENT), Col("gross_100t", "百吨王", INT),
                   Col("previous_rate", "上季超限率", PERCENT), Col("change_pp", "变化（百分点）", PP),
                   Col("previous_rank", "上季排名", INT), Col("rank_change", "排名变化", RANK_CHANGE)], rows,
                  note="超限率 = 违法超限 ÷ 称重货车；排名按超限率从高到低，相同超限率并列；↑ 表示排名较上季度上升"
                       "（超限率相对更高）。本季度没有称重数据的检测点不排名。")
    top = [r for r in rows if r[0] is not None][:CHART_ROWS]
    chart = Chart("hbar", "超限率最高的检测点", "%", tuple(short_name(str(r[1])) for r in top),
                  tuple(round(float(r[7]) * 100, 2) if isinstance(r[7], float) else None for r in top))
    idle = sum(1 for r in rows if r[0] is None)
    city = total(f.counts)
    text = f"全市治超检测点平均超限率 {pct_text(rate(city.actionable, city.trucks))}。"
    if top:
        named = [f"{r[1]}（{pct_text(r[7] if isinstance(r[7], float) else None)}）" for r in top[:3]]
        text += "超限率最高的检测点为" + "、".join(named) + "。"
    if idle:
        text += f"本季度没有称重数据的检测点 {idle} 个，不参与排名。"
    return Section("site_overload", "九、各治超检测点超限情况", (text,), (sites,), (chart,), landscape=True)


def _site_row(x: SiteInfo, counts: Mapping[str, Counts], previous: Mapping[str, Counts], ranks: Mapping[str, int],
              before: Mapping[str, int]) -> tuple[object, ...]:
    c, p = counts.get(x.station_id, Counts()), previous.get(x.station_id, Counts())
    now_rate, old_rate = rate(c.actionable, c.trucks), rate(p.actionable, p.trucks)
    rank, old_rank = ranks.get(x.station_id), before.get(x.station_id)
    return (rank, x.name, _where(x), _county(x.county_code), c.trucks, c.overloaded, c.actionable, now_rate,
            c.gross_100t, old_rate, pp_change(now_rate, old_rate), old_rank, rank_change(old_rank, rank))
