"""The case workflow's use cases: actions on a case, its parties, the case list, a case's file, KPI inputs.

An action is a conditional update on the case's ``version``: of two people acting on one case at once,
one wins and the other is told (409 ``already_changed``). ``domain.cases.act`` decides whether the move
is allowed at all, ``domain.case_dates`` whether it may be dated that day. The move, its dates and next
deadline, its ``case_events`` row, its audit entry, the document it issues (with the next number of the
bureau's series) and the notices it sends (outbox rows) commit together or not at all.

A document is rendered before the transaction, with the number it expects to get; if another document
of the same series took that number meanwhile, the transaction rolls back and the action starts again,
so numbers have no gaps and no PDF carries a number it did not get.
"""

from __future__ import annotations

import builtins
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any, Protocol

from zhichao.domain.case_dates import (
    DEFAULT_STATEMENT_DAYS,
    DUE_LABELS,
    SETS_DATE,
    CaseDates,
    check_action_date,
    next_deadline,
)
from zhichao.domain.case_notices import Notice, notices_for, require_owner_contact
from zhichao.domain.cases import (
    FINAL_STATES,
    RECORD_PAYMENT,
    ROLE_ACTIONS,
    SEND_NOTICE,
    STATE_LABELS,
    STATES,
    TRANSFER,
    TRANSITIONS,
    CaseRefused,
    act,
)
from zhichao.domain.deadlines import Holidays
from zhichao.domain.kpis import CaseCounts, count_cases
from zhichao.domain.parties import PARTY_ROLES, checked_party, masked
from zhichao.domain.plates import is_local, normalize_plate
from zhichao.domain.regions import Region, RegionTable, region_of
from zhichao.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from zhichao.services.ports import CaseQuery, EvidenceStore, User

# Parties are entered by the officers who prepare the case, or by a leader.
PARTY_EDITORS = frozenset({"officer", "leader"})
_NOTICE_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0, 1: read aloud and typed by owners
SYSTEM_ACTOR_ID = 0  # the deadline sweep and payment notifications act as the system


class CaseTransaction(Protocol):
    def case(self, case_id: int) -> dict[str, Any] | None: ...

    def move(self, case_id: int, version: int, from_state: str, to_state: str,
             values: dict[str, Any] | None = None) -> bool: ...

    def add_event(self, values: dict[str, Any]) -> None: ...

    def audit(self, *, at: datetime, actor: str, origin: str, action: str, subject: str,
              details: dict[str, Any]) -> None: ...

    def parties(self, case_id: int) -> builtins.list[dict[str, Any]]: ...

    def set_party(self, case_id: int, role: str, values: dict[str, Any]) -> None: ...

    def take_number(self, kind: str, year: int, seq: int) -> bool: ...

    def add_document(self, values: dict[str, Any]) -> int: ...

    def add_attachment(self, values: dict[str, Any]) -> int: ...

    def enqueue(self, **message: Any) -> bool: ...

    def add_transfer(self, values: dict[str, Any]) -> None: ...

    def payment(self, method: str, reference: str) -> dict[str, Any] | None: ...

    def set_transfer_outcome(self, transfer_id: int, values: dict[str, Any]) -> bool: ...

    def open_cases_for(self, plates: Sequence[str]) -> dict[str, builtins.list[int]]: ...

    def party_sources(self, case_ids: Sequence[int]) -> dict[tuple[int, str], str]: ...

    def add_payment(self, values: dict[str, Any]) -> bool: ...


