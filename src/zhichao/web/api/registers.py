"""Registers screening consults: oversize-transport permits and on-site handlings."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from zhichao.domain.plates import normalize_plate
from zhichao.services import registers
from zhichao.services.errors import InvalidInput
from zhichao.web.deps import container, read_body, user_with_role

router = APIRouter(prefix="/api/v1", tags=["registers (许可与现场处理)"])
EDIT_ROLES = frozenset({"officer", "legal", "admin"})
VIEW_ROLES = frozenset({"reviewer", "officer", "legal", "leader", "admin"})
MAX_IMPORT_BYTES = 8 * 1024 * 1024


async def _entries(request: Request, required: tuple[str, ...]) -> list[dict[str, Any]]:
    """A JSON object, a JSON array of objects, or a CSV file with a header line."""
    body = await read_body(request, MAX_IMPORT_BYTES)
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    if kind == "text/csv":
        return registers.read_csv(registers.csv_text(body), required)
    try:
        import json

        value = json.loads(body)
    except ValueError:
        raise InvalidInput("invalid_json", "请求体须为 JSON 对象、JSON 数组或 text/csv") from None
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(i, dict) for i in items):
        raise InvalidInput("invalid_json", "每一项都须是 JSON 对象")
    return items


async def _import(request: Request, register: str) -> dict[str, int]:
    await run_in_threadpool(user_with_role, request, EDIT_ROLES)
    entries = await _entries(request, registers.REQUIRED[register])
    c = container(request)
    stored = await run_in_threadpool(registers.add_entries, c.registers, register, entries, now=c.clock())
    return {"imported": stored}


@router.post("/permits", status_code=201, summary="登记或导入超限运输许可（JSON 或 CSV，全部成功才保存）")
async def add_permits(request: Request) -> dict[str, int]:
    return await _import(request, "permit")


@router.get("/permits", summary="超限运输许可")
def list_permits(request: Request, plate: str | None = None, limit: int = Query(100, ge=1, le=500)) -> list[Any]:
    user_with_role(request, VIEW_ROLES)
    text = normalize_plate(plate).text if plate else None
    return container(request).registers.list_permits(text, limit)


@router.post("/onsite-handlings", status_code=201, summary="登记或导入现场处理记录（JSON 或 CSV）")
async def add_handlings(request: Request) -> dict[str, int]:
    return await _import(request, "onsite")


@router.get("/onsite-handlings", summary="现场处理记录")
def list_handlings(request: Request, plate: str | None = None, limit: int = Query(100, ge=1, le=500)) -> list[Any]:
    user_with_role(request, VIEW_ROLES)
    text = normalize_plate(plate).text if plate else None
    return container(request).registers.list_handlings(text, limit)
