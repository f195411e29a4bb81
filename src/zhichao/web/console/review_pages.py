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
from zhichao.domain.review import ACTIONS, PENDING_FIRST, PENDING_SECOND, Decision
from zhichao.domain.screening import FLAG_LABELS
from zhichao.services import records as record_service
from zhichao.services import reviews as review_service
from zhichao.services.ports import ReviewFilter, User
from zhichao.web.api.reviews import REVIEW_ROLES, VIEW_ROLES
from zhichao.web.console import labels as L
from zhichao.web.console.pages import HERE, TEMPLATES, _gate, _render, _station_options, error_page
from zhichao.web.console.review_view import (
    REASON_KEYS,
    axle_chart,
    band_kg,
    first_review,
    flag_views,
    gross_chart,
    history_rows,
    photo_views,
    queue_row,
    reason_options,
    station_card,
    trail_rows,
    verdict_rows,
)
from zhichao.web.deps import container, current_user
from zhichao.web.errors import status_of

QUEUE_LIMIT = 100
NAV_WINDOW = 500  # the queue service's largest page: navigation works within the oldest 500 open items
HISTORY_LIMIT = 20
OPEN = (PENDING_FIRST, PENDING_SECOND)
STATE_FILTERS = {"open": OPEN, PENDING_FIRST: (PENDING_FIRST,), PENDING_SECOND: (PENDING_SECOND,)}
CONFLICT = "该记录已被其他审核员处理"
BLOCKED = "该记录有阻断性筛查标记，只能作废，不能通过。"
REVIEWERS_ONLY = "只有审核员可以作出审核决定"
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
    """Display names by user id."""
    return c.users.display_names(sorted({i for i in ids if i is not None}))


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
        rows.append(queue_row(i, _queue_record(i), names, tz, record_url(i["station_id"], i["record_id"], f),
                              _workable(i, user)))
    return _render(request, "review_queue.html", {
        "user": user, "nav": "reviews", "rows": rows, "f": f, "limit": QUEUE_LIMIT, "empty": bool(empty),
        "done": L.REVIEW_ACTIONS.get(done), "today": review_service.my_day(c.reviews, user, c.clock())
        if _may_decide(user) else None, "workable": sum(r.workable for r in rows),
        "start_url": go_url(f, "next") if any(r.workable for r in rows) else None,
        "state_filters": L.REVIEW_FILTERS, "bands": L.REVIEW_BANDS, "station_groups": _station_options(stations),
        "counties": L.COUNTIES, "flag_labels": FLAG_LABELS, "filtered": f != QueueFilter(),
    })  # fmt: skip


def _queue_record(item: Mapping[str, Any]) -> dict[str, Any]:
    """The record fields a queue row shows, from the queue item (which carries them)."""
    return {"captured_at": item["captured_at"].isoformat(), "plate": item["plate"], "plate_color": item["plate_color"],
            "axle_count": item["axle_count"], "axle_groups": item["axle_groups"],
            "gross_weight_kg": item["gross_weight_kg"],
            "verdict": {"limit_kg": item["limit_kg"], "overload_rate_pct": item["overload_rate_x100"] / 100,
                        "fine_yuan": item["fine_yuan"]}}


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
        review_service.review(c.reviews, user, station_id, record_id, decision, version=version, now=c.clock(),
                              origin=request.client.host if request.client else "unknown")
    except ZhichaoError as refused:
        status = status_of(refused)
        text = f"{CONFLICT}，页面已更新为最新状态。" if refused.code == "already_reviewed" else refused.message
        return _record_page(request, user, station_id, record_id, f, message=text, status=status)
    return RedirectResponse(_target(c, user, f, "next", station_id, record_id, action), status_code=303)
