"""View builders of the case pages (案件): plain data the templates render (no requests, no I/O).

Stored codes become Chinese here, through ``labels``; so do the codes that some refusals carry inside
their message (``refusal``), which the JSON API passes on as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, tzinfo
from typing import Any

from zhichao.domain.cases import ACTION_LABELS, REPORT_WINDOW_PASSED, STATEMENT_WINDOW_PASSED, WITHDRAW
from zhichao.domain.errors import ZhichaoError
from zhichao.domain.explain import explain_verdict
from zhichao.domain.review import PENDING_FIRST
from zhichao.domain.rulesets import RULE_SETS
from zhichao.web.console import labels as L

SOON_DAYS = 3  # a deadline this close (or closer) is marked amber; a passed one red
PARTY_FIELDS = ("name", "id_number", "phone", "address", "licence")
TRANSFER_STATES: Mapping[str, str] = {"sent": "已抄告，待对方回复"}
_CAUTION = frozenset({WITHDRAW, "refer_police"})
_TIMERS = frozenset({REPORT_WINDOW_PASSED, STATEMENT_WINDOW_PASSED, "payment_overdue"})
# Deadline filter of the case list: (label, days from today the deadline falls by; -1 = already passed).
DUE_FILTERS: Mapping[str, tuple[str, int]] = {
    "overdue": ("已逾期", -1), "3": ("3日内到期（含已逾期）", 3), "7": ("7日内到期（含已逾期）", 7),
    "15": ("15日内到期（含已逾期）", 15), "30": ("30日内到期（含已逾期）", 30),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Due:
    """A case's next deadline; ``level`` (overdue, soon, normal, none) picks the colour."""

    on: str
    label: str
    level: str
    text: str


def due_view(due_on: date | None, due_kind: str | None, today: date) -> Due:
    if due_on is None:
        return Due("", "", "none", L.NOTHING)
    days = (due_on - today).days
    if days < 0:
        level, text = "overdue", f"已逾期 {-days} 日"
    else:
        level = "soon" if days <= SOON_DAYS else "normal"
        text = "今日到期" if days == 0 else f"还剩 {days} 日"
    return Due(due_on.isoformat(), L.label(L.DUE_KINDS, due_kind, ""), level, text)


@dataclass(frozen=True, slots=True)
class CaseRow:
    """One row of 案件列表, every cell already formatted."""

    id: int
    url: str
    plate: str
    station: str
    captured_at: str
    time: str
    rate: str
    fine_yuan: int
    state_code: str
    state: str
    due: Due


def case_row(case: Mapping[str, Any], today: date, tz: tzinfo) -> CaseRow:
    rate = case.get("overload_rate_x100")
    return CaseRow(
        id=case["id"], url=f"/console/cases/{case['id']}", plate=case["plate"],
        station=case.get("station_name") or case["station_id"], captured_at=case["captured_at"].isoformat(),
        time=L.full_time(case["captured_at"], tz), rate=L.NOTHING if rate is None else L.percent(rate / 100),
        fine_yuan=case["fine_yuan"], state_code=case["state"], state=L.label(L.CASE_STATES, case["state"]),
        due=due_view(case.get("due_on"), case.get("due_kind"), today),
    )  # fmt: skip


def who(user_id: int | None, names: Mapping[int, str]) -> str:
    if not user_id:
        return "系统"
    return names.get(user_id, f"用户 #{user_id}")


def _states(from_state: str, to_state: str) -> str:
    if from_state == to_state:
        return ""
    return f"{L.label(L.CASE_STATES, from_state)} → {L.label(L.CASE_STATES, to_state)}"


def _review_row(e: Mapping[str, Any], names: Mapping[int, str], tz: tzinfo) -> dict[str, str]:
    stage = "初审" if e["from_state"] == PENDING_FIRST else "复审"
    return {"time": L.full_time(e["at"], tz), "who": who(e["actor_id"], names), "role": L.ROLES["reviewer"],
            "action": stage + L.label(L.REVIEW_ACTIONS, e["action"]), "states": "", "kind": "review",
            "reason": "", "note": e.get("note") or ""}


