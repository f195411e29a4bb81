"""Screening rules that look beyond the record: double capture, permits, evidence, on-site handling
(LEGAL.md §4, §6). Windows are ScreeningPolicy's defaults; each edge row says which."""

from dataclasses import replace
from datetime import date, timedelta

import pytest

from tests.unit.screening_cases import AT, CLEAN, passage
from zhichao.domain.screening import (
    NearbyPassage,
    OnsiteHandling,
    Permit,
    ScreeningPolicy,
    double_capture,
    evidence_missing,
    handled_on_site,
    permit,
)

POLICY = ScreeningPolicy()




def seconds(n):
    return timedelta(seconds=n)


@pytest.mark.parametrize(
    ("lane", "other_lane", "apart_s", "plate", "other_plate", "flagged"),
    [
        # double_capture_window_s = 5, inclusive; only adjacent lanes (|difference| = 1) count.
        pytest.param(2, 1, 5, "浙D12345", "浙D12345", True, id="lane 2 vs lane 1 five seconds apart is a double"),
        pytest.param(1, 2, -5, "浙D12345", "浙D12345", True, id="the other capture may come first"),
        pytest.param(3, 1, 5, "浙D12345", "浙D12345", False, id="lane 3 vs lane 1 is not adjacent"),
        pytest.param(2, 1, 6, "浙D12345", "浙D12345", False, id="six seconds apart is outside the window"),
        pytest.param(2, 2, 0, "浙D12345", "浙D12345", False, id="the same lane does not count"),
        pytest.param(2, 1, 1, "浙D12345", "浙D54321", False, id="another plate does not count"),
        pytest.param(2, 1, 1, "", "", False, id="unread plates never match"),
    ],
)
def test_double_capture_needs_the_same_plate_in_an_adjacent_lane_within_the_window(
    lane, other_lane, apart_s, plate, other_plate, flagged
):
    other = NearbyPassage("S01/R2", other_lane, AT + seconds(apart_s), other_plate)
    flag = double_capture(passage(lane=lane, plate=plate), [other], POLICY)
    assert (flag is not None) == flagged
    if flagged:
        assert (flag.code, flag.blocking) == ("double_capture", True)
        assert "S01/R2" in flag.detail


def test_double_capture_names_every_matching_record():
    nearby = [NearbyPassage("S01/R1", 1, AT - seconds(2), "浙D12345"), NearbyPassage("S01/R3", 3, AT, "浙D12345")]
    flag = double_capture(CLEAN, nearby, POLICY)
    assert "S01/R1" in flag.detail and "S01/R3" in flag.detail


PERMIT = Permit("浙交许2026-0001", "浙D12345", date(2026, 2, 1), date(2026, 3, 2), ("G104", "G92"), 55_000)


@pytest.mark.parametrize(
    ("permits", "captured_on", "gross", "road", "expected"),
    [
        # Dates inclusive; the capture is on 2026-03-02, the permit's last day.
        pytest.param([PERMIT], date(2026, 3, 2), 49_000, "G104", ("permit_holder", True), id="on its last day"),
        pytest.param([PERMIT], date(2026, 2, 1), 49_000, "G104", ("permit_holder", True), id="on its first day"),
        pytest.param([PERMIT], date(2026, 3, 3), 49_000, "G104", None, id="the day after it expired"),
        pytest.param([PERMIT], date(2026, 3, 2), 49_000, "S308", ("permit_mismatch", False), id="on a wrong road"),
        pytest.param(
            [PERMIT],
            date(2026, 3, 2),
            49_000,
            None,
            ("permit_mismatch", False),
            id="an unknown station road cannot confirm a route",
        ),
        pytest.param([PERMIT], date(2026, 3, 2), 49_000, "g104 ", ("permit_holder", True), id="road case is folded"),
        # The permit's own max_gross_kg 55 000: not above it matches.
        pytest.param([PERMIT], date(2026, 3, 2), 55_000, "G104", ("permit_holder", True), id="exactly its max gross"),
        pytest.param([PERMIT], date(2026, 3, 2), 55_001, "G104", ("permit_mismatch", False), id="over its max gross"),
        pytest.param(
            [replace(PERMIT, roads=(), max_gross_kg=None)],
            date(2026, 3, 2),
            80_000,
            None,
            ("permit_holder", True),
            id="no roads means any road and no max gross means any gross",
        ),
        pytest.param([replace(PERMIT, plate="浙D54321")], date(2026, 3, 2), 49_000, "G104", None, id="another plate"),
        pytest.param(
            [replace(PERMIT, plate="黄浙D·12345")],
            date(2026, 3, 2),
            49_000,
            "G104",
            ("permit_holder", True),
            id="the permit's plate is normalised",
        ),
        pytest.param(
            [replace(PERMIT, roads=("S308",)), PERMIT],
            date(2026, 3, 2),
            49_000,
            "G104",
            ("permit_holder", True),
            id="a matching permit wins over a mismatched one",
        ),
    ],
)
def test_a_matching_permit_makes_the_passage_lawful(permits, captured_on, gross, road, expected):
    flag = permit(passage(captured_on=captured_on, gross_kg=gross), permits, road)
    assert (None if flag is None else (flag.code, flag.blocking)) == expected
    if flag is not None:
        assert permits[-1].number in flag.detail


