"""The review workbench (审核): the queue, one record's review page, and decisions posted as forms.

Pages are rendered on the server and work without JavaScript: a decision is a plain HTML form posting
to ``/reviews/{station}/{record_id}/decision`` (POST only, SameSite=Lax session cookie, like the rest
of the console). ``static/review.js`` adds the keyboard, the zoom viewer, and sends the same decisions
through the JSON API. Both reach ``services.reviews.review`` with the item's ``version``.

The queue's filter travels in the query string of every link and form, so 上一条 / 下一条 and the
record opened after a decision stay inside it. ``/reviews/go`` picks that record when asked, among the
oldest ``NAV_WINDOW`` open items, skipping those the user may not decide (a record they reviewed first).
Diagrams are inline SVG built here: the console's CSP forbids inline styles, not SVG attributes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from zhichao.bootstrap import Container
from zhichao.domain.errors import ZhichaoError
from zhichao.domain.evidence import KIND_LABELS
from zhichao.domain.review import ACTIONS, PENDING_FIRST, PENDING_SECOND, REJECT_REASONS, Decision
from zhichao.domain.rulesets import RULE_SETS
from zhichao.domain.screening import FLAG_LABELS, flag_label
from zhichao.services import records as record_service
from zhichao.services import reviews as review_service
from zhichao.services.ports import FlagRow, ReviewFilter, Station, User
from zhichao.web.api.reviews import REVIEW_ROLES, VIEW_ROLES
from zhichao.web.console import labels as L
from zhichao.web.console.pages import HERE, TEMPLATES, _gate, _render, _station_options, cert_state, error_page
from zhichao.web.deps import container, current_user

QUEUE_LIMIT = 100
NAV_WINDOW = 500  # the queue service's largest page: navigation works within the oldest 500 open items
HISTORY_LIMIT = 20
OPEN = (PENDING_FIRST, PENDING_SECOND)
STATE_FILTERS = {"open": OPEN, PENDING_FIRST: (PENDING_FIRST,), PENDING_SECOND: (PENDING_SECOND,)}
PHOTO_ORDER = ("plate", "front", "side", "rear", "overview")
CONFLICT = "该记录已被其他审核员处理"
BLOCKED = "该记录有阻断性筛查标记，只能作废，不能通过。"
REVIEWERS_ONLY = "只有审核员可以作出审核决定"
# ReviewRefused is a domain error and carries no HTTP status; these match web/app.py's translation.
_REFUSAL_STATUS = {"same_reviewer": 403, "illegal_transition": 409, "blocked_by_screening": 409}
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

_SCRIPT = HERE / "static" / "review.js"
TEMPLATES.env.globals["review_version"] = hashlib.sha256(
    _SCRIPT.read_bytes() if _SCRIPT.exists() else b"").hexdigest()[:10]
TEMPLATES.env.globals["review_roles"] = VIEW_ROLES  # base.html shows 审核 in the menu to these roles
router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """The queue's filter as the query string carries it; values that cannot be used are dropped."""

    state: str = "open"
    station: str = ""
    county: str = ""
    min_band: int | None = None
    flag: str = ""

    def query(self, **extra: str) -> str:
        pairs = {"state": "" if self.state == "open" else self.state, "station": self.station,
                 "county": self.county, "min_band": "" if self.min_band is None else str(self.min_band),
                 "flag": self.flag, **extra}
        return urlencode({k: v for k, v in pairs.items() if v})

    def service(self, limit: int) -> ReviewFilter:
        return ReviewFilter(STATE_FILTERS[self.state], self.station or None, self.county or None, self.min_band,
                            self.flag or None, limit)


def queue_filter(state: str = "open", station: str = "", county: str = "", min_band: str = "",
                 flag: str = "") -> QueueFilter:
    band = int(min_band) if min_band.isdigit() and int(min_band) <= 10 else None
    return QueueFilter(state if state in STATE_FILTERS else "open", station.strip(), county.strip(), band,
                       flag.strip())


Filters = Annotated[QueueFilter, Depends(queue_filter)]


