"""Record-only screening rules and `screen` (LEGAL.md §3, §6). Thresholds are ScreeningPolicy's
defaults unless a row says otherwise; each is written in a comment where a row sits on its edge."""

from dataclasses import replace
from datetime import date

import pytest

from tests.unit.screening_cases import CLEAN, passage
from zhichao.domain import screening_context
from zhichao.domain.screening import (
    BLOCKING_CODES,
    FLAG_LABELS,
    Device,
    Flag,
    ScreeningPolicy,
    certificate,
    controller_flags,
    flag_label,
    permit,
    plate,
    screen,
    speed,
    weights,
)

DEVICE = Device(date(2025, 6, 1), date(2026, 5, 31), 5.0, 100.0)
POLICY = ScreeningPolicy()




def codes(flags):
    return tuple((f.code, f.blocking) for f in flags)


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "flagged"),
    [
        # Both bounds inclusive (浙江省公路条例 Art. 40: valid on the capture date); capture on 2026-03-02.
        pytest.param(date(2026, 3, 2), date(2027, 3, 1), False, id="valid on its first day"),
        pytest.param(date(2025, 3, 3), date(2026, 3, 2), False, id="valid on its last day"),
        pytest.param(date(2026, 3, 3), date(2027, 3, 2), True, id="the day before its first day is invalid"),
        pytest.param(date(2025, 3, 2), date(2026, 3, 1), True, id="the day after its last day is invalid"),
        pytest.param(None, None, True, id="a device without certificate is invalid"),
        pytest.param(date(2025, 3, 3), None, True, id="a certificate without expiry counts as missing"),
        pytest.param(None, date(2027, 3, 1), True, id="a certificate without start counts as missing"),
    ],
)
def test_certificate_must_be_valid_on_the_capture_date(valid_from, valid_to, flagged):
    flag = certificate(CLEAN, replace(DEVICE, cert_valid_from=valid_from, cert_valid_to=valid_to))
    assert (flag is not None) == flagged
    if flagged:
        assert (flag.code, flag.blocking) == ("certificate_invalid", True)


def test_an_expired_certificate_says_both_dates_and_the_capture_date():
    flag = certificate(CLEAN, replace(DEVICE, cert_valid_from=date(2025, 1, 1), cert_valid_to=date(2025, 12, 31)))
    assert flag == Flag(
        "certificate_invalid", True, "检定证书有效期 2025-01-01 至 2025-12-31，过车日期 2026-03-02 不在有效期内"
    )


@pytest.mark.parametrize(
    ("plate_text", "raw", "confidence", "expected"),
    [
        pytest.param("", "无车牌", 0.99, ("plate_unread", True), id="an unread plate blocks"),
        pytest.param("", "", None, ("plate_unread", True), id="an empty plate blocks"),
        pytest.param("", "未识别", 0.10, ("plate_unread", True), id="unread wins over low confidence"),
        pytest.param("浙D1234", "浙D1234", 0.99, ("plate_malformed", True), id="a short plate is malformed"),
        pytest.param("浙D12I45", "浙D12I45", 0.99, ("plate_malformed", True), id="a serial with I is malformed"),
        pytest.param("浙D1234", "浙D1234", 0.10, ("plate_malformed", True), id="malformed wins over low confidence"),
        # min_plate_confidence = 0.80: strictly below warns, exactly at it passes.
        pytest.param("浙D12345", "浙D12345", 0.80, None, id="confidence exactly at the minimum passes"),
        pytest.param("浙D12345", "浙D12345", 0.79, ("plate_low_confidence", False), id="low confidence only warns"),
        pytest.param("浙D12345", "浙D12345", None, None, id="no confidence sent gives no flag"),
        pytest.param("皖K1234挂", "皖K1234挂", 0.95, None, id="a trailer plate is well formed"),
        pytest.param("浙D12345D", "黄绿浙D12345D", 0.95, None, id="a new-energy truck plate is well formed"),
    ],
)
def test_plate_flags_the_most_serious_problem_only(plate_text, raw, confidence, expected):
    flag = plate(passage(plate=plate_text, plate_raw=raw, plate_confidence=confidence), POLICY)
    assert (None if flag is None else (flag.code, flag.blocking)) == expected


