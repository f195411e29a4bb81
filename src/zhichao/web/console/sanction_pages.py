"""The sanctions page (处罚建议与失信名单): the proposals the rules made (待确认), the serious dishonesty list as
published today (公布中), and everything (全部). A leader confirms a proposal (published for two years),
rejects it with a reason, or lifts a published entry with a reason; a leader or an admin runs the rules
now rather than waiting for the hourly sweep.

Like the case pages, every change is a plain form POST that calls the same service as the JSON API and
redirects back (POST/redirect/GET); a refusal changes nothing and shows the page again with the reason.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from zhichao.domain.errors import ZhichaoError
from zhichao.services import personal_data
from zhichao.services import sanctions as sanction_service
from zhichao.services.errors import PermissionDenied
from zhichao.services.ports import User
from zhichao.web.api.cases import CASE_ROLES
from zhichao.web.api.params import RowId
from zhichao.web.console import labels as L
from zhichao.web.console import sanction_view as S
from zhichao.web.console.device_pages import _poster
from zhichao.web.console.pages import _gate, _render
from zhichao.web.console.party_pages import today_of
from zhichao.web.deps import container, log_personal_read
from zhichao.web.errors import status_of

TABS = {"proposed": "待确认", "listed": "公布中", "all": "全部"}
SWEEP_ROLES = frozenset({"leader", "admin"})  # as POST /api/v1/sanctions/sweep
LIST_LIMIT = 500
router = APIRouter(include_in_schema=False)

_DONE = {"confirm": "已确认公布：列入严重失信名单，公布两年。", "reject": "已不予采纳。", "lift": "已撤出失信名单。"}


def sanctions_url(tab: str, **query: str) -> str:
    return "/sanctions?" + urlencode({"tab": tab if tab in TABS else "proposed", **query})


def _rows(request: Request, user: User, tab: str) -> tuple[list[dict[str, Any]], dict[str, int]]:
    c = container(request)
    ctx, today = c.sanctions, today_of(c)
    listed = sanction_service.listing(ctx, today, listed=True, limit=1000)
    states = ctx.repo.counts()
    counts = {"proposed": states.get(sanction_service.PROPOSED, 0), "listed": len(listed),
              "all": sum(states.values())}
    if tab == "listed":
        shown = listed[:LIST_LIMIT]
    else:
        state = sanction_service.PROPOSED if tab == "proposed" else None
        shown = sanction_service.listing(ctx, today, state=state, limit=LIST_LIMIT)
    log_personal_read(request, user, "console", "sanctions", personal_data.sanctions_shown(shown, user.role))
    return S.rows(shown, S.party_names(c.registries, shown), user.role, user.role in CASE_ROLES), counts


def _page(request: Request, user: User, tab: str, *, done: str | None = None, message: str | None = None,
          status: int = 200, drafts: dict[str, Any] | None = None) -> Response:
    tab = tab if tab in TABS else "proposed"
    rows, counts = _rows(request, user, tab)
    return _render(request, "sanctions.html", {
        "user": user, "nav": "sanctions", "tab": tab, "tabs": TABS, "counts": counts, "rows": rows,
        "done": done, "message": message, "drafts": drafts or {}, "limit": LIST_LIMIT,
        "can_decide": user.role in sanction_service.DECIDERS, "can_sweep": user.role in SWEEP_ROLES,
        "today": today_of(container(request)).isoformat(),
    }, status)  # fmt: skip


def _done(done: str, proposed: str) -> str | None:
    if done == "sweep" and proposed.isdigit():
        return f"已按规则生成 {proposed} 条新的处罚建议。" if int(proposed) else "已按规则检查，没有新的处罚建议。"
    return _DONE.get(done)


@router.get("/sanctions")
def sanctions_page(request: Request, tab: str = "proposed", done: str = "", proposed: str = "") -> Response:
    user = _gate(request)
    if isinstance(user, Response):
        return user
    return _page(request, user, tab, done=_done(done, proposed))


@router.post("/sanctions/sweep")
def sweep(request: Request, tab: Annotated[str, Form()] = "proposed") -> Response:
    user = _poster(request, sanctions_url(tab))
    if isinstance(user, Response):
        return user
    c = container(request)
    try:
        if user.role not in SWEEP_ROLES:
            raise PermissionDenied("role_not_allowed", f"当前角色（{L.label(L.ROLES, user.role)}）无权生成处罚建议。")
        new = sanction_service.sweep(c.sanctions, today_of(c), c.clock())
    except ZhichaoError as refused:
        return _page(request, user, tab, message=refused.message, status=status_of(refused))
    return RedirectResponse(sanctions_url("proposed", done="sweep", proposed=str(len(new))), status_code=303)


@router.post("/sanctions/{sanction_id}/{action}")
def decide(sanction_id: RowId, action: str, request: Request, note: Annotated[str, Form()] = "",
           tab: Annotated[str, Form()] = "proposed") -> Response:
    user = _poster(request, sanctions_url(tab))
    if isinstance(user, Response):
        return user
    c = container(request)
    try:
        sanction_service.decide(c.sanctions, user, sanction_id, action, now=c.clock(), note=note,
                                origin=request.client.host if request.client else "unknown")
    except ZhichaoError as refused:
        what = S.DECISION_LABELS.get(action, action)
        return _page(request, user, tab, message=f"第 {sanction_id} 条「{what}」未完成：{refused.message}",
                     status=status_of(refused), drafts={"id": sanction_id, "action": action, "note": note})
    back = "listed" if action == "confirm" else tab
    return RedirectResponse(sanctions_url(back, done=action) + f"#sanction-{sanction_id}", status_code=303)
