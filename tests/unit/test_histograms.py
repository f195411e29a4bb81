"""Sparse histograms: binning, merging, quantiles accurate to well under a bin, the two gross peaks, JSON."""

from __future__ import annotations

import json
import random
import statistics

import pytest

from zhichao.domain.histograms import PEAK_MIN_COUNT, add, from_json, merge, peaks, quantile, to_json, total


def histogram(values: list[float], width: float) -> dict[int, int]:
    h: dict[int, int] = {}
    for v in values:
        add(h, v, width)
    return h


@pytest.mark.parametrize(
    ("value", "width", "index"),
    [
        (0, 20, 0),
        (19.99, 20, 0),
        (20, 20, 1),
        (7230, 20, 361),
        (-0.01, 0.25, -1),
        (-0.25, 0.25, -1),
        (3.0, 0.25, 12),
        (46_250, 500, 92),
    ],
)
def test_a_value_lands_in_the_bin_floor_of_value_over_width(value: float, width: float, index: int) -> None:
    h: dict[int, int] = {}
    add(h, value, width)
    add(h, value, width)
    assert h == {index: 2}


def test_merge_adds_counts_and_leaves_its_inputs_alone() -> None:
    a, b = {1: 2, 3: 1}, {3: 4, -2: 1}
    assert merge([a, b]) == {1: 2, 3: 5, -2: 1}
    assert a == {1: 2, 3: 1} and b == {3: 4, -2: 1}
    assert merge([]) == {}
    assert total(merge([a, b])) == 8


UNIFORM = [float(v) for v in range(1000)]  # 0..999, 100 values in each 10-wide bin


@pytest.mark.parametrize(
    ("q", "expected"),
    [(0.0, 0.0), (0.1, 100.0), (0.25, 250.0), (0.5, 500.0), (0.9, 900.0), (1.0, 1000.0)],
)
def test_quantiles_of_evenly_spread_values_are_exact(q: float, expected: float) -> None:
    assert quantile(histogram(UNIFORM, 10), 10, q) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    ("seed", "mu", "sigma", "width"), [(1, 7000, 400, 20), (2, 7000, 400, 25), (3, 0.0, 3.0, 0.25)]
)
def test_the_median_of_a_histogram_is_within_a_fifth_of_a_bin_of_the_sample_median(
    seed: int, mu: float, sigma: float, width: float
) -> None:
    rng = random.Random(seed)
    values = [rng.gauss(mu, sigma) for _ in range(5000)]
    estimate = quantile(histogram(values, width), width, 0.5)
    assert estimate is not None
    assert abs(estimate - statistics.median(values)) < width / 5


def test_a_single_value_is_placed_mid_bin_and_an_empty_histogram_has_no_quantile() -> None:
    assert quantile({350: 1}, 20, 0.5) == 7010.0
    assert quantile({}, 20, 0.5) is None
    assert quantile({5: 0}, 20, 0.5) is None


@pytest.mark.parametrize("q", [-0.01, 1.01])
def test_a_quantile_outside_zero_to_one_is_refused(q: float) -> None:
    with pytest.raises(ValueError):
        quantile({1: 1}, 1, q)


def gross_sample(seed: int, empty: int, loaded: int) -> list[float]:
    rng = random.Random(seed)
    return [rng.gauss(16_300, 700) for _ in range(empty)] + [rng.gauss(46_300, 1500) for _ in range(loaded)]


def test_the_empty_and_loaded_peaks_of_a_bimodal_gross_histogram_are_found() -> None:
    low, high = peaks(histogram(gross_sample(7, 600, 1200), 500), 500, 30_000)
    assert low is not None and high is not None
    assert abs(low - 16_300) <= 500
    assert abs(high - 46_300) <= 1000


@pytest.mark.parametrize(
    ("empty", "loaded", "has_low", "has_high"),
    [
        (PEAK_MIN_COUNT, PEAK_MIN_COUNT, True, True),
        (PEAK_MIN_COUNT - 1, 500, False, True),
        (500, PEAK_MIN_COUNT - 1, True, False),
        (0, 0, False, False),
    ],
)
def test_a_side_with_fewer_than_the_minimum_has_no_peak(empty: int, loaded: int, has_low: bool, has_high: bool) -> None:
    low, high = peaks(histogram(gross_sample(3, empty, loaded), 500), 500, 30_000)
    assert (low is not None, high is not None) == (has_low, has_high)


def test_the_minimum_is_a_keyword() -> None:
    h = histogram(gross_sample(3, 100, 100), 500)
    assert peaks(h, 500, 30_000, min_count=101) == (None, None)


def test_smoothing_prefers_a_broad_peak_to_a_lone_spike_and_ties_go_low() -> None:
    spike_and_hump = {10: 30, 20: 25, 21: 25, 22: 25}
    assert peaks(spike_and_hump, 1, 100, min_count=1) == (21.5, None)
    assert peaks({10: 5, 12: 5}, 1, 100, min_count=1) == (10.5, None)


def test_bins_split_at_the_split_value_by_their_lower_edge() -> None:
    h = {59: 100, 60: 100}  # 29 500–30 000 and 30 000–30 500
    assert peaks(h, 500, 30_000, min_count=1) == (29_750.0, 30_250.0)


def test_json_round_trips_with_string_keys() -> None:
    h = {-3: 1, 12: 4, 361: 7}
    text = json.dumps(to_json(h))
    assert json.loads(text) == {"-3": 1, "12": 4, "361": 7}
    assert from_json(json.loads(text)) == h
