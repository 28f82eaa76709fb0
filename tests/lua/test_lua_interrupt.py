"""Lua 5.4 and LuaJIT: SIGINT interrupts a blocking call (issue 17.1). A
real interpreter process (lua5.4 / luajit running interrupt_child.lua)
makes a call the emulator holds for 20 s, or that waits 20 s in retry
backoff; 0.5 s after it said "calling" the parent sends SIGINT. The call
must end with the Lua error "interrupted" long before the wait would have
ended (a behaviour check with a generous bound, not a speed figure), and
the client must work afterwards."""
import signal
import subprocess
import time

import pytest

from tests.lua.nginx_harness import ROOT
from tests.lua.test_lua_suite import RUNTIMES, lua_env

CHILD = ROOT / "tests" / "lua" / "interrupt_child.lua"
DELAY = 20.0
BOUND = DELAY / 2
_delayed_until = [0.0]


@pytest.fixture(scope="module", autouse=True)
def _let_abandoned_requests_finish():
    """The emulator answers an abandoned delayed request when its delay is
    over: wait for that, so it cannot land in a later test."""
    yield
    left = _delayed_until[0] - time.monotonic()
    if left > 0:
        time.sleep(left + 0.5)


def _run(lua, flavour, sb, scenario):
    proc = subprocess.Popen([lua, str(CHILD), scenario, sb.base_url, sb.app_token], cwd=ROOT,
                            env=lua_env(sb, flavour), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert line.strip() == "calling", (line, proc.stderr.read() if proc.poll() is not None else "")
    time.sleep(0.5)
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=BOUND)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"{lua} still in the call {BOUND} s after SIGINT: {out} {err}")
    return proc.returncode, out, err, time.monotonic() - t0


@pytest.mark.parametrize("lua,flavour", RUNTIMES, ids=[r[0] for r in RUNTIMES])
def test_sigint_during_transfer_is_a_lua_error(lua, flavour, clean_sandbox):
    sb = clean_sandbox
    sb.fault(kind="delay", delay=DELAY, times=1, method="GET", path="/v1/app/accounts")
    _delayed_until[0] = max(_delayed_until[0], time.monotonic() + DELAY)
    rc, out, err, elapsed = _run(lua, flavour, sb, "transfer")
    assert rc == 1 and "returned" not in out, (rc, out, err)
    assert "interrupted" in err, err
    assert elapsed < BOUND


@pytest.mark.parametrize("lua,flavour", RUNTIMES, ids=[r[0] for r in RUNTIMES])
def test_sigint_caught_then_client_usable(lua, flavour, clean_sandbox):
    sb = clean_sandbox
    sb.fault(kind="delay", delay=DELAY, times=1, method="GET", path="/v1/app/accounts")
    _delayed_until[0] = max(_delayed_until[0], time.monotonic() + DELAY)
    rc, out, err, elapsed = _run(lua, flavour, sb, "caught")
    assert rc == 3, (rc, out, err)
    assert "caught interrupted" in out and "after ok" in out, (out, err)
    assert elapsed < BOUND


@pytest.mark.parametrize("lua,flavour", RUNTIMES, ids=[r[0] for r in RUNTIMES])
def test_sigint_during_retry_backoff(lua, flavour, clean_sandbox):
    sb = clean_sandbox
    sb.fault(kind="status", status=503, retry_after=DELAY, times=1, method="GET", path="/v1/app/accounts")
    rc, out, err, elapsed = _run(lua, flavour, sb, "backoff")
    assert rc == 1 and "returned" not in out and "interrupted" in err, (rc, out, err)
    assert elapsed < BOUND
    assert [e["status"] for e in sb.journal(path="/v1/app/accounts")] == [503]  # the retry never went out