def test_an_unread_plate_shows_what_the_station_sent():
    assert plate(passage(plate="", plate_raw="未识别")).detail == "车牌未识别（站点上报：未识别）"


@pytest.mark.parametrize(
    ("kmh", "low", "high", "flagged"),
    [
        # The device's verified range, bounds inclusive (LEGAL.md §6); here 5–100 km/h.
        pytest.param(5.0, 5.0, 100.0, False, id="exactly the minimum is in range"),
        pytest.param(100.0, 5.0, 100.0, False, id="exactly the maximum is in range"),
        pytest.param(4.9, 5.0, 100.0, True, id="just under the minimum is out of range"),
        pytest.param(100.1, 5.0, 100.0, True, id="just over the maximum is out of range"),
        pytest.param(0.0, None, None, False, id="a device without a range flags nothing"),
        pytest.param(0.0, None, 100.0, False, id="a missing minimum does not limit"),
        pytest.param(120.0, None, 100.0, True, id="the known maximum still limits"),
    ],
)
def test_speed_must_be_within_the_verified_range(kmh, low, high, flagged):
    flag = speed(passage(speed_kmh=kmh), replace(DEVICE, speed_min_kmh=low, speed_max_kmh=high))
    assert (None if flag is None else (flag.code, flag.blocking)) == (("speed_out_of_range", True) if flagged else None)


@pytest.mark.parametrize(
    ("raw_flags", "policy", "expected"),
    [
        pytest.param((), POLICY, (), id="no controller flag gives nothing"),
        pytest.param(("lane_straddle",), POLICY, (("controller_lane_straddle", True),), id="lane straddle blocks"),
        pytest.param(
            ("abnormal_acceleration",),
            POLICY,
            (("controller_abnormal_acceleration", True),),
            id="abnormal acceleration blocks",
        ),
        pytest.param(("low_battery",), POLICY, (("controller_low_battery", False),), id="another flag only warns"),
        pytest.param(
            ("low_battery", "lane_straddle"),
            POLICY,
            (("controller_low_battery", False), ("controller_lane_straddle", True)),
            id="flags keep the record's order",
        ),
        pytest.param(
            (" LANE_STRADDLE ", "lane_straddle", ""),
            POLICY,
            (("controller_lane_straddle", True),),
            id="case, spaces and repeats are folded and empty flags dropped",
        ),
        pytest.param(
            ("lane_straddle",),
            ScreeningPolicy(blocking_controller_flags=frozenset()),
            (("controller_lane_straddle", False),),
            id="the policy decides what blocks",
        ),
    ],
)
def test_controller_flags_become_flags(raw_flags, policy, expected):
    assert codes(controller_flags(passage(controller_flags=raw_flags), policy)) == expected


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("跨道行驶", id="a Chinese flag name"),
        pytest.param("a_vendor_flag_name_that_is_far_too_long", id="a name too long for storage"),
        pytest.param("Sensor Fault!", id="a name with spaces and punctuation"),
    ],
)
def test_an_odd_controller_flag_gets_a_short_stable_code_and_keeps_its_raw_name(raw):
    (flag,) = controller_flags(passage(controller_flags=(raw,)))
    (again,) = controller_flags(passage(controller_flags=(raw,)))
    assert flag.code.startswith("controller_x") and len(flag.code) <= 32  # record_flags.code is VARCHAR(32)
    assert flag == again and raw in flag.detail and not flag.blocking


