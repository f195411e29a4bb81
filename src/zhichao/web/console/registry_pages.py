"""The registries page (名录) of 一超四罚: vehicles, drivers, transport enterprises and freight sources as tabs
with their counts, a search by key or name, and the CSV import (services/registries.py: all or nothing, so a
bad file shows every row's error and imports nothing). The sample files shipped with the package are
served as templates for a first import.

Everyone who may read the console may look; officers, legal reviewers, leaders and admins import (the same
roles as the API). An import is a multipart form POST; a success redirects back with its counts
(POST/redirect/GET), a refusal shows the page again with the reason and, for a bad file, every row error.
"""

from __future__ import annotations

from importlib import resources
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from zhichao.domain.errors import ZhichaoError
from zhichao.domain.plates import normalize_plate
from zhichao.domain.registries import DRIVER, ENTERPRISE, KINDS, SOURCE, VEHICLE
from zhichao.services import personal_data
from zhichao.services import registries as registry_service
from zhichao.services.auth import READ_ROLES
from zhichao.services.errors import InvalidInput, PayloadTooLarge, PermissionDenied
from zhichao.services.ports import User
from zhichao.services.registers import csv_text
from zhichao.web.api.sanctions import IMPORT_ROLES, MAX_IMPORT_BYTES
from zhichao.web.console import labels as L
from zhichao.web.console import party_view as V
from zhichao.web.console.device_pages import _poster
from zhichao.web.console.pages import TEMPLATES, _gate, _render, error_page
from zhichao.web.deps import container, log_personal_read, read_form_file
from zhichao.web.errors import status_of

PAGE_SIZE = 100
SAMPLES = {VEHICLE: "vehicles.csv", DRIVER: "drivers.csv", ENTERPRISE: "enterprises.csv", SOURCE: "freight_sources.csv"}
RESULT_FIELDS = ("rows", "inserted", "updated", "unchanged")
TEMPLATES.env.globals["party_roles"] = READ_ROLES  # base.html shows 名录 and 失信名单 in the menu to these roles
router = APIRouter(include_in_schema=False)


def registries_url(kind: str, **query: Any) -> str:
    return "/registries?" + urlencode({"kind": kind, **{k: v for k, v in query.items() if v not in ("", None, 0)}})


def search_text(kind: str, q: str) -> str:
    """What to look for: a plate in any form as the registry stores it; numbers and codes in capitals."""
    text = q.strip()[:64]
    if kind == VEHICLE:
        plate = normalize_plate(text)
        return plate.text if plate.well_formed else text
    return text.upper() if kind in (DRIVER, ENTERPRISE) and text.isascii() else text


def _found(registries: Any, kind: str, q: str, role: str, page: int) -> tuple[list[dict[str, Any]], bool]:
    text = search_text(kind, q)
    found: list[dict[str, Any]] = registries.search(kind, text, PAGE_SIZE + 1, page * PAGE_SIZE)
    if kind == DRIVER and text and not V.sees_personal(role):
        # Part of a number would let a role that sees numbers masked recover them digit by digit: it finds a
        # driver by name or by the whole number only.
        found = [r for r in found if r["id_number"] == text or text in str(r["name"])]
    return found[:PAGE_SIZE], len(found) > PAGE_SIZE


def _import_error(refused: ZhichaoError, kind: str, filename: str) -> dict[str, Any]:
    """A refused import as the page shows it: the reason and, for bad rows, each row's line, column and error."""
    details = refused.details if isinstance(refused.details, list) else []
    rows = [{"row": d.get("row", ""), "field": L.label(L.REGISTRY_COLUMNS, d.get("field")), "code": d.get("field"),
             "message": d.get("message", "")} for d in details if isinstance(d, dict)]
    return {"message": refused.message, "rows": rows, "kind": L.label(L.REGISTRIES, kind), "filename": filename}


