"""Live alerts of the command centre (pure): which passages raise which alert, once per vehicle per rule
within a window, and how officers handle an alert (a state table with roles).

The rules, most urgent first:

- ``watchlist``: the plate is on an active watch (布控), set by an officer with a reason and an end;
- ``cloned_plate``: the plate was seen where the same vehicle could not have been (domain/evasion.py);
- ``blacklisted``: the vehicle is on the published serious-dishonesty list;
- ``gross_100t``: 100 t or more gross (百吨王), at an enforcement site;
- ``overload``: an actionable overload at an enforcement site at or above the alert threshold;
- ``unresolved``: the vehicle has cases not yet closed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from zhichao.domain.errors import DomainError
from zhichao.domain.evasion import CLONE_REASONS, Sighting, clone_reason

WATCHLIST, CLONED, BLACKLISTED, GROSS_100T, OVERLOAD, UNRESOLVED = (
    "watchlist", "cloned_plate", "blacklisted", "gross_100t", "overload", "unresolved")
RULES = (WATCHLIST, CLONED, BLACKLISTED, GROSS_100T, OVERLOAD, UNRESOLVED)
RULE_LABELS: Mapping[str, str] = {WATCHLIST: "布控车辆", CLONED: "疑似套牌", BLACKLISTED: "严重失信车辆",
                                  GROSS_100T: "百吨王", OVERLOAD: "超限超载", UNRESOLVED: "有未结案件"}
SEVERITY: Mapping[str, int] = {WATCHLIST: 4, CLONED: 3, BLACKLISTED: 3, GROSS_100T: 3, OVERLOAD: 2, UNRESOLVED: 2}
GROSS_100T_KG = 100_000
SEVERE_OVERLOAD_X100 = 10_000  # an overload of 100 % or more is as urgent as a 百吨王

OPEN, ACKED, DISPATCHED, ACCEPTED, RESOLVED = "open", "acked", "dispatched", "accepted", "resolved"
STATES = (OPEN, ACKED, DISPATCHED, ACCEPTED, RESOLVED)
STATE_LABELS: Mapping[str, str] = {OPEN: "待处理", ACKED: "已确认", DISPATCHED: "已指派", ACCEPTED: "处置中",
                                   RESOLVED: "已处置"}
OUTCOMES: Mapping[str, str] = {"intercepted": "已拦截", "inspected": "已现场检查", "not_found": "未发现车辆",
                               "false_alarm": "误报"}
ACK, ASSIGN, ACCEPT, RESOLVE = "ack", "assign", "accept", "resolve"
ACTIONS = (ACK, ASSIGN, ACCEPT, RESOLVE)
ALERT_ROLES = frozenset({"officer", "leader", "admin"})
DISPATCH_ROLES = frozenset({"leader", "admin", "officer"})
_FROM: Mapping[str, frozenset[str]] = {
    ACK: frozenset({OPEN}),
    ASSIGN: frozenset({OPEN, ACKED, DISPATCHED, ACCEPTED}),  # a dispatch may be handed to another officer
    ACCEPT: frozenset({DISPATCHED}),
    RESOLVE: frozenset({OPEN, ACKED, DISPATCHED, ACCEPTED}),
}
_TO: Mapping[str, str] = {ACK: ACKED, ASSIGN: DISPATCHED, ACCEPT: ACCEPTED, RESOLVE: RESOLVED}
MAX_NOTE = 500


class AlertRefused(DomainError):
    """An alert action that is not allowed. Codes: ``unknown_action``, ``alert_state``, ``not_assignee``,
    ``role_forbidden``, ``invalid_outcome``, ``note_too_long``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Passage:
    """What the rules need of a stored record, with its station."""

    station_id: str
    record_id: str
    plate: str
    plate_color: str
    captured_at: datetime
    axle_count: int
    gross_weight_kg: int
    limit_kg: int
    overload_rate_x100: int
    actionable: bool
    station_kind: str
    county_code: str | None
    station_name: str
    lat: float | None = None
    lon: float | None = None

    def sighting(self) -> Sighting:
        return Sighting(self.plate, self.station_id, self.captured_at, self.axle_count, self.plate_color,
                        self.lat, self.lon)


@dataclass(frozen=True, slots=True)
class PlateStanding:
    """What the command centre knows of a plate beyond the passage: its watches and its check row."""

    watch_reasons: tuple[tuple[int, str], ...] = ()  # (watch id, reason) of the watches active now
    watch_area: str | None = None  # the county all those watches name; None: the whole city
    listed_until: date | None = None
    unresolved_cases: int = 0


@dataclass(frozen=True, slots=True)
class AlertPolicy:
    overload_min_x100: int = 3000  # actionable overloads from 30 %; 0: every actionable overload
    window: timedelta = timedelta(minutes=30)
    # an alert is for officers who can still reach the truck: a passage captured longer ago than this (a
    # station uploading its history after an outage, a backfill) raises none; the sweeps still see it
    max_age: timedelta = timedelta(minutes=30)


def may_alert(gross_weight_kg: int, actionable: bool, overload_rate_x100: int, policy: AlertPolicy) -> bool:
    """Whether the weights alone may raise an alert (a 百吨王 or a serious overload, wherever it was weighed):
    the cheap first look of the engine; ``alerts_for`` decides."""
    return gross_weight_kg >= GROSS_100T_KG or (actionable and overload_rate_x100 >= max(policy.overload_min_x100, 1))


