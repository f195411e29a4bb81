"""Evasion findings in the console (逃避检测): cloned and covered plates, detours (a watch list), straddling
and crawling, by kind and period, each with what a person needs to judge it and links to the vehicle's page
and its trajectory. Reads only; the sweep runs in the background and on demand over the API."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from zhichao.domain.errors import ZhichaoError
from zhichao.domain.evasion_detectors import CLONED, COVERED, DETOUR, KINDS
from zhichao.domain.sanctions import VEHICLE
from zhichao.services import evasion
from zhichao.web.console import labels as L
from zhichao.web.console.gate_pages import _period
from zhichao.web.console.pages import _gate, _render, error_page
from zhichao.web.console.party_view import party_url
from zhichao.web.deps import container
from zhichao.web.errors import status_of

router = APIRouter(include_in_schema=False)
LIST_LIMIT = 500
DAYS = 7


def _at(text: str) -> str:
    return text[5:16].replace("T", " ")  # "11-25 09:00"


def _summary(f: Mapping[str, Any], names: Mapping[str, str]) -> str:
    """What a person needs to judge the finding, in one line."""
    d = f["details"]

    def name(station_id: str) -> str:
        return names.get(station_id, station_id)

    if f["kind"] == CLONED:
        a, b = d["passages"]
        hop = (f"{name(a['station_id'])} {_at(a['captured_at'])} → {name(b['station_id'])} {_at(b['captured_at'])}")
        if d["reason"] == "too_fast":
            return f"{f['reason_label']}：{hop}，相距 {d['km']} km、{d['minutes']} 分钟（需 {d['kmh']} km/h）"
        return (f"{f['reason_label']}：{hop}，{a['axle_count']} 轴 / {b['axle_count']} 轴，"
                f"{L.label(L.PLATE_COLOURS, a['plate_color'])} / {L.label(L.PLATE_COLOURS, b['plate_color'])}")
    if f["kind"] == COVERED:
        c = d["candidate"]
        return (f"本站未识别号牌；{name(c['station_id'])} {_at(c['captured_at'])} 识别为该车牌，相距 {d['km']} km，"
                f"各轴重最大相差 {d['worst_axle_pct']}%，总质量 {d['gross_weight_kg'] / 1000:.2f} t")
    if f["kind"] == DETOUR:
        around = "、".join(f"{name(s['station_id'])} {s['days']} 天" for s in d["by_station"])
        return (f"{d['from']} 至 {d['to']} 有 {d['days']} 天出现在周边 {d['radius_km']:g} km 内（{around}），"
                "从未经过本站")
    over = "，超限" if d.get("overloaded") else ""
    return (f"{f['reason_label']}：车速 {d['speed_kmh']:g} km/h，{d['lane']} 车道，"
            f"总质量 {d['gross_weight_kg'] / 1000:.2f} t{over}")


@router.get("/evasion")
def evasion_page(request: Request, start: str = "", end: str = "", kind: str = "") -> Response:
    user = _gate(request)
    if isinstance(user, Response):
        return user
    first, last, names = _period(request, start, end, lambda last: last - timedelta(days=DAYS - 1))
    ctx = container(request).evasion
    try:
        found = evasion.finding_list(ctx, first, last, kind or None, limit=LIST_LIMIT)
        counts = Counter(f["kind"] for f in evasion.finding_list(ctx, first, last, limit=5000))
    except ZhichaoError as refused:
        return error_page(request, status_of(refused), refused.message)
    rows = [{"at": _at(f["first_at"]), "kind": f["kind"], "label": f["kind_label"], "plate": f["plate"] or "未识别",
             "href": party_url(VEHICLE, f["plate"]) if f["plate"] else "",
             "trajectory": f"/command/trajectory?plate={quote(f['plate'])}" if f["plate"] else "",
             "station": names.get(f["station_id"], f["station_id"]), "summary": _summary(f, names)}
            for f in found]
    return _render(request, "evasion.html", {
        "user": user, "nav": "command", "start": first.isoformat(), "end": last.isoformat(), "kind": kind,
        "kinds": [{"code": k, "label": evasion.KIND_LABELS[k], "count": counts[k]} for k in KINDS],
        "rows": rows, "limit": LIST_LIMIT, "total": sum(counts.values()),
    })
