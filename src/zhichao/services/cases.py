"""The case workflow's use cases: one action on a case, the case list, a case's trail, KPI inputs.

An action is a conditional update on the case's ``version``: of two people acting on one case at once,
one wins and the other is told (409 ``already_changed``); ``domain.cases.act`` decides whether the move
is allowed at all. The move, its ``case_events`` row and its audit entry commit together or not at all.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from zhichao.domain.cases import STATES, act
from zhichao.services.errors import Conflict, InvalidInput, NotFound
from zhichao.services.ports import User


class CaseTransaction(Protocol):
    def case(self, case_id: int) -> dict[str, Any] | None: ...

    def move(self, case_id: int, version: int, from_state: str, to_state: str) -> bool: ...

    def add_event(self, values: dict[str, Any]) -> None: ...

    def audit(self, *, at: datetime, actor: str, origin: str, action: str, subject: str,
              details: dict[str, Any]) -> None: ...


class CaseRepository(Protocol):
    def transaction(self) -> Any: ...

    def case(self, case_id: int) -> dict[str, Any] | None: ...

    def events(self, case_id: int) -> builtins.list[dict[str, Any]]: ...

    def counts(self, start: datetime, end: datetime, local_prefixes: Sequence[str]) -> dict[str, int]: ...

    def list(self, state: str | None = None, plate: str | None = None,
             limit: int = 100) -> builtins.list[dict[str, Any]]: ...


def _not_found(case_id: int) -> NotFound:
    return NotFound("case_not_found", f"案件 {case_id} 不存在")


def act_on_case(repo: CaseRepository, user: User, case_id: int, action: str, *, version: int, now: datetime,
                reason: str | None = None, note: str | None = None, major: bool = False,
                origin: str = "api") -> dict[str, Any]:
    """Take ``action`` on the case as ``user``; 409 ``already_changed`` if someone acted on it first.

    ``origin`` (the client's IP, or "cli") goes into the audit entry written in the same transaction.
    """
    reason = (reason or "").strip() or None
    note = (note or "").strip() or None
    with repo.transaction() as tx:
        current = tx.case(case_id)
        if current is None:
            raise _not_found(case_id)
        if current["version"] != version:
            raise Conflict("already_changed", "该案件已被他人处理，请刷新后再看",
                           {"state": current["state"], "version": current["version"]})
        from_state = current["state"]
        target = act(from_state, action, role=user.role, reason=reason, major=major)
        if not tx.move(case_id, version, from_state, target):
            raise Conflict("already_changed", "该案件已被他人处理，请刷新后再看")
        tx.add_event({"case_id": case_id, "at": now, "actor_id": user.id, "role": user.role, "action": action,
                      "from_state": from_state, "to_state": target, "reason": reason, "note": note})
        tx.audit(at=now, actor=f"user:{user.id}", origin=origin, action=f"case.{action}", subject=f"case:{case_id}",
                 details={"from_state": from_state, "to_state": target, "reason": reason, "note": note})
    return {"id": case_id, "state": target, "version": version + 1}


def list_cases(repo: CaseRepository, state: str | None = None, plate: str | None = None,
               limit: int = 100) -> list[dict[str, Any]]:
    if not 1 <= limit <= 500:
        raise InvalidInput("invalid_limit", "limit 必须是 1–500 的整数")
    if state and state not in STATES:
        raise InvalidInput("invalid_state", f"未知的案件状态：{state}")
    return repo.list(state=state or None, plate=(plate or "").strip() or None, limit=limit)


def case_detail(repo: CaseRepository, case_id: int) -> dict[str, Any]:
    """The case (with its ``version``) and every action taken on it, oldest first."""
    found = repo.case(case_id)
    if found is None:
        raise _not_found(case_id)
    return {"case": found, "events": repo.events(case_id)}


def kpi_inputs(repo: CaseRepository, start: datetime, end: datetime,
               local_prefixes: Sequence[str]) -> dict[str, int]:
    """Counts of the cases opened in [start, end): valid, decided, disposed, local / non-local, transferred."""
    if end <= start:
        raise InvalidInput("invalid_period", "统计期间的结束时间必须晚于开始时间")
    return repo.counts(start, end, tuple(local_prefixes))
