"""Injectable clock: real time plus an offset that tests move with
POST /_sandbox/clock. Only the *business* clock moves (token expiry, plan
expiry, "today", enrollment progress); rate limiting, webhook retry timing
and async processing delays use real monotonic time."""
import datetime as _dt
import threading
import time
from zoneinfo import ZoneInfo

CHICAGO = ZoneInfo("America/Chicago")
UTC = _dt.timezone.utc


class Clock:
    def __init__(self):
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self):
        return time.time() + self._offset

    def advance(self, seconds):
        with self._lock:
            self._offset += float(seconds)
        return self.now()

    def set(self, unix_seconds):
        with self._lock:
            self._offset = float(unix_seconds) - time.time()
        return self.now()

    def reset(self):
        with self._lock:
            self._offset = 0.0
        return self.now()

    @property
    def offset(self):
        return self._offset

    def now_dt(self):
        return _dt.datetime.fromtimestamp(self.now(), UTC)

    def today(self):
        """Today's date in Texas (America/Chicago)."""
        return _dt.datetime.fromtimestamp(self.now(), CHICAGO).date()


def iso(ts):
    """Unix seconds -> ISO-8601 UTC with a Z and second precision."""
    if ts is None:
        return None
    return _dt.datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(s):
    """ISO-8601 date-time -> unix seconds (naive means UTC); ValueError if bad."""
    if not isinstance(s, str):
        raise ValueError("not a string")
    t = s.strip()
    if t.endswith("Z") or t.endswith("z"):
        t = t[:-1] + "+00:00"
    d = _dt.datetime.fromisoformat(t)
    if d.tzinfo is None:
        d = d.replace(tzinfo=UTC)
    return d.timestamp()


def parse_date(s):
    """YYYY-MM-DD -> date; ValueError if bad."""
    if not isinstance(s, str) or len(s) != 10:
        raise ValueError("not a YYYY-MM-DD date")
    return _dt.date.fromisoformat(s)


def local_midnight(d):
    """Unix seconds of 00:00 America/Chicago on date d."""
    return _dt.datetime(d.year, d.month, d.day, tzinfo=CHICAGO).timestamp()
