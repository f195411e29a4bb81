"""The transfers page (抄告): every transfer of a closed case on a non-local vehicle, its addressee, its
deadline (7 working days after closing) and what the other side answered; 长三角 transfers marked and
filterable. Reads only: the outcome is recorded on the case page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response

from zhichao.services import transfers as transfer_service
from zhichao.web.console import labels as L
from zhichao.web.console.case_pages import _viewer
from zhichao.web.console.case_view import TRANSFER_STATES
from zhichao.web.console.list_filters import filter_query, transfer_filter
from zhichao.web.console.pages import _render
from zhichao.web.deps import container

router = APIRouter(include_in_schema=False)
LIST_LIMIT = 500
STATE_LABELS: Mapping[str, str] = {**TRANSFER_STATES, **transfer_service.OUTCOMES}


def transfer_row(t: Mapping[str, Any], tz: ZoneInfo) -> dict[str, Any]:
    sent_on = t["sent_at"].astimezone(tz).date() if t["sent_at"] else None
    return {"case_id": t["case_id"], "url": f"/console/cases/{t['case_id']}", "plate": t["plate"],
            "region": t["region"], "long_triangle": t["long_triangle"], "authority": t["authority"],
            "state_code": t["state"], "state": STATE_LABELS.get(t["state"], t["state"]),
            "sent": L.full_time(t["sent_at"], tz) if t["sent_at"] else "—", "due_on": t["due_on"].isoformat(),
            "late": sent_on is not None and sent_on > t["due_on"], "outcome": t["outcome"] or "",
            "outcome_at": L.full_time(t["outcome_at"], tz) if t["outcome_at"] else ""}


@router.get("/console/transfers")
def transfers_page(request: Request) -> Response:
    user = _viewer(request)
    if isinstance(user, Response):
        return user
    c = container(request)
    tz = ZoneInfo(c.settings.display_timezone)
    f = transfer_filter(request.query_params, STATE_LABELS)
    rows = [transfer_row(t, tz) for t in c.cases.repo.transfers(f.state or None, f.long_triangle, LIST_LIMIT)]
    return _render(request, "transfers.html", {
        "user": user, "nav": "transfers", "rows": rows, "states": STATE_LABELS, "state": f.state, "region": f.region,
        "export": {"name": "transfers", "query": filter_query(f)},
        "waiting": sum(r["state_code"] == "sent" for r in rows), "delta": sum(r["long_triangle"] for r in rows),
    })