def _page(request: Request, user: User, kind: str, q: str = "", page: int = 0, *, result: dict[str, int] | None = None,
          error: dict[str, Any] | None = None, status: int = 200) -> Response:
    c = container(request)
    found, more = _found(c.registries, kind, q, user.role, page)
    units = {code: str(e["name"]) for code, e in c.registries.many(ENTERPRISE, V.unit_codes(found)).items()}
    shown = personal_data.registry_shown(kind, found, user.role)
    log_personal_read(request, user, "console", f"registry:{kind}", shown)
    return _render(request, "registries.html", {
        "user": user, "nav": "registries", "kind": kind, "kinds": L.REGISTRIES, "q": q, "page": page, "more": more,
        "counts": {k: c.registries.count(k) for k in KINDS}, "headers": V.headers(kind),
        "accident_count": c.accidents.repo.count(),  # the fifth tab: accident_pages.py
        "rows": [V.registry_row(kind, r, user.role, units) for r in found], "masked": not V.sees_personal(user.role),
        "can_import": user.role in IMPORT_ROLES, "result": result, "error": error, "samples": SAMPLES,
        "page_size": PAGE_SIZE, "prev_url": registries_url(kind, q=q, page=page - 1) if page else "",
        "next_url": registries_url(kind, q=q, page=page + 1) if more else "",
    }, status)  # fmt: skip


def _result(query: Any) -> dict[str, int] | None:
    values = [query.get(f, "") for f in RESULT_FIELDS]
    if query.get("done") != "import" or not all(v.isdigit() for v in values):
        return None
    return dict(zip(RESULT_FIELDS, (int(v) for v in values), strict=True))


@router.get("/registries")
def registries_page(request: Request, kind: str = VEHICLE, q: str = "", page: int = 0) -> Response:
    user = _gate(request)
    if isinstance(user, Response):
        return user
    kind = kind if kind in KINDS else VEHICLE
    return _page(request, user, kind, q.strip()[:64], max(0, min(page, 10_000)), result=_result(request.query_params))


@router.get("/registries/samples/{name}")
def sample_file(name: str, request: Request) -> Response:
    """A sample file shipped with the package: the columns a registry's CSV file takes, with example rows."""
    user = _gate(request)
    if isinstance(user, Response):
        return user
    if user.role not in IMPORT_ROLES:
        return error_page(request, 403, "当前角色无权导入名录。")
    if name not in SAMPLES.values():
        return error_page(request, 404, f"没有名为 {name[:64]} 的示例文件。")
    data = resources.files("zhichao.data").joinpath("samples").joinpath(name).read_bytes()
    return Response(data, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@router.post("/registries/import")
async def import_file(request: Request) -> Response:
    user = await run_in_threadpool(_poster, request, "/registries")
    if isinstance(user, Response):
        return user
    c = container(request)
    kind, filename = VEHICLE, ""
    try:
        if user.role not in IMPORT_ROLES:
            raise PermissionDenied("role_not_allowed", f"当前角色（{L.label(L.ROLES, user.role)}）无权导入名录。")
        fields, file = await read_form_file(request, MAX_IMPORT_BYTES)
        kind = fields.get("kind", "")
        if kind not in KINDS:
            raise InvalidInput("unknown_registry", "请选择要导入的名录")
        if file is None:
            raise InvalidInput("file_missing", "请选择要导入的 CSV 文件")
        filename, data = file
        if len(data) > MAX_IMPORT_BYTES:
            raise PayloadTooLarge("too_large", f"文件超过 {MAX_IMPORT_BYTES // (1024 * 1024)} MB 的上限")
        result = await run_in_threadpool(registry_service.import_registry, c.registries, kind, csv_text(data),
                                         now=c.clock())
    except ZhichaoError as refused:
        shown = kind if kind in KINDS else VEHICLE
        return await run_in_threadpool(_page, request, user, shown, error=_import_error(refused, shown, filename),
                                       status=status_of(refused))
    return RedirectResponse(registries_url(kind, done="import", **{f: str(result[f]) for f in RESULT_FIELDS}), 303)