def timeline(case: Mapping[str, Any], events: Sequence[Mapping[str, Any]], review_events: Sequence[Mapping[str, Any]],
             names: Mapping[int, str], tz: tzinfo) -> list[dict[str, str]]:
    """The case's trail, oldest first: the two reviews, the opening, then every action and statement."""
    rows = [_review_row(e, names, tz) for e in review_events]
    rows.append({"time": L.full_time(case["opened_at"], tz), "who": who(case["opened_by"], names),
                 "role": L.ROLES["reviewer"], "action": "立案", "states": f"→ {L.label(L.CASE_STATES, 'valid')}",
                 "kind": "open", "reason": "", "note": ""})
    for e in events:
        owner = e["role"] == "owner"
        kind = ("attachment" if e["action"] == "statement_file" else "statement" if owner
                else "payment" if e["action"] in {"record_payment", "partial_payment"} else "move")
        rows.append({"time": L.full_time(e["at"], tz),
                     "who": "当事人（自助查询）" if owner else who(e["actor_id"], names),
                     "role": L.label(L.EVENT_ROLES, e["role"]), "action": L.label(ACTION_LABELS, e["action"]),
                     "states": _states(e["from_state"], e["to_state"]), "kind": kind, "reason": e["reason"] or "",
                     "note": e["note"] or ""})
    return rows


def party_views(parties: Sequence[Mapping[str, Any]], tz: tzinfo) -> list[dict[str, Any]]:
    """The four parties (一超四罚) in the law's order, entered or not; masked ones say so."""
    by_role = {p["role"]: p for p in parties}
    views = []
    for role, title in L.PARTIES.items():
        p = by_role.get(role)
        masked = bool(p and p.get("masked"))
        views.append({
            "role": role, "title": title, "entered": p is not None, "masked": masked,
            "rows": [(L.PARTY_FIELDS[k], p[k]) for k in PARTY_FIELDS if p and p.get(k)],
            "values": {k: "" if p is None or masked else p.get(k) or "" for k in PARTY_FIELDS},
            "updated": L.full_time(p["updated_at"], tz) if p and p.get("updated_at") else "",
            "source": "登记信息导入" if p and p.get("source") == "register" else "",
        })  # fmt: skip
    return views


def document_views(case_id: int, documents: Sequence[Mapping[str, Any]], tz: tzinfo) -> list[dict[str, Any]]:
    return [{"title": L.label(L.DOCUMENT_KINDS, d["kind"]), "number": d["number"],
             "time": L.full_time(d["created_at"], tz), "size": f"{max(1, round((d.get('size') or 0) / 1024))} KB",
             "url": f"/api/v1/cases/{case_id}/documents/{d['id']}"} for d in documents]


def attachment_views(case_id: int, attachments: Sequence[Mapping[str, Any]], names: Mapping[int, str],
                     tz: tzinfo) -> list[dict[str, Any]]:
    """The case's uploaded files (陈述申辩书), oldest first, with who uploaded each and a download link."""
    kinds = {"application/pdf": "PDF", "image/jpeg": "JPG", "image/png": "PNG"}
    return [{"filename": a["filename"], "type": kinds.get(a["content_type"], a["content_type"]),
             "size": f"{max(1, round(a['size'] / 1024))} KB", "time": L.full_time(a["uploaded_at"], tz),
             "by": "当事人（自助查询）" if a["uploaded_by"] == "owner" else who(recorder_id(a["uploaded_by"]), names),
             "url": f"/api/v1/cases/{case_id}/attachments/{a['id']}"} for a in attachments]


def recorder_id(recorded_by: str) -> int | None:
    """The user id of a payment's ``recorded_by`` or an attachment's ``uploaded_by`` (``user:12``); None for a
    notification (``notify:bank``) or the owner."""
    kind, _, rest = recorded_by.partition(":")
    return int(rest) if kind == "user" and rest.isdigit() else None


def _recorder(recorded_by: str, names: Mapping[int, str], methods: Mapping[str, str]) -> str:
    user_id = recorder_id(recorded_by)
    if user_id is not None:
        return who(user_id, names)
    kind, _, rest = recorded_by.partition(":")
    return methods.get(rest, recorded_by) if kind == "notify" else recorded_by


