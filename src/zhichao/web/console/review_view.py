"""View builders of the review workbench: plain data the templates render (no requests, no I/O)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from zhichao.domain.evidence import KIND_LABELS
from zhichao.domain.review import PENDING_FIRST, REJECT_REASONS
from zhichao.domain.rulesets import RULE_SETS
from zhichao.domain.screening import flag_label
from zhichao.services.ports import FlagRow, Station
from zhichao.web.console import labels as L
from zhichao.web.console.pages import cert_state

PHOTO_ORDER = ("plate", "front", "side", "rear", "overview")
# The reason a blocking flag points to: preselected, so that R then Enter rejects for that reason.
_SUGGESTED = {
    "certificate_invalid": "device_invalid", "speed_out_of_range": "device_invalid",
    "plate_unread": "plate_unclear", "plate_malformed": "plate_misread", "double_capture": "double_capture",
    "permit_holder": "permit_holder", "handled_on_site": "handled_on_site",
    "evidence_missing": "evidence_incomplete", "gross_implausible": "weighing_fault",
    "axle_sum_mismatch": "weighing_fault", "axle_implausible": "weighing_fault",
}  # fmt: skip
# Digits pick a reason: 1–9 the first nine of the list, 0 其他; any further reason by mouse or arrow keys.
_OTHER = "other"
REASON_KEYS = {**{str(n): code for n, code in enumerate([c for c in REJECT_REASONS if c != _OTHER][:9], 1)},
               **({"0": _OTHER} if _OTHER in REJECT_REASONS else {})}


@dataclass(frozen=True, slots=True)
class FlagView:
    code: str
    label: str
    blocking: bool
    detail: str


def flag_views(stored: Sequence[Mapping[str, Any]], evidence: Sequence[FlagRow] = ()) -> list[FlagView]:
    """The record's open flags, blocking ones first; ``evidence`` adds what approval would find missing."""
    views = [FlagView(f["code"], flag_label(f["code"]), bool(f["blocking"]), f["detail"]) for f in stored]
    views += [FlagView(e.code, flag_label(e.code), e.blocking, e.detail) for e in evidence
              if e.code not in {v.code for v in views}]
    return sorted(views, key=lambda v: not v.blocking)


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One row of 审核队列, every cell already formatted."""

    url: str
    captured_at: str
    time: str
    station_id: str
    station_name: str
    plate: str
    plate_colour: str
    axles: int
    axle_groups: str
    gross_t: str
    limit_t: str
    rate: str
    fine_yuan: int
    state_code: str
    state: str
    flags: tuple[FlagView, ...]
    workable: bool


def queue_row(item: Mapping[str, Any], record: Mapping[str, Any], names: Mapping[str, str], tz: ZoneInfo,
              url: str, workable: bool) -> QueueRow:
    v = record["verdict"]
    return QueueRow(
        url=url, captured_at=record["captured_at"],
        time=L.full_time(item["captured_at"], tz), station_id=item["station_id"],
        station_name=names.get(item["station_id"], item["station_id"]), plate=record["plate"],
        plate_colour=record["plate_color"], axles=record["axle_count"], axle_groups=record["axle_groups"] or "",
        gross_t=L.tonnes(record["gross_weight_kg"]), limit_t=L.tonnes_short(v["limit_kg"]),
        rate=L.percent(v["overload_rate_pct"]), fine_yuan=v["fine_yuan"], state_code=item["state"],
        state=L.label(L.REVIEW_STATES, item["state"]), flags=tuple(flag_views(item["flags"])), workable=workable,
    )  # fmt: skip


def photo_views(record: Mapping[str, Any], present: set[str]) -> list[dict[str, Any]]:
    """The record's photos, plate first; ``zoom`` numbers the ones that arrived, for the viewer."""
    images = sorted(record.get("images") or [], key=lambda i: (
        PHOTO_ORDER.index(i["kind"]) if i["kind"] in PHOTO_ORDER else len(PHOTO_ORDER)))
    out, shown = [], 0
    for image in images:
        arrived = image["kind"] in present
        out.append({"kind": image["kind"], "label": KIND_LABELS.get(image["kind"], image["kind"]),
                    "present": arrived, "zoom": shown if arrived else None,
                    "original": f"/api/v1/evidence/{image['sha256']}",
                    "thumb": f"/api/v1/evidence/{image['sha256']}/thumbnail"})
        shown += arrived
    return out


