"""The review workbench's use cases: the queue, one record's review, decisions, daily counts.

A decision is a conditional update on the item's ``version``: of two reviewers acting on the same
record at once, one wins and the other is told (409), and nothing is recorded twice. Approval at
second review opens the valid case (有效案件) in the same transaction, exactly once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any, Protocol

from zhichao.domain.case_dates import CaseDates, next_deadline
from zhichao.domain.deadlines import Holidays
from zhichao.domain.review import (
    APPROVED,
    OPEN_STATES,
    PENDING_FIRST,
    PENDING_SECOND,
    Decision,
    decide,
)
from zhichao.domain.rulesets import get_rule_set, is_major
from zhichao.domain.screening import ScreeningPolicy, evidence_missing, handled_on_site, permit
from zhichao.services.errors import Conflict, InvalidInput, NotFound
from zhichao.services.ports import FlagRow, RecordReader, ReviewFilter, User
from zhichao.services.screening import flag_rows, passage_of_view

CASE_VALID = "valid"


class ReviewTransaction(Protocol):
    def item(self, station_id: str, record_id: str) -> dict[str, Any] | None: ...

    def move(self, station_id: str, record_id: str, version: int, from_state: str,
             values: dict[str, Any]) -> bool: ...

    def add_event(self, values: dict[str, Any]) -> None: ...

    def open_case(self, values: dict[str, Any]) -> int: ...

    def raise_flags(self, flags: Sequence[FlagRow], now: datetime) -> None: ...

    def audit(self, *, at: datetime, actor: str, origin: str, action: str, subject: str,
              details: dict[str, Any]) -> None: ...


class ReviewRepository(Protocol):
    def transaction(self) -> Any: ...

    def queue(self, f: ReviewFilter) -> list[dict[str, Any]]: ...

    def flags(self, station_id: str, record_id: str) -> list[dict[str, Any]]: ...

    def item(self, station_id: str, record_id: str) -> dict[str, Any] | None: ...

    def events(self, station_id: str, record_id: str) -> list[dict[str, Any]]: ...

    def case_for(self, station_id: str, record_id: str) -> dict[str, Any] | None: ...

    def present_evidence(self, hashes: Sequence[str]) -> set[str]: ...

    def context_for(self, station_id: str, plate: str, start: datetime,
                    end: datetime) -> tuple[str | None, list[Any], list[Any]]: ...

    def actions_since(self, actor_id: int, since: datetime) -> dict[str, int]: ...

    def open_items_before(self, states: Sequence[str], captured_before: datetime,
                          limit: int) -> list[dict[str, Any]]: ...


@dataclass(frozen=True, slots=True)
class ReviewContext:
    repo: ReviewRepository
    records: RecordReader
    screening: ScreeningPolicy
    tz: tzinfo
    # The case opened by an approval starts with its 90-day decision deadline (domain/case_dates.py).
    holidays: Holidays | None = None


def queue(ctx: ReviewContext, f: ReviewFilter) -> list[dict[str, Any]]:
    if not 1 <= f.limit <= 500:
        raise InvalidInput("invalid_limit", "limit 必须是 1–500 的整数")
    return ctx.repo.queue(f)


def _present_kinds(ctx: ReviewContext, record: dict[str, Any]) -> frozenset[str]:
    images = record.get("images") or []
    present = ctx.repo.present_evidence([i["sha256"] for i in images])
    return frozenset(i["kind"] for i in images if i["sha256"] in present)


def evidence_flags(ctx: ReviewContext, record: dict[str, Any], now: datetime, *, final: bool = False) -> list[FlagRow]:
    """``evidence_missing`` if the record's required photos have not all arrived in time.

    ``final`` asks whether anything is still missing at all, grace period or not (used to clear the flag).
    """
    received = datetime.fromisoformat(record["received_at"])
    at = now + timedelta(days=3650) if final else now
    flag = evidence_missing(passage_of_view(record, ctx.tz), _present_kinds(ctx, record), at, ctx.screening,
                            received_at=received)
    return flag_rows(record["station_id"], record["record_id"], [flag] if flag else [])


def detail(ctx: ReviewContext, station_id: str, record_id: str) -> dict[str, Any]:
    """Everything the workbench shows for one record."""
    item = ctx.repo.item(station_id, record_id)
    if item is None:
        raise NotFound("review_not_found", f"站点 {station_id} 的记录 {record_id} 不在审核队列中")
    record = ctx.records.one(station_id, record_id)
    assert record is not None
    return {"item": item, "record": record, "flags": ctx.repo.flags(station_id, record_id),
            "events": ctx.repo.events(station_id, record_id), "case": ctx.repo.case_for(station_id, record_id),
            "present_kinds": sorted(_present_kinds(ctx, record))}


def _values(state: str, target: str, decision: Decision, now: datetime) -> dict[str, Any]:
    values: dict[str, Any] = {"state": target, "reason_code": decision.reason_code, "note": decision.note}
    if state == PENDING_FIRST:
        values.update(first_by=decision.reviewer_id, first_at=now)
    elif state == PENDING_SECOND and target != PENDING_FIRST:
        values.update(second_by=decision.reviewer_id, second_at=now)
    else:  # sent back: the first review is done again, by anyone but the one who sent it back
        values.update(first_by=None, first_at=None)
    return values


def review(ctx: ReviewContext, user: User, station_id: str, record_id: str, decision: Decision, *,
           version: int, now: datetime, origin: str = "api") -> dict[str, Any]:
    """Apply one reviewer's decision; 409 if someone else acted on the record first.

    ``origin`` (the client's IP, or "cli") goes into the audit entry written in the same transaction.
    """
    record = ctx.records.one(station_id, record_id)
    if record is None:
        raise NotFound("review_not_found", f"站点 {station_id} 的记录 {record_id} 不在审核队列中")
    late = evidence_flags(ctx, record, now, final=True) + register_flags(ctx, record)
    if late:  # kept whatever the decision: the queue must show them too
        with ctx.repo.transaction() as tx:
            tx.raise_flags(late, now)
    with ctx.repo.transaction() as tx:
        item = tx.item(station_id, record_id)
        if item is None:
            raise NotFound("review_not_found", f"站点 {station_id} 的记录 {record_id} 不在审核队列中")
        if item["version"] != version:
            raise Conflict("already_reviewed", "该记录已被其他审核员处理，请刷新后再看", {"state": item["state"]})
        blocked = any(f.blocking for f in late) or any(f["blocking"] for f in ctx.repo.flags(station_id, record_id))
        target = decide(item["state"], decision, first_reviewer=item["first_by"], blocked=blocked)
        if not tx.move(station_id, record_id, version, item["state"], _values(item["state"], target, decision, now)):
            raise Conflict("already_reviewed", "该记录已被其他审核员处理，请刷新后再看")
        tx.add_event({"station_id": station_id, "record_id": record_id, "at": now, "actor_id": user.id,
                      "action": decision.action, "from_state": item["state"], "to_state": target,
                      "reason_code": decision.reason_code, "note": decision.note})
        case_id = tx.open_case(_case_values(ctx, record, user, now)) if target == APPROVED else None
        tx.audit(at=now, actor=f"user:{user.id}", origin=origin, action=f"review.{decision.action}",
                 subject=f"record:{station_id}/{record_id}",
                 details={"from_state": item["state"], "to_state": target, "reason_code": decision.reason_code,
                          "note": decision.note, "case_id": case_id})
    return {"state": target, "version": version + 1, "case_id": case_id}


def register_flags(ctx: ReviewContext, record: dict[str, Any]) -> list[FlagRow]:
    """Permits and on-site handlings registered since the record arrived: checked again at decision
    time, so a late registration still keeps an act from being punished that should not be."""
    passage = passage_of_view(record, ctx.tz)
    window = timedelta(seconds=ctx.screening.onsite_window_s)
    road, permits, handlings = ctx.repo.context_for(record["station_id"], record["plate"],
                                                    passage.captured_at - window, passage.captured_at + window)
    found = [permit(passage, permits, road), handled_on_site(passage, handlings, ctx.screening)]
    return flag_rows(record["station_id"], record["record_id"], [f for f in found if f is not None])


def _case_values(ctx: ReviewContext, record: dict[str, Any], user: User, now: datetime) -> dict[str, Any]:
    captured = datetime.fromisoformat(record["captured_at"])
    opened_on = now.astimezone(ctx.tz).date()
    due_on, due_kind = (None, None) if ctx.holidays is None else next_deadline(
        CASE_VALID, CaseDates(captured.astimezone(ctx.tz).date(), opened_on), non_local=False, holidays=ctx.holidays)
    return {"due_on": due_on, "due_kind": due_kind,
            "station_id": record["station_id"], "record_id": record["record_id"], "plate": record["plate"],
            "captured_at": captured, "state": CASE_VALID,
            "fine_yuan": record["verdict"]["fine_yuan"], "opened_at": now, "opened_on": opened_on,
            "opened_by": user.id,
            "major": is_major(get_rule_set(record["verdict"]["rule_set"]), record["verdict"]["fine_yuan"])}


def day_start(now: datetime, tz: tzinfo) -> datetime:
    local = now.astimezone(tz)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def my_day(ctx: ReviewContext, user: User, now: datetime) -> dict[str, int]:
    """What this reviewer decided today (local day), by action."""
    counts = ctx.repo.actions_since(user.id, day_start(now, ctx.tz))
    return {"approve": counts.get("approve", 0), "reject": counts.get("reject", 0),
            "send_back": counts.get("send_back", 0), "total": sum(counts.values())}


def sweep_evidence(ctx: ReviewContext, now: datetime, limit: int = 1000) -> int:
    """Raise ``evidence_missing`` on open review items whose evidence has not arrived in time."""
    cutoff = now - timedelta(seconds=ctx.screening.evidence_grace_s)
    raised = 0
    for row in ctx.repo.open_items_before(sorted(OPEN_STATES), cutoff, limit):
        record = ctx.records.one(row["station_id"], row["record_id"])
        if record is None:
            continue
        flags = evidence_flags(ctx, record, now)
        if flags:
            with ctx.repo.transaction() as tx:
                tx.raise_flags(flags, now)
            raised += 1
    return raised
