"""Fixtures for the runnable programs in examples/ (one per use case per language).

``sandbox_rx`` is a module-scoped emulator with its webhook receiver
(``--receiver``): ``.receiver_url`` lists the deliveries it got. ``example_env``
is the environment every example reads (LIGHT_APP_TOKEN, LIGHT_BASE_URL,
LIGHT_WEBHOOK_SECRET, LIGHT_RECEIVER_URL), without LIGHT_LOG.
"""
import os
import pathlib

import pytest

from light_sandbox.runner import SandboxProcess

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("LIGHT_BUILD_DIR", ROOT / "build"))


@pytest.fixture(scope="module")
def sandbox_rx(request):
    sb = SandboxProcess(["--receiver", "--webhook-retry-delays", "0.2,0.2"])
    sb.start()
    request.addfinalizer(sb.stop)
    return sb


def example_env(sb, **extra):
    env = dict(os.environ)
    env.pop("LIGHT_LOG", None)
    env.update(LIGHT_APP_TOKEN=sb.app_token, LIGHT_BASE_URL=sb.base_url,
               LIGHT_WEBHOOK_SECRET=sb.webhook_secret, LIGHT_RECEIVER_URL=sb.receiver_url or "")
    env.update(extra)
    return env


class OutputLines:
    """A child process's stdout lines, collected by a thread (for long-running examples such as webhook receivers)."""

    def __init__(self, proc):
        import threading
        self.lines = []
        self.thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self.thread.start()

    def _read(self, proc):
        for line in proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, pred, timeout=20):
        """The lines once ``pred(lines)`` holds; AssertionError with the output after ``timeout`` s."""
        import time
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if pred(list(self.lines)):
                return list(self.lines)
            time.sleep(0.05)
        raise AssertionError(f"timed out; output so far: {self.lines}")


def post_raw(url, body, headers):
    """(status, body bytes) of a POST on loopback; HTTP errors are returned, not raised."""
    import urllib.error
    import urllib.request
    req = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def quarter_hours_in_month(year, month, tz="America/Chicago"):
    """(days of the month, number of 15-minute intervals in it in ``tz``: 96 a day, 92/100 on DST change days)."""
    import datetime as dt
    from zoneinfo import ZoneInfo
    zone = ZoneInfo(tz)
    d, days, n = dt.date(year, month, 1), [], 0
    while d.month == month:
        nxt = d + dt.timedelta(days=1)
        start = dt.datetime(d.year, d.month, d.day, tzinfo=zone).timestamp()
        end = dt.datetime(nxt.year, nxt.month, nxt.day, tzinfo=zone).timestamp()
        days.append(d)
        n += int((end - start) // 900)
        d = nxt
    return days, n
