"""The owner's self-service page (当事人自助查询, ``/owner``): public, no login, made for a phone.

With the plate and the code printed on the notice, the owner sees the weighing, the photos and the
documents sent to them, and may state and defend (行政处罚法 Art. 44–45) in writing on the page, as a file
(陈述申辩书: PDF, JPG or PNG), or both, through ``services.owner_portal``.

Plate and code travel in POST bodies only, never in an address (no history, no proxy log, no Referer).
The look-up's answer is the page rendered for that POST; its photos are embedded as thumbnails
(``data:`` URLs, which the console's CSP allows), so no image is reachable by URL. An original photo or
a document is another POST that carries plate and code again and is checked again (``image_for_owner``,
``document_for_owner``). Every look-up, photo, download and statement counts against the client's
allowance (``app.state.owner_limiter``): past it, 429 with a Chinese message.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from zhichao.bootstrap import Container
from zhichao.domain.attachments import MAX_ATTACHMENT_BYTES
from zhichao.domain.cases import PENALISED_STATES
from zhichao.domain.errors import ZhichaoError
from zhichao.domain.evidence import KIND_LABELS
from zhichao.services import evidence as evidence_service
from zhichao.services import owner_portal
from zhichao.web.api.owner import client_of
from zhichao.web.api.params import RowId
from zhichao.web.console import labels as L
from zhichao.web.console.pages import _render
from zhichao.web.console.review_view import PHOTO_ORDER
from zhichao.web.deps import container, read_form_file
from zhichao.web.errors import status_of
from zhichao.web.rate_limit import RateLimiter

HOME = "/owner"
router = APIRouter(include_in_schema=False)
_NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def _count(request: Request) -> None:
    """One look-up, photo, download or statement of this client (``TooManyRequests`` past the limit)."""
    limiter: RateLimiter = request.app.state.owner_limiter
    limiter.check(client_of(request))


def _thumbnail(c: Container, sha256: str) -> str | None:
    """The photo's thumbnail as a ``data:`` URL; None when it has not arrived (or is no image)."""
    try:
        data = evidence_service.thumbnail(c.evidence, sha256)
    except ZhichaoError:
        return None
    return "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii")


def _rank(kind: str) -> int:
    return PHOTO_ORDER.index(kind) if kind in PHOTO_ORDER else len(PHOTO_ORDER)


def owner_view(c: Container, found: Mapping[str, Any]) -> dict[str, Any]:
    """What the owner's page shows of a case, formatted."""
    tz = ZoneInfo(c.settings.display_timezone)
    case, record = found["case"], found["record"]
    v = record.get("verdict") or {}
    facts = [("过车时间", L.full_time(case["captured_at"], tz)), ("检测站点", case.get("station_name") or L.NOTHING),
             ("车道", str(record.get("lane") or L.NOTHING)), ("车速", f"{L.speed(record['speed_kmh'])} km/h")
             if record.get("speed_kmh") is not None else ("车速", L.NOTHING)]
    weights = record.get("axle_weights_kg") or []
    if record.get("gross_weight_kg") is not None and v:
        facts += [("轴数", f"{record['axle_count']} 轴"),
                  ("各轴轴重", "、".join(f"{L.tonnes(kg)}" for kg in weights) + " 吨" if weights else L.NOTHING),
                  ("车货总质量", f"{L.tonnes(record['gross_weight_kg'])} 吨"),
                  ("限值", f"{L.tonnes_short(v['limit_kg'])} 吨（{v['limit_basis']}）"),
                  ("超限", f"{L.tonnes(v['overload_kg'])} 吨，超限率 {L.percent(v['overload_rate_pct'])}"),
                  ("依据", v.get("legal_basis") or L.NOTHING)]
    photos = [{"kind": i["kind"], "sha256": i["sha256"], "label": KIND_LABELS.get(i["kind"], "照片"),
               "thumb": _thumbnail(c, i["sha256"])} for i in sorted(found["images"], key=lambda i: _rank(i["kind"]))]
    documents = [{"id": d["id"], "title": L.label(L.DOCUMENT_KINDS, d["kind"]), "number": d["number"]}
                 for d in found["documents"]]
    # Before the decision the fine is what the rules compute, not yet imposed (行政处罚法 Art. 44: 拟作出).
    money = {"fine": case["fine_yuan"], "late_fee": case["late_fee_yuan"], "paid": case["paid_yuan"],
             "fine_label": "罚款" if case["state"] in PENALISED_STATES else "拟处罚款"}
    return {"plate": case["plate"], "state": case["state_label"], "facts": facts, "photos": photos,
            "documents": documents, "money": money, "accepts_statement": found["accepts_statement"],
            "max_chars": owner_portal.MAX_STATEMENT_CHARS}