@pytest.mark.parametrize(
    ("gross", "axles", "expected"),
    [
        # min_gross_kg = 2 500 (LEGAL.md §6: gross < 2 500 kg is implausible).
        pytest.param(2_499, (1_250, 1_249), ("gross_implausible",), id="2 499 kg is implausible"),
        pytest.param(2_500, (1_250, 1_250), (), id="2 500 kg is plausible"),
        # Gross 30 000: 3 % = 900 kg, larger than the 200 kg floor.
        pytest.param(30_000, (6_000, 12_450, 12_450), (), id="axles 900 kg over the gross is exactly tolerated"),
        pytest.param(30_000, (6_001, 12_450, 12_450), ("axle_sum_mismatch",), id="axles 901 kg over is a mismatch"),
        pytest.param(30_000, (6_000, 11_550, 11_550), (), id="axles 900 kg under the gross is exactly tolerated"),
        pytest.param(30_000, (5_999, 11_550, 11_550), ("axle_sum_mismatch",), id="axles 901 kg under is a mismatch"),
        # Gross 5 000: 3 % = 150 kg, so the 200 kg floor is the tolerance.
        pytest.param(5_000, (2_000, 3_200), (), id="a light vehicle 200 kg off is exactly tolerated"),
        pytest.param(5_000, (2_001, 3_200), ("axle_sum_mismatch",), id="a light vehicle 201 kg off is a mismatch"),
        # max_axle_kg = 30 000: exactly at it passes, over it is a sensor fault.
        pytest.param(60_000, (30_000, 30_000), (), id="an axle of exactly 30 000 kg is plausible"),
        pytest.param(60_000, (30_001, 29_999), ("axle_implausible",), id="an axle of 30 001 kg is implausible"),
        pytest.param(20_000, (0, 10_000, 10_000), ("axle_implausible",), id="an axle of 0 kg is implausible"),
        pytest.param(
            2_000,
            (0, 31_000),
            ("gross_implausible", "axle_sum_mismatch", "axle_implausible"),
            id="every weight problem is flagged in a fixed order",
        ),
    ],
)
def test_weights_must_be_plausible(gross, axles, expected):
    flags = weights(passage(gross_kg=gross, axle_weights_kg=axles), POLICY)
    assert tuple(f.code for f in flags) == expected
    assert all(f.blocking for f in flags)


def test_an_axle_sum_mismatch_says_the_gap_and_the_tolerance():
    (flag,) = weights(passage(gross_kg=30_000, axle_weights_kg=(6_001, 12_450, 12_450)))
    assert flag.detail == (
        "轴重之和 30901 kg 与总重 30000 kg 相差 901 kg，超过允许的 900 kg（总重的 3% 或 200 kg，取大者）"
    )


def test_a_clean_record_gives_no_flag():
    assert screen(CLEAN, DEVICE, POLICY) == ()


def test_screen_runs_every_record_rule_in_a_stable_order():
    bad = passage(
        plate="", plate_raw="无车牌", speed_kmh=150.0, controller_flags=("low_battery", "lane_straddle"),
        gross_kg=2_000, axle_weights_kg=(0, 31_000),
    )  # fmt: skip
    expired = replace(DEVICE, cert_valid_to=date(2026, 3, 1))
    flags = screen(bad, expired, POLICY)
    assert codes(flags) == (
        ("certificate_invalid", True), ("plate_unread", True), ("speed_out_of_range", True),
        ("controller_low_battery", False), ("controller_lane_straddle", True),
        ("gross_implausible", True), ("axle_sum_mismatch", True), ("axle_implausible", True),
    )  # fmt: skip
    assert screen(bad, expired, POLICY) == flags


def test_a_warning_alone_comes_through_screen():
    assert codes(screen(passage(plate_confidence=0.5), DEVICE, POLICY)) == (("plate_low_confidence", False),)


def test_every_blocking_code_has_a_label_and_warnings_are_not_blocking_codes():
    assert set(FLAG_LABELS) > BLOCKING_CODES
    assert set(FLAG_LABELS) - BLOCKING_CODES == {"plate_low_confidence", "permit_mismatch", "plate_ocr_mismatch",
                                                 "plate_ocr_unreadable"}
    assert flag_label("controller_lane_straddle") == "跨道行驶"
    assert flag_label("controller_low_battery") == "控制器标记"


def test_the_context_rules_are_importable_from_screening():
    assert permit is screening_context.permit


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"min_plate_confidence": 1.5}, id="a confidence above 1"),
        pytest.param({"min_gross_kg": -1}, id="a negative weight"),
        pytest.param({"evidence_grace_s": -1}, id="a negative duration"),
        pytest.param({"blocking_controller_flags": {"lane_straddle"}}, id="a mutable set of flags"),
    ],
)
def test_a_policy_with_impossible_thresholds_is_refused(changes):
    with pytest.raises(ValueError):
        ScreeningPolicy(**changes)