class CaseRepository(Protocol):
    def transaction(self) -> Any: ...

    def case(self, case_id: int) -> dict[str, Any] | None: ...

    def events(self, case_id: int) -> builtins.list[dict[str, Any]]: ...

    def parties(self, case_id: int) -> builtins.list[dict[str, Any]]: ...

    def documents(self, case_id: int) -> builtins.list[dict[str, Any]]: ...

    def attachments(self, case_id: int) -> builtins.list[dict[str, Any]]: ...

    def attachment(self, attachment_id: int) -> dict[str, Any] | None: ...

    def payments(self, case_id: int) -> builtins.list[dict[str, Any]]: ...

    def transfer(self, case_id: int) -> dict[str, Any] | None: ...

    def next_seq(self, kind: str, year: int) -> int: ...

    def case_for_document(self, kind: str, number: str) -> int | None: ...

    def by_notice_code(self, plate: str, code: str) -> dict[str, Any] | None: ...

    def document(self, document_id: int) -> dict[str, Any] | None: ...

    def transfers(self, state: str | None = None, long_triangle: bool | None = None,
                  limit: int = 100) -> builtins.list[dict[str, Any]]: ...

    def day_counts(self, start: date, end: date, county: str | None) -> builtins.list[tuple[str, str, int]]: ...

    def list(self, query: CaseQuery, limit: int = 100) -> builtins.list[dict[str, Any]]: ...


class DocumentIssuer(Protocol):
    """Renders and stores the PDF an action issues (services/case_documents.py)."""

    def kind_for(self, action: str) -> str | None: ...

    def prepare(self, case_id: int, kind: str, year: int, seq: int, issued_on: date,
                extra: dict[str, Any]) -> dict[str, Any]:
        """Render and store; returns ``number``, ``sha256``, ``storage_key`` and ``size``."""


@dataclass(frozen=True, slots=True)
class CaseContext:
    repo: CaseRepository
    holidays: Holidays
    regions: RegionTable
    tz: tzinfo
    local_prefixes: tuple[str, ...]
    statement_days: int = DEFAULT_STATEMENT_DAYS
    documents: DocumentIssuer | None = None
    portal_url: str = ""
    authority: str = ""
    store: EvidenceStore | None = None  # where uploaded attachments are kept (services/case_attachments.py)


@dataclass(frozen=True, slots=True)
class _Plan:
    target: str
    values: dict[str, Any]
    region: Region | None


class _NumberTaken(Exception):
    """Another document took the number this one was rendered with: roll back and start again."""


def _not_found(case_id: int) -> NotFound:
    return NotFound("case_not_found", f"案件 {case_id} 不存在")


def _stale() -> Conflict:
    return Conflict("already_changed", "该案件已被他人处理，请刷新后再看")


def _local_day(ctx: CaseContext, moment: datetime) -> date:
    return moment.astimezone(ctx.tz).date()


def case_dates(ctx: CaseContext, case: dict[str, Any]) -> CaseDates:
    return CaseDates(captured_on=_local_day(ctx, case["captured_at"]), opened_on=_local_day(ctx, case["opened_at"]),
                     **{column: case.get(column) for column in SETS_DATE.values()})


def _plan(ctx: CaseContext, current: dict[str, Any], parties: list[dict[str, Any]], user: User, action: str,
          on: date, today: date, reason: str | None, major: bool) -> _Plan:
    target = act(current["state"], action, role=user.role, reason=reason, major=major or bool(current["major"]))
    dates = case_dates(ctx, current)
    check_action_date(action, on, dates, today=today, holidays=ctx.holidays, statement_days=ctx.statement_days)
    local = is_local(current["plate"], ctx.local_prefixes)
    region = None
    if action == SEND_NOTICE:
        require_owner_contact(parties)
    if action == TRANSFER:
        if local:
            raise CaseRefused("local_vehicle", f"本地车辆（{current['plate']}）无需抄告")
        region = region_of(current["plate"], ctx.regions)
    after = dates.after(action, on)
    due_on, due_kind = next_deadline(target, after, non_local=not local, holidays=ctx.holidays,
                                     statement_days=ctx.statement_days)
    values: dict[str, Any] = {"due_on": due_on, "due_kind": due_kind}
    if action in SETS_DATE:
        values[SETS_DATE[action]] = on
    if action == SEND_NOTICE and not current.get("notice_code"):
        values["notice_code"] = "".join(secrets.choice(_NOTICE_CODE_ALPHABET) for _ in range(8))
    return _Plan(target, values, region)


def _facts(ctx: CaseContext, case: dict[str, Any], code: str | None, number: str) -> dict[str, str]:
    when = case["captured_at"].astimezone(ctx.tz).strftime("%Y年%m月%d日%H时%M分")
    return {"when": when, "station": str(case.get("station_name") or case["station_id"]), "code": code or "",
            "portal": ctx.portal_url, "number": number}


