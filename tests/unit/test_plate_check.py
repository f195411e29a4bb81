"""The plate cross-check's two pure steps: choosing the plate among OCR lines, and the flag it gives."""

import pytest

from zhichao.domain.plate_check import PLATE_OCR_MISMATCH, PLATE_OCR_UNREADABLE, best_plate, compare


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([("浙D12345", 0.99)], ("浙D12345", 0.99)),
        ([("浙D·12345", 0.98)], ("浙D12345", 0.98)),  # separators dropped, as for station plates
        ([("浙Ｄ１２３４５", 0.97)], ("浙D12345", 0.97)),  # full-width
        ([("浙DO1234", 0.96)], ("浙D01234", 0.96)),  # no O in a serial: OCR's O is a zero
        ([("皖K1234挂", 0.95)], ("皖K1234挂", 0.95)),
        ([("浙D12345D", 0.95)], ("浙D12345D", 0.95)),  # new-energy truck
        ([], None),
        ([("", 0.5)], None),
        ([("绍兴运输", 0.99), ("HOWO", 0.98)], None),  # text on the truck is not a plate
        ([("D12345", 0.99)], None),  # province character lost: not a whole plate
        ([("浙D5", 0.99), ("54321", 0.99)], None),  # a split that is not a double-row plate
        # the plate among other text; the well-formed reading wins over a more confident malformed one
        ([("SINOTRUK", 0.99), ("浙D12345", 0.91), ("浙D1234", 0.99)], ("浙D12345", 0.91)),
        # among well-formed readings, the more confident
        ([("浙D12345", 0.80), ("浙D12845", 0.95)], ("浙D12845", 0.95)),
        # only a malformed reading: returned, compare() will not call it a mismatch
        ([("浙D1234", 0.99)], ("浙D1234", 0.99)),
    ],
)
def test_best_plate_chooses_the_plate_among_ocr_lines(lines, expected):
    assert best_plate(lines) == expected


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([("浙D", 0.99), ("12345", 0.98)], ("浙D12345", 0.98)),  # upper row, then lower row
        ([("12345", 0.99), ("浙D", 0.90)], ("浙D12345", 0.90)),  # misordered: the larger row first
        ([("浙·D", 0.99), ("1234挂", 0.97)], ("浙D1234挂", 0.97)),  # a trailer's rear plate
        ([("浙D", 0.99), ("1234O", 0.97)], ("浙D12340", 0.97)),  # OCR's O in the lower row
        ([("浙D", 0.99), ("HOWO", 0.99)], None),  # a lower "row" without a digit is not a serial
        ([("12345", 0.99)], None),  # the upper row was not detected: unreadable, never a guess
        ([("浙D12345", 0.99), ("浙D", 0.99), ("54321", 0.99)], ("浙D12345", 0.99)),  # ties keep the first
    ],
)
def test_a_double_row_plate_read_as_two_lines_is_joined(lines, expected):
    assert best_plate(lines) == expected


@pytest.mark.parametrize(
    ("station", "read", "code", "shown"),
    [
        ("浙D12345", ("浙D12345", 0.99), None, ()),
        ("浙D12345", ("浙D12345", 0.30), None, ()),  # agreement needs no confidence
        ("黄浙D12345", ("浙D12345", 0.99), None, ()),  # the station's plate is normalised too
        ("浙D12345", ("浙D12845", 0.99), PLATE_OCR_MISMATCH, ("浙D12345", "浙D12845", "0.99")),
        ("浙D12345", ("浙D12845", 0.90), PLATE_OCR_MISMATCH, ("浙D12345", "浙D12845")),  # exactly at the minimum
        ("", ("浙D12845", 0.99), PLATE_OCR_MISMATCH, ("未识别", "浙D12845")),
        ("浙D12345", ("浙D12845", 0.89), PLATE_OCR_UNREADABLE, ("浙D12345", "浙D12845", "0.89")),
        ("浙D12345", ("浙D1234", 0.99), PLATE_OCR_UNREADABLE, ("浙D12345", "浙D1234")),  # part of a plate
        ("浙D12345", None, PLATE_OCR_UNREADABLE, ("浙D12345",)),
        ("", None, PLATE_OCR_UNREADABLE, ("未识别",)),
    ],
)
def test_compare_flags_a_confident_disagreement_and_an_unreadable_photo(station, read, code, shown):
    flag = compare(station, read, min_confidence=0.90)
    if code is None:
        assert flag is None
        return
    assert flag is not None and flag.code == code
    assert flag.blocking is False  # a hint to the reviewer, never a bar to evidence
    assert all(part in flag.detail for part in shown)
