"""The accident register (事故登记) in the console, beside the registries of 一超四罚 (a fifth tab of 名录): the
list with its filters (period, plate, county, severity), the CSV import with every row error, the sample file.

Everyone who may read the console may look; officers, legal reviewers, leaders and admins import (the roles of
the registries' import). A success redirects back with its counts (POST/redirect/GET); a refusal shows the page
again with the reason and, for a bad file, every row's line, column and error, and stores nothing. A wrong
filter shows the page with the reason and no rows.
"""

from __future__ import annotations

from datetime import date, tzinfo
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from zhichao.domain.errors import ZhichaoError
from zhichao.domain.registries import KINDS
from zhichao.services import accidents as service
from zhichao.services.accidents import IMPORT_ROLES, AccidentFilter
from zhichao.services.errors import InvalidInput, PayloadTooLarge, PermissionDenied
from zhichao.services.ports import User
from zhichao.services.registers import csv_text
from zhichao.web.api.accidents import MAX_IMPORT_BYTES
from zhichao.web.api.owner import client_of
from zhichao.web.console import labels as L
from zhichao.web.console.device_pages import _poster
from zhichao.web.console.pages import _gate, _render, error_page
from zhichao.web.console.party_view import party_url
from zhichao.web.deps import container, read_form_file
from zhichao.web.errors import status_of

PAGE = "/registries/accidents"
SAMPLE = "accidents.csv"
LIST_LIMIT = 200
FILTERS = ("start", "end", "plate", "county", "severity")
RESULT_FIELDS = ("rows", "inserted", "updated", "unchanged")
router = APIRouter(include_in_schema=False)


def _day(text: str, what: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        raise InvalidInput("invalid_date", f"{what}应为日期，如 2026-10-01：{text[:32]}") from None


def row_view(row: dict[str, Any], tz: tzinfo) -> dict[str, Any]:
    """An accident as the table shows it (shared by the vehicle's party page)."""
    loss = row["property_loss_yuan"]
    return {
        "ref": row["ref"], "at": row["occurred_at"].astimezone(tz).strftime("%Y-%m-%d %H:%M"), "plate": row["plate"],
        "href": party_url("vehicle", row["plate"]), "place": row["place"], "road": row["road"] or "",
        "county": L.label(L.COUNTIES, row["county_code"]), "severity": row["severity"],
        "severity_label": L.label(L.ACCIDENT_SEVERITIES, row["severity"]), "deaths": row["deaths"],
        "injuries": row["injuries"], "loss": L.NOTHING if loss is None else f"{loss:,}",
        "overloaded": L.NOTHING if row["overloaded"] is None else L.YES_NO[row["overloaded"]],
        "is_overloaded": bool(row["overloaded"]), "description": row["description"] or "",
    }  # fmt: skip


def _rows(request: Request, given: dict[str, str]) -> tuple[list[dict[str, Any]], str]:
    """The rows the filters select, and the reason when a filter is wrong (then no rows)."""
    c = container(request)
    try:
        f = AccidentFilter(_day(given["start"], "开始日期"), _day(given["end"], "结束日期"), given["plate"],
                           given["county"], given["severity"])
        found = service.listing(c.accidents, f, LIST_LIMIT + 1)
    except ZhichaoError as refused:
        return [], refused.message
    return [row_view(r, c.accidents.tz) for r in found], ""


def _import_error(refused: ZhichaoError, filename: str) -> dict[str, Any]:
    details = refused.details if isinstance(refused.details, list) else []
    rows = [{"row": d.get("row", ""), "field": L.label(L.ACCIDENT_COLUMNS, d.get("field")), "code": d.get("field"),
             "message": d.get("message", "")} for d in details if isinstance(d, dict)]
    return {"message": refused.message, "rows": rows, "filename": filename}


def _page(request: Request, user: User, given: dict[str, str], *, result: dict[str, int] | None = None,
          error: dict[str, Any] | None = None, status: int = 200) -> Response:
    c = container(request)
    rows, filter_error = _rows(request, given)
    return _render(request, "accidents.html", {
        "user": user, "nav": "registries", "kinds": L.REGISTRIES, "counts": {k: c.registries.count(k) for k in KINDS},
        "total": c.accidents.repo.count(), "rows": rows[:LIST_LIMIT], "more": len(rows) > LIST_LIMIT,
        "limit": LIST_LIMIT, "f": given, "filtered": any(given.values()), "filter_error": filter_error,
        "counties": sorted(L.COUNTIES.items()), "severities": L.ACCIDENT_SEVERITIES, "columns": L.ACCIDENT_COLUMNS,
        "can_import": user.role in IMPORT_ROLES, "result": result, "error": error, "sample": SAMPLE,
    }, 400 if filter_error and status == 200 else status)  # fmt: skip


def _result(query: Any) -> dict[str, int] | None:
    values = [query.get(f, "") for f in RESULT_FIELDS]
    if query.get("done") != "import" or not all(v.isdigit() for v in values):
        return None
    return dict(zip(RESULT_FIELDS, (int(v) for v in values), strict=True))


@router.get(PAGE)
def accidents_page(request: Request, start: str = "", end: str = "", plate: str = "", county: str = "",
                   severity: str = "") -> Response:
    user = _gate(request)
    if isinstance(user, Response):
        return user
    given = dict(zip(FILTERS, (v.strip()[:64] for v in (start, end, plate, county, severity)), strict=True))
    return _page(request, user, given, result=_result(request.query_params))


@router.get(f"{PAGE}/sample")
def sample_file(request: Request) -> Response:
    """The sample file shipped with the package: the import's columns, with example rows."""
    user = _gate(request)
    if isinstance(user, Response):
        return user
    if user.role not in IMPORT_ROLES:
        return error_page(request, 403, "当前角色无权导入事故登记。")
    data = resources.files("zhichao.data").joinpath("samples").joinpath(SAMPLE).read_bytes()
    return Response(data, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{SAMPLE}"', "Cache-Control": "no-store"})


@router.post(f"{PAGE}/import")
async def import_file(request: Request) -> Response:
    user = await run_in_threadpool(_poster, request, PAGE)
    if isinstance(user, Response):
        return user
    c = container(request)
    filename = ""
    try:
        if user.role not in IMPORT_ROLES:
            raise PermissionDenied("role_not_allowed", f"当前角色（{L.label(L.ROLES, user.role)}）无权导入事故登记。")
        _, file = await read_form_file(request, MAX_IMPORT_BYTES)
        if file is None:
            raise InvalidInput("file_missing", "请选择要导入的 CSV 文件")
        filename, data = file
        if len(data) > MAX_IMPORT_BYTES:
            raise PayloadTooLarge("too_large", f"文件超过 {MAX_IMPORT_BYTES // (1024 * 1024)} MB 的上限")
        result = await run_in_threadpool(service.import_accidents, c.accidents, user, csv_text(data),
                                         now=c.clock(), origin=client_of(request))
    except ZhichaoError as refused:
        return await run_in_threadpool(_page, request, user, dict.fromkeys(FILTERS, ""),
                                       error=_import_error(refused, filename), status=status_of(refused))
    return RedirectResponse(f"{PAGE}?" + urlencode({"done": "import", **{f: result[f] for f in RESULT_FIELDS}}), 303)
