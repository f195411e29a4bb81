"""The accident register (事故登记) over the API: the CSV import and the list with its filters."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from zhichao.services import accidents
from zhichao.services.accidents import IMPORT_ROLES, MAX_LIMIT, AccidentFilter
from zhichao.services.auth import READ_ROLES
from zhichao.services.errors import InvalidInput, PayloadTooLarge
from zhichao.services.registers import csv_text
from zhichao.web.api.owner import client_of
from zhichao.web.deps import container, read_body, read_form_file, user_with_role

router = APIRouter(prefix="/api/v1", tags=["accidents (事故登记)"])
MAX_IMPORT_BYTES = 32 * 1024 * 1024
_CSV_BODY = {"requestBody": {"required": True, "content": {
    "text/csv": {"schema": {"type": "string"}},
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                       "properties": {"file": {"type": "string", "format": "binary"}}}},
}}}  # fmt: skip


async def _csv_of(request: Request) -> bytes:
    """The file's bytes: the body itself, or the ``file`` part of a multipart form."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        return await read_body(request, MAX_IMPORT_BYTES)
    _, file = await read_form_file(request, MAX_IMPORT_BYTES)
    if file is None:
        raise InvalidInput("file_missing", "请在表单的 file 字段中附上 CSV 文件")
    if len(file[1]) > MAX_IMPORT_BYTES:
        raise PayloadTooLarge("too_large", f"文件超过 {MAX_IMPORT_BYTES // (1024 * 1024)} MB 的上限")
    return file[1]


@router.post("/accidents/import", summary="导入事故登记（CSV，UTF-8，首行为列名；全部无误才导入，按事故编号更新）",
             openapi_extra=_CSV_BODY)
async def import_accidents(request: Request) -> dict[str, int]:
    user = await run_in_threadpool(user_with_role, request, IMPORT_ROLES)
    text = csv_text(await _csv_of(request))
    c = container(request)
    return await run_in_threadpool(accidents.import_accidents, c.accidents, user, text, now=c.clock(),
                                   origin=client_of(request))


@router.get("/accidents", summary="事故登记（按期间、车牌、区县、事故等级筛选，最新的在前）")
def list_accidents(request: Request, from_: Annotated[date | None, Query(alias="from")] = None,
                   to: date | None = None, plate: str = "", county: str = "", severity: str = "",
                   limit: int = Query(500, ge=1, le=MAX_LIMIT)) -> dict[str, Any]:
    user_with_role(request, READ_ROLES)
    c = container(request)
    found = accidents.listing(c.accidents, AccidentFilter(from_, to, plate, county, severity), limit)
    return {"accidents": [accidents.shown(row, c.accidents.tz) for row in found]}
