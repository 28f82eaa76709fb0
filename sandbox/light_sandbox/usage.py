"""Deterministic synthetic usage for a service location.

Every 15-minute interval's energy (whole watt-hours) derives from the
location's seed and the local day, so intervals, daily rows, monthly rows,
meter reads and invoices all add up exactly. Days follow America/Chicago:
96 intervals normally, 92 on the spring-forward day and 100 on the
fall-back day (intervals are generated from local midnight to the next
local midnight in absolute time)."""
import datetime as dt
import functools
import math
import random

from .clock import CHICAGO, UTC, local_midnight

# relative load by local hour (Texas home with AC): low at night, evening peak
_HOURLY = [0.55, 0.5, 0.47, 0.45, 0.45, 0.5, 0.62, 0.7, 0.68, 0.66, 0.7, 0.76,
           0.82, 0.88, 0.95, 1.0, 1.05, 1.12, 1.15, 1.1, 0.98, 0.86, 0.74, 0.62]


@functools.lru_cache(maxsize=4096)
def day_intervals(seed, d):
    """Tuple of (start_unix, wh) for every 15-min interval of local day d."""
    start = int(local_midnight(d))
    end = int(local_midnight(d + dt.timedelta(days=1)))
    n = (end - start) // 900
    rng = random.Random(f"{seed}:{d.toordinal()}")
    doy = d.timetuple().tm_yday
    season = 1.0 + 0.55 * math.cos((doy - 200) / 365.0 * 2 * math.pi)
    out = []
    rand = rng.random
    if n == 96:  # no DST change today: the local hour follows from the interval index
        for i in range(n):
            out.append((start + 900 * i, int(240 * _HOURLY[i // 4] * season * (0.8 + 0.4 * rand()))))
        return tuple(out)
    for i in range(n):
        t = start + 900 * i
        hour = dt.datetime.fromtimestamp(t, CHICAGO).hour
        out.append((t, int(240 * _HOURLY[hour] * season * (0.8 + 0.4 * rand()))))
    return tuple(out)


def day_total(seed, d):
    return sum(wh for _, wh in day_intervals(seed, d))


def kwh(wh):
    """Whole watt-hours -> decimal kWh string with 3 decimals."""
    sign = "-" if wh < 0 else ""
    wh = abs(int(wh))
    return f"{sign}{wh // 1000}.{wh % 1000:03d}"


def month_days(year, month):
    d = dt.date(year, month, 1)
    while d.month == month:
        yield d
        d += dt.timedelta(days=1)


def iso_local(t):
    return dt.datetime.fromtimestamp(t, CHICAGO).isoformat()


def iso_utc(t):
    return dt.datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
