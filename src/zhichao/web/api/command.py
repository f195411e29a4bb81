"""The command centre over the API: a plate's trajectory and the big screen's summary (指挥中心)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from zhichao.services import command, trajectories
from zhichao.services.auth import READ_ROLES
from zhichao.web.deps import container, user_with_role

router = APIRouter(prefix="/api/v1", tags=["command centre (指挥中心)"])


@router.get("/vehicles/{plate}/trajectory", summary="车辆轨迹：期间内各站过车（新的在前）、行驶方向、预计下一站")
def vehicle_trajectory(plate: str, request: Request, from_: Annotated[date | None, Query(alias="from")] = None,
                       to: date | None = None) -> dict[str, Any]:
    user_with_role(request, READ_ROLES)
    c = container(request)
    return trajectories.trajectory(c.command.trajectories, plate, from_, to, c.clock())


@router.get("/command/summary", summary="大屏汇总：今日与昨日同期、超限率最高站点、站点状态、在岗人员、告警")
def command_summary(request: Request) -> dict[str, Any]:
    user_with_role(request, READ_ROLES)
    c = container(request)
    return command.summary(c.command, c.clock())