def record_url(station_id: str, record_id: str, f: QueueFilter, suffix: str = "", **extra: str) -> str:
    query = f.query(**extra)
    path = f"/reviews/{quote(station_id, safe='')}/{quote(record_id, safe='')}{suffix}"
    return path + (f"?{query}" if query else "")


def go_url(f: QueueFilter, direction: str, station_id: str = "", record_id: str = "") -> str:
    at = {"from": f"{station_id}/{record_id}"} if station_id else {}
    return "/reviews/go?" + f.query(dir=direction, **at)


def _may_decide(user: User) -> bool:
    return user.role in REVIEW_ROLES


def _workable(item: Mapping[str, Any], user: User) -> bool:
    """False for a record this reviewer reviewed first: its second review is someone else's."""
    return not (_may_decide(user) and item["state"] == PENDING_SECOND and item["first_by"] == user.id)


def _viewer(request: Request) -> User | Response:
    user = _gate(request)
    if isinstance(user, User) and user.role not in VIEW_ROLES:
        return error_page(request, 403, "当前角色无权查看审核工作台")
    return user


def reviewer_names(c: Container, ids: Iterable[int | None]) -> dict[int, str]:
    """Display names by user id. ``UserRepository`` has no look-up by id yet: until it has, this reads
    the users table through the container's reader engine."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    from sqlalchemy import select

    from zhichao.adapters.db.tables import users

    with c.db.reader.connect() as conn:
        rows = conn.execute(select(users.c.id, users.c.display_name).where(users.c.id.in_(wanted)))
        return {int(user_id): str(name) for user_id, name in rows}


# --- formatting -----------------------------------------------------------------------------


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
              f: QueueFilter, workable: bool) -> QueueRow:
    v = record["verdict"]
    return QueueRow(
        url=record_url(item["station_id"], item["record_id"], f), captured_at=record["captured_at"],
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


# --- the queue ------------------------------------------------------------------------------


@router.get("/reviews")
def queue_page(request: Request, f: Filters, empty: str = "", done: str = "") -> Response:
    user = _viewer(request)
    if isinstance(user, Response):
        return user
    c = container(request)
    tz = ZoneInfo(c.settings.display_timezone)
    items = review_service.queue(c.reviews, f.service(QUEUE_LIMIT))
    stations = c.stations.all()
    names = {s.station_id: s.name for s in stations}
    rows = []
    for i in items:
        record = c.records.one(i["station_id"], i["record_id"])  # the queue row carries no weights yet
        if record is not None:
            rows.append(queue_row(i, record, names, tz, f, _workable(i, user)))
    return _render(request, "review_queue.html", {
        "user": user, "nav": "reviews", "rows": rows, "f": f, "limit": QUEUE_LIMIT, "empty": bool(empty),
        "done": L.REVIEW_ACTIONS.get(done), "today": review_service.my_day(c.reviews, user, c.clock())
        if _may_decide(user) else None, "workable": sum(r.workable for r in rows),
        "start_url": go_url(f, "next") if any(r.workable for r in rows) else None,
        "state_filters": L.REVIEW_FILTERS, "bands": L.REVIEW_BANDS, "station_groups": _station_options(stations),
        "counties": L.COUNTIES, "flag_labels": FLAG_LABELS, "filtered": f != QueueFilter(),
    })  # fmt: skip


def _key(item: Mapping[str, Any]) -> tuple[datetime, str, str]:
    return item["captured_at"], item["record_id"], item["station_id"]


def neighbour(items: Sequence[Mapping[str, Any]], at: tuple[datetime, str, str] | None,
              direction: str) -> Mapping[str, Any] | None:
    """The item after (or before) ``at`` in queue order. After the last one the first comes round
    again (records skipped with 下一条 are not lost); None when nothing else is left."""
    if at is None:
        return items[0] if items else None
    if direction == "prev":
        before = [i for i in items if _key(i) < at]
        return before[-1] if before else None
    after = [i for i in items if _key(i) > at]
    return after[0] if after else next((i for i in items if _key(i) != at), None)


def _workable_items(c: Container, user: User, f: QueueFilter) -> list[dict[str, Any]]:
    return [i for i in review_service.queue(c.reviews, f.service(NAV_WINDOW)) if _workable(i, user)]


def _target(c: Container, user: User, f: QueueFilter, direction: str, station_id: str, record_id: str,
            done: str = "") -> str:
    """Where 上一条 / 下一条, or the end of a decision, leads."""
    current = c.reviews.repo.item(station_id, record_id) if station_id else None
    found = neighbour(_workable_items(c, user, f), _key(current) if current else None, direction)
    extra = {"done": done} if done in ACTIONS else {}
    if found is None and direction == "prev" and current is not None:
        return record_url(station_id, record_id, f, edge="first", **extra)
    if found is None:
        return "/reviews?" + f.query(empty="1", **extra)
    return record_url(found["station_id"], found["record_id"], f, **extra)


@router.get("/reviews/go")
def go(request: Request, f: Filters, direction: Annotated[str, Query(alias="dir")] = "next",
       at: Annotated[str, Query(alias="from")] = "", done: str = "") -> Response:
    user = _viewer(request)
    if isinstance(user, Response):
        return user
    station_id, _, record_id = at.partition("/")
    return RedirectResponse(_target(container(request), user, f, direction, station_id, record_id, done), 303)


# --- one record -----------------------------------------------------------------------------


def _readonly_reason(user: User, item: Mapping[str, Any], tz: ZoneInfo) -> str | None:
    if item["state"] not in OPEN:
        return f"该记录已审结（{L.label(L.REVIEW_STATES, item['state'])}），不能再作决定。"
    if not _may_decide(user):
        return f"{REVIEWERS_ONLY}。当前角色为{L.label(L.ROLES, user.role)}，只能查看。"
    if item["state"] == PENDING_SECOND and item["first_by"] == user.id:
        return f"须由其他审核员复审：您已于 {L.full_time(item['first_at'], tz)} 完成本记录的初审。"
    return None


def record_context(c: Container, user: User, station_id: str, record_id: str, f: QueueFilter) -> dict[str, Any]:
    """Everything the record page shows, formatted."""
    tz, now = ZoneInfo(c.settings.display_timezone), c.clock()
    found = review_service.detail(c.reviews, station_id, record_id)
    item, record, v = found["item"], found["record"], found["record"]["verdict"]
    names = reviewer_names(c, [item["first_by"], item["second_by"], *(e["actor_id"] for e in found["events"])])
    flags = flag_views(found["flags"], review_service.evidence_flags(c.reviews, record, now, final=True))
    keys = [(i["station_id"], i["record_id"]) for i in _workable_items(c, user, f)]
    plate = record["plate"]
    history = record_service.vehicle_records(c.records, plate, limit=HISTORY_LIMIT)["records"] if plate else []
    readonly = _readonly_reason(user, item, tz)
    return {
        "item": item, "r": record, "f": f, "case": found["case"],
        "state": L.label(L.REVIEW_STATES, item["state"]),
        "stage": "复审" if item["state"] == PENDING_SECOND else "初审",
        "time": L.full_time(datetime.fromisoformat(record["captured_at"]), tz),
        "plate_colour": L.label(L.PLATE_COLOURS, record["plate_color"]),
        "vehicle_type": L.label(L.VEHICLE_TYPES, record.get("vehicle_type"), ""),
        "photos": photo_views(record, set(found["present_kinds"])),
        "axles": axle_chart(record["axle_weights_kg"], record.get("axle_groups")),
        "gross": gross_chart(record["gross_weight_kg"], v["limit_kg"], band_kg(v), L.verdict_kind(v), v["rule_set"]),
        "kind": L.verdict_kind(v), "verdict_label": L.verdict_label(v), "verdict": verdict_rows(record),
        "numbers": {"gross": L.tonnes(record["gross_weight_kg"]), "limit": L.tonnes_short(v["limit_kg"]),
                    "rate": L.percent(v["overload_rate_pct"]), "fine": v["fine_yuan"],
                    "over": L.tonnes(v["overload_kg"]), "basis": v["limit_basis"]},
        "station": station_card(c.stations.get(station_id), record, tz),
        "flags": flags, "blocked": any(fl.blocking for fl in flags), "first": first_review(item, names, tz),
        "history": history_rows(history, record, {s.station_id: s.name for s in c.stations.all()}, tz),
        "trail": trail_rows(item, found["events"], names, tz), "reasons": reason_options(flags),
        "can_decide": readonly is None, "readonly": readonly, "total": len(keys),
        "position": keys.index((station_id, record_id)) + 1 if (station_id, record_id) in keys else None,
        "today": review_service.my_day(c.reviews, user, now) if _may_decide(user) else None,
        "decide_url": record_url(station_id, record_id, f, "/decision"),
        "prev_url": go_url(f, "prev", station_id, record_id), "next_url": go_url(f, "next", station_id, record_id),
        "queue_url": "/reviews" + (f"?{f.query()}" if f.query() else ""),
    }  # fmt: skip


def script_config(ctx: Mapping[str, Any], station_id: str, record_id: str) -> dict[str, Any]:
    """What review.js needs: where to send a decision, the item's version, where to go next."""
    return {
        "decisionUrl": f"/api/v1/reviews/{quote(station_id, safe='')}/{quote(record_id, safe='')}/decision",
        "version": ctx["item"]["version"], "next": ctx["next_url"], "prev": ctx["prev_url"],
        "canDecide": ctx["can_decide"], "readonly": ctx["readonly"], "blocked": ctx["blocked"],
        "blockedMessage": BLOCKED, "secondReview": ctx["item"]["state"] == PENDING_SECOND,
        "conflict": CONFLICT, "reasonKeys": REASON_KEYS,
    }  # fmt: skip