def is_live(captured_at: datetime, now: datetime, policy: AlertPolicy) -> bool:
    """Whether a passage is recent enough to alert."""
    return now - captured_at <= policy.max_age


@dataclass(frozen=True, slots=True)
class NewAlert:
    rule: str
    passage: Passage
    severity: int
    title: str
    details: dict[str, Any] = field(default_factory=dict)
    county_code: str | None = None  # whose officers receive it (None: every officer on duty)


def _title(rule: str, p: Passage) -> str:
    return f"{RULE_LABELS[rule]} {p.plate} 经过 {p.station_name}"[:128]


def alerts_for(p: Passage, standing: PlateStanding, previous: Passage | None, today: date,
               policy: AlertPolicy) -> list[NewAlert]:
    """The alerts one passage raises, most urgent first (before the once-per-window rule is applied).
    ``previous`` is the plate's last earlier passage elsewhere, if known; ``today`` the local date."""
    if not p.plate:
        return []
    found: list[NewAlert] = []

    def add(rule: str, details: dict[str, Any], severity: int | None = None) -> None:
        # a watch alerts the officers of the area it names, wherever the truck is; the others, where it is
        area = standing.watch_area if rule == WATCHLIST else p.county_code
        found.append(NewAlert(rule, p, severity or SEVERITY[rule], _title(rule, p), details, area))

    weights = {"gross_weight_kg": p.gross_weight_kg, "limit_kg": p.limit_kg,
               "overload_pct": p.overload_rate_x100 / 100}
    if standing.watch_reasons:
        add(WATCHLIST, {"watches": [{"id": i, "reason": r} for i, r in standing.watch_reasons], **weights})
    if previous is not None:
        reason = clone_reason(previous.sighting(), p.sighting())
        if reason:
            add(CLONED, {"reason": reason, "reason_label": CLONE_REASONS[reason],
                         "earlier": {"station_id": previous.station_id, "station_name": previous.station_name,
                                     "record_id": previous.record_id,
                                     "captured_at": previous.captured_at.isoformat(),
                                     "axle_count": previous.axle_count, "plate_color": previous.plate_color},
                         "axle_count": p.axle_count, "plate_color": p.plate_color})
    if standing.listed_until is not None and standing.listed_until >= today:
        add(BLACKLISTED, {"listed_until": standing.listed_until.isoformat(), **weights})
    at_site = p.station_kind == "site"
    if at_site and p.gross_weight_kg >= GROSS_100T_KG:
        add(GROSS_100T, weights)
    if at_site and p.actionable and p.overload_rate_x100 >= max(policy.overload_min_x100, 1):
        add(OVERLOAD, weights, 3 if p.overload_rate_x100 >= SEVERE_OVERLOAD_X100 else None)
    if standing.unresolved_cases > 0:
        add(UNRESOLVED, {"unresolved_cases": standing.unresolved_cases, **weights})
    return found


def is_repeat(last_alerted: datetime | None, at: datetime, window: timedelta) -> bool:
    """Whether an alert of the same rule for the same plate, last raised for a passage at ``last_alerted``,
    already covers a passage at ``at`` (lanes, stations a few minutes apart, a resent batch)."""
    return last_alerted is not None and abs(at - last_alerted) < window


@dataclass(frozen=True, slots=True)
class Move:
    to_state: str
    assigned_to: int | None = None
    outcome: str | None = None
    note: str | None = None


def act(action: str, state: str, role: str, user_id: int, assigned_to: int | None, *,
        officer_id: int | None = None, outcome: str | None = None, note: str | None = None) -> Move:
    """Whether ``user_id`` (``role``) may take ``action`` on an alert in ``state`` assigned to ``assigned_to``;
    the move if so, ``AlertRefused`` if not."""
    if action not in _FROM:
        raise AlertRefused("unknown_action", f"未知的操作：{action}")
    if role not in ALERT_ROLES or (action == ASSIGN and role not in DISPATCH_ROLES):
        raise AlertRefused("role_forbidden", "当前角色不能处理告警")
    if state not in _FROM[action]:
        raise AlertRefused("alert_state", f"告警{STATE_LABELS.get(state, state)}，不能执行此操作")
    if note is not None and len(note) > MAX_NOTE:
        raise AlertRefused("note_too_long", f"说明不能超过 {MAX_NOTE} 字")
    if action == ACCEPT and assigned_to != user_id:
        raise AlertRefused("not_assignee", "只有被指派的执法人员才能接受指派")
    if action == ASSIGN:
        if officer_id is None:
            raise AlertRefused("officer_required", "请选择要指派的执法人员")
        return Move(DISPATCHED, assigned_to=officer_id, note=note)
    if action == RESOLVE:
        if outcome not in OUTCOMES:
            raise AlertRefused("invalid_outcome", f"处置结果必须是 {'、'.join(OUTCOMES.values())} 之一")
        if role == "officer" and assigned_to not in (None, user_id):
            raise AlertRefused("not_assignee", "该告警已指派给其他执法人员")
        return Move(RESOLVED, assigned_to=assigned_to, outcome=outcome, note=note)
    return Move(_TO[action], assigned_to=assigned_to)