def act_on_case(ctx: CaseContext, user: User, case_id: int, action: str, *, version: int, now: datetime,
                on: date | None = None, reason: str | None = None, note: str | None = None, major: bool = False,
                origin: str = "api") -> dict[str, Any]:
    """Take ``action`` on the case as ``user``, dated ``on`` (today by default).

    409 ``already_changed`` if someone acted on it first. ``origin`` (the client's IP, or "cli") goes into
    the audit entry written in the same transaction. Payments have their own entry (``services.payments``).
    """
    if action == RECORD_PAYMENT:
        raise InvalidInput("use_payment_entry", "缴款须通过“登记缴款”录入（银行或电子缴款通知、财务收款凭证号）")
    reason = (reason or "").strip() or None
    note = (note or "").strip() or None
    today = _local_day(ctx, now)
    on = on or today
    for _ in range(5):
        current = ctx.repo.case(case_id)
        if current is None:
            raise _not_found(case_id)
        if current["version"] != version:
            raise Conflict("already_changed", "该案件已被他人处理，请刷新后再看",
                           {"state": current["state"], "version": current["version"]})
        plan = _plan(ctx, current, ctx.repo.parties(case_id), user, action, on, today, reason, major)
        kind = ctx.documents.kind_for(action) if ctx.documents else None
        document = None
        if ctx.documents and kind:
            seq = ctx.repo.next_seq(kind, on.year)
            extra = {"action": action, "values": plan.values, "region": plan.region, "reason": reason}
            document = {"kind": kind, "year": on.year, "seq": seq,
                        **ctx.documents.prepare(case_id, kind, on.year, seq, on, extra)}
        try:
            return _commit(ctx, user, current, action, plan, document, now=now, on=on, reason=reason, note=note,
                           origin=origin)
        except _NumberTaken:
            continue
    raise Conflict("document_number_busy", "文书编号分配繁忙，请稍后重试")


def _commit(ctx: CaseContext, user: User, current: dict[str, Any], action: str, plan: _Plan,
            document: dict[str, Any] | None, *, now: datetime, on: date, reason: str | None, note: str | None,
            origin: str) -> dict[str, Any]:
    case_id, version, from_state = current["id"], current["version"], current["state"]
    with ctx.repo.transaction() as tx:
        if document and not tx.take_number(document["kind"], document["year"], document["seq"]):
            raise _NumberTaken
        if not tx.move(case_id, version, from_state, plan.target, plan.values):
            raise _stale()
        tx.add_event({"case_id": case_id, "at": now, "actor_id": user.id, "role": user.role, "action": action,
                      "from_state": from_state, "to_state": plan.target, "reason": reason, "note": note})
        details: dict[str, Any] = {"from_state": from_state, "to_state": plan.target, "reason": reason, "note": note}
        if on != _local_day(ctx, now):
            details["on"] = on.isoformat()
        if document:
            document["id"] = tx.add_document({"case_id": case_id, "kind": document["kind"], "year": document["year"],
                                              "seq": document["seq"], "number": document["number"], "created_at": now,
                                              "created_by": f"user:{user.id}", "sha256": document["sha256"],
                                              "storage_key": document["storage_key"], "size": document["size"]})
            details["document"] = document["number"]
        tx.audit(at=now, actor=f"user:{user.id}", origin=origin, action=f"case.{action}", subject=f"case:{case_id}",
                 details=details)
        if plan.region is not None:
            tx.add_transfer({"case_id": case_id, "region": plan.region.prefix, "authority": plan.region.authority,
                             "long_triangle": plan.region.long_triangle, "state": "sent",
                             "due_on": current["due_on"] or on, "created_at": now, "sent_at": now})
        code = plan.values.get("notice_code") or current.get("notice_code")
        subject = f"{ctx.authority}：{current['plate']} 超限案件"
        for notice in notices_for(action, current, tx.parties(case_id), subject=subject, document=document,
                                  facts=_facts(ctx, current, code, document["number"] if document else ""),
                                  authority=plan.region.authority if plan.region else None):
            _enqueue(tx, notice, case_id, now)
    return {"id": case_id, "state": plan.target, "version": version + 1,
            "document": None if document is None else {"id": document["id"], "number": document["number"]}}