def _record_page(request: Request, user: User, station_id: str, record_id: str, f: QueueFilter, *,
                 message: str | None = None, status: int = 200, done: str = "", edge: str = "") -> Response:
    context = record_context(container(request), user, station_id, record_id, f)
    context.update(user=user, nav="reviews", message=message, done=L.REVIEW_ACTIONS.get(done), edge=edge == "first",
                   config=script_config(context, station_id, record_id), blocked_message=BLOCKED)
    return _render(request, "review.html", context, status)


@router.get("/reviews/{station_id}/{record_id}")
def record_page(station_id: str, record_id: str, request: Request, f: Filters, done: str = "",
                edge: str = "") -> Response:
    user = _viewer(request)
    if isinstance(user, Response):
        return user
    return _record_page(request, user, station_id, record_id, f, done=done, edge=edge)


@router.post("/reviews/{station_id}/{record_id}/decision")
def decide(station_id: str, record_id: str, request: Request, f: Filters, action: Annotated[str, Form()],
           version: Annotated[int, Form()], reason_code: Annotated[str, Form()] = "",
           note: Annotated[str, Form()] = "") -> Response:
    """The form route: the service the JSON API calls, then the next record of the same filter."""
    if current_user(request) is None:  # after logging in, come back to the page, not to this POST
        return RedirectResponse("/login?next=" + quote(record_url(station_id, record_id, f), safe=""), 303)
    user = _viewer(request)
    if isinstance(user, Response):
        return user
    if not _may_decide(user):
        return error_page(request, 403, f"{REVIEWERS_ONLY}（当前角色：{L.label(L.ROLES, user.role)}）")
    if action not in ACTIONS:
        return _record_page(request, user, station_id, record_id, f, message="未知的审核操作", status=400)
    c = container(request)
    decision = Decision(action, user.id, reason_code or None, note.strip()[:500] or None)
    try:
        review_service.review(c.reviews, user, station_id, record_id, decision, version=version, now=c.clock())
    except ZhichaoError as refused:
        status = getattr(refused, "status", None) or _REFUSAL_STATUS.get(refused.code, 400)
        text = f"{CONFLICT}，页面已更新为最新状态。" if refused.code == "already_reviewed" else refused.message
        return _record_page(request, user, station_id, record_id, f, message=text, status=status)
    return RedirectResponse(_target(c, user, f, "next", station_id, record_id, action), status_code=303)
