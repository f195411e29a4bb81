"""Case endpoints: the case list, one case's file, actions, parties, attachments, payments and transfers
(docs/cases.md)."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from zhichao.domain.attachments import MAX_ATTACHMENT_BYTES
from zhichao.domain.cases import ACTIONS, ROLE_ACTIONS
from zhichao.services import case_attachments as attachment_service
from zhichao.services import cases as case_service
from zhichao.services import party_import, personal_data
from zhichao.services import payments as payment_service
from zhichao.services import transfers as transfer_service
from zhichao.services.errors import InvalidInput, NotFound
from zhichao.services.ports import CaseQuery
from zhichao.services.registers import csv_text
from zhichao.web.api.params import RowId
from zhichao.web.deps import container, log_personal_read, read_body, read_form_file, user_with_role

router = APIRouter(prefix="/api/v1/cases", tags=["cases (案件)"])
# Reviewers act on records, not cases, and partners only call the check API: both are refused (403).
CASE_ROLES = frozenset(ROLE_ACTIONS)
VIEW_ROLES = CASE_ROLES
PAYMENT_ROLES = frozenset({"officer", "admin"})
# Officers and leaders upload a statement the party handed in (the owner uploads through /api/v1/owner).
UPLOAD_ROLES = frozenset({"officer", "leader"})
_EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def multipart_body(*fields: str) -> dict[str, Any]:
    """The OpenAPI request body of a form with text ``fields`` and one ``file`` (parsed by ``read_form_file``)."""
    properties: dict[str, Any] = {name: {"type": "string"} for name in fields}
    properties["file"] = {"type": "string", "format": "binary",
                          "description": "PDF, JPG or PNG (judged by its bytes), at most 10 MB"}
    schema = {"type": "object", "required": [*fields, "file"], "properties": properties}
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}}


def file_response(data: bytes, content_type: str, filename: str, stem: str) -> Response:
    """The file as a download under its own (UTF-8) name; ``stem`` names it for clients that cannot read that."""
    fallback = f"{stem}.{_EXTENSIONS.get(content_type, 'bin')}"
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
    return Response(data, media_type=content_type,
                    headers={"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"})


class ActionBody(BaseModel):
    action: str = Field(description=f"one of: {', '.join(ACTIONS)}", max_length=32)
    version: int = Field(ge=0, description="the case's version as last read; a stale one is answered 409")
    on: date | None = Field(None, description="the day the step happened (e.g. the day of delivery); default today")
    reason: str | None = Field(None, max_length=500, description="required to withdraw")
    note: str | None = Field(None, max_length=500)
    major: bool = Field(False, description="mark the decision major (行政处罚法 Art. 58) even below the rule "
                                           "set's threshold: legal review first")


class PartyBody(BaseModel):
    name: str = Field(max_length=128, description="person's or unit's name")
    id_number: str | None = Field(None, max_length=32, description="公民身份号码 or 统一社会信用代码")
    phone: str | None = Field(None, max_length=32, description="mobile (for SMS notices) or landline")
    address: str | None = Field(None, max_length=256, description="postal address (for notices by post)")
    licence: str | None = Field(None, max_length=64, description="营运证 / 从业资格证 / 经营许可证 number")


class PaymentBody(BaseModel):
    method: str = Field("finance", description="finance (receipt entered by finance), bank or epay")
    reference: str = Field(max_length=64, description="the receipt or transaction number")
    amount_yuan: int = Field(description="amount paid, whole yuan")
    paid_on: date = Field(description="the day of payment (the late fee is computed to it)")


def _origin(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("", summary="案件列表（最新的在前；按期限筛选时最急的在前）")
def list_cases(request: Request, state: str | None = None, plate: str | None = None,
               due_by: date | None = None,
               limit: int = Query(100, ge=1, le=500)) -> dict[str, Any]:
    user_with_role(request, VIEW_ROLES)
    query = CaseQuery(state=state or None, plate=case_service.plate_as_stored(plate), due_by=due_by)
    return {"items": case_service.list_cases(container(request).cases.repo, query, limit)}


@router.get("/{case_id}", summary="一个案件的卷宗：处理记录、当事人、文书、缴款、抄告")
def detail(case_id: RowId, request: Request) -> dict[str, Any]:
    user = user_with_role(request, VIEW_ROLES)
    c = container(request)
    found = case_service.case_detail(c.cases, case_id, user.role, c.clock().astimezone(c.cases.tz).date())
    log_personal_read(request, user, "api", f"case:{case_id}",
                      personal_data.case_file_shown(found["parties"], user.role))
    return found


@router.post("/{case_id}/actions", summary="案件处理操作")
def take_action(case_id: RowId, body: ActionBody, request: Request) -> dict[str, Any]:
    user = user_with_role(request, CASE_ROLES)
    c = container(request)
    return case_service.act_on_case(c.cases, user, case_id, body.action, version=body.version, now=c.clock(),
                                    on=body.on, reason=body.reason, note=body.note, major=body.major,
                                    origin=_origin(request))


@router.put("/{case_id}/parties/{role}", summary="录入或更正当事人（一超四罚）")
def put_party(case_id: RowId, role: str, body: PartyBody, request: Request) -> dict[str, Any]:
    user = user_with_role(request, CASE_ROLES)
    c = container(request)
    return case_service.set_party(c.cases, user, case_id, role, body.model_dump(), now=c.clock(),
                                  origin=_origin(request))


@router.post("/{case_id}/payments", summary="登记缴款（财务凭证号或银行流水号；不得当场收缴现金）")
def post_payment(case_id: RowId, body: PaymentBody, request: Request) -> dict[str, Any]:
    user = user_with_role(request, PAYMENT_ROLES)
    c = container(request)
    return payment_service.record_payment(c.cases, case_id=case_id, method=body.method, reference=body.reference,
                                          amount_yuan=body.amount_yuan, paid_on=body.paid_on, user=user,
                                          now=c.clock(), origin=_origin(request))


@router.post("/{case_id}/attachments", summary="上传当事人的陈述申辩书（PDF、JPG 或 PNG，不超过 10 MB）",
             openapi_extra=multipart_body())
async def upload_attachment(case_id: RowId, request: Request) -> dict[str, Any]:
    user = await run_in_threadpool(user_with_role, request, UPLOAD_ROLES)
    _, file = await read_form_file(request, MAX_ATTACHMENT_BYTES)
    filename, data = file or ("", b"")
    c = container(request)
    return await run_in_threadpool(attachment_service.attach_statement, c.cases, case_id, filename, data,
                                   uploader=f"user:{user.id}", actor_id=user.id, role=user.role, now=c.clock(),
                                   origin=_origin(request))


@router.get("/{case_id}/attachments/{attachment_id}", summary="下载案件附件（陈述申辩书）")
def attachment(case_id: RowId, attachment_id: RowId, request: Request) -> Response:
    user = user_with_role(request, VIEW_ROLES)
    found, data = attachment_service.attachment_of(container(request).cases, case_id, attachment_id)
    # the party's own statement: their name, number and address, whatever the reader's role
    log_personal_read(request, user, "export", f"case:{case_id}", [f"attachment:{attachment_id}"])
    return file_response(data, found["content_type"], found["filename"], f"attachment-{attachment_id}")


class OutcomeBody(BaseModel):
    outcome: str = Field(description="received, handled or returned")
    note: str | None = Field(None, max_length=500)


@router.get("/{case_id}/documents/{document_id}", summary="案件文书（PDF）")
def document(case_id: RowId, document_id: RowId, request: Request) -> Response:
    user = user_with_role(request, VIEW_ROLES)
    c = container(request)
    found = c.cases.repo.document(document_id)
    if found is None or found["case_id"] != case_id:
        raise NotFound("document_not_found", f"案件 {case_id} 没有编号为 {document_id} 的文书")
    data = c.evidence.store.get(found["sha256"])
    # a document names its party in full (it is served to them), whatever the reader's role
    log_personal_read(request, user, "export", f"case:{case_id}", [f"document:{document_id}"])
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": f"inline; filename=document-{document_id}.pdf"})


@router.get("/{case_id}/transfer-package", summary="抄告包（zip：抄告函、证据包、transfer.json）")
def transfer_package(case_id: RowId, request: Request) -> Response:
    user = user_with_role(request, VIEW_ROLES)
    c = container(request)
    package = transfer_service.transfer_package(c.cases, c.packages, case_id, now=c.clock(), requested_by=user)
    log_personal_read(request, user, "export", f"case:{case_id}", ["transfer_package"])
    return Response(package, media_type="application/zip",
                    headers={"Content-Disposition": f"attachment; filename=transfer-{case_id}.zip"})


@router.post("/{case_id}/transfer-outcome", summary="登记抄告结果（对方接收、处理或退回）")
def transfer_outcome(case_id: RowId, body: OutcomeBody, request: Request) -> dict[str, Any]:
    user = user_with_role(request, frozenset({"officer"}))
    c = container(request)
    return transfer_service.record_outcome(c.cases, user, case_id, body.outcome, body.note, now=c.clock(),
                                           origin=_origin(request))


transfers_router = APIRouter(prefix="/api/v1/transfers", tags=["cases (案件)"])


@transfers_router.get("", summary="抄告列表（长三角可单独筛选）")
def list_transfers(request: Request, state: str | None = None, long_triangle: bool | None = None,
                   limit: int = Query(100, ge=1, le=500)) -> dict[str, Any]:
    user_with_role(request, VIEW_ROLES)
    if state and state not in transfer_service.STATES:
        raise InvalidInput("invalid_state", f"未知的抄告状态：{state}")
    return {"items": container(request).cases.repo.transfers(state, long_triangle, limit)}


parties_router = APIRouter(prefix="/api/v1/parties", tags=["cases (案件)"])
MAX_PARTY_IMPORT_BYTES = 16 * 1024 * 1024


@parties_router.post("/import", summary="从登记名录导入当事人（UTF-8 CSV；一行有误则全部不导入）")
async def import_parties(request: Request) -> dict[str, int]:
    user = await run_in_threadpool(user_with_role, request, frozenset({"officer", "leader", "admin"}))
    text = csv_text(await read_body(request, MAX_PARTY_IMPORT_BYTES))
    c = container(request)
    return await run_in_threadpool(party_import.import_parties, c.cases, user, text, now=c.clock(),
                                   origin=_origin(request))