def _enqueue(tx: CaseTransaction, notice: Notice, case_id: int, now: datetime) -> None:
    tx.enqueue(channel=notice.channel, recipient=notice.recipient, subject=notice.subject, body=notice.body,
               dedupe_key=notice.dedupe_key, now=now, payload=dict(notice.payload), case_id=case_id)


def set_party(ctx: CaseContext, user: User, case_id: int, role: str, values: dict[str, Any], *, now: datetime,
              source: str = "officer", origin: str = "api") -> dict[str, Any]:
    """Enter or correct one of the case's four parties (一超四罚); audited with masked values."""
    if user.role not in PARTY_EDITORS:
        raise PermissionDenied("role_not_allowed", f"该角色（{user.role}）无权录入当事人")
    party = checked_party(role, values)
    with ctx.repo.transaction() as tx:
        current = tx.case(case_id)
        if current is None:
            raise _not_found(case_id)
        if current["state"] in FINAL_STATES - {"closed"}:
            raise CaseRefused("case_final", f"案件已办结（{STATE_LABELS[current['state']]}），不能再修改当事人")
        tx.set_party(case_id, role, {**party, "source": source, "updated_at": now, "updated_by": user.id})
        tx.audit(at=now, actor=f"user:{user.id}", origin=origin, action="case.party", subject=f"case:{case_id}",
                 details={"role": role, **masked({"role": role, **party}, "audit")})
    return {"role": role, **party}


def list_cases(repo: CaseRepository, query: CaseQuery, limit: int = 100) -> list[dict[str, Any]]:
    if not 1 <= limit <= 500:
        raise InvalidInput("invalid_limit", "limit 必须是 1–500 的整数")
    if query.state and query.state not in STATES:
        raise InvalidInput("invalid_state", f"未知的案件状态：{query.state}")
    return repo.list(query, limit)


def plate_as_stored(plate: str | None) -> str | None:
    """A plate typed in a filter, as stored (normalised as ingest normalises it); None for every plate."""
    if not plate or not plate.strip():
        return None
    return normalize_plate(plate).text or plate.strip()


def allowed_actions(state: str, role: str) -> list[str]:
    """The actions ``role`` may take on a case in ``state`` (the console offers these)."""
    mine = ROLE_ACTIONS.get(role, frozenset())
    return [action for (s, action) in TRANSITIONS if s == state and action in mine]


def case_detail(ctx: CaseContext, case_id: int, viewer_role: str, today: date) -> dict[str, Any]:
    """The case file: the case (with its ``version``), every action taken on it (oldest first), its parties
    (masked for roles that do not need personal data), documents, attachments, payments, transfer, and what
    is owed."""
    repo = ctx.repo
    found = repo.case(case_id)
    if found is None:
        raise _not_found(case_id)
    from zhichao.services.payments import amount_owed

    return {"case": found, "events": repo.events(case_id),
            "parties": [masked(p, viewer_role) for p in repo.parties(case_id)],
            "documents": repo.documents(case_id), "attachments": repo.attachments(case_id),
            "payments": repo.payments(case_id),
            "transfer": repo.transfer(case_id), "owed": amount_owed(ctx, found, today),
            "due_label": DUE_LABELS.get(found.get("due_kind") or ""),
            "allowed_actions": allowed_actions(found["state"], viewer_role),
            "party_roles": dict(PARTY_ROLES)}


def case_counts(repo: CaseRepository, start: date, end: date, county: str | None,
                local_prefixes: Sequence[str]) -> CaseCounts:
    """The cases opened on the local days ``start``–``end`` by what has become of them (KPI 3 and 4)."""
    if end < start:
        raise InvalidInput("period_reversed", "结束日期不能早于开始日期")
    return count_cases(repo.day_counts(start, end, county), local_prefixes)
