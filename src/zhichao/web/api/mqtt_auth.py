"""Broker authentication over HTTP (EMQX's HTTP authentication and authorization; docs/mqtt.md).

The broker calls these with the shared secret ``ZHICHAO_MQTT_AUTH_SECRET`` in ``X-Zhichao-Mqtt-Secret``;
without the setting they do not exist (404). A decision is always 200 with ``{"result": "allow"}`` or
``{"result": "deny"}``, as EMQX expects; only a missing or wrong secret is an error (401).
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from zhichao.services.errors import NotAuthenticated, NotFound
from zhichao.services.mqtt_auth import WorkerAccount, may_connect, may_use_topic
from zhichao.web.deps import container

router = APIRouter(prefix="/api/v1/mqtt", tags=["mqtt (消息代理认证)"])
SECRET_HEADER = "x-zhichao-mqtt-secret"


class AuthRequest(BaseModel):
    username: str = ""
    password: str = ""
    clientid: str = ""


class AclRequest(BaseModel):
    username: str = ""
    topic: str = ""
    action: str = ""


class Decision(BaseModel):
    result: str


def _worker(request: Request) -> WorkerAccount:
    """The workers' account, once the caller has shown the broker's secret (checked before the body is read,
    so that without the setting nothing, not even a malformed body, is answered other than 404)."""
    settings = container(request).settings
    if not settings.mqtt_auth_secret:
        raise NotFound("not_found", "页面不存在")
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), settings.mqtt_auth_secret.encode()):
        raise NotAuthenticated("invalid_mqtt_secret", "消息代理认证密钥错误")
    return WorkerAccount(settings.mqtt_worker_username, settings.mqtt_worker_password)


BrokerWorker = Annotated[WorkerAccount, Depends(_worker)]


def _decision(allowed: bool) -> Decision:
    return Decision(result="allow" if allowed else "deny")


@router.post("/auth", summary="消息代理：客户端连接认证", response_model=Decision,
             description="For the broker only (header `X-Zhichao-Mqtt-Secret`). Allows an enabled station with its "
                         "token, or the ingest workers' account.")
async def post_auth(body: AuthRequest, request: Request, worker: BrokerWorker) -> Decision:
    store = container(request).ingest_store
    return _decision(await run_in_threadpool(may_connect, store, worker, body.username, body.password))


@router.post("/acl", summary="消息代理：主题权限", response_model=Decision,
             description="For the broker only (header `X-Zhichao-Mqtt-Secret`). A station may publish to its own "
                         "records topic and subscribe to its own results topic; the workers the reverse, for all.")
async def post_acl(body: AclRequest, request: Request, worker: BrokerWorker) -> Decision:
    store = container(request).ingest_store
    allowed = await run_in_threadpool(may_use_topic, store, worker, body.username, body.topic, body.action)
    return _decision(allowed)
