"""The quarterly analysis report (季度分析报告, docs/reports.md) over the API: the quarters with their stored
files, and one quarter's report as PDF, Excel or JSON.

Who may read it: those who may see the case lists (officer, legal, leader, admin; ``CASE_ROLES``), which
takes in the leaders and admins the report is written for. Reviewers and partners are refused (403).
Regenerating a stored report (``refresh``) is for leaders and admins: it reads a whole quarter again.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from zhichao.domain.quarterly import parse_quarter
from zhichao.services import quarterly
from zhichao.services.errors import PermissionDenied
from zhichao.web.api.cases import CASE_ROLES
from zhichao.web.deps import container, user_with_role

router = APIRouter(prefix="/api/v1/reports", tags=["reports (季度分析报告)"])
REPORT_ROLES = CASE_ROLES | {"leader", "admin"}
REFRESH_ROLES = frozenset({"leader", "admin"})
_TRUE = frozenset({"1", "true", "yes"})


@router.get("/quarterly", summary="季度分析报告：最近 8 个季度及已保存的文件")
def quarters(request: Request) -> dict[str, Any]:
    user_with_role(request, REPORT_ROLES)
    c = container(request)
    return {"quarters": quarterly.listing(c.quarterly, c.clock())}


@router.get("/quarterly/{year}/{name}", summary="某季度的分析报告：{季度}.pdf、.xlsx 或 .json（refresh=1 重新生成）",
            response_class=Response,
            responses={200: {"content": {t: {} for t in quarterly.CONTENT_TYPES.values()},
                             "description": "the report; header X-Zhichao-Report: stored | generated"},
                       400: {"description": "invalid_year, invalid_quarter, invalid_format, quarter_in_future"},
                       404: {"description": "quarter_no_data: no records in that quarter"}})
def report(year: str, name: str, request: Request, refresh: str = "") -> Response:
    user = user_with_role(request, REPORT_ROLES)
    number, _, fmt = name.rpartition(".")
    q = parse_quarter(year, number)
    quarterly.check_format(fmt)
    again = refresh.lower() in _TRUE
    if again and user.role not in REFRESH_ROLES:
        raise PermissionDenied("role_not_allowed", "只有领导和管理员可以重新生成已保存的季度分析报告")
    c = container(request)
    doc = quarterly.document(c.quarterly, q, fmt, c.clock(), refresh=again)
    disposition = "inline" if fmt == quarterly.JSON else "attachment"
    return Response(doc.data, media_type=doc.content_type, headers={
        "Content-Disposition": f'{disposition}; filename="{doc.filename}"', "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff", "X-Zhichao-Report": "stored" if doc.stored else "generated"})
