"""Joint punishment's use cases: the sweep that proposes sanctions, a leader's decisions on them, and the
published dishonesty list (a party's page is services/four_parties.py).

The sweep applies the pure rules (domain/sanctions.py) to the penalised cases linked to each party
(``case_links``) in the rolling year ending today. A proposal is not made twice: not while one for the
same party and rule is pending or published, nor when a leader already decided one built on the same
cases or more; a pending proposal the rules no longer make lapses (已失效). A leader confirms (published
for two years from that day), rejects (with a reason) or lifts a published entry (with a reason: a
revoked decision, a mistaken identity); each decision is a conditional update with its audit entry, and
a decision on a vehicle rewrites the plate's check row in the same transaction. Entries are never
deleted: the list on a day is the confirmed entries whose two years cover it.
"""
from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any, Protocol

from zhichao.domain.parties import DRIVER, FULL_VIEW_ROLES, masked
from zhichao.domain.sanctions import (
    PARTY_KINDS,
    PARTY_LABELS,
    Offence,
    Proposal,
    is_listed,
    listed_until,
    propose,
    year_back,
)
from zhichao.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from zhichao.services.ports import User

PROPOSED, CONFIRMED, REJECTED, LIFTED, LAPSED = "proposed", "confirmed", "rejected", "lifted", "lapsed"
STATE_LABELS: Mapping[str, str] = {PROPOSED: "待确认", CONFIRMED: "已公布", REJECTED: "未采纳", LIFTED: "已撤出",
                                   LAPSED: "已失效"}
LAPSE_NOTE = "规则已不再成立（案件撤销、当事人更正或违法行为已超出一年），建议自动失效"
RULE_LABELS: Mapping[str, str] = {
    "art66_vehicle": "车辆一年内违法超限运输超过3次", "art66_driver": "驾驶人一年内违法超限运输超过3次",
    "art66_enterprise": "企业一年内违法超限车辆超过车辆总数10%", "source_repeated": "货运源头多次放行违法超限车辆",
}
DECIDERS = frozenset({"leader"})
# What each decision does: (from state, to state).
DECISIONS: Mapping[str, tuple[str, str]] = {
    "confirm": (PROPOSED, CONFIRMED), "reject": (PROPOSED, REJECTED), "lift": (CONFIRMED, LIFTED),
}
MAX_TEXT = 500


class SanctionTransaction(Protocol):
    def sanction(self, sanction_id: int) -> dict[str, Any] | None: ...

    def decide(self, sanction_id: int, from_state: str, values: Mapping[str, Any]) -> bool: ...

    def audit(self, *, at: datetime, actor: str, origin: str, action: str, subject: str,
              details: Mapping[str, Any]) -> None: ...


class SanctionRepository(Protocol):
    def transaction(self) -> Any: ...

    def offences(self, since: date, until: date) -> list[Offence]: ...

    def fleets(self) -> dict[str, int]: ...

    def of_parties(self, keys: Sequence[tuple[str, str]]) -> list[dict[str, Any]]: ...

    def add(self, rows: Sequence[Mapping[str, Any]]) -> None: ...

    def sanction(self, sanction_id: int) -> dict[str, Any] | None: ...

    def list(self, *, state: str | None = None, kind: str | None = None, listed_on: date | None = None,
             limit: int = 200) -> list[dict[str, Any]]: ...

    def party_cases(self, kind: str, key: str, limit: int = 200) -> builtins.list[dict[str, Any]]: ...

    def links_of(self, case_ids: Sequence[int]) -> builtins.list[tuple[int, str, str]]: ...

    def counts(self) -> dict[str, int]: ...


@dataclass(frozen=True, slots=True)
class SanctionContext:
    repo: SanctionRepository
    tz: tzinfo
    source_max_per_year: int = 3


def _already(proposal: Proposal, existing: Sequence[Mapping[str, Any]], today: date) -> bool:
    """Whether this proposal is already pending, published, or was decided on the same cases or more."""
    cases = set(proposal.case_ids)
    for s in existing:
        if (s["party_kind"], s["party_key"], s["rule"]) != (proposal.party_kind, proposal.party_key, proposal.rule):
            continue
        if s["state"] == PROPOSED:
            return True
        if s["state"] == CONFIRMED and is_listed(s["confirmed_on"], today):
            return True
        if cases <= set(s["case_ids"]):
            return True
    return False


def sweep(ctx: SanctionContext, today: date, now: datetime) -> list[Proposal]:
    """Propose what the rules find on ``today`` and is not proposed yet; the new proposals."""
    offences = ctx.repo.offences(year_back(today), today)
    found = propose(offences, ctx.repo.fleets(), today, ctx.source_max_per_year)
    existing = ctx.repo.of_parties(sorted({(p.party_kind, p.party_key) for p in found}))
    new = [p for p in found if not _already(p, existing, today)]
    ctx.repo.add([{"party_kind": p.party_kind, "party_key": p.party_key, "rule": p.rule, "basis": p.basis,
                   "judged_on": p.on, "window_from": p.window_from, "count": p.count, "threshold": p.threshold,
                   "fleet": p.fleet, "case_ids": list(p.case_ids), "state": PROPOSED, "proposed_at": now}
                  for p in new])
    _lapse(ctx, {(p.party_kind, p.party_key, p.rule) for p in found}, now)
    return new