def _page(request: Request, *, view: dict[str, Any] | None = None, plate: str = "", code: str = "",
          message: str | None = None, status: int = 200, done: bool = False, text: str = "") -> Response:
    context = {"user": None, "home": HOME, "view": view, "plate": plate, "code": code, "message": message,
               "done": done, "text": text}
    response = _render(request, "owner.html", context, status)
    if status == 429:
        response.headers["Retry-After"] = "60"
    return response


def _refused(request: Request, exc: ZhichaoError, plate: str, code: str, view: dict[str, Any] | None = None,
             text: str = "") -> Response:
    # The service's sentence for a final case puts 已 before a label that may itself start with 已.
    message = "案件已办结，不再接收陈述申辩。" if exc.code == "case_final" else exc.message
    return _page(request, view=view, plate=plate, code=code, message=message, status=status_of(exc), text=text)


def _view_again(c: Container, plate: str, code: str, refused: ZhichaoError) -> dict[str, Any] | None:
    """The case once more, under a refused statement (not counted: the statement was this request's count)."""
    if status_of(refused) == 429:
        return None
    try:
        return owner_view(c, owner_portal.lookup(c.cases, c.records, plate, code))
    except ZhichaoError:
        return None


@router.get("/owner")
def owner_page(request: Request, done: str = "") -> Response:
    return _page(request, done=done == "statement")


@router.post("/owner")
def look_up(request: Request, plate: Annotated[str, Form()] = "", code: Annotated[str, Form()] = "") -> Response:
    c = container(request)
    try:
        _count(request)
        found = owner_portal.lookup(c.cases, c.records, plate, code)
    except ZhichaoError as refused:
        return _refused(request, refused, plate, code)
    return _page(request, view=owner_view(c, found), plate=plate, code=code)


@router.post("/owner/photos/{sha256}")
def photo(sha256: str, request: Request, plate: Annotated[str, Form()] = "",
          code: Annotated[str, Form()] = "") -> Response:
    c = container(request)
    try:
        _count(request)
        owner_portal.image_for_owner(c.cases, c.records, plate, code, sha256)
        data, content_type = evidence_service.read(c.evidence, sha256)
    except ZhichaoError as refused:
        return _refused(request, refused, plate, code)
    return Response(data, media_type=content_type, headers={**_NO_STORE, "Content-Disposition": "inline"})


@router.post("/owner/documents/{document_id}")
def document(document_id: RowId, request: Request, plate: Annotated[str, Form()] = "",
             code: Annotated[str, Form()] = "") -> Response:
    c = container(request)
    try:
        _count(request)
        found = owner_portal.document_for_owner(c.cases, plate, code, document_id)
        data = c.evidence.store.get(found["sha256"])
    except ZhichaoError as refused:
        return _refused(request, refused, plate, code)
    disposition = f"attachment; filename=document-{document_id}.pdf"
    return Response(data, media_type="application/pdf", headers={**_NO_STORE, "Content-Disposition": disposition})


@router.post("/owner/statement")
async def statement(request: Request) -> Response:
    """The typed statement, the file (multipart form), or both; a refusal stores neither."""
    c = container(request)
    fields: dict[str, str] = {}
    try:
        _count(request)
        fields, file = await read_form_file(request, MAX_ATTACHMENT_BYTES)
        await run_in_threadpool(owner_portal.submit_statement, c.cases, fields.get("plate", ""),
                                fields.get("code", ""), fields.get("text", ""), now=c.clock(),
                                origin=client_of(request), recipient=c.settings.deadline_recipient, file=file)
    except ZhichaoError as refused:
        plate, code = fields.get("plate", ""), fields.get("code", "")
        view = await run_in_threadpool(_view_again, c, plate, code, refused)
        return await run_in_threadpool(_refused, request, refused, plate, code, view, fields.get("text", ""))
    return RedirectResponse(f"{HOME}?done=statement", status_code=303)
