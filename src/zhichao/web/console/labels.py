"""How stored values are shown to people: Chinese labels for codes, and number and time formats.

Codes are stored (``enabled``, ``330602``, ``yellow``); the words people read are applied here, at the
edge, and nowhere else. An unknown code is shown as itself, so a new code never breaks a page. The
console's JavaScript receives these same tables (``js_labels``) rather than keeping its own copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from zhichao.domain.accidents import LABELS as ACCIDENT_LABELS
from zhichao.domain.accidents import SEVERITY_LABELS
from zhichao.domain.case_dates import DUE_LABELS
from zhichao.domain.cases import STATE_LABELS
from zhichao.domain.documents import KIND_TITLES
from zhichao.domain.errors import ZhichaoError
from zhichao.domain.parties import FIELD_LABELS, PARTY_ROLES
from zhichao.domain.registries import KIND_LABELS
from zhichao.domain.registries import LABELS as REGISTRY_LABELS
from zhichao.domain.rulesets import RULE_SETS, get_rule_set
from zhichao.domain.sanctions import PARTY_LABELS

ROLES: Mapping[str, str] = {
    "reviewer": "审核员", "officer": "执法员", "legal": "法制审核", "leader": "领导",
    "admin": "管理员", "partner": "合作系统",
}  # fmt: skip
STATION_STATES: Mapping[str, str] = {"enabled": "启用", "repair": "维修", "stopped": "停用"}
HEALTH: Mapping[str, str] = {"up": "在线", "late": "延迟", "down": "离线"}
VEHICLE_TYPES: Mapping[str, str] = {
    "rigid_truck": "载货汽车", "centre_axle_train": "中置轴挂车列车", "articulated_train": "铰接列车",
    "full_trailer_train": "全挂汽车列车", "other": "其他",
}  # fmt: skip
PLATE_COLOURS: Mapping[str, str] = {
    "blue": "蓝", "yellow": "黄", "black": "黑", "white": "白", "green": "绿", "yellow_green": "黄绿",
    "unknown": "未知",
}  # fmt: skip
# GB/T 2260 codes of Shaoxing's districts, county-level cities and county.
COUNTIES: Mapping[str, str] = {
    "330602": "越城区", "330603": "柯桥区", "330604": "上虞区", "330624": "新昌县", "330681": "诸暨市",
    "330683": "嵊州市",
}  # fmt: skip
SIZE_VIOLATIONS: Mapping[str, str] = {"height": "超高", "width": "超宽", "length": "超长"}
CERT_STATES: Mapping[str, str] = {
    "valid": "有效", "expiring": "即将到期", "expired": "已过期", "not_yet_valid": "未生效",
    "missing": "无证书",
}  # fmt: skip

# The review workbench (审核): states of a review item, actions, and the queue's filters.
REVIEW_STATES: Mapping[str, str] = {
    "pending_first": "待初审", "pending_second": "待复审", "approved": "已通过", "rejected": "已作废",
}  # fmt: skip
REVIEW_ACTIONS: Mapping[str, str] = {"approve": "通过", "reject": "作废", "send_back": "退回初审"}
REVIEW_FILTERS: Mapping[str, str] = {"open": "全部待审", "pending_first": "待初审", "pending_second": "待复审"}
# Queue filter on the overload band (``band`` = rate // 10 %): the label says the rate it starts at.
REVIEW_BANDS: Mapping[int, str] = {2: "超限 ≥ 20%", 3: "超限 ≥ 30%", 5: "超限 ≥ 50%", 10: "超限 ≥ 100%"}
AXLE_GROUPS: Mapping[int, str] = {1: "单轴", 2: "双联轴", 3: "三联轴"}

# The case workflow (案件). States, deadlines, party roles and document titles are printed on the documents,
# so the domain names them; the console reuses those words. The actions people take are named here: every
# action of ``domain.cases.ACTIONS`` (a unit test checks), plus the trail's entries that are not moves.
CASE_STATES: Mapping[str, str] = STATE_LABELS
DUE_KINDS: Mapping[str, str] = DUE_LABELS
PARTIES: Mapping[str, str] = PARTY_ROLES
DOCUMENT_KINDS: Mapping[str, str] = KIND_TITLES
# Who acted, in the case's trail: the users' roles, the owner (self-service page) and the system (timers).
EVENT_ROLES: Mapping[str, str] = {**ROLES, "owner": "当事人", "system": "系统"}
PARTY_FIELDS: Mapping[str, str] = FIELD_LABELS

# Device health (设备运行): the board, a station's page, repair tickets. Codes from services/device_views.py.
STATION_KINDS: Mapping[str, str] = {"site": "治超检测点", "highway": "高速入口称重", "source": "源头企业"}
# What the board colours a station by: its health while enabled, else its state (维修, 停用).
CONDITIONS: Mapping[str, str] = {**HEALTH, "repair": "维修", "stopped": "停用"}
HEALTH_REASONS: Mapping[str, str] = {
    "never_seen": "从未上线", "silent": "长时间无数据", "heartbeat_late": "心跳超时", "no_data": "无过车数据",
}  # fmt: skip
QUALITY: Mapping[str, str] = {"ok": "正常", "warn": "预警", "alarm": "告警"}
FINDINGS: Mapping[str, str] = {
    "calibration_drift": "计量漂移", "peak_shift": "轴重峰值偏移", "paired_difference": "相邻站比对差异",
    "read_rate_low": "车牌识别率低", "lane_silent": "车道无数据", "volume_low": "流量偏低",
}  # fmt: skip
# The read models say ``not_yet`` where the station registry says ``not_yet_valid``.
DEVICE_CERT_STATES: Mapping[str, str] = {**CERT_STATES, "not_yet": "未生效"}
TICKET_STATES: Mapping[str, str] = {"open": "待处理", "assigned": "已派单", "closed": "已关闭"}
CHECK_RESULTS: Mapping[str, str] = {"passed": "合格", "adjusted": "已调整"}
STATION_EVENTS: Mapping[str, str] = {
    "health": "在线状态", "quality": "数据质量", "suspension": "暂停执法", "check": "检定核查",
    "certificate": "检定证书", "ticket": "报修", "state": "站点状态",
}  # fmt: skip
EVENT_STATES: Mapping[str, str] = {
    **CONDITIONS, **QUALITY, **TICKET_STATES, **CHECK_RESULTS, "enabled": "启用", "suspended": "暂停执法",
    "lifted": "恢复执法",
}  # fmt: skip

# Joint punishment (一超四罚): the registries, their columns, the parties sanctions name (rules and states are
# labelled by services/sanctions.view, which the API shares).
REGISTRIES: Mapping[str, str] = KIND_LABELS
REGISTRY_COLUMNS: Mapping[str, str] = REGISTRY_LABELS
SANCTION_PARTIES: Mapping[str, str] = PARTY_LABELS
YES_NO: Mapping[bool, str] = {True: "是", False: "否"}
# The accident register (事故登记): severities and the import file's columns.
ACCIDENT_SEVERITIES: Mapping[str, str] = SEVERITY_LABELS
ACCIDENT_COLUMNS: Mapping[str, str] = ACCIDENT_LABELS

UNREAD_PLATE = "未识别"
NO_COUNTY = "未填区县"
NOTHING = "—"
VERDICT_NORMAL = "正常"
VERDICT_OVERLOADED = "超限"
VERDICT_ACTIONABLE = "超限 可处罚"


def label(labels: Mapping[str, str], code: str | None, missing: str = NOTHING) -> str:
    if code is None or code == "":
        return missing
    return labels.get(code, code)


def warning_label(rule_set_id: str) -> str:
    """The badge of an overload inside the rule set's no-penalty band (ZJ-2020: ≤ 20 %, 批评教育)."""
    try:
        rules = get_rule_set(rule_set_id)
    except ZhichaoError:
        return f"{VERDICT_OVERLOADED}（批评教育）"
    if rules.no_penalty_rate_pct > 0:
        return f"{VERDICT_OVERLOADED}（≤{rules.no_penalty_rate_pct}% 批评教育）"
    # MOT-2016 Art. 43: up to 1 000 kg over the limit is answered with a warning (警告), not a fine.
    return f"{VERDICT_OVERLOADED}（≤{tonnes_short(rules.no_penalty_kg)} 吨 警告）"


