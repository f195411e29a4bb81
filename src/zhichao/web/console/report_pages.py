"""The quarterly reports page (季度分析): the current quarter and the seven before it, the files stored for
each, download links (the API's, which make a missing report on the way), and a form to generate a quarter's
report now. The current quarter is not stored while it runs: its links make a report 截至今日 each time.

Same roles as the API (web/api/reports.py): the case roles; regenerating stored files, leaders and admins.
A refusal (no records in the quarter, a role that may not) changes nothing and shows the page with the reason.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from zhichao.domain.errors import ZhichaoError
from zhichao.domain.quarterly import parse_quarter
from zhichao.services import quarterly
from zhichao.services.errors import PermissionDenied
from zhichao.services.ports import User
from zhichao.web.api.reports import REFRESH_ROLES, REPORT_ROLES
from zhichao.web.console import labels as L
from zhichao.web.console.device_pages import _poster
from zhichao.web.console.pages import TEMPLATES, _gate, _render, error_page
from zhichao.web.deps import container
from zhichao.web.errors import status_of

TEMPLATES.env.globals["report_roles"] = REPORT_ROLES  # base.html shows 季度分析 in the menu to these roles
router = APIRouter(include_in_schema=False)
FORMATS = {"pdf": "PDF", "xlsx": "Excel", "json": "JSON"}


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, round(n / 1024))} KB"


def _rows(request: Request) -> list[dict[str, Any]]:
    c = container(request)
    rows = []
    for q in quarterly.listing(c.quarterly, c.clock()):
        base = f"/api/v1/reports/quarterly/{q['year']}/{q['number']}"
        files = [{"fmt": FORMATS[fmt], "href": f"{base}.{fmt}", "size": _size(f["bytes"]),
                  "written": f["written_at"][:16].replace("T", " ")} for fmt, f in q["files"].items()]
        rows.append({**q, "stored": files, "links": [{"fmt": text, "href": f"{base}.{fmt}"}
                                                     for fmt, text in FORMATS.items()]})
    return rows


def _page(request: Request, user: User, *, done: str | None = None, message: str | None = None,
          status: int = 200) -> Response:
    return _render(request, "reports.html", {
        "user": user, "nav": "kpis", "rows": _rows(request), "done": done, "message": message,
        "can_refresh": user.role in REFRESH_ROLES,
    }, status)  # fmt: skip


def _viewer(request: Request) -> User | Response:
    user = _gate(request)
    if isinstance(user, User) and user.role not in REPORT_ROLES:
        return error_page(request, 403, f"当前角色（{L.label(L.ROLES, user.role)}）无权查看季度分析报告。")
    return user


@router.get("/reports")
def reports_page(request: Request, done: str = "") -> Response:
    user = _viewer(request)
    if isinstance(user, Response):
        return user
    return _page(request, user, done=_done(done))


def _done(key: str) -> str | None:
    """The banner after a generation (``?done=2026-Q3``); nothing for anything else."""
    year, _, number = key.partition("-Q")
    try:
        return f"{parse_quarter(year, number).label}的分析报告已生成并保存。"
    except ZhichaoError:
        return None


@router.post("/reports/generate")
def generate(request: Request, year: Annotated[str, Form()] = "", quarter: Annotated[str, Form()] = "") -> Response:
    user = _poster(request, "/reports")
    if isinstance(user, Response):
        return user
    if user.role not in REPORT_ROLES:
        return error_page(request, 403, f"当前角色（{L.label(L.ROLES, user.role)}）无权生成季度分析报告。")
    c = container(request)
    try:
        q = parse_quarter(year, quarter)
        stored = quarterly.stored_path(c.quarterly, q, quarterly.PDF).is_file()
        if stored and user.role not in REFRESH_ROLES:
            raise PermissionDenied("role_not_allowed", f"{q.label}的报告已生成；只有领导和管理员可以重新生成。")
        quarterly.generate(c.quarterly, q, c.clock())
    except ZhichaoError as refused:
        return _page(request, user, message=refused.message, status=status_of(refused))
    return RedirectResponse(f"/reports?done={q.key}", status_code=303)
