"""A token bucket: ``per_s`` requests a second on average, up to ``burst`` at once.

Pure: the caller keeps a bucket's level and the time it was last touched, and passes the seconds elapsed
since. A new bucket starts full. A request takes one token; a request that finds less than one is refused
and takes nothing, and the answer says how long until a token is there.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rate:
    per_s: float
    burst: int

    def __post_init__(self) -> None:
        if self.per_s <= 0 or self.burst < 1:
            raise ValueError(f"a token bucket needs per_s > 0 and burst >= 1, not {self.per_s}, {self.burst}")


def take(rate: Rate, level: float, elapsed_s: float) -> tuple[float, float]:
    """(the level after this request, the wait in seconds): a wait of 0 admits the request, which then took a
    token; a positive wait refuses it (the level is only refilled). ``elapsed_s`` below 0 (a clock stepped
    back) counts as 0."""
    level = min(float(rate.burst), level + max(0.0, elapsed_s) * rate.per_s)
    if level >= 1.0:
        return level - 1.0, 0.0
    return level, (1.0 - level) / rate.per_s


def full_after_s(rate: Rate, level: float) -> float:
    """Seconds after which a bucket left at ``level`` is full again, and so no different from a new one."""
    return max(0.0, rate.burst - level) / rate.per_s