def _lapse(ctx: SanctionContext, still: set[tuple[str, str, str]], now: datetime) -> None:
    """Pending proposals the rules no longer make (a case withdrawn, a party corrected, an act that left the
    rolling year) lapse: a leader is not asked to confirm what no longer holds."""
    for s in ctx.repo.list(state=PROPOSED, limit=100_000):
        if (s["party_kind"], s["party_key"], s["rule"]) in still:
            continue
        with ctx.repo.transaction() as tx:
            if tx.decide(s["id"], PROPOSED, {"state": LAPSED, "decided_at": now, "note": LAPSE_NOTE}):
                tx.audit(at=now, actor="system", origin="sweep", action="sanction.lapse",
                         subject=f"sanction:{s['id']}", details={"party_kind": s["party_kind"],
                                                                 "party_key": s["party_key"], "rule": s["rule"]})


def decide(ctx: SanctionContext, user: User, sanction_id: int, action: str, *, now: datetime,
           note: str | None = None, origin: str = "api") -> dict[str, Any]:
    """A leader's ``confirm``, ``reject`` or ``lift`` of a sanction; a reason is required to reject or lift."""
    if user.role not in DECIDERS:
        raise PermissionDenied("role_not_allowed", "只有领导可以确认、不予采纳或撤出失信名单")
    if action not in DECISIONS:
        raise InvalidInput("unknown_action", f"未知的操作：{action}（可选 {'、'.join(DECISIONS)}）")
    note = (note or "").strip() or None
    if action != "confirm" and not note:
        raise InvalidInput("reason_required", "不予采纳或撤出名单须说明理由", {"field": "note"})
    if note and len(note) > MAX_TEXT:
        raise InvalidInput("note_too_long", f"说明最多 {MAX_TEXT} 个字符", {"field": "note"})
    from_state, to_state = DECISIONS[action]
    today = now.astimezone(ctx.tz).date()
    values: dict[str, Any] = {"state": to_state}
    if action == "lift":
        values.update(lifted_on=today, lifted_by=user.id, lift_reason=note)
    else:
        values.update(decided_at=now, decided_by=user.id, note=note)
    if action == "confirm":
        values.update(confirmed_on=today, listed_until=listed_until(today))
    with ctx.repo.transaction() as tx:
        current = tx.sanction(sanction_id)
        if current is None:
            raise NotFound("sanction_not_found", f"没有编号为 {sanction_id} 的处罚建议")
        if current["state"] != from_state:
            raise Conflict("sanction_state", f"该条目当前为“{STATE_LABELS[current['state']]}”，不能{_VERBS[action]}",
                           {"state": current["state"]})
        if not tx.decide(sanction_id, from_state, values):
            raise Conflict("already_changed", "该条目已被他人处理，请刷新后再看")
        tx.audit(at=now, actor=f"user:{user.id}", origin=origin, action=f"sanction.{action}",
                 subject=f"sanction:{sanction_id}",
                 details={"party_kind": current["party_kind"], "party_key": current["party_key"],
                          "rule": current["rule"], "note": note})
    return {"id": sanction_id, **{k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()
                                  if k in ("state", "confirmed_on", "listed_until", "lifted_on")}}


_VERBS = {"confirm": "确认", "reject": "不予采纳", "lift": "撤出名单"}


def view(sanction: Mapping[str, Any], today: date) -> dict[str, Any]:
    """A sanction as the console and the API show it."""
    listed = sanction["state"] == CONFIRMED and is_listed(sanction["confirmed_on"], today)
    out = {k: v.isoformat() if isinstance(v, date | datetime) else v for k, v in sanction.items()}
    return {**out, "party_label": PARTY_LABELS.get(sanction["party_kind"], sanction["party_kind"]),
            "rule_label": RULE_LABELS.get(sanction["rule"], sanction["rule"]),
            "state_label": "公布期已满" if sanction["state"] == CONFIRMED and not listed else
            STATE_LABELS.get(sanction["state"], sanction["state"]), "listed": listed}


def listing(ctx: SanctionContext, today: date, *, state: str | None = None, kind: str | None = None,
            listed: bool = False, limit: int = 200) -> list[dict[str, Any]]:
    if state is not None and state not in STATE_LABELS:
        raise InvalidInput("unknown_state", f"未知的状态：{state}（可选 {'、'.join(STATE_LABELS)}）")
    if kind is not None and kind not in PARTY_KINDS:
        raise InvalidInput("unknown_party_kind", f"未知的当事方：{kind}（可选 {'、'.join(PARTY_KINDS)}）")
    if not 1 <= limit <= 1000:
        raise InvalidInput("invalid_limit", "limit 必须是 1–1000 的整数")
    rows = ctx.repo.list(state=state, kind=kind, listed_on=today if listed else None, limit=limit)
    return [view(s, today) for s in rows]


def party_sanctions(ctx: SanctionContext, keys: Sequence[tuple[str, str]], today: date) -> list[dict[str, Any]]:
    return [view(s, today) for s in sorted(ctx.repo.of_parties(keys), key=lambda s: -int(s["id"]))]


def shown_to(views: Sequence[Mapping[str, Any]], viewer_role: str) -> list[dict[str, Any]]:
    """Sanctions as ``viewer_role`` may read them: a driver's identity number masked for roles that do not
    prepare cases (domain/parties.py)."""
    if viewer_role in FULL_VIEW_ROLES:
        return [dict(v) for v in views]
    return [{**v, "party_key": masked({"role": DRIVER, "id_number": v["party_key"]}, viewer_role)["id_number"]}
            if v["party_kind"] == DRIVER else dict(v) for v in views]
