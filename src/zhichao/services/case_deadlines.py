"""The deadline sweep: every case whose next deadline is near or past is raised to whoever must act,
once per deadline and level, through the outbox (a DingTalk-style group message by default).

The case service keeps each case's next deadline in ``cases.due_on`` / ``due_kind`` (domain/case_dates.py),
so the sweep is one indexed query, not a scan of the case history.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from zhichao.domain.case_dates import DUE_LABELS
from zhichao.services.cases import CaseContext
from zhichao.services.ports import CaseQuery

# Who acts on each kind of deadline: the officer in charge (承办人) prepares, the leader decides and signs.
RESPONSIBLE = {"decision": "leader", "court": "leader"}
ROLE_LABELS = {"officer": "承办执法人员", "leader": "机关负责人"}


def _message(case: dict[str, Any], today: Any, portal: str) -> tuple[str, str, str]:
    overdue = case["due_on"] < today
    level = "overdue" if overdue else "due"
    who = ROLE_LABELS[RESPONSIBLE.get(case["due_kind"], "officer")]
    label = DUE_LABELS.get(case["due_kind"], case["due_kind"])
    head = "已逾期" if overdue else "即将到期"
    subject = f"【案件期限{head}】{case['plate']}"
    body = (f"### 案件期限{head}\n\n- 案件：{case['id']}（{case['plate']}）\n- 期限：{label}\n"
            f"- 截止日期：{case['due_on'].isoformat()}\n- 负责：{who}"
            + (f"（承办人 #{case['assignee_id']}）" if case.get("assignee_id") else "") + f"\n\n{portal}")
    return level, subject, body


def sweep_deadlines(ctx: CaseContext, now: datetime, *, warn_days: int, recipient: str,
                    console_url: str = "", limit: int = 500) -> int:
    """Queue one reminder per case deadline that is within ``warn_days`` or past; returns how many were new."""
    today = now.astimezone(ctx.tz).date()
    due = ctx.repo.list(CaseQuery(due_by=today + timedelta(days=warn_days)), limit)
    queued = 0
    with ctx.repo.transaction() as tx:
        for case in due:
            level, subject, body = _message(case, today, f"{console_url}/console/cases/{case['id']}")
            queued += tx.enqueue(channel="dingtalk", recipient=recipient, subject=subject, body=body, now=now,
                                 dedupe_key=f"deadline:{case['id']}:{case['due_kind']}:{case['due_on']}:{level}",
                                 payload={"case_id": case["id"], "due_kind": case["due_kind"], "level": level},
                                 case_id=case["id"])
    return queued
