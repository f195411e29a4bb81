"""The login throttle's clock: a lockout ends after its time, and old failures fall out of the window."""

from __future__ import annotations

import pytest

from zhichao.web.login_throttle import LoginThrottle
from zhichao.web.rate_limit import TooManyRequests


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_lockout_ends_after_its_time_and_says_how_many_minutes_are_left() -> None:
    clock = Clock()
    throttle = LoginThrottle(2, 10, window_s=60, lockout_s=300, clock=clock)
    throttle.failed("wang", "10.0.0.1")
    throttle.failed("WANG", "10.0.0.2")  # names are counted without regard to case
    clock.now += 170
    with pytest.raises(TooManyRequests) as refused:
        throttle.check("wang", "10.0.0.3")
    assert refused.value.code == "login_throttled" and refused.value.message == "登录失败次数过多，请 3 分钟后再试"
    clock.now += 131
    throttle.check("wang", "10.0.0.3")


def test_failures_older_than_the_window_no_longer_count() -> None:
    clock = Clock()
    throttle = LoginThrottle(2, 10, window_s=60, lockout_s=300, clock=clock)
    throttle.failed("wang", "10.0.0.1")
    clock.now += 61
    throttle.failed("wang", "10.0.0.1")
    throttle.check("wang", "10.0.0.1")
