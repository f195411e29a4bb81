"""Entering or correcting one registry entry in the console (登记 / 更正): the form of a kind's columns,
prefilled from the registry when the key is known, checked like an imported row (services/registries.py
``save_entry``); on success to the party's page, on error back to the form with each wrong field named."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from zhichao.domain.errors import ZhichaoError
from zhichao.domain.registries import KEYS, KINDS, LABELS, OPTIONAL, REQUIRED, VEHICLE
from zhichao.services import registries as registry_service
from zhichao.services.ports import User
from zhichao.web.api.sanctions import IMPORT_ROLES
from zhichao.web.console import labels as L
from zhichao.web.console import party_view as V
from zhichao.web.console.device_pages import _poster
from zhichao.web.console.pages import _gate, _render, error_page
from zhichao.web.deps import container
from zhichao.web.errors import status_of

router = APIRouter(include_in_schema=False)
FLAGS = frozenset({"engineering", "key_source"})  # 是 / 否


def entry_url(kind: str, key: str = "") -> str:
    return "/registries/entry?" + urlencode({"kind": kind, **({"key": key} if key else {})})


def _shown(value: Any) -> str:
    if value is True:
        return "是"
    if value is False:
        return "否"
    return "" if value is None else str(value)


def _form(request: Request, user: User, kind: str, values: Mapping[str, str], *, existing: bool,
          errors: Mapping[str, str] | None = None, message: str = "", status: int = 200) -> Response:
    fields = [{"name": f, "label": LABELS[f], "required": f in REQUIRED[kind], "flag": f in FLAGS,
               "value": values.get(f, ""), "error": (errors or {}).get(f, ""), "key": f == KEYS[kind]}
              for f in (*REQUIRED[kind], *OPTIONAL[kind])]
    return _render(request, "registry_entry.html", {
        "user": user, "nav": "registries", "kind": kind, "kind_label": L.label(L.REGISTRIES, kind),
        "fields": fields, "existing": existing, "message": message, "back": f"/registries?kind={kind}",
    }, status)


@router.get("/registries/entry")
def entry_form(request: Request, kind: str = VEHICLE, key: str = "") -> Response:
    user = _gate(request)
    if isinstance(user, Response):
        return user
    if user.role not in IMPORT_ROLES:
        return error_page(request, 403, f"当前角色（{L.label(L.ROLES, user.role)}）无权登记名录。")
    kind = kind if kind in KINDS else VEHICLE
    stored = container(request).registries.get(kind, key.strip()) if key.strip() else None
    values = {f: _shown(v) for f, v in (stored or {}).items()}
    return _form(request, user, kind, values, existing=stored is not None)


@router.post("/registries/entry")
async def save_entry(request: Request) -> Response:
    user = _poster(request, "/registries/entry")
    if isinstance(user, Response):
        return user
    form = await request.form()
    kind = str(form.get("kind", ""))
    if kind not in KINDS:
        return error_page(request, 400, "请选择名录")
    values = {f: str(form.get(f, "")).strip() for f in (*REQUIRED[kind], *OPTIONAL[kind])}
    if user.role not in IMPORT_ROLES:
        return error_page(request, 403, f"当前角色（{L.label(L.ROLES, user.role)}）无权登记名录。")
    c = container(request)
    try:
        saved = await run_in_threadpool(registry_service.save_entry, c.registries, kind, values[KEYS[kind]], values,
                                        now=c.clock())
    except ZhichaoError as refused:
        details = refused.details if isinstance(refused.details, list) else []
        errors = {str(d.get("field")): str(d.get("message")) for d in details if isinstance(d, dict)}
        return _form(request, user, kind, values, existing=form.get("existing") == "1", errors=errors,
                     message=refused.message, status=status_of(refused))
    return RedirectResponse(V.party_url(kind, saved["entry"][KEYS[kind]]) + "?saved=1", 303)
