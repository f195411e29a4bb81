"""Builds a document's ``DocumentContext`` from plain rows: the case, its record, the station, its parties.

The rows are mappings with the column names of ``cases``, ``records``, ``stations`` and ``case_parties``
(adapters/db/tables.py); the photos come as ``(kind, bytes, content type)``. Codes become the words a
document prints here (车辆所有人, 黄, 铰接列车, 柯桥区). The dates a document tells its reader come in
``Deadlines``, computed by the caller with ``domain/deadlines.py``; the late fee of a reminder is computed
here, as of the reminder's date. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, tzinfo
from types import MappingProxyType
from typing import Any

from zhichao.domain import deadlines as periods
from zhichao.domain.documents import (
    DECISION,
    EDUCATION,
    KIND_TITLES,
    NOTICE,
    PRE_DECISION,
    REMINDER,
    TRANSFER_LETTER,
    Deadlines,
    DocumentContext,
    InvalidDocumentData,
    Issuer,
    LateFee,
    Party,
    Photo,
    Site,
    Transfer,
    VehicleFacts,
    Weighing,
    check_kind,
    cn_date,
)
from zhichao.domain.evidence import JPEG, KIND_LABELS, PNG
from zhichao.domain.legal_articles import articles_for
from zhichao.domain.parties import PARTY_ROLES  # the four liable parties, in the order documents list them

PLATE_COLOURS: Mapping[str, str] = MappingProxyType({
    "blue": "蓝", "yellow": "黄", "black": "黑", "white": "白", "green": "绿", "yellow_green": "黄绿",
})  # fmt: skip
VEHICLE_TYPES: Mapping[str, str] = MappingProxyType({
    "rigid_truck": "载货汽车", "centre_axle_train": "中置轴挂车列车", "articulated_train": "铰接列车",
    "full_trailer_train": "全挂汽车列车",
})  # fmt: skip
COUNTIES: Mapping[str, str] = MappingProxyType({
    "330602": "越城区", "330603": "柯桥区", "330604": "上虞区", "330624": "新昌县", "330681": "诸暨市",
    "330683": "嵊州市",
})  # fmt: skip
# What each kind must tell its reader; without it the document would print an empty date.
REQUIRED_DEADLINES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {NOTICE: ("report_due",), PRE_DECISION: ("statement_due",), REMINDER: ("payment_due",)}
)
NEEDS_DECISION_NUMBER = frozenset({REMINDER, TRANSFER_LETTER})
NO_DEADLINES = Deadlines()


def _text(value: object) -> str:
    return "" if value is None else str(value)


def local_time(moment: datetime, tz: tzinfo) -> str:
    """2026年11月26日13时30分00秒, in ``tz``. ``moment`` must be aware (the database gives UTC datetimes)."""
    if moment.tzinfo is None:
        raise InvalidDocumentData("采集时间缺少时区")
    local = moment.astimezone(tz)
    return f"{cn_date(local.date())}{local:%H时%M分%S秒}"


def parties_of(rows: Sequence[Mapping[str, Any]]) -> tuple[Party, ...]:
    """``case_parties`` rows as printed, in the order owner, driver, enterprise, source."""
    for row in rows:
        if row.get("role") not in PARTY_ROLES:
            raise InvalidDocumentData(f"未知的当事人类别：{row.get('role')}")
    order = list(PARTY_ROLES)
    return tuple(
        Party(row["role"], PARTY_ROLES[row["role"]], _text(row.get("name")), _text(row.get("id_number")),
              _text(row.get("address")), _text(row.get("phone")), _text(row.get("licence")))
        for row in sorted(rows, key=lambda row: order.index(row["role"]))
    )  # fmt: skip


def photo(kind: str, data: bytes, content_type: str) -> Photo:
    """An evidence photo with its printed caption (车牌照片 …); only JPEG and PNG can be printed."""
    if content_type not in (JPEG, PNG):
        raise InvalidDocumentData(f"照片格式 {content_type} 不能印入文书，只能是 JPEG 或 PNG")
    return Photo(KIND_LABELS.get(kind, kind), data, content_type)


def _vehicle(record: Mapping[str, Any]) -> VehicleFacts:
    return VehicleFacts(
        plate=str(record["plate"]),
        plate_colour=PLATE_COLOURS.get(_text(record.get("plate_color")), ""),
        vehicle_type=VEHICLE_TYPES.get(_text(record.get("vehicle_type")), ""),
        axle_count=int(record["axle_count"]),
        axle_groups=_text(record.get("axle_groups")),
    )


def _site(station: Mapping[str, Any]) -> Site:
    valid_to = station.get("cert_valid_to")
    return Site(
        station_name=_text(station.get("name")),
        road=_text(station.get("road")),
        stake=_text(station.get("stake")),
        county=COUNTIES.get(_text(station.get("county_code")), ""),
        direction=_text(station.get("direction")),
        cert_number=_text(station.get("cert_number")),
        cert_valid_to=valid_to if isinstance(valid_to, date) else None,
    )


def _weighing(record: Mapping[str, Any], tz: tzinfo) -> Weighing:
    rate = int(record["overload_rate_x100"])
    return Weighing(
        captured_at=local_time(record["captured_at"], tz),
        gross_kg=int(record["gross_weight_kg"]),
        axle_weights_kg=tuple(int(kg) for kg in record["axle_weights_kg"]),
        limit_kg=int(record["limit_kg"]),
        limit_basis=_text(record.get("limit_basis")),
        limit_inferred=bool(record.get("limit_inferred")),
        overload_kg=int(record["overload_kg"]),
        overload_rate=f"{rate // 100}.{rate % 100:02d}",
        rule_set=_text(record.get("rule_set")),
    )


def _transfer(values: Mapping[str, Any], case: Mapping[str, Any], decision_number: str, fine: int) -> Transfer:
    decided_on, paid_on = case.get("decided_on"), case.get("paid_on")
    decided = f"{cn_date(decided_on)}作出" if isinstance(decided_on, date) else "作出"
    paid = f"已于{cn_date(paid_on)}缴纳" if isinstance(paid_on, date) else "尚未缴纳"
    return Transfer(
        region=_text(values.get("region")),
        authority=_text(values.get("authority")),
        long_triangle=bool(values.get("long_triangle")),
        transport_certificate=_text(values.get("transport_certificate")),
        decision=f"{decided}《行政处罚决定书》（{decision_number}），罚款人民币{fine}元，{paid}。",
    )


def _check(kind: str, deadlines: Deadlines, decision_number: str, transfer: Mapping[str, Any] | None) -> None:
    missing = [name for name in REQUIRED_DEADLINES.get(kind, ()) if getattr(deadlines, name) is None]
    if missing:
        raise InvalidDocumentData(f"{KIND_TITLES[kind]}缺少期限：{'、'.join(missing)}")
    if kind in NEEDS_DECISION_NUMBER and not decision_number:
        raise InvalidDocumentData(f"{KIND_TITLES[kind]}须写明行政处罚决定书的文号")
    if kind == TRANSFER_LETTER and not (transfer and transfer.get("region") and transfer.get("authority")):
        raise InvalidDocumentData("抄告函须写明车籍所在地及接收的交通运输主管部门")


def document_context(
    kind: str,
    *,
    number: str,
    issued_on: date,
    issuer: Issuer,
    case: Mapping[str, Any],
    record: Mapping[str, Any],
    station: Mapping[str, Any],
    parties: Sequence[Mapping[str, Any]],
    explanation: Sequence[str],
    tz: tzinfo,
    photos: Sequence[Photo] = (),
    deadlines: Deadlines = NO_DEADLINES,
    hearing: bool = False,
    decision_number: str = "",
    transfer: Mapping[str, Any] | None = None,
) -> DocumentContext:
    """The context of document ``kind`` numbered ``number`` and dated ``issued_on``.

    ``explanation`` is ``explain_verdict``'s lines for the record; ``hearing`` says whether the party may ask
    for a hearing (行政处罚法 Art. 63, large fines: the caller decides); ``decision_number`` is the
    decision's number, which a reminder and a transfer letter cite; ``transfer`` holds ``region``,
    ``authority``, ``long_triangle`` and ``transport_certificate`` (the vehicle's 道路运输证 number).
    An education document (no penalty) prints a fine of 0 whatever the record's verdict computed.
    Raises ``InvalidDocumentData`` when something the kind must print is missing.
    """
    check_kind(kind)
    _check(kind, deadlines, decision_number, transfer)
    fine = 0 if kind == EDUCATION else int(case["fine_yuan"])
    late_fee = None
    if kind == REMINDER and deadlines.payment_due is not None:
        due = deadlines.payment_due
        late_fee = LateFee(fine, due, issued_on, max(0, (issued_on - due).days), periods.late_fee(fine, due, issued_on))
    decided_on = case.get("decided_on")
    return DocumentContext(
        kind=kind,
        title=KIND_TITLES[kind],
        authority_name=issuer.authority_name,
        number=number,
        issued_on=issued_on,
        case_id=int(case["id"]),
        # The notice code opens the case on the owner's self-service page: printed only for the parties.
        notice_code="" if kind == TRANSFER_LETTER else _text(case.get("notice_code")),
        owner_portal_url=issuer.owner_portal_url,
        vehicle=_vehicle(record),
        site=_site(station),
        weighing=_weighing(record, tz),
        fine_yuan=fine,
        explanation=tuple(explanation),
        articles=articles_for(kind, _text(record.get("rule_set")), hearing=hearing),
        parties=parties_of(parties),
        deadlines=deadlines,
        payment_instructions=issuer.payment_instructions if kind in (DECISION, REMINDER) else "",
        photos=tuple(photos),
        hearing=hearing,
        decision_number=decision_number,
        decided_on=decided_on if isinstance(decided_on, date) else None,
        late_fee=late_fee,
        transfer=_transfer(transfer, case, decision_number, fine) if kind == TRANSFER_LETTER and transfer else None,
    )