def test_an_unread_plate_matches_no_permit():
    assert permit(passage(plate=""), [replace(PERMIT, plate="")], "G104") is None


@pytest.mark.parametrize(
    ("after_s", "present", "named", "received_after_s", "flagged"),
    [
        # evidence_grace_s = 600: reached exactly, it is decided.
        pytest.param(600, {"plate"}, ("plate", "side"), None, True, id="grace exactly reached without side"),
        pytest.param(599, {"plate"}, ("plate", "side"), None, False, id="one second before the grace"),
        pytest.param(600, {"plate", "side"}, ("plate", "side"), None, False, id="plate and side arrived"),
        pytest.param(9_999, {"plate", "side", "front"}, ("plate", "side", "front"), None, False, id="extra kinds"),
        pytest.param(0, {"plate"}, ("plate",), None, True, id="a kind the record does not name is missing at once"),
        # Grace from the later of capture and receipt: received 3 h after capture.
        pytest.param(10_800 + 599, set(), ("plate", "side"), 10_800, False, id="a late record gets its grace"),
        pytest.param(10_800 + 600, set(), ("plate", "side"), 10_800, True, id="a late record's grace also ends"),
        pytest.param(600, set(), ("plate", "side"), -60, True, id="a receipt before capture changes nothing"),
    ],
)
def test_evidence_is_missing_after_the_grace(after_s, present, named, received_after_s, flagged):
    received = None if received_after_s is None else AT + seconds(received_after_s)
    flag = evidence_missing(passage(image_kinds=named), frozenset(present), AT + seconds(after_s), POLICY, received)
    assert (flag is not None) == flagged
    if flagged:
        assert (flag.code, flag.blocking) == ("evidence_missing", True)


def test_missing_evidence_lists_each_kind_and_why():
    flag = evidence_missing(passage(image_kinds=("plate",)), frozenset(), AT + seconds(600), POLICY)
    expected = "缺少车牌照片（已声明，未上传）、侧面照片（记录未声明，无法补传）；已过 600 秒（补传期限 600 秒）"
    assert flag.detail == expected


@pytest.mark.parametrize(
    ("handled_after_s", "handled_plate", "plate", "flagged"),
    [
        # onsite_window_s = 7 200 (2 h), inclusive, before or after the capture.
        pytest.param(7_200, "浙D12345", "浙D12345", True, id="handled exactly two hours later is the same act"),
        pytest.param(-7_200, "浙D12345", "浙D12345", True, id="handled exactly two hours earlier is the same act"),
        pytest.param(7_201, "浙D12345", "浙D12345", False, id="one second past the window is another act"),
        pytest.param(60, "浙D54321", "浙D12345", False, id="another plate"),
        pytest.param(60, "黄浙D 12345", "浙D12345", True, id="the handling's plate is normalised"),
        pytest.param(60, "", "", False, id="unread plates never match"),
    ],
)
def test_an_act_handled_on_site_is_not_punished_again(handled_after_s, handled_plate, plate, flagged):
    handling = OnsiteHandling("现场-2026-0042", handled_plate, AT + seconds(handled_after_s))
    flag = handled_on_site(passage(plate=plate), [handling], POLICY)
    assert (flag is not None) == flagged
    if flagged:
        assert (flag.code, flag.blocking) == ("handled_on_site", True)
        assert "现场-2026-0042" in flag.detail
