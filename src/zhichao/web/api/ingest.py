"""Station endpoints: record batches and heartbeats (contract §2)."""

from __future__ import annotations

from typing import Any

import msgspec
from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from zhichao.domain.errors import ZhichaoError
from zhichao.services.auth import authenticate_station, bearer_token
from zhichao.services.errors import InvalidInput
from zhichao.services.ingest import accept_batch
from zhichao.services.ports import StationInfo
from zhichao.services.stations import heartbeat_status
from zhichao.services.wire import WireRecord
from zhichao.web.deps import container, read_body
from zhichao.web.rate_limit import HeartbeatGate

router = APIRouter(prefix="/api/v1/stations", tags=["stations (站点接入)"])
_encode = msgspec.json.Encoder().encode


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """The schema with every ``$ref`` replaced by its definition (OpenAPI cannot see msgspec's $defs)."""
    if isinstance(node, dict):
        if "$ref" in node:
            return _inline(defs[node["$ref"].rsplit("/", 1)[1]], defs)
        return {k: _inline(v, defs) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


def _batch_schema() -> dict[str, Any]:
    schema = msgspec.json.schema(list[WireRecord])
    inlined: dict[str, Any] = _inline({k: v for k, v in schema.items() if k != "$defs"}, schema.get("$defs", {}))
    return {**inlined, "minItems": 1, "maxItems": 1000}


_BATCH_SCHEMA = _batch_schema()


def _station(request: Request, station_id: str) -> StationInfo:
    c = container(request)
    token = bearer_token(request.headers.get("authorization"))
    return authenticate_station(c.ingest_store, c.stations, station_id, token)


@router.post(
    "/{station_id}/records",
    summary="上传一批过车记录",
    description="Body: a JSON array of 1–1000 WIM records (contract §1). Answered only after commit.",
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": _BATCH_SCHEMA}}}},
)
async def post_records(station_id: str, request: Request) -> Response:
    c = container(request)
    await run_in_threadpool(_station, request, station_id)
    body = await read_body(request, c.settings.max_body_bytes)
    result = await run_in_threadpool(
        accept_batch, c.ingest_store, station_id, body, now=c.clock(), policy=c.ingest_policy, source="http"
    )
    return Response(_encode(result.as_contract()), media_type="application/json")


@router.post("/{station_id}/heartbeat", summary="站点心跳", status_code=204,
             description="Body: `{\"at\": RFC 3339 time on the station's clock, \"status\": {...}}`. At most one per "
                         "station every `ZHICHAO_HEARTBEAT_MIN_INTERVAL_S` seconds (429 beyond).")
async def post_heartbeat(station_id: str, request: Request) -> Response:
    c = container(request)
    gate: HeartbeatGate = request.app.state.heartbeat_gate
    try:
        # (inside the interval the request never gets here: web/rate_limit.HeartbeatFastPath answered it)
        await run_in_threadpool(_station, request, station_id)
        body = await read_body(request, 64 * 1024)
        try:
            payload = msgspec.json.decode(body)
        except msgspec.DecodeError:
            raise InvalidInput("invalid_json", "请求体不是有效的 JSON") from None
        status = heartbeat_status(payload)
        gate.admit(station_id)  # only a well-formed heartbeat from its station counts against the interval
        await run_in_threadpool(c.stations.record_heartbeat, station_id, c.clock(), status)
    except ZhichaoError as exc:
        if exc.code != "heartbeat_too_frequent":  # counted by the gate itself
            gate.refused(station_id, exc.code)
        raise
    return Response(status_code=204)
