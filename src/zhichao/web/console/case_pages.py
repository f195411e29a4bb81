"""The case pages (案件): the case list and one case's file, with its actions, parties, statement files,
payments and transfer.

Pages are rendered on the server and work without JavaScript. Every change is a plain form posting to a
route under ``/console/cases/{id}/…`` (POST, SameSite=Lax session cookie, like the rest of the console),
which calls the same service as the JSON API and then redirects back to the case (POST/redirect/GET).
A refusal changes nothing: the case page is shown again, up to date, with the reason in a banner.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from zhichao.bootstrap import Container
from zhichao.domain.attachments import MAX_ATTACHMENT_BYTES
from zhichao.domain.cases import ACTION_LABELS, FINAL_STATES, RECORD_PAYMENT, TRANSFER
from zhichao.domain.errors import ZhichaoError
from zhichao.domain.kpis import CASE_GROUP_LABELS
from zhichao.domain.parties import FULL_VIEW_ROLES
from zhichao.domain.plates import is_local
from zhichao.services import case_attachments as attachment_service
from zhichao.services import cases as case_service
from zhichao.services import payments as payment_service
from zhichao.services import personal_data
from zhichao.services import reviews as review_service
from zhichao.services import transfers as transfer_service
from zhichao.services.errors import PermissionDenied
from zhichao.services.ports import User
from zhichao.web.api.cases import CASE_ROLES, PAYMENT_ROLES, UPLOAD_ROLES
from zhichao.web.api.params import RowId
from zhichao.web.console import case_view as V
from zhichao.web.console import labels as L
from zhichao.web.console.list_filters import LOCALITIES, CaseFilter, case_filter_of, filter_query
from zhichao.web.console.pages import TEMPLATES, _gate, _render, error_page
from zhichao.web.console.review_view import photo_views, verdict_rows
from zhichao.web.deps import container, current_user, log_personal_read, read_form_file
from zhichao.web.errors import status_of

LIST_LIMIT = 100
OUTCOME_ROLES = frozenset({"officer"})
NOT_A_CASE_ROLE = "当前角色无权查看案件：案件由执法员、法制审核、领导和管理员办理。"
TEMPLATES.env.globals["case_roles"] = CASE_ROLES  # base.html shows 案件 in the menu to these roles
router = APIRouter(include_in_schema=False)




def _today(c: Container) -> date:
    return c.clock().astimezone(ZoneInfo(c.settings.display_timezone)).date()


def _origin(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _viewer(request: Request) -> User | Response:
    user = _gate(request)
    if isinstance(user, User) and user.role not in CASE_ROLES:
        return error_page(request, 403, NOT_A_CASE_ROLE)
    return user


def _poster(request: Request, case_id: int) -> User | Response:
    """The user a form route acts for; not logged in: log in, then back to the case page (not to the POST)."""
    if current_user(request) is None:
        return RedirectResponse("/login?next=" + quote(case_url(case_id), safe=""), 303)
    return _viewer(request)


def case_url(case_id: int, done: str = "") -> str:
    return f"/console/cases/{case_id}" + (f"?done={quote(done)}" if done else "")


# --- the list -------------------------------------------------------------------------------


@router.get("/console/cases")
def list_page(request: Request) -> Response:
    user = _viewer(request)
    if isinstance(user, Response):
        return user
    c = container(request)
    tz, today = ZoneInfo(c.settings.display_timezone), _today(c)
    try:
        f = case_filter_of(request.query_params)
        found = case_service.list_cases(c.cases.repo, f.query(today, tz, c.cases.local_prefixes), LIST_LIMIT)
    except ZhichaoError as refused:
        return error_page(request, status_of(refused), refused.message)
    rows = [V.case_row(case, today, tz) for case in found]
    return _render(request, "cases.html", {
        "user": user, "nav": "cases", "rows": rows, "f": f, "states": L.CASE_STATES, "due_filters": V.DUE_FILTERS,
        "counties": sorted(L.COUNTIES.items()), "localities": LOCALITIES, "outcomes": CASE_GROUP_LABELS,
        "export": {"name": "cases", "query": filter_query(f)},
        "limit": LIST_LIMIT, "filtered": f != CaseFilter(), "today": today.isoformat(),
        "overdue": sum(r.due.level == "overdue" for r in rows), "soon": sum(r.due.level == "soon" for r in rows),
    })  # fmt: skip


# --- one case -------------------------------------------------------------------------------


def case_context(c: Container, user: User, case_id: int) -> dict[str, Any]:
    """Everything the case page shows, formatted."""
    tz, today = ZoneInfo(c.settings.display_timezone), _today(c)
    found = case_service.case_detail(c.cases, case_id, user.role, today)
    case = found["case"]
    review = review_service.detail(c.reviews, case["station_id"], case["record_id"])
    record, v = review["record"], review["record"]["verdict"]
    ids = [case["opened_by"], *(e["actor_id"] for e in found["events"]), *(e["actor_id"] for e in review["events"]),
           *(V.recorder_id(p["recorded_by"]) for p in found["payments"]),
           *(V.recorder_id(a["uploaded_by"]) for a in found["attachments"])]
    names = c.users.display_names(sorted({i for i in ids if i}))
    local = is_local(case["plate"], c.cases.local_prefixes)
    state = case["state"]
    # Payments have their own form (a receipt number); a local vehicle is never transferred.
    hidden = frozenset({RECORD_PAYMENT, TRANSFER} if local else {RECORD_PAYMENT})
    return {
        "case": case, "r": record, "state": L.label(L.CASE_STATES, state), "final": state in FINAL_STATES,
        "time": L.full_time(case["captured_at"], tz), "opened": L.full_time(case["opened_at"], tz),
        "plate_colour": L.label(L.PLATE_COLOURS, record.get("plate_color")),
        "vehicle_type": L.label(L.VEHICLE_TYPES, record.get("vehicle_type"), ""),
        "station": case.get("station_name") or case["station_id"],
        "due": V.due_view(case.get("due_on"), case.get("due_kind"), today),
        "photos": photo_views(record, set(review["present_kinds"])),
        "kind": L.verdict_kind(v), "verdict_label": L.verdict_label(v), "verdict": verdict_rows(record),
        "explain": V.verdict_lines(record),
        "numbers": {"gross": L.tonnes(record["gross_weight_kg"]), "limit": L.tonnes_short(v["limit_kg"]),
                    "rate": L.percent(v["overload_rate_pct"]), "over": L.tonnes(v["overload_kg"])},
        "timeline": V.timeline(case, found["events"], review["events"], names, tz),
        "parties": V.party_views(found["parties"], tz),
        "can_edit_parties": user.role in case_service.PARTY_EDITORS and state not in FINAL_STATES - {"closed"},
        "documents": V.document_views(case_id, found["documents"], tz),
        "attachments": V.attachment_views(case_id, found["attachments"], names, tz),
        "can_upload": user.role in UPLOAD_ROLES and state not in FINAL_STATES,
        "owed": found["owed"], "payments": V.payment_views(found["payments"], names, payment_service.METHODS, tz),
        "can_pay": user.role in PAYMENT_ROLES and state in payment_service.PAYABLE_STATES,
        "methods": payment_service.METHODS,
        "transfer": V.transfer_view(case_id, found["transfer"], transfer_service.OUTCOMES, tz),
        "outcomes": transfer_service.OUTCOMES, "can_record_outcome": user.role in OUTCOME_ROLES, "local": local,
        "actions": V.action_forms(found["allowed_actions"], hidden),
        "pay_here": RECORD_PAYMENT in found["allowed_actions"] and state in payment_service.PAYABLE_STATES,
        "notice_code": case.get("notice_code") if user.role in FULL_VIEW_ROLES else None,
        "today": today.isoformat(), "masked": user.role not in FULL_VIEW_ROLES,
        "personal_shown": personal_data.case_file_shown(found["parties"], user.role),
    }  # fmt: skip


_DONE = {
    "party": "已保存当事人信息。", "payment_full": "已登记缴款，罚款及加处罚款已缴清。",
    "payment_partial": "已登记部分缴款，尚有未缴金额。", "payment_duplicate": "该凭证号已登记过，未重复登记。",
    "transfer_outcome": "已登记抄告结果。",
}  # fmt: skip


def done_message(done: str) -> str | None:
    if done in ACTION_LABELS:
        return f"已完成：{ACTION_LABELS[done]}。"
    return _DONE.get(done)


def _case_page(request: Request, user: User, case_id: int, *, message: str | None = None, status: int = 200,
               done: str = "", drafts: dict[str, Any] | None = None, stale: bool = False) -> Response:
    context = case_context(container(request), user, case_id)
    log_personal_read(request, user, "console", f"case:{case_id}", context["personal_shown"])
    context.update(user=user, nav="cases", message=message, done=done_message(done), drafts=drafts or {},
                   stale=stale, reload_url=case_url(case_id))
    return _render(request, "case.html", context, status)


@router.get("/console/cases/{case_id}")
def case_page(case_id: RowId, request: Request, done: str = "") -> Response:
    user = _viewer(request)
    if isinstance(user, Response):
        return user
    return _case_page(request, user, case_id, done=done)


def _refused(request: Request, user: User, case_id: int, exc: ZhichaoError, what: str,
             drafts: dict[str, Any] | None = None) -> Response:
    """The case page again, as it now stands, with the refusal's reason (nothing was changed)."""
    found = container(request).cases.repo.case(case_id)
    if found is None:
        return error_page(request, status_of(exc), exc.message)
    text = V.refusal(exc, state=found["state"], role=user.role, what=what)
    return _case_page(request, user, case_id, message=text, status=status_of(exc), drafts=drafts,
                      stale=exc.code == "already_changed")


