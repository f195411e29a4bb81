"""The partner check (contract §2, ``GET /api/v1/check/{plate}``): what a highway entrance, an annual
inspection, an ownership-transfer desk or a police permit desk needs to know about a plate, answered from
the plate's row of ``plate_checks`` (one primary-key read; adapters/db/plate_checks.py keeps it true).

- ``unresolved_cases``: cases opened after two reviews and not yet in a final state. Records still in
  review are not counted or listed: until people have reviewed them they are not evidence (LEGAL.md §6.2),
  and a partner must not act on them.
- ``blacklisted``: the vehicle is on the serious dishonesty list today (confirmed by a leader, within its two
  years); each entry is a reason with its basis and last day.
- ``refuse_entry``: blacklisted, or — when the setting ``CHECK_REFUSE_OPEN_RATE_PCT`` is set — an
  unresolved case at or above that overload rate (the seed plan: 拒绝失信车辆上高速).

Partner systems (role ``partner``) may call only this endpoint and the exports their scopes name
(``inspection``: plates with unresolved cases, for annual inspection; ``transfer``: for the
ownership-transfer restriction). Each
partner has its own rate (calls per second, a token bucket as deep as one second of calls); a call over
it is refused 429 before any database work. Every call, answered or refused, is logged (``partner_calls``),
in batches written at most a second later, so that logging never adds a write to the answer's path.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any, Protocol

from zhichao.domain.cases import STATE_LABELS
from zhichao.domain.plates import normalize_plate
from zhichao.services.errors import InvalidInput, PermissionDenied, ServiceError
from zhichao.services.ports import User
from zhichao.services.sanctions import RULE_LABELS

log = logging.getLogger(__name__)
# Every partner may call the check; a scope adds one of the exports (the reminder lists for partners).
SCOPES: Mapping[str, str] = {"inspection": "年审提醒名单", "transfer": "过户限制名单"}
MAX_QUEUE = 100_000  # calls waiting to be logged; past it the oldest are counted and dropped


class TooManyCalls(ServiceError):
    status = 429


class PlateCheckReader(Protocol):
    def get(self, plate: str) -> dict[str, Any] | None: ...

    def log_calls(self, rows: Sequence[Mapping[str, Any]]) -> None: ...

    def calls(self, partner_id: int | None = None, limit: int = 200) -> list[dict[str, Any]]: ...


@dataclass(frozen=True, slots=True)
class CheckPolicy:
    refuse_open_rate_x100: int | None = None  # refuse entry for an unresolved case at or above this rate
    default_rate_per_s: int = 50


def scopes_of(user: User) -> frozenset[str]:
    return frozenset(s for s in (user.scopes or "").split(",") if s)


def parse_scopes(text: str | None) -> str | None:
    """A partner's scopes as stored ("entrance,inspection"), or ``InvalidInput`` naming the unknown one."""
    wanted = [s.strip() for s in (text or "").split(",") if s.strip()]
    for scope in wanted:
        if scope not in SCOPES:
            raise InvalidInput("unknown_scope", f"未知的导出用途：{scope}（可选 {'、'.join(SCOPES)}）")
    return ",".join(sorted(set(wanted))) or None


def require_scope(user: User, scope: str) -> None:
    """Partners may use an export only when their scopes name it; people with a reading role always may."""
    if user.role == "partner" and scope not in scopes_of(user):
        raise PermissionDenied("scope_not_allowed", f"该合作方账号未开通“{SCOPES[scope]}”用途")