def verdict_kind(verdict: Mapping[str, Any]) -> str:
    """``normal``, ``warning`` (inside the no-penalty band), ``actionable``, or ``overloaded`` otherwise."""
    if not verdict["overloaded"]:
        return "normal"
    if verdict["actionable"]:
        return "actionable"
    return "warning" if verdict["warning_only"] else "overloaded"


def verdict_label(verdict: Mapping[str, Any]) -> str:
    kind = verdict_kind(verdict)
    if kind == "warning":
        return warning_label(str(verdict["rule_set"]))
    return {"normal": VERDICT_NORMAL, "actionable": VERDICT_ACTIONABLE}.get(kind, VERDICT_OVERLOADED)


def tonnes(kg: int) -> str:
    """Kilograms as tonnes with 2 decimals, rounded half-up on integers (60 325 kg → ``60.33``)."""
    tens = (kg + 5) // 10
    return f"{tens // 100}.{tens % 100:02d}"


def tonnes_short(kg: int) -> str:
    """Tonnes without trailing zeros, for limits (49 000 kg → ``49``, 42 500 kg → ``42.5``)."""
    return tonnes(kg).rstrip("0").rstrip(".")


def percent(rate_pct: float) -> str:
    return f"{rate_pct:.2f}%"


def speed(kmh: float) -> str:
    """km/h with one decimal, half-up on the decimal text (as the live script rounds: 62.25 → 62.3)."""
    return str(Decimal(repr(float(kmh))).quantize(Decimal("0.1"), ROUND_HALF_UP))


def short_time(at: datetime, tz: tzinfo) -> str:
    """``11-26 14:03:27`` in the display time zone (the year is implied on a live screen)."""
    return at.astimezone(tz).strftime("%m-%d %H:%M:%S")


def full_time(at: datetime, tz: tzinfo) -> str:
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def js_labels() -> dict[str, Any]:
    """The tables the live-update script needs to render a row exactly as the server does."""
    return {
        "plateColours": dict(PLATE_COLOURS), "vehicleTypes": dict(VEHICLE_TYPES),
        "sizeViolations": dict(SIZE_VIOLATIONS), "unreadPlate": UNREAD_PLATE,
        "verdict": {"normal": VERDICT_NORMAL, "overloaded": VERDICT_OVERLOADED,
                    "actionable": VERDICT_ACTIONABLE,
                    "warning": {rule_id: warning_label(rule_id) for rule_id in RULE_SETS}},
    }  # fmt: skip
