"""On-site inspections (domain/inspections.py): each field's check as a table, and KPI 2 worked by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from zhichao.domain.inspections import DESK, HANDHELD, InvalidInspection, check_inspection, handheld_share

NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
SHA = "ab" * 32
GOOD: dict[str, Any] = {"client_id": "0f8e2c1a-77aa-4d1c-9f00-1234567890ab", "channel": HANDHELD, "plate": "浙D12345",
                        "inspected_at": NOW - timedelta(minutes=10), "place": "G104 越城东湖段", "result": "compliant"}


def test_a_good_inspection_is_normalised() -> None:
    found = check_inspection(**{**GOOD, "plate": " 浙 d·12345 ", "place": "  G104 越城东湖段 ", "cargo": " ",
                                "inspected_at": NOW.replace(microsecond=123456), "photos": [SHA, SHA]}, now=NOW)
    assert (found.plate, found.plate_raw, found.place, found.cargo) == (
        "浙D12345", "浙 d·12345", "G104 越城东湖段", None)
    assert found.inspected_at == NOW  # whole seconds: a resend compares equal on every database
    assert found.photos == (SHA,)


@pytest.mark.parametrize(("change", "code"), [
    ({"client_id": "short"}, "invalid_client_id"),
    ({"client_id": "x" * 65}, "invalid_client_id"),
    ({"client_id": "abc_defgh"}, "invalid_client_id"),
    ({"channel": "phone"}, "invalid_channel"),
    ({"plate": ""}, "invalid_plate"),
    ({"plate": "浙D1234"}, "invalid_plate"),
    ({"plate": "无车牌"}, "invalid_plate"),
    ({"result": "fine"}, "invalid_result"),
    ({"place": "   "}, "invalid_place"),
    ({"place": "地" * 129}, "invalid_place"),
    ({"cargo": "砂" * 65}, "invalid_cargo"),
    ({"note": "n" * 1001}, "invalid_note"),
    ({"measured_weight_kg": 0}, "invalid_weight"),
    ({"measured_weight_kg": -5}, "invalid_weight"),
    ({"measured_weight_kg": 200_001}, "invalid_weight"),
    ({"photos": [SHA] * 5}, "too_many_photos"),
    ({"photos": ["AB" * 32]}, "invalid_sha256"),
    ({"signature_sha256": "12"}, "invalid_sha256"),
    ({"lat": 30.0}, "invalid_position"),
    ({"lat": 91.0, "lon": 120.0}, "invalid_position"),
    ({"inspected_at": datetime(2026, 11, 26, 6, 0)}, "invalid_time"),
    ({"inspected_at": NOW + timedelta(minutes=6)}, "inspected_in_future"),
    ({"inspected_at": NOW - timedelta(days=7, seconds=1)}, "inspected_too_long_ago"),
    ({"inspected_at": NOW - timedelta(days=90, seconds=1), "channel": DESK}, "inspected_too_long_ago"),
])
def test_a_bad_field_is_refused_with_its_code(change: dict[str, Any], code: str) -> None:
    with pytest.raises(InvalidInspection) as refused:
        check_inspection(**{**GOOD, **change}, now=NOW)
    assert refused.value.code == code
    assert refused.value.message  # a Chinese sentence for the officer


@pytest.mark.parametrize("change", [
    {"measured_weight_kg": 1}, {"measured_weight_kg": 200_000}, {"inspected_at": NOW + timedelta(minutes=5)},
    {"inspected_at": NOW - timedelta(days=7)}, {"inspected_at": NOW - timedelta(days=60), "channel": DESK},
    {"plate": "皖K1234挂"}, {"plate": "浙D12345D"}, {"lat": 30.0, "lon": 120.5}, {"place": "地" * 128},
    {"client_id": "a" * 8}, {"client_id": "A-" * 32},
])
def test_values_at_the_edges_are_accepted(change: dict[str, Any]) -> None:
    check_inspection(**{**GOOD, **change}, now=NOW)


@pytest.mark.parametrize(("handheld", "desk", "year", "value", "target"), [
    (0, 0, 2020, None, 0.50),  # nothing recorded: no value, not 0 %
    (3, 7, 2019, 0.30, 0.30),
    (1, 1, 2020, 0.50, 0.50),
    (7, 3, 2021, 0.70, 0.70),
    (1, 0, 2026, 1.0, 0.70),  # a later year keeps the latest known target
    (0, 4, 2021, 0.0, 0.70),
    (2, 1, 2018, 2 / 3, None),  # before the plan: no target
])
def test_kpi_2_is_handheld_over_all(handheld: int, desk: int, year: int, value: float | None,
                                    target: float | None) -> None:
    kpi = handheld_share(handheld, desk, year)
    assert (kpi.id, kpi.value, kpi.target, kpi.numerator, kpi.denominator) == (
        "handheld_inspection_share", value, target, handheld, handheld + desk)


def test_every_stored_code_fits_its_column() -> None:
    """inspections.result is String(16) and inspections.channel String(8) (migration 0014)."""
    from zhichao.domain.inspections import CHANNELS, RESULTS

    assert max(len(code) for code in RESULTS) <= 16 and max(len(code) for code in CHANNELS) <= 8
