"""Verification certificates (检定证书) and calibration checks, and the certificate reminders.

A new certificate or a check after a drift alarm is what a station's enforcement use waits for: either
lifts the suspension and restarts the drift baseline from its date (the scale was verified, or checked
and adjusted, so its old baseline no longer describes it). Records captured while the certificate was
not valid are never evidence (screening's ``certificate_invalid``).
"""

from __future__ import annotations

from datetime import date, datetime

from zhichao.domain.device_health import JUDGED_STATES, certificate_reminder
from zhichao.domain.drift import mpe_pct
from zhichao.domain.outbox import DINGTALK
from zhichao.services.device_health import DeviceContext
from zhichao.services.errors import InvalidInput, NotFound
from zhichao.services.ports import Notice, Station, StationChange

CHECK_RESULTS = {"passed": "核查合格", "adjusted": "已调整"}
REMINDER_TEXT = {"30": "30 天内到期", "7": "7 天内到期", "expired": "已过期"}


def _station(ctx: DeviceContext, station_id: str) -> Station:
    station = ctx.stations.get(station_id)
    if station is None:
        raise NotFound("station_not_found", f"站点 {station_id} 不存在")
    return station


def _field(value: str, name: str, label: str, limit: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(f"{name}_required", f"请填写{label}", {"field": name})
    if len(text) > limit:
        raise InvalidInput(f"{name}_too_long", f"{label}不能超过 {limit} 个字符", {"field": name, "max": limit})
    return text


def _reset(now: datetime, since: date) -> dict[str, object]:
    return {"baseline_from": since, "suspended_since": None, "quality": None, "quality_since": now}


def record_certificate(ctx: DeviceContext, station_id: str, number: str, body: str, accuracy_class: str,
                       valid_from: date, valid_to: date, actor: str, now: datetime) -> None:
    station = _station(ctx, station_id)
    number = _field(number, "number", "证书编号", 64)
    body = _field(body, "body", "检定机构", 128, required=False)
    accuracy = _field(accuracy_class, "accuracy_class", "准确度等级", 8, required=False)
    if accuracy and mpe_pct(accuracy) is None:
        raise InvalidInput("invalid_accuracy_class", "准确度等级应为 JJG 907 的 0.2、0.5、1、2、5 或 10 级",
                           {"field": "accuracy_class"})
    if valid_to < valid_from:
        raise InvalidInput("invalid_validity", "有效期截止日不能早于起始日", {"field": "valid_to"})
    if valid_from > now.astimezone(ctx.tz).date():
        raise InvalidInput("date_in_future", "检定日期（有效期起始日）不能晚于今天", {"field": "valid_from"})
    values = {"station_id": station_id, "number": number, "body": body or None, "accuracy_class": accuracy or None,
              "valid_from": valid_from, "valid_to": valid_to, "recorded_at": now, "recorded_by": actor}
    station_values: dict[str, object] = {"cert_number": number, "cert_body": body or None,
                                         "cert_valid_from": valid_from, "cert_valid_to": valid_to,
                                         **_reset(now, valid_from)}
    if accuracy:
        station_values["accuracy_class"] = accuracy
    change = StationChange("certificate", f"登记检定证书 {number}，有效期 {valid_from} 至 {valid_to}；漂移基线自 "
                           f"{valid_from} 起重新建立" + ("，解除暂停执法" if station.suspended_since else ""),
                           station.cert_number, number, "certificate_recorded", actor)
    ctx.repo.record_certificate(values, station_values, now, change)


def record_check(ctx: DeviceContext, station_id: str, on: date, result: str, note: str, actor: str,
                 now: datetime) -> None:
    """A calibration check on the scale (test-truck run, adjustment): lifts a suspension, restarts the baseline."""
    station = _station(ctx, station_id)
    if result not in CHECK_RESULTS:
        raise InvalidInput("invalid_check_result", "核查结果应为“核查合格”或“已调整”", {"field": "result"})
    if on > now.astimezone(ctx.tz).date():
        raise InvalidInput("date_in_future", "核查日期不能晚于今天", {"field": "on"})
    text = _field(note, "note", "核查说明", 2000, required=False)
    change = StationChange("check", f"标定核查（{CHECK_RESULTS[result]}，{on}）" + (f"：{text}" if text else "")
                           + ("；解除暂停执法" if station.suspended_since else "") + f"；漂移基线自 {on} 起重新建立",
                           station.quality, None, f"check_{result}", actor, {"on": on.isoformat(), "note": text})
    ctx.repo.reset_quality(station_id, _reset(now, on), now, change)


def remind_certificates(ctx: DeviceContext, now: datetime) -> int:
    """Queue the 30-day, 7-day and expiry reminders of every enabled station's certificate, each once."""
    today = now.astimezone(ctx.tz).date()
    queued = 0
    for s in ctx.stations.all():
        which = certificate_reminder(s.cert_valid_to, today) if s.state in JUDGED_STATES else None
        if which is None:
            continue
        subject = f"【检定证书{REMINDER_TEXT[which]}】{s.name}"
        body = (f"### 检定证书{REMINDER_TEXT[which]}：{s.name}（{s.station_id}）\n\n"
                f"- 证书编号：{s.cert_number or '未登记'}\n- 有效期至：{s.cert_valid_to}\n"
                "- 过期后该站点的过车记录不能作为执法证据，请安排检定。\n\n"
                f"{ctx.console_url}/console/stations/{s.station_id}")
        key = f"certificate:{s.station_id}:{s.cert_number or '-'}:{s.cert_valid_to}:{which}"
        queued += ctx.repo.enqueue(Notice(DINGTALK, ctx.recipient, subject, body,
                                          {"station_id": s.station_id, "reminder": which}), key[:128], now)
    return queued