def payment_views(payments: Sequence[Mapping[str, Any]], names: Mapping[int, str], methods: Mapping[str, str],
                  tz: tzinfo) -> list[dict[str, Any]]:
    return [{"method": methods.get(p["method"], p["method"]), "reference": p["reference"],
             "amount": p["amount_yuan"], "late_fee": p["late_fee_yuan"], "paid_on": p["paid_on"].isoformat(),
             "recorded": L.full_time(p["recorded_at"], tz), "by": _recorder(p["recorded_by"], names, methods)}
            for p in payments]


def transfer_view(case_id: int, transfer: Mapping[str, Any] | None, outcomes: Mapping[str, str],
                  tz: tzinfo) -> dict[str, Any] | None:
    if transfer is None:
        return None
    state = transfer["state"]
    return {"region": transfer["region"], "authority": transfer["authority"],
            "long_triangle": transfer["long_triangle"], "state_code": state,
            "state": {**TRANSFER_STATES, **outcomes}.get(state, state),
            "due_on": transfer["due_on"].isoformat(),
            "sent": L.full_time(transfer["sent_at"], tz) if transfer.get("sent_at") else L.NOTHING,
            "outcome": transfer.get("outcome") or "",
            "outcome_at": L.full_time(transfer["outcome_at"], tz) if transfer.get("outcome_at") else "",
            "package_url": f"/api/v1/cases/{case_id}/transfer-package"}


@dataclass(frozen=True, slots=True)
class ActionForm:
    """One action the viewer may take now, as a small form; ``tone`` picks the button's colour."""

    code: str
    label: str
    needs_reason: bool
    tone: str


def action_forms(allowed: Sequence[str], hidden: frozenset[str] = frozenset()) -> list[ActionForm]:
    """Buttons for ``allowed`` (the state table's answer for the viewer's role), minus ``hidden`` ones."""
    forms = []
    for code in allowed:
        if code in hidden:
            continue
        tone = "caution" if code in _CAUTION else "plain" if code in _TIMERS else "primary"
        forms.append(ActionForm(code, L.label(ACTION_LABELS, code), code == WITHDRAW, tone))
    return forms


def verdict_lines(record: Mapping[str, Any]) -> list[str]:
    """The verdict's arithmetic in Chinese (``domain.explain``), when its rule set is still known."""
    rules = RULE_SETS.get(str(record["verdict"]["rule_set"]))
    return explain_verdict(int(record["gross_weight_kg"]), dict(record["verdict"]), rules) if rules else []


def refusal(exc: ZhichaoError, *, state: str, role: str, what: str) -> str:
    """The Chinese banner for a refused operation (``what``: e.g. 执行「结案」). Messages that name a
    stored code (a state, a role, a field) are written again with its label; the others are shown as they are."""
    state_label = L.label(L.CASE_STATES, state)
    details = exc.details if isinstance(exc.details, Mapping) else {}
    if exc.code == "illegal_transition":
        return f"当前状态（{state_label}）不能{what}。"
    if exc.code == "role_not_allowed":
        return f"当前角色（{L.label(L.ROLES, role)}）无权{what}。"
    if exc.code == "case_final":  # the service's sentence puts 已 before a label that may start with 已
        return f"案件已办结（{state_label}），不能{what}。"
    if exc.code == "not_payable":
        return f"案件当前状态（{state_label}）不接受缴款：作出处罚决定后才能登记缴款。"
    if exc.code == "already_changed":
        now = L.label(L.CASE_STATES, str(details.get("state") or state))
        return f"该案件已被他人处理（当前状态：{now}），未作任何更改。页面已更新为最新状态，请核对后重新操作。"
    field = str(details.get("field") or "")
    if field in L.PARTY_FIELDS and exc.message.startswith(field + " "):
        return L.PARTY_FIELDS[field] + exc.message[len(field):]
    return exc.message


def parse_day(text: str) -> date | None:
    """A form's ``YYYY-MM-DD`` (empty: None); ValueError for anything else."""
    text = text.strip()
    return date.fromisoformat(text) if text else None