@router.post("/console/cases/{case_id}/actions")
def take_action(case_id: RowId, request: Request, action: Annotated[str, Form()], version: Annotated[int, Form()],
                on: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = "",
                note: Annotated[str, Form()] = "") -> Response:
    user = _poster(request, case_id)
    if isinstance(user, Response):
        return user
    c = container(request)
    what = f"执行「{L.label(ACTION_LABELS, action)}」"
    drafts = {"action": action, "reason": reason, "note": note, "on": on}
    try:
        day = V.parse_day(on)
    except ValueError:
        return _case_page(request, user, case_id, message=f"日期格式不正确：{on}", status=400, drafts=drafts)
    try:
        case_service.act_on_case(c.cases, user, case_id, action, version=version, now=c.clock(), on=day,
                                 reason=reason[:500], note=note[:500], origin=_origin(request))
    except ZhichaoError as refused:
        return _refused(request, user, case_id, refused, what, drafts)
    return RedirectResponse(case_url(case_id, action), status_code=303)


@router.post("/console/cases/{case_id}/parties/{role}")
def save_party(case_id: RowId, role: str, request: Request, name: Annotated[str, Form()] = "",
               id_number: Annotated[str, Form()] = "", phone: Annotated[str, Form()] = "",
               address: Annotated[str, Form()] = "", licence: Annotated[str, Form()] = "") -> Response:
    user = _poster(request, case_id)
    if isinstance(user, Response):
        return user
    c = container(request)
    values = {"name": name, "id_number": id_number, "phone": phone, "address": address, "licence": licence}
    try:
        case_service.set_party(c.cases, user, case_id, role, values, now=c.clock(), origin=_origin(request))
    except ZhichaoError as refused:
        what = f"录入{L.label(L.PARTIES, role)}"
        return _refused(request, user, case_id, refused, what, {"party": role, "values": values})
    return RedirectResponse(case_url(case_id, "party") + f"#party-{role}", status_code=303)


