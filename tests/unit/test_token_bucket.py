"""The token bucket behind the per-token rate limit, as a table; and its store, bounded in memory."""

from __future__ import annotations

import hashlib

import pytest

from zhichao.domain.token_bucket import Rate, full_after_s, take
from zhichao.web.token_limit import TokenLimiter, bearer_of

TWO_A_SECOND = Rate(per_s=2.0, burst=3)


@pytest.mark.parametrize(
    ("level", "elapsed_s", "after", "wait_s"),
    [
        (3.0, 0.0, 2.0, 0.0),  # a full bucket admits and takes one token
        (1.0, 0.0, 0.0, 0.0),  # the last token
        (0.0, 0.0, 0.0, 0.5),  # empty: refused, a token in 1 / 2 s
        (0.0, 0.25, 0.5, 0.25),  # half a token refilled: refused, the other half in 0.25 s
        (0.0, 0.5, 0.0, 0.0),  # one token refilled: admitted
        (0.5, 10.0, 2.0, 0.0),  # refilling stops at the burst
        (0.0, -5.0, 0.0, 0.5),  # a clock stepped back refills nothing and takes nothing
    ],
)
def test_a_bucket_admits_while_it_holds_a_token(level: float, elapsed_s: float, after: float, wait_s: float) -> None:
    assert take(TWO_A_SECOND, level, elapsed_s) == pytest.approx((after, wait_s))


@pytest.mark.parametrize(("level", "seconds"), [(3.0, 0.0), (0.0, 1.5), (2.0, 0.5)])
def test_a_bucket_is_full_again_after_its_deficit_over_the_rate(level: float, seconds: float) -> None:
    assert full_after_s(TWO_A_SECOND, level) == pytest.approx(seconds)


@pytest.mark.parametrize(("per_s", "burst"), [(0.0, 10), (-1.0, 10), (5.0, 0)])
def test_a_rate_without_a_flow_or_a_bucket_is_refused(per_s: float, burst: int) -> None:
    with pytest.raises(ValueError):
        Rate(per_s, burst)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def key(n: int) -> bytes:
    return hashlib.sha256(f"zut_token_{n}".encode()).digest()


def test_each_key_has_its_own_bucket_and_a_refusal_takes_nothing() -> None:
    clock = Clock()
    limiter = TokenLimiter(TWO_A_SECOND, clock=clock)
    assert [limiter.admit(key(1)) for _ in range(4)] == pytest.approx([0.0, 0.0, 0.0, 0.5])
    assert limiter.admit(key(2)) == 0.0
    clock.now += 0.5
    assert limiter.admit(key(1)) == 0.0  # the refused request above did not spend the next token
    assert limiter.admit(key(1)) == pytest.approx(0.5)


def test_refilled_buckets_are_dropped_when_the_map_is_full() -> None:
    clock = Clock()
    limiter = TokenLimiter(TWO_A_SECOND, max_keys=10, clock=clock)
    for n in range(10):
        limiter.admit(key(n))
    assert len(limiter) == 10
    clock.now += full_after_s(TWO_A_SECOND, 2.0)  # all ten are full again
    limiter.admit(key(1))  # touched: no longer idle
    limiter.admit(key(99))
    assert len(limiter) == 2


def test_a_flood_of_busy_keys_keeps_the_map_bounded() -> None:
    clock = Clock()
    limiter = TokenLimiter(TWO_A_SECOND, max_keys=100, clock=clock)
    for n in range(10_000):
        clock.now += 0.0001  # none refills within the flood
        limiter.admit(key(n))
        assert len(limiter) <= 100


@pytest.mark.parametrize(
    ("headers", "token"),
    [
        ([(b"authorization", b"Bearer zut_abc")], b"zut_abc"),
        ([(b"accept", b"*/*"), (b"authorization", b"bearer  zst_x ")], b"zst_x"),
        ([(b"authorization", b"Basic dXNlcg==")], None),
        ([(b"authorization", b"Bearer ")], None),
        ([(b"cookie", b"zhichao_session=zss_1")], None),
    ],
)
def test_only_a_bearer_token_is_limited(headers: list[tuple[bytes, bytes]], token: bytes | None) -> None:
    assert bearer_of(headers) == token
