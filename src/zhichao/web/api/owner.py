"""The owner's self-service API (public, rate-limited per client address): look a case up with the plate
and the notice's code, download a document sent to the owner, submit a statement, typed or as a file.
The owner's page (``/owner``) uses the same services."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from zhichao.domain.attachments import MAX_ATTACHMENT_BYTES
from zhichao.services import owner_portal
from zhichao.web.api.cases import multipart_body
from zhichao.web.api.params import RowId
from zhichao.web.deps import container, read_form_file
from zhichao.web.rate_limit import RateLimiter

router = APIRouter(prefix="/api/v1/owner", tags=["owner self-service (当事人自助)"])


class Lookup(BaseModel):
    plate: str = Field(max_length=32, description="号牌号码, e.g. 浙D12345")
    code: str = Field(max_length=16, description="查询码 printed on the notice")


class Statement(Lookup):
    text: str = Field(max_length=4000, description="陈述申辩")


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def limited(request: Request) -> None:
    """Count this request against the client's per-minute allowance (429 past it)."""
    limiter: RateLimiter = request.app.state.owner_limiter
    limiter.check(client_of(request))


@router.post("/lookup", summary="凭号牌号码和查询码查看案件")
def lookup(body: Lookup, request: Request) -> dict[str, Any]:
    limited(request)
    c = container(request)
    return owner_portal.lookup(c.cases, c.records, body.plate, body.code)


@router.post("/documents/{document_id}", summary="下载送达当事人的文书（PDF）")
def document(document_id: RowId, body: Lookup, request: Request) -> Response:
    limited(request)
    c = container(request)
    found = owner_portal.document_for_owner(c.cases, body.plate, body.code, document_id)
    return Response(c.evidence.store.get(found["sha256"]), media_type="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename=document-{document_id}.pdf"})


@router.post("/statement", summary="提交陈述申辩")
def statement(body: Statement, request: Request) -> dict[str, Any]:
    limited(request)
    c = container(request)
    return owner_portal.submit_statement(c.cases, body.plate, body.code, body.text, now=c.clock(),
                                         origin=client_of(request), recipient=c.settings.deadline_recipient)


@router.post("/statement-file", summary="上传陈述申辩书（PDF、JPG 或 PNG，不超过 10 MB）",
             openapi_extra=multipart_body("plate", "code"))
async def statement_file(request: Request) -> dict[str, Any]:
    limited(request)
    fields, file = await read_form_file(request, MAX_ATTACHMENT_BYTES)
    c = container(request)
    return await run_in_threadpool(owner_portal.submit_statement, c.cases, fields.get("plate", ""),
                                   fields.get("code", ""), "", now=c.clock(), origin=client_of(request),
                                   recipient=c.settings.deadline_recipient, file=file or ("", b""))
