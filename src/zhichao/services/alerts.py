"""Live alerts: the engine that turns committed records into alerts, and the officers' handling of them.

Ingest never waits for alerts. After each commit it wakes the engine (``AlertEngine.wake``); the engine
also looks every second, so records stored by another process are alerted too. It reads the records
stored since its last look by id, in one driver-level query. Most records can raise nothing: each costs a
dictionary look-up (its plate's last sighting, kept for the cloned-plate rule). The few that may alert
(a watched or checked plate, a heavy or seriously overloaded truck, a plate last seen elsewhere) go
through the pure rules (domain/alerts.py), with the standing of their plates read in one more query. The
engine skips what an alert of the same rule already covers for the plate within the window, stores the
alerts (with their DingTalk notice in the same transaction) and only then hands them to its listeners:
the browsers' event streams (web/alert_stream.py).

On PostgreSQL ids are taken when a row is inserted but become visible at commit, so a record with a
lower id can appear after a higher one has been read. The engine keeps the ids it jumped over for
``HOLE_WAIT_S`` and reads them again; most are ids a duplicate insert used up and never appear.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from zhichao.domain import alerts as rules
from zhichao.domain.alerts import AlertPolicy, NewAlert, Passage, PlateStanding
from zhichao.domain.watchlist import check_watch
from zhichao.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from zhichao.services.ports import Station, User

log = logging.getLogger("zhichao.alerts")
POLL_S = 1.0
BATCH = 2000
HOLE_WAIT_S = 30.0
MAX_HOLES = 5000
LOOK_BACK = timedelta(minutes=10)  # a restarted engine alerts the records captured this long before it started
MAX_PLATES = 300_000  # last sightings kept for the cloned-plate rule (about 60 MB at most)
# a clone shows only while the second sighting comes sooner than a truck could drive between the stations:
# within a city (or a province's region) two hours is more than that
CLONE_HORIZON = timedelta(hours=2)
STATIONS_TTL_S = 60.0
HOT_TTL_S = 5.0  # plates with a watch or a check row (unresolved cases, the list), re-read this often
Seen = tuple[str, str, Any, int, str]  # station, record id, captured at (as the driver gives it), axles, colour
Listener = Callable[[str, dict[str, Any]], None]


@dataclass
class AlertContext:
    store: Any  # adapters/db/alerts.SqlAlertStore
    stations: Any  # StationRepository: all()
    tz: tzinfo
    policy: AlertPolicy
    robot: str | None
    robot_min_severity: int
    listeners: list[Listener] = field(default_factory=list)
    watch_version: int = 0  # bumped when a watch is set or lifted here, so the engine re-reads the watched plates

    def publish(self, event: str, view: dict[str, Any]) -> None:
        for listener in list(self.listeners):
            try:
                listener(event, view)
            except Exception:  # noqa: BLE001 — a broken listener must not stop the others or the engine
                log.exception("alert listener failed")

    def station_names(self) -> dict[str, str]:
        return {s.station_id: s.name for s in self.stations.all()}


class AlertEngine:
    """Reads committed records in id order and raises alerts; one per serving process."""

    def __init__(self, ctx: AlertContext, clock: Callable[[], datetime]) -> None:
        self.ctx, self._clock = ctx, clock
        self._wake = threading.Event()
        self._cursor: int | None = None
        self._holes: dict[int, float] = {}
        self._last_seen: OrderedDict[str, Seen] = OrderedDict()  # plate → its latest sighting
        self._hot: set[str] = set()
        self._hot_at = -HOT_TTL_S
        self._hot_version = -1
        self._alerted: dict[tuple[str, str], datetime] = {}
        self._stations: dict[str, Station] = {}
        self._stations_at = -STATIONS_TTL_S
        self.fired = 0
        self.read_at: datetime | None = None  # when the last step read the records (the lag metric)

    @property
    def cursor(self) -> int | None:
        """The highest record id read so far (None before the first step); ids skipped below it are read later."""
        return self._cursor

    def reset(self) -> None:
        """Forget where reading stopped and what was alerted: another process may run the engine meanwhile,
        and the next run starts over ``LOOK_BACK`` before its start, its repeats told by the stored alerts."""
        self._cursor, self.read_at = None, None
        self._holes.clear()
        self._alerted.clear()

    def wake(self) -> None:
        """Called by ingest after a commit: look now, not at the next tick. Never blocks."""
        self._wake.set()

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self._wake.wait(POLL_S)
            self._wake.clear()
            try:
                more = True
                while more and not stop.is_set():  # a backlog is read BATCH records at a time
                    more = self.step() >= BATCH
            except Exception:  # noqa: BLE001 — a bad moment (database restarting) is retried at the next tick
                log.exception("alert engine step failed; retrying")
                stop.wait(POLL_S)

    def step(self) -> int:
        """Read what was stored since the last step and raise its alerts; the number of records read."""
        now = self._clock()
        if self._cursor is None:
            self._cursor = self.ctx.store.first_id_since(now - LOOK_BACK)
        rows = self.ctx.store.passages(self._cursor, self._holes.keys(), BATCH)
        self.read_at = now
        self._advance([r[0] for r in rows])
        if rows:
            self._raise(self._candidates(rows, now), now)
        return len(rows)

    def _advance(self, ids: list[int]) -> None:
        tick = time.monotonic()
        for i in ids:
            self._holes.pop(i, None)
        expected = (self._cursor or 0) + 1
        for i in ids:
            if i > expected and i - expected <= MAX_HOLES:
                self._holes.update(dict.fromkeys(range(expected, i), tick))
            expected = max(expected, i + 1)
        self._cursor = max(self._cursor or 0, expected - 1)
        stale = [i for i, at in self._holes.items() if tick - at > HOLE_WAIT_S]
        for i in stale:
            del self._holes[i]
        while len(self._holes) > MAX_HOLES:
            self._holes.pop(next(iter(self._holes)))

    def _refresh(self, now: datetime) -> None:
        """The stations, and the plates with a watch or a check row, re-read every few seconds (at once after a
        watch is set or lifted in this process)."""
        tick = time.monotonic()
        if tick - self._stations_at > STATIONS_TTL_S:
            self._stations = {s.station_id: s for s in self.ctx.stations.all()}
            self._stations_at = tick
        if tick - self._hot_at > HOT_TTL_S or self._hot_version != self.ctx.watch_version:
            self._hot_version = self.ctx.watch_version
            self._hot = self.ctx.store.hot_plates(now)
            self._hot_at = tick

    def _passage(self, row: tuple[Any, ...]) -> Passage:
        _, station_id, record_id, plate, colour, at, axles, gross, limit, rate, actionable = row
        s = self._stations.get(station_id)
        return Passage(station_id, record_id, plate, colour, self.ctx.store.to_time(at), axles, gross, limit, rate,
                       bool(actionable), s.kind if s else "site", s.county_code if s else None,
                       s.name if s else station_id, s.lat if s else None, s.lon if s else None)

    def _earlier(self, seen: Seen, plate: str) -> Passage:
        return self._passage((0, seen[0], seen[1], plate, seen[4], seen[2], seen[3], 0, 0, 0, False))

    def _candidates(self, rows: list[tuple[Any, ...]], now: datetime) -> list[tuple[Passage, Passage | None]]:
        """The passages that may raise an alert, each with the plate's earlier sighting when it could be a
        clone. Most records can raise nothing and cost a dictionary look-up: every record is remembered for the
        cloned-plate rule, but a Passage is made only for a plate watched or checked, a heavy or seriously
        overloaded truck, or a plate last seen elsewhere or otherwise. Times stay as the driver gives them
        until a Passage is made (``raw_time``)."""
        self._refresh(now)
        policy, seen_at, hot, store = self.ctx.policy, self._last_seen, self._hot, self.ctx.store
        live_from = store.raw_time(now - policy.max_age)
        found: list[tuple[Passage, Passage | None]] = []
        newest = None
        for row in rows:
            _, station_id, record_id, plate, colour, at, axles, gross, _, rate, actionable = row
            if not plate:
                continue
            before = seen_at.get(plate)
            if before is None or at >= before[2]:
                seen_at[plate] = (station_id, record_id, at, axles, colour)
                seen_at.move_to_end(plate)
                newest = at if newest is None or at > newest else newest
            if at < live_from:
                continue
            other = before is not None and (before[0] != station_id or before[3] != axles or before[4] != colour)
            if other or plate in hot or rules.may_alert(gross, bool(actionable), rate, policy):
                found.append((self._passage(row), self._earlier(before, plate) if other and before else None))
        self._forget_sightings(None if newest is None else store.to_time(newest))
        return found

    def _forget_sightings(self, newest: datetime | None) -> None:
        """Keep the sightings a clone could still be told from (``CLONE_HORIZON``), and at most ``MAX_PLATES``."""
        seen_at = self._last_seen
        horizon = None if newest is None else self.ctx.store.raw_time(newest - CLONE_HORIZON)
        while seen_at and (len(seen_at) > MAX_PLATES or (
                horizon is not None and next(iter(seen_at.values()))[2] < horizon)):
            seen_at.popitem(last=False)

    def _raise(self, found: list[tuple[Passage, Passage | None]], now: datetime) -> None:
        if not found:
            return
        policy = self.ctx.policy
        standings = self.ctx.store.standings({p.plate for p, _ in found if p.plate in self._hot}, now)
        today = now.astimezone(self.ctx.tz).date()
        candidates: list[NewAlert] = []
        for p, previous in found:
            candidates += rules.alerts_for(p, standings.get(p.plate, PlateStanding()), previous, today, policy)
        if not candidates:
            return
        unknown = {(c.rule, c.passage.plate) for c in candidates} - self._alerted.keys()
        if unknown:
            self._alerted.update(self.ctx.store.last_alerted(unknown, now - 2 * policy.window - LOOK_BACK))
        new: list[NewAlert] = []
        for c in candidates:
            key = (c.rule, c.passage.plate)
            if not rules.is_repeat(self._alerted.get(key), c.passage.captured_at, policy.window):
                self._alerted[key] = c.passage.captured_at
                new.append(c)
        self._forget_old(now)
        if not new:
            return
        stored = self.ctx.store.add(new, now, self.ctx.robot, self.ctx.robot_min_severity)
        self.fired += len(stored)
        names = {s: st.name for s, st in self._stations.items()}
        for row in stored:
            self.ctx.publish("alert", view(row, names, {}, self.ctx.tz))

    def _forget_old(self, now: datetime) -> None:
        if len(self._alerted) > 50_000:
            horizon = now - 2 * self.ctx.policy.window - LOOK_BACK
            self._alerted = {k: at for k, at in self._alerted.items() if at >= horizon}


def _local(value: datetime | None, tz: tzinfo) -> str | None:
    return value.astimezone(tz).isoformat() if value is not None else None


def view(row: Mapping[str, Any], stations: Mapping[str, str], names: Mapping[int, str], tz: tzinfo
         ) -> dict[str, Any]:
    """An alert as the API, the event stream and the pages show it (times in the display time zone)."""

    def _iso(value: datetime | None) -> str | None:
        return _local(value, tz)

    return {
        "id": row["id"], "rule": row["rule"], "rule_label": rules.RULE_LABELS.get(row["rule"], row["rule"]),
        "severity": row["severity"], "title": row["title"], "plate": row["plate"], "station_id": row["station_id"],
        "station_name": stations.get(row["station_id"], row["station_id"]), "county_code": row["county_code"],
        "record_id": row["record_id"], "captured_at": _iso(row["captured_at"]), "fired_at": _iso(row["fired_at"]),
        "details": row["details"], "state": row["state"],
        "state_label": rules.STATE_LABELS.get(row["state"], row["state"]),
        "acked_by_name": names.get(row.get("acked_by") or 0), "acked_at": _iso(row.get("acked_at")),
        "assigned_to": row.get("assigned_to"), "assigned_to_name": names.get(row.get("assigned_to") or 0),
        "assigned_at": _iso(row.get("assigned_at")), "outcome": row.get("outcome"),
        "outcome_label": rules.OUTCOMES.get(row.get("outcome") or ""), "outcome_note": row.get("outcome_note"),
        "resolved_at": _iso(row.get("resolved_at")), "version": row["version"],
    }


def views(ctx: AlertContext, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ids = {i for r in rows for i in (r.get("acked_by"), r.get("assigned_to")) if i}
    names, stations = ctx.store.user_names(ids), ctx.station_names()
    return [view(r, stations, names, ctx.tz) for r in rows]


def list_alerts(ctx: AlertContext, *, state: str | None = None, county: str | None = None,
                after_id: int | None = None, limit: int = 100) -> list[dict[str, Any]]:
    if state and state != "active" and state not in rules.STATES:
        raise InvalidInput("invalid_state", f"告警状态必须是 active、{'、'.join(rules.STATES)} 之一")
    return views(ctx, ctx.store.recent(state=state, county=county, after_id=after_id, limit=limit))


def act_on_alert(ctx: AlertContext, user: User, alert_id: int, action: str, body: Mapping[str, Any], now: datetime,
                 origin: str) -> dict[str, Any]:
    """Acknowledge, dispatch, accept or resolve an alert; the alert after the move, published to the screens."""
    row = ctx.store.get(alert_id)
    if row is None:
        raise NotFound("unknown_alert", f"告警 {alert_id} 不存在")
    officer = body.get("officer_id")
    if action == rules.ASSIGN:
        officer = _officer(ctx, officer)
    note = body.get("note")
    if note is not None and not isinstance(note, str):
        raise InvalidInput("invalid_note", "说明必须是文字")
    move = rules.act(action, row["state"], user.role, user.id, row["assigned_to"], officer_id=officer,
                     outcome=body.get("outcome"), note=note)
    values: dict[str, Any] = {"state": move.to_state}
    if action == rules.ACK:
        values |= {"acked_by": user.id, "acked_at": now}
    elif action == rules.ASSIGN:
        values |= {"assigned_to": move.assigned_to, "assigned_by": user.id, "assigned_at": now}
    elif action == rules.RESOLVE:
        values |= {"outcome": move.outcome, "outcome_note": move.note, "resolved_by": user.id, "resolved_at": now}
    details = {"from_state": row["state"], "to_state": move.to_state, **{k: v for k, v in (
        ("assigned_to", move.assigned_to if action == rules.ASSIGN else None), ("outcome", move.outcome),
        ("note", move.note)) if v is not None}}
    version = body.get("version", row["version"])
    if not isinstance(version, int):
        raise InvalidInput("invalid_version", "version 必须是整数")
    moved = ctx.store.move(alert_id, version, values, now=now, actor=f"user:{user.id}", origin=origin,
                           action=action, details=details)
    if moved is None:
        raise Conflict("stale_alert", "该告警已被他人处理，请刷新后再试")
    shown = views(ctx, [moved])[0]
    ctx.publish("alert_update", shown)
    return shown


def _officer(ctx: AlertContext, officer: object) -> int:
    if not isinstance(officer, int) or isinstance(officer, bool):
        raise InvalidInput("officer_required", "请选择要指派的执法人员（officer_id）")
    found = ctx.store.user_role(officer)
    if found is None or not found[1] or found[0] not in rules.ALERT_ROLES:
        raise InvalidInput("invalid_officer", f"用户 {officer} 不是在岗的执法人员")
    return officer


# --- the watchlist (布控) ---

def _watch_view(row: Mapping[str, Any], now: datetime, tz: tzinfo) -> dict[str, Any]:
    active = row["lifted_at"] is None and row["ends_at"] > now

    def _iso(value: datetime | None) -> str | None:
        return _local(value, tz)

    return {"id": row["id"], "plate": row["plate"], "reason": row["reason"], "county_code": row["county_code"],
            "created_by": row["created_by"], "created_at": _iso(row["created_at"]), "ends_at": _iso(row["ends_at"]),
            "lifted_at": _iso(row["lifted_at"]), "lift_reason": row["lift_reason"], "active": active}


def add_watch(ctx: AlertContext, user: User, plate: str, reason: str, ends_on: date, county: str | None,
              now: datetime, origin: str) -> dict[str, Any]:
    if user.role not in rules.ALERT_ROLES:
        raise PermissionDenied("role_forbidden", "当前角色不能布控车辆")
    watch = check_watch(plate, reason, ends_on, county, now.astimezone(ctx.tz).date(), ctx.tz)
    row = ctx.store.add_watch({"plate": watch.plate, "reason": watch.reason, "county_code": watch.county_code,
                               "created_by": user.id, "created_at": now, "ends_at": watch.ends_at},
                              actor=f"user:{user.id}", origin=origin)
    ctx.watch_version += 1
    return _watch_view(row, now, ctx.tz)


def lift_watch(ctx: AlertContext, user: User, watch_id: int, reason: str, now: datetime, origin: str
               ) -> dict[str, Any]:
    if user.role not in rules.ALERT_ROLES:
        raise PermissionDenied("role_forbidden", "当前角色不能撤销布控")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("reason_required", "请填写撤控原因")
    if ctx.store.get_watch(watch_id) is None:
        raise NotFound("unknown_watch", f"布控 {watch_id} 不存在")
    row = ctx.store.lift_watch(watch_id, user.id, reason[:200], now, actor=f"user:{user.id}", origin=origin)
    if row is None:
        raise Conflict("watch_lifted", "该布控已撤销")
    ctx.watch_version += 1
    return _watch_view(row, now, ctx.tz)


def watches(ctx: AlertContext, now: datetime, *, active: bool = True, plate: str | None = None,
            limit: int = 500) -> list[dict[str, Any]]:
    return [_watch_view(r, now, ctx.tz) for r in ctx.store.watches(active_at=now if active else None, plate=plate,
                                                           limit=limit)]


# --- officers on duty ---

def set_duty(ctx: AlertContext, user: User, on: bool, county: str | None, now: datetime) -> dict[str, Any]:
    if user.role not in rules.ALERT_ROLES:
        raise PermissionDenied("role_forbidden", "当前角色不参与值班")
    if county is not None and not (isinstance(county, str) and len(county) == 6 and county.isdigit()):
        raise InvalidInput("invalid_county", "区县代码应为 6 位数字")
    ctx.store.set_duty(user.id, on, county, now)
    return {"on": on, "county": county if on else None}


def on_duty(ctx: AlertContext) -> list[dict[str, Any]]:
    return [{"user_id": r["user_id"], "name": r["name"], "county_code": r["county_code"],
             "since": _local(r["since"], ctx.tz)}
            for r in ctx.store.on_duty()]


def duty_area(ctx: AlertContext, user: User) -> str | None:
    """The county whose alerts an officer on duty receives (None: the whole city, or not on duty)."""
    row = ctx.store.duty_of(user.id)
    return row["county_code"] if row and row["until"] is None else None
