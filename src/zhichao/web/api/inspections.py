"""On-site inspections (检查记录) over the API: record (idempotent by ``client_id``), list, their files, KPI 2,
and reading a plate from a photo for the mobile page."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from zhichao.services import inspections
from zhichao.services.auth import READ_ROLES
from zhichao.services.errors import InvalidInput
from zhichao.web.api.params import QueryRowId, RowId
from zhichao.web.deps import container, read_body, user_with_role

router = APIRouter(prefix="/api/v1", tags=["inspections (现场检查)"])
MOBILE_HEADER = "x-zhichao-client"  # "mobile": the officers' mobile page declares itself (audited, not a proof)


class InspectionIn(BaseModel):
    """The JSON of ``POST /api/v1/inspections``; docs/mobile.md explains each field."""

    model_config = ConfigDict(extra="forbid")

    client_id: str = Field(max_length=64)
    plate: str = Field(max_length=32)
    place: str = Field(max_length=512)
    inspected_at: datetime
    result: str = Field(max_length=32)
    channel: str = Field(max_length=16)
    measured_weight_kg: int | None = None
    cargo: str | None = Field(None, max_length=512)
    note: str | None = Field(None, max_length=4000)
    station_id: str | None = Field(None, max_length=32)
    county: str | None = Field(None, max_length=16)
    lat: float | None = None
    lon: float | None = None
    alert_id: int | None = None
    signature_png_base64: str | None = None
    photos_jpeg_base64: list[str] = Field(default_factory=list)


def _request(body: bytes) -> inspections.InspectionRequest:
    try:
        data = InspectionIn.model_validate_json(body)
    except ValidationError as exc:
        details = [{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()]
        fields = "、".join(d["field"] for d in details if d["field"]) or "请求体"
        raise InvalidInput("invalid_request", f"请求参数有误：{fields}", details) from None
    return inspections.InspectionRequest(**data.model_dump())


@router.post("/inspections", summary="记录一次现场检查（client_id 相同的重发只保存一次）")
async def record_inspection(request: Request) -> Response:
    user = await run_in_threadpool(user_with_role, request, inspections.RECORD_ROLES)
    c = container(request)
    body = await read_body(request, inspections.MAX_BODY_BYTES)
    stored, duplicate = await run_in_threadpool(
        inspections.record_inspection, c.inspections, user, _request(body),
        from_mobile=request.headers.get(MOBILE_HEADER, "").strip().lower() == "mobile", now=c.clock(),
        origin=request.client.host if request.client else "unknown")
    return JSONResponse({**stored, "duplicate": duplicate}, status_code=200 if duplicate else 201)


@router.get("/inspections", summary="现场检查记录（按检查时间，新的在前）")
def list_inspections(request: Request, from_: Annotated[date, Query(alias="from")], to: date,
                     county: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
                     channel: str | None = None, officer: QueryRowId = None,
                     limit: int = Query(500, ge=1, le=5000)) -> dict[str, Any]:
    user_with_role(request, READ_ROLES)
    return {"inspections": inspections.list_inspections(container(request).inspections, from_, to, county=county,
                                                        channel=channel, officer_id=officer, limit=limit)}


@router.get("/inspections/{inspection_id}/files/{sha256}", summary="检查记录的现场照片或签名")
def inspection_file(inspection_id: RowId, sha256: str, request: Request) -> Response:
    user_with_role(request, READ_ROLES)
    data, content_type = inspections.inspection_file(container(request).inspections, inspection_id, sha256)
    return Response(data, media_type=content_type, headers={"Cache-Control": "private, max-age=86400, immutable"})


@router.get("/kpis/handheld", summary="掌上执法检查占比（KPI 2）")
def handheld_kpi(request: Request, from_: Annotated[date, Query(alias="from")], to: date,
                 county: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None) -> dict[str, Any]:
    user_with_role(request, READ_ROLES)
    value = inspections.handheld_kpi(container(request).inspections, from_, to, county)
    kpi = {k: v for k, v in dataclasses.asdict(value).items() if k != "by_station"}
    return {"from": from_.isoformat(), "to": to.isoformat(), "county": county, "kpis": [{**kpi, "excluded": []}]}


@router.post("/plates/read", summary="从照片识别车牌（需安装 zhichao[ocr]；请求体为 JPEG 或 PNG 图片）")
async def read_plate(request: Request) -> dict[str, Any]:
    await run_in_threadpool(user_with_role, request, inspections.HANDHELD_ROLES)
    c = container(request)
    image = await read_body(request, inspections.MAX_OCR_BYTES + 1)
    return await run_in_threadpool(inspections.read_plate, c.inspections, image)
