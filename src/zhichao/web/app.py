"""The web application: JSON API, console pages and static assets, with one error handler."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from zhichao.bootstrap import Container
from zhichao.domain.errors import ZhichaoError
from zhichao.domain.token_bucket import Rate
from zhichao.web import csrf, metrics, request_checks
from zhichao.web.alert_stream import AlertHub
from zhichao.web.api import (
    accidents,
    alerts,
    cases,
    command,
    devices,
    entrances,
    evasion,
    evidence,
    ingest,
    inspections,
    kpis,
    mqtt_auth,
    owner,
    partners,
    payments,
    reads,
    registers,
    reports,
    reviews,
    sanctions,
)
from zhichao.web.console import (
    accident_pages,
    case_pages,
    command_pages,
    device_pages,
    evasion_pages,
    export_pages,
    gate_pages,
    inspection_pages,
    kpi_pages,
    mobile_pages,
    owner_pages,
    pages,
    party_pages,
    registry_entry,
    registry_pages,
    report_pages,
    review_pages,
    sanction_pages,
    transfer_pages,
    watch_pages,
)
from zhichao.web.errors import (
    DATABASE_ERROR,
    DATABASE_RETRY_AFTER_S,
    DATABASE_UNAVAILABLE,
    DATABASE_UNAVAILABLE_MESSAGE,
    database_unavailable,
    status_of,
)
from zhichao.web.login_throttle import LoginThrottle
from zhichao.web.rate_limit import HeartbeatFastPath, HeartbeatGate, RateLimiter
from zhichao.web.security_headers import SecurityHeaders
from zhichao.web.token_limit import TokenLimiter, TokenRateLimit

log = logging.getLogger("zhichao.web")
STATIC_DIR = Path(__file__).resolve().parent / "console" / "static"
_HTTP_CODES = {401: "not_authenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}
_HTTP_MESSAGES = {401: "需要登录", 403: "无权访问", 404: "找不到该地址", 405: "不支持该请求方法"}


def _error(status: int, code: str, message: str, details: object = None,
           headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "details": details}}, status_code=status,
                        headers=headers)


def _wants_page(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ZhichaoError)
    async def on_zhichao_error(request: Request, exc: ZhichaoError) -> Response:
        status = status_of(exc)
        if _wants_page(request):
            return pages.error_page(request, status, exc.message)
        return _error(status, exc.code, exc.message, exc.details)

    @app.exception_handler(DATABASE_ERROR)
    async def on_database_error(request: Request, exc: Exception) -> Response:
        if request_checks.holds_nul(exc):  # a NUL in a body or form: nothing was stored
            if _wants_page(request):
                return pages.error_page(request, 400, request_checks.NUL_MESSAGE)
            return _error(400, request_checks.NUL_CODE, request_checks.NUL_MESSAGE)
        if not database_unavailable(exc):
            raise exc  # a fault of ours: the server's 500, with its traceback in the log
        log.warning("database unavailable, answered 503: %s", getattr(exc, "orig", exc))
        headers = {"Retry-After": str(DATABASE_RETRY_AFTER_S)}
        if _wants_page(request):
            page = pages.error_page(request, 503, DATABASE_UNAVAILABLE_MESSAGE, anonymous=True)
            page.headers.update(headers)
            return page
        return _error(503, DATABASE_UNAVAILABLE, DATABASE_UNAVAILABLE_MESSAGE, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def on_invalid_request(request: Request, exc: RequestValidationError) -> Response:
        details = [{"field": ".".join(str(p) for p in e["loc"][1:]), "message": e["msg"]} for e in exc.errors()]
        fields = "、".join(d["field"] for d in details) or "请求"
        if _wants_page(request):
            return pages.error_page(request, 400, f"请求参数有误：{fields}")
        return _error(400, "invalid_request", f"请求参数有误：{fields}", details)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = _HTTP_MESSAGES.get(exc.status_code, str(exc.detail))
        if _wants_page(request):
            return pages.error_page(request, exc.status_code, message)
        return _error(exc.status_code, _HTTP_CODES.get(exc.status_code, "http_error"), message)


def create_app(container: Container) -> FastAPI:
    app = FastAPI(
        title="zhichao 治超非现场执法平台",
        version="1",
        description="公开接口见 contract/API.md：站点上传过车记录、查询、车辆核查。",
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(csrf.same_origin), Depends(request_checks.no_nul_character)],
    )
    app.state.container = container
    app.state.owner_limiter = RateLimiter(container.settings.owner_lookups_per_minute)
    s = container.settings
    app.state.login_throttle = LoginThrottle(s.login_max_failures, s.login_max_failures_per_address,
                                             s.login_failure_window_s, s.login_lockout_s)
    app.state.alert_hub = AlertHub()
    container.alerts.listeners.append(app.state.alert_hub.publish)
    app.state.heartbeat_gate = HeartbeatGate(container.settings.heartbeat_min_interval_s,
                                             lambda: container.clock().timestamp())
    app.add_middleware(HeartbeatFastPath, gate=app.state.heartbeat_gate)
    app.state.token_limiter = (TokenLimiter(Rate(s.api_rate_per_token, s.api_burst_per_token))
                               if s.api_rate_per_token > 0 else None)
    app.add_middleware(TokenRateLimit, limiter=app.state.token_limiter)  # inside SecurityHeaders: its 429s get them
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _install_error_handlers(app)
    app.include_router(ingest.router)
    app.include_router(mqtt_auth.router)
    app.include_router(reads.router)
    app.include_router(partners.router)
    app.include_router(sanctions.router)
    app.include_router(accidents.router)
    app.include_router(entrances.router)
    app.include_router(evasion.router)
    app.include_router(inspections.router)
    app.include_router(kpis.router)
    app.include_router(reports.router)
    app.include_router(alerts.router)
    app.include_router(command.router)
    app.include_router(reviews.router)
    app.include_router(cases.router)
    app.include_router(cases.transfers_router)
    app.include_router(cases.parties_router)
    app.include_router(payments.router)
    app.include_router(owner.router)
    app.include_router(registers.router)
    app.include_router(devices.router)
    app.include_router(evidence.router)
    app.include_router(pages.router)
    app.include_router(device_pages.router)
    app.include_router(review_pages.router)
    app.include_router(case_pages.router)
    app.include_router(owner_pages.router)
    app.include_router(transfer_pages.router)
    app.include_router(registry_entry.router)
    app.include_router(registry_pages.router)
    app.include_router(accident_pages.router)
    app.include_router(party_pages.router)
    app.include_router(sanction_pages.router)
    app.include_router(gate_pages.router)
    app.include_router(evasion_pages.router)
    app.include_router(inspection_pages.router)
    app.include_router(mobile_pages.router)
    app.include_router(command_pages.router)
    app.include_router(watch_pages.router)
    app.include_router(kpi_pages.router)
    app.include_router(export_pages.router)
    app.include_router(report_pages.router)
    app.include_router(metrics.router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="zhichao API 文档",
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )

    return app
