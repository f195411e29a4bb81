"""Evidence endpoints: stations upload the files a record names; people view them."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from zhichao.services import evidence as evidence_service
from zhichao.services.auth import READ_ROLES, authenticate_station, bearer_token
from zhichao.services.evidence_package import build_package
from zhichao.web.deps import container, read_body, user_with_role

router = APIRouter(prefix="/api/v1", tags=["evidence (证据)"])
_PRIVATE = {"Cache-Control": "private, max-age=86400, immutable"}  # content-addressed: never changes


@router.put("/stations/{station_id}/records/{record_id}/evidence/{sha256}", summary="上传记录所列的照片或视频")
async def put_evidence(station_id: str, record_id: str, sha256: str, request: Request) -> dict[str, object]:
    c = container(request)
    token = bearer_token(request.headers.get("authorization"))
    await run_in_threadpool(authenticate_station, c.ingest_store, c.stations, station_id, token)
    data = await read_body(request, c.evidence.limits.max_video_bytes)
    return await run_in_threadpool(evidence_service.upload, c.evidence, station_id, record_id, sha256, data,
                                   request.headers.get("content-type"), now=c.clock(),
                                   origin=request.client.host if request.client else "unknown")


@router.get("/evidence/{sha256}", summary="证据文件原件")
def get_evidence(sha256: str, request: Request) -> Response:
    user_with_role(request, READ_ROLES)
    data, content_type = evidence_service.read(container(request).evidence, sha256)
    return Response(data, media_type=content_type, headers=_PRIVATE)


@router.get("/evidence/{sha256}/thumbnail", summary="证据照片缩略图（JPEG）")
def get_thumbnail(sha256: str, request: Request) -> Response:
    user_with_role(request, READ_ROLES)
    thumb = evidence_service.thumbnail(container(request).evidence, sha256)
    return Response(thumb, media_type="image/jpeg", headers=_PRIVATE)


@router.get("/records/{station_id}/{record_id}/evidence-package", summary="证据包（zip，含 SHA-256 清单）")
def evidence_package(station_id: str, record_id: str, request: Request) -> Response:
    user = user_with_role(request, READ_ROLES)
    c = container(request)
    package = build_package(c.packages, station_id, record_id, now=c.clock(), requested_by=user)
    name = f"evidence-{station_id}-{record_id}.zip"
    return Response(package, media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