def _group_sizes(count: int, groups: str | None) -> list[int]:
    """``1+2+3`` → [1, 2, 3]; one group per axle when the groups are missing or do not add up."""
    sizes = [int(p) for p in (groups or "").split("+") if p.strip().isdigit()]
    return sizes if sizes and sum(sizes) == count and min(sizes) > 0 else [1] * count


# Axle chart geometry (SVG user units): bars 40 wide, 8 apart inside a group, groups 28 apart.
_BAR, _GAP, _GROUP_GAP, _LEFT, _TOP, _PLOT = 40, 8, 28, 34, 20, 140


def axle_chart(weights: Sequence[int], groups: str | None) -> dict[str, Any]:
    """One bar per axle, grouped by axle group, on a scale of whole 5 t steps; numbers in t."""
    top_kg = max(5000, -(-max(weights, default=0) // 5000) * 5000)
    bars, boxes, x, n = [], [], _LEFT + 14, 0
    for size in _group_sizes(len(weights), groups):
        start = x
        for kg in weights[n:n + size]:
            height = round(_PLOT * max(kg, 0) / top_kg)
            bars.append({"x": x, "y": _TOP + _PLOT - height, "h": height, "w": _BAR, "cx": x + _BAR // 2,
                         "t": L.tonnes(kg), "n": n + 1, "group": L.AXLE_GROUPS.get(size, f"{size} 轴组")})
            x, n = x + _BAR + _GAP, n + 1
        width = x - _GAP - start
        boxes.append({"x": start - 6, "w": width + 12, "cx": start + width // 2,
                      "label": L.AXLE_GROUPS.get(size, f"{size} 轴组")})
        x += _GROUP_GAP - _GAP
    ticks = [{"y": _TOP + _PLOT - _PLOT * kg // top_kg, "label": str(kg // 1000)} for kg in range(0, top_kg + 1, 5000)]
    return {"bars": bars, "groups": boxes, "ticks": ticks, "width": x - _GROUP_GAP + 20, "height": _TOP + _PLOT + 46,
            "base": _TOP + _PLOT, "left": _LEFT, "total": L.tonnes(sum(weights))}


def _text_px(text: str) -> int:
    """About how wide ``text`` is at 12 px: CJK characters are square, others about half."""
    return sum(12 if ord(ch) >= 0x2E80 else 7 for ch in text)


def gross_chart(gross: int, limit: int, band: int, kind: str, rule_set: str) -> dict[str, Any]:
    """The gross as a horizontal bar against the limit line and the end of the no-penalty band.

    The limit's label sits left of its line and the band's right of its own (or against the right edge
    when it would not fit), so the two never overlap, however close the lines are."""
    width, left = 374, 4  # the side panel's inner width: drawn at 1:1, so text stays 12 px
    scale = max(gross, band, 1) * 1.2

    def at(kg: int) -> int:
        return left + round((width - 2 * left) * kg / scale)

    rules = RULE_SETS.get(rule_set)
    pct = rules.no_penalty_rate_pct if rules else 0
    band_text = f"{'+' + str(pct) + '%' if pct else '+' + L.tonnes_short(band - limit) + ' t'} {L.tonnes_short(band)} t"
    band_x, end = at(band), at(gross)
    fits = band_x + 4 + _text_px(band_text) <= width
    return {"width": width, "height": 66, "left": left, "end": end, "bar": end - left, "kind": kind,
            "limit_x": at(limit), "band_x": band_x, "limit": f"限值 {L.tonnes_short(limit)} t", "band": band_text,
            "band_label_x": band_x + 4 if fits else width - 2, "band_anchor": "start" if fits else "end",
            "band_title": f"超过此线（限值{' +' + str(pct) + '%' if pct else ''}）的超限才处罚",
            "gross": f"总重 {L.tonnes(gross)} t", "gross_anchor": "end" if end > 120 else "start"}


def band_kg(verdict: Mapping[str, Any]) -> int:
    """Where the no-penalty band ends (ZJ-2020: 20 % over the limit; MOT-2016: 1 000 kg over it)."""
    rules, limit = RULE_SETS.get(str(verdict["rule_set"])), int(verdict["limit_kg"])
    if rules is None:  # a rule set retired since: draw the limit only
        return limit
    return max(limit * (100 + rules.no_penalty_rate_pct) // 100, limit + rules.no_penalty_kg)


def verdict_rows(record: Mapping[str, Any]) -> list[tuple[str, str]]:
    v = record["verdict"]
    rules = RULE_SETS.get(v["rule_set"])
    basis = v["limit_basis"] + ("（按轴数推定）" if v.get("limit_inferred") else "")
    return [
        ("判定", L.verdict_label(v)), ("限值", f"{L.tonnes_short(v['limit_kg'])} t"), ("限值依据", basis),
        ("超限", f"{L.tonnes(v['overload_kg'])} t（{v['overload_kg']} kg）"),
        ("超限率", L.percent(v["overload_rate_pct"])),
        ("罚款", f"{v['fine_yuan']} 元"), ("规则集", f"{v['rule_set']} {rules.title}" if rules else v["rule_set"]),
        ("法律依据", v["legal_basis"]),
    ]  # fmt: skip


def station_card(station: Station | None, record: Mapping[str, Any], tz: ZoneInfo) -> dict[str, Any]:
    """The station and its verification certificate, judged on the capture date (LEGAL.md §3)."""
    if station is None:
        return {"name": record["station_id"], "known": False}
    day = datetime.fromisoformat(record["captured_at"]).astimezone(tz).date()
    state = cert_state(station.cert_valid_from, station.cert_valid_to, station.cert_number, day)
    valid = state in {"valid", "expiring"}
    span = f"{station.cert_valid_from or L.NOTHING} 至 {station.cert_valid_to or L.NOTHING}"
    return {"known": True, "name": station.name, "id": station.station_id,
            "where": " ".join(p for p in (station.road, station.stake) if p) or L.NOTHING,
            "rows": [("证书编号", station.cert_number or L.NOTHING), ("检定机构", station.cert_body or L.NOTHING),
                     ("有效期", span), ("准确度等级", f"{station.accuracy_class} 级" if station.accuracy_class
                                      else L.NOTHING)],
            "valid": valid, "cert": "过车时有效" if valid else f"过车时无效（{L.label(L.CERT_STATES, state)}）",
            "day": day.isoformat()}


def history_rows(rows: Sequence[Mapping[str, Any]], record: Mapping[str, Any], names: Mapping[str, str],
                 tz: ZoneInfo) -> list[dict[str, Any]]:
    return [{"time": L.full_time(datetime.fromisoformat(r["captured_at"]), tz),
             "station": names.get(r["station_id"], r["station_id"]), "axles": r["axle_count"],
             "gross": L.tonnes(r["gross_weight_kg"]), "limit": L.tonnes_short(r["verdict"]["limit_kg"]),
             "rate": L.percent(r["verdict"]["overload_rate_pct"]) if r["verdict"]["overloaded"] else L.NOTHING,
             "kind": L.verdict_kind(r["verdict"]), "verdict": L.verdict_label(r["verdict"]),
             "current": (r["station_id"], r["record_id"]) == (record["station_id"], record["record_id"])}
            for r in rows]


def _who(user_id: int | None, names: Mapping[int, str]) -> str:
    return L.NOTHING if user_id is None else names.get(user_id, f"用户 #{user_id}")


def trail_rows(item: Mapping[str, Any], events: Sequence[Mapping[str, Any]], names: Mapping[int, str],
               tz: ZoneInfo) -> list[dict[str, str]]:
    rows = [{"time": L.full_time(item["queued_at"], tz), "who": "系统", "action": "进入审核队列",
             "states": L.label(L.REVIEW_STATES, PENDING_FIRST), "reason": "", "note": ""}]
    rows += [{"time": L.full_time(e["at"], tz), "who": _who(e["actor_id"], names),
              "action": L.label(L.REVIEW_ACTIONS, e["action"]),
              "states": f"{L.label(L.REVIEW_STATES, e['from_state'])} → {L.label(L.REVIEW_STATES, e['to_state'])}",
              "reason": L.label(REJECT_REASONS, e["reason_code"], ""), "note": e["note"] or ""} for e in events]
    return rows


def first_review(item: Mapping[str, Any], names: Mapping[int, str], tz: ZoneInfo) -> str | None:
    """Who passed the first review and when (shown at second review and after)."""
    if item["first_by"] is None or item["first_at"] is None:
        return None
    return f"{_who(item['first_by'], names)} · {L.full_time(item['first_at'], tz)} 初审通过"


def reason_options(flags: Sequence[FlagView]) -> list[dict[str, Any]]:
    suggested = next((_SUGGESTED[f.code] for f in flags if f.blocking and f.code in _SUGGESTED), None)
    suggested = suggested or next((_SUGGESTED[f.code] for f in flags if f.code in _SUGGESTED), None)
    keys = {code: key for key, code in REASON_KEYS.items()}
    return [{"code": code, "label": label, "key": keys.get(code, ""), "checked": code == suggested}
            for code, label in REJECT_REASONS.items()]
