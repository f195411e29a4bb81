"""The command centre's pages (指挥中心): a plate's trajectory (车辆轨迹) and the big screen (大屏).

The trajectory page works without JavaScript (a GET form). The big screen is drawn complete on the server,
then ``static/command.js`` keeps it live: the summary from ``/api/v1/command/summary`` every 20 seconds, the
alerts from ``/api/v1/alerts`` and their stream (server-sent events). Everyone who may read the console may
view both.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from zhichao.domain.errors import ZhichaoError
from zhichao.services import command, trajectories
from zhichao.services.errors import InvalidInput
from zhichao.web.console import command_view as V
from zhichao.web.console import labels as L
from zhichao.web.console.pages import _gate, _render
from zhichao.web.deps import container
from zhichao.web.errors import status_of

router = APIRouter(include_in_schema=False)
REFRESH_S = 20  # the screen's summary refresh (command.js reads it from the page)
MAX_ALERTS = 50  # alerts kept on the screen


def _day(text: str, what: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        raise InvalidInput("invalid_date", f"{what}格式不正确：{text}") from None


@router.get("/command/trajectory")
def trajectory_page(request: Request, plate: str = "", start: str = "", end: str = "") -> Response:
    user = _gate(request)
    if isinstance(user, Response):
        return user
    c = container(request)
    context: dict[str, Any] = {"user": user, "nav": "command", "plate": plate, "start": start, "end": end,
                               "t": None, "message": None}
    if not plate.strip():
        return _render(request, "trajectory.html", context)
    try:
        t = trajectories.trajectory(c.command.trajectories, plate, _day(start, "开始日期"), _day(end, "结束日期"),
                                    c.clock())
    except ZhichaoError as refused:
        return _render(request, "trajectory.html", {**context, "message": refused.message}, status_of(refused))
    stations = [{"station_id": s.station_id, "name": s.name, "lat": s.lat, "lon": s.lon, "county_code": s.county_code}
                for s in c.stations.all()]
    heading, ahead = V.heading_words(t)
    return _render(request, "trajectory.html", {
        **context, "t": t, "plate": t["plate"], "start": t["from"], "end": t["to"],
        "rows": [V.passage_row(p) for p in t["passages"]], "map": V.trajectory_map(stations, t), "stops": V.stops(t),
        "heading": heading, "ahead": ahead, "limit": trajectories.MAX_PASSAGES,
    })  # fmt: skip


@router.get("/command")
def screen_page(request: Request) -> Response:
    user = _gate(request)
    if isinstance(user, Response):
        return user
    c = container(request)
    s = command.summary(c.command, c.clock())
    return _render(request, "command.html", {
        "user": user, "nav": "command", "s": s, "map": V.screen_map(s["stations"]), "counts": V.counts(s),
        "top": V.top_rows(s), "tally": V.station_tally(s), "duty": V.duty_rows(s), "refresh_s": REFRESH_S,
        "max_alerts": MAX_ALERTS, "top_min": command.TOP_MIN_TRUCKS, "alert_states": V.alert_states(s),
        "counties_json": json.dumps(L.COUNTIES, ensure_ascii=False),
        "conditions_json": json.dumps(L.CONDITIONS, ensure_ascii=False), "at": s["at"][11:19],
        "until": "24:00" if s["until"][11:16] == "00:00" else s["until"][11:16], "tz": c.settings.display_timezone,
    })  # fmt: skip
