"""Time in the simulator: the daily rhythm of truck traffic, Poisson counts and record time stamps.

Simulated time is counted in *local seconds*: seconds since 1970-01-01 00:00 China Standard Time
(UTC+8, no daylight saving), so a local clock hour is simply ``seconds // 3600``.
"""

from __future__ import annotations

import functools
import math
import random
from datetime import datetime, timedelta

# Trucks on Chinese trunk roads peak at night and in the early morning: urban daytime truck bans
# push freight into the night, night tolls and empty roads are cheaper, and overloaders avoid
# daytime enforcement. Relative volume per local hour 00–23 (~1.35× the mean at 01–02, ~0.75× at noon).
_RAW_HOURLY = (1.30, 1.35, 1.35, 1.30, 1.25, 1.20, 1.05, 0.85, 0.75, 0.80, 0.85, 0.80,
               0.75, 0.80, 0.85, 0.85, 0.80, 0.75, 0.80, 0.95, 1.05, 1.15, 1.25, 1.30)
HOURLY_VOLUME = tuple(w * 24 / sum(_RAW_HOURLY) for w in _RAW_HOURLY)  # mean 1 over the day
# Overloads concentrate at night (22–05 twice the daytime rate); scaled so that the volume-weighted
# mean is 1, which keeps the daily overload share as requested.
_RAW_OVERLOAD = (1.5,) * 6 + (1.1,) + (0.75,) * 14 + (1.1,) + (1.5,) * 2
OVERLOAD_BY_HOUR = tuple(o * 24 / sum(v * o for v, o in zip(HOURLY_VOLUME, _RAW_OVERLOAD, strict=True))
                         for o in _RAW_OVERLOAD)

_EPOCH = datetime(1970, 1, 1)  # naive: the origin of local seconds
_CST_S = 8 * 3600
# "MM:SS" and "MMSS" for every second of an hour: formatting stamps is on the hot path
_MMSS = tuple((f"{s // 60:02d}:{s % 60:02d}", f"{s // 60:02d}{s % 60:02d}") for s in range(3600))

# When a vehicle crossed: the RFC 3339 text (with +08:00) and the compact yyyymmddHHMMSS used in ids
Stamp = tuple[str, str]


def poisson(rng: random.Random, lam: float) -> int:
    """A Poisson count with mean `lam`."""
    if lam <= 0:
        return 0
    if lam > 30:  # normal approximation: exact enough for counts in the tens and hundreds
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def local_seconds(moment: datetime) -> float:
    """Local seconds of `moment`; a naive datetime is taken as China Standard Time."""
    if moment.tzinfo is None:
        return (moment - _EPOCH).total_seconds()
    return moment.timestamp() + _CST_S


@functools.lru_cache(maxsize=64)
def _hour_prefix(hour: int) -> tuple[str, str]:
    moment = _EPOCH + timedelta(hours=hour)
    return moment.strftime("%Y-%m-%dT%H:"), moment.strftime("%Y%m%d%H")


def stamp(t: float) -> Stamp:
    """The stamp of local second `t`, to the millisecond."""
    hour = int(t // 3600)
    iso, compact = _hour_prefix(hour)
    off = t - hour * 3600
    clock, digits = _MMSS[int(off)]
    return f"{iso}{clock}.{int(off % 1 * 1000):03d}+08:00", compact + digits
