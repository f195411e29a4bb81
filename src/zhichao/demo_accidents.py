"""Accidents for the demo (事故登记), so the quarterly analysis has accidents of violating vehicles to report.

Five accidents of the last four months, imported through the service as the officer would import the traffic
police's file: two of the repeat offender 浙D12345 (demo_story.py; the second the day after its fourth
overload, found overloaded), one of 浙D55503 (the quarry truck of the source scene), one of 浙D8E521 (turned
back at a highway entrance), and one of a truck with no violation, for contrast. Times are relative to today.

Seeded only into an empty register, so a restarted demo (or a register the user filled) is left alone.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import datetime, time, timedelta

from zhichao import demo_story
from zhichao.bootstrap import Container
from zhichao.domain.accidents import COLUMNS
from zhichao.services.accidents import import_accidents
from zhichao.services.ports import User

# (days ago, local time, plate, place, road, county, severity, deaths, injuries, loss yuan, overloaded, description)
ACCIDENTS = (
    (118, time(6, 50), demo_story.PLATE, "G104 越城东湖段 K1552+300", "G104", "330602", "轻微事故", 0, 0, 4_200, "",
     "雨天制动距离不足，追尾前车"),
    (24, time(10, 15), demo_story.PLATE, "G329 柯桥钱清段 K12+800", "G329", "330603", "一般事故", 0, 2, 26_000, "是",
     "重型半挂车转弯侧翻，货物散落占道，认定车辆超载"),
    (2, time(17, 30), "浙D55503", "柯桥区钱清街道钱杨线与G329交叉口", "G329", "330603", "一般事故", 0, 1, 9_800, "是",
     "满载石料右转时与电动自行车碰撞"),
    (41, time(3, 20), "浙D8E521", "G60 杭绍台高速绍兴段 K112+500", "G60", "330604", "重大事故", 1, 2, 48_000, "",
     "夜间追尾，后车驾驶人死亡"),
    (15, time(14, 5), "浙D20206", "诸暨市枫桥镇S308与枫溪路交叉口", "S308", "330681", "轻微事故", 0, 0, 1_500, "否",
     "倒车刮擦路边护栏"),
)


def register_file(now: datetime, c: Container) -> str:
    """The demo's accidents as the traffic police's CSV file, dated back from ``now``."""
    today = now.astimezone(c.accidents.tz).date()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for n, (days, at, plate, place, road, county, severity, deaths, injuries, loss, overloaded,
            description) in enumerate(ACCIDENTS, start=1):
        day = today - timedelta(days=days)
        writer.writerow([f"DEMO-{day:%Y}-{n:05d}", f"{day} {at:%H:%M}", plate, place, road, county, severity,
                         deaths, injuries, loss, overloaded, description])
    return out.getvalue()


def seed(c: Container, users: Mapping[str, User]) -> str:
    """Import the demo's accidents into an empty register; the line to print (empty when nothing was done)."""
    if c.accidents.repo.count() or "officer" not in users:
        return ""
    now = c.clock()
    result = import_accidents(c.accidents, users["officer"], register_file(now, c), now=now, origin="demo")
    return f"  事故登记示例：导入 {result['inserted']} 起事故，其中 {demo_story.PLATE} 2 起（“名录 → 事故登记”）"