class PartnerLimiter:
    """A token bucket per partner: ``rate`` calls a second, at most ``rate`` at once after a quiet second."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[int, tuple[float, float]] = {}  # partner id → (tokens, at)
        self._lock = threading.Lock()

    def take(self, partner_id: int, rate: int) -> None:
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.get(partner_id, (float(rate), now))
            tokens = min(float(rate), tokens + (now - at) * rate)
            if tokens < 1 - 1e-9:  # (not a rounding error short of a whole call)
                self._buckets[partner_id] = (tokens, now)
                wait = round((1 - tokens) / rate, 3)
                raise TooManyCalls("rate_limited", f"调用过于频繁：该合作方每秒最多 {rate} 次，请 {wait} 秒后再试",
                                   {"rate_per_s": rate, "retry_after_s": wait})
            self._buckets[partner_id] = (tokens - 1, now)


class CallLog:
    """Calls waiting to be written; ``flush`` writes them in one transaction (a background thread calls it
    every second; the app calls it once more on shutdown)."""

    def __init__(self, store: PlateCheckReader) -> None:
        self._store = store
        self._rows: list[dict[str, Any]] = []
        self._dropped = 0
        self._lock = threading.Lock()

    def add(self, row: dict[str, Any]) -> None:
        with self._lock:
            if len(self._rows) >= MAX_QUEUE:
                self._rows.pop(0)
                self._dropped += 1
            self._rows.append(row)

    def flush(self) -> int:
        with self._lock:
            rows, self._rows = self._rows, []
            dropped, self._dropped = self._dropped, 0
        if dropped:
            log.warning("partner call log overflowed: %d calls not logged", dropped)
        try:
            self._store.log_calls(rows)
        except Exception:
            with self._lock:  # keep them for the next flush
                self._rows[:0] = rows[:MAX_QUEUE - len(self._rows)]
            raise
        return len(rows)

    def run(self, stop: threading.Event, every_s: float = 1.0) -> None:
        while not stop.wait(every_s):
            try:
                self.flush()
            except Exception:
                log.exception("writing the partner call log failed; retrying")
        self.flush()


@dataclass
class CheckContext:
    checks: PlateCheckReader
    policy: CheckPolicy
    tz: tzinfo
    limiter: PartnerLimiter
    calls: CallLog


def answer(plate: str, row: Mapping[str, Any] | None, today: date, policy: CheckPolicy,
           tz: tzinfo) -> dict[str, Any]:
    """The check answer for a normalised plate from its row (None: nothing against it) on ``today``."""
    if row is None:
        return {"plate": plate, "unresolved_cases": 0, "blacklisted": False, "reasons": [], "refuse_entry": False,
                "listed_until": None}
    reasons: list[dict[str, Any]] = []
    until: str | None = None
    for entry in row["entries"]:
        if entry["code"] == "dishonesty_list":
            if date.fromisoformat(entry["until"]) < today or date.fromisoformat(entry["since"]) > today:
                continue  # its two years ran out: it dropped off the list
            until = max(until or entry["until"], entry["until"])
            label = RULE_LABELS.get(entry["rule"], entry["rule"])
            reasons.append({**entry, "message": f"列入严重失信名单（{label}），公布期至 {entry['until']}"})
        else:
            captured = datetime.fromisoformat(entry["captured_at"]).astimezone(tz)
            rate = entry["overload_rate_x100"]
            pct = None if rate is None else rate / 100
            shown = "" if pct is None else f"超限 {pct:.2f}%，"
            reasons.append({
                "code": entry["code"], "case_id": entry["case_id"], "station_id": entry["station_id"],
                "record_id": entry["record_id"], "captured_at": captured.isoformat(), "state": entry["state"],
                "fine_yuan": entry["fine_yuan"], "overload_rate_pct": pct,
                "message": f"{captured.date().isoformat()} 在 {entry['station_id']} {shown}案件未结"
                           f"（{STATE_LABELS.get(entry['state'], entry['state'])}，罚款 {entry['fine_yuan']} 元）"})
    blacklisted = until is not None
    worst = row["worst_open_rate_x100"]
    serious = (policy.refuse_open_rate_x100 is not None and worst is not None
               and worst >= policy.refuse_open_rate_x100)
    return {"plate": plate, "unresolved_cases": int(row["unresolved_cases"]), "blacklisted": blacklisted,
            "reasons": reasons, "refuse_entry": blacklisted or serious, "listed_until": until}


def check(ctx: CheckContext, user: User, raw_plate: str, now: datetime) -> dict[str, Any]:
    """The answer for ``raw_plate`` (any form LEGAL.md §7 lists), logged when a partner asked; partners are
    rate-limited first (429 ``rate_limited``)."""
    partner = user.role == "partner"
    status, result = 200, None
    try:
        if partner:
            ctx.limiter.take(user.id, user.rate_per_s or ctx.policy.default_rate_per_s)
        plate = normalize_plate(raw_plate)
        if not plate.well_formed:
            raise InvalidInput("invalid_plate", f"车牌号格式不正确：{raw_plate[:32]}")
        result = answer(plate.text, ctx.checks.get(plate.text), now.astimezone(ctx.tz).date(), ctx.policy, ctx.tz)
        return result
    except ServiceError as exc:
        status = exc.status
        raise
    finally:
        if partner:
            log_call(ctx, user, raw_plate, now, status, result)


def log_call(ctx: CheckContext, user: User, target: str, now: datetime, status: int,
             result: Mapping[str, Any] | None) -> None:
    """Queue a partner's call for the log: a plate checked, or ``*inspection`` / ``*transfer`` for a list."""
    ctx.calls.add({"partner_id": user.id, "at": now, "plate": target[:32], "status": status,
                   "unresolved_cases": None if result is None else result.get("unresolved_cases"),
                   "blacklisted": None if result is None else result.get("blacklisted"),
                   "refuse_entry": None if result is None else result.get("refuse_entry")})