@router.post("/console/cases/{case_id}/payments")
def record_payment(case_id: RowId, request: Request, reference: Annotated[str, Form()] = "",
                   amount_yuan: Annotated[str, Form()] = "", paid_on: Annotated[str, Form()] = "",
                   method: Annotated[str, Form()] = "finance") -> Response:
    user = _poster(request, case_id)
    if isinstance(user, Response):
        return user
    c = container(request)
    drafts = {"payment": {"reference": reference, "amount_yuan": amount_yuan, "paid_on": paid_on, "method": method}}
    try:
        amount, day = int(amount_yuan.strip()), V.parse_day(paid_on)
    except ValueError:
        return _case_page(request, user, case_id, message="缴款金额须为整数（元），缴款日期须为有效日期。", status=400,
                          drafts=drafts)
    try:
        if user.role not in PAYMENT_ROLES:
            raise PermissionDenied("role_not_allowed", "")
        done = payment_service.record_payment(c.cases, case_id=case_id, method=method, reference=reference,
                                              amount_yuan=amount, paid_on=day or _today(c), user=user,
                                              now=c.clock(), origin=_origin(request))
    except ZhichaoError as refused:
        return _refused(request, user, case_id, refused, "登记缴款", drafts)
    outcome = "duplicate" if done["duplicate"] else "full" if done["state"] == "paid" else "partial"
    return RedirectResponse(case_url(case_id, f"payment_{outcome}") + "#payments", status_code=303)


@router.post("/console/cases/{case_id}/transfer-outcome")
def transfer_outcome(case_id: RowId, request: Request, outcome: Annotated[str, Form()] = "",
                     note: Annotated[str, Form()] = "") -> Response:
    user = _poster(request, case_id)
    if isinstance(user, Response):
        return user
    c = container(request)
    try:
        if user.role not in OUTCOME_ROLES:
            raise PermissionDenied("role_not_allowed", "")
        transfer_service.record_outcome(c.cases, user, case_id, outcome, note[:500], now=c.clock(),
                                        origin=_origin(request))
    except ZhichaoError as refused:
        return _refused(request, user, case_id, refused, "登记抄告结果")
    return RedirectResponse(case_url(case_id, "transfer_outcome") + "#transfer", status_code=303)


@router.post("/console/cases/{case_id}/attachments")
async def upload_statement(case_id: RowId, request: Request) -> Response:
    """The party's written statement, uploaded by an officer or a leader (multipart form, one ``file``)."""
    user = await run_in_threadpool(_poster, request, case_id)
    if isinstance(user, Response):
        return user
    c = container(request)
    try:
        if user.role not in UPLOAD_ROLES:
            raise PermissionDenied("role_not_allowed", "")
        _, file = await read_form_file(request, MAX_ATTACHMENT_BYTES)
        filename, data = file or ("", b"")
        await run_in_threadpool(attachment_service.attach_statement, c.cases, case_id, filename, data,
                                uploader=f"user:{user.id}", actor_id=user.id, role=user.role, now=c.clock(),
                                origin=_origin(request))
    except ZhichaoError as refused:
        return await run_in_threadpool(_refused, request, user, case_id, refused, "上传陈述申辩书")
    return RedirectResponse(case_url(case_id, "statement_file") + "#attachments", status_code=303)
