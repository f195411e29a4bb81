"""Joint punishment over the API: sanctions and leaders' decisions, the four-party pages, the registries' import."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from zhichao.domain.registries import KINDS
from zhichao.services import four_parties, personal_data, registries, sanctions
from zhichao.services.auth import READ_ROLES
from zhichao.services.errors import InvalidInput
from zhichao.services.registers import csv_text
from zhichao.web.api.owner import client_of
from zhichao.web.api.params import RowId
from zhichao.web.deps import container, log_personal_read, read_body, user_with_role

router = APIRouter(prefix="/api/v1", tags=["joint punishment (一超四罚)"])
IMPORT_ROLES = frozenset({"officer", "legal", "leader", "admin"})
MAX_IMPORT_BYTES = 32 * 1024 * 1024


def _today(request: Request) -> Any:
    c = container(request)
    return c.clock().astimezone(c.sanctions.tz).date()


@router.get("/sanctions", summary="处罚建议与严重失信名单（listed=true：今日公布中的）")
def list_sanctions(request: Request, state: str | None = None, kind: str | None = None, listed: bool = False,
                   limit: int = Query(200, ge=1, le=1000)) -> dict[str, Any]:
    user = user_with_role(request, READ_ROLES)
    c = container(request)
    found = sanctions.listing(c.sanctions, _today(request), state=state, kind=kind, listed=listed, limit=limit)
    log_personal_read(request, user, "api", "sanctions", personal_data.sanctions_shown(found, user.role))
    return {"sanctions": sanctions.shown_to(found, user.role)}


class DecisionBody(BaseModel):
    note: str | None = Field(None, max_length=500, description="the reason (required to reject or lift)")


@router.post("/sanctions/{sanction_id}/{action}", summary="领导确认、不予采纳或撤出名单（confirm / reject / lift）")
def decide(sanction_id: RowId, action: str, body: DecisionBody, request: Request) -> dict[str, Any]:
    user = user_with_role(request, READ_ROLES)
    c = container(request)
    return sanctions.decide(c.sanctions, user, sanction_id, action, now=c.clock(), note=body.note,
                            origin=client_of(request))


@router.post("/sanctions/sweep", summary="立即按规则生成处罚建议（系统每小时也会运行）")
def sweep(request: Request) -> dict[str, Any]:
    user_with_role(request, frozenset({"leader", "admin"}))
    c = container(request)
    new = sanctions.sweep(c.sanctions, _today(request), c.clock())
    return {"proposed": len(new)}


@router.get("/parties/{kind}/{key}", summary="当事方页面（车辆、驾驶人、企业、货运源头）：名录、案件、处罚")
def party(kind: str, key: str, request: Request) -> dict[str, Any]:
    user = user_with_role(request, READ_ROLES)
    c = container(request)
    page = four_parties.party_page(c.sanctions, c.registries, kind, key, _today(request), user.role)
    log_personal_read(request, user, "api", personal_data.subject_of_party(kind, page["key"]),
                      personal_data.party_page_shown(page, user.role))
    return four_parties.shown_to(page, user.role)


@router.put("/registries/{kind}/{key}", summary="登记或更正名录中的一条（JSON，字段同导入文件的列）")
async def put_registry_entry(kind: str, key: str, request: Request) -> dict[str, Any]:
    await run_in_threadpool(user_with_role, request, IMPORT_ROLES)
    body = await read_body(request, 64 * 1024)
    try:
        values = json.loads(body)
    except ValueError:
        raise InvalidInput("invalid_json", "请求体须为 JSON 对象") from None
    if not isinstance(values, dict):
        raise InvalidInput("invalid_json", "请求体须为 JSON 对象")
    c = container(request)
    return await run_in_threadpool(registries.save_entry, c.registries, kind, key, values, now=c.clock())


@router.post("/registries/{kind}", summary="导入名录（CSV，UTF-8，首行为列名；全部无误才导入）")
async def import_registry(kind: str, request: Request) -> dict[str, int]:
    await run_in_threadpool(user_with_role, request, IMPORT_ROLES)
    if kind not in KINDS:
        raise InvalidInput("unknown_registry", f"未知的名录：{kind}（可选 {'、'.join(KINDS)}）")
    text = csv_text(await read_body(request, MAX_IMPORT_BYTES))
    c = container(request)
    return await run_in_threadpool(registries.import_registry, c.registries, kind, text, now=c.clock())
