"""The command line: ready line, human banner, receiver, SIGTERM, loopback only."""
import json
import os
import signal
import subprocess
import sys
import time

import requests

from light_sandbox.runner import REPO_ROOT, SandboxProcess


def test_ready_json_and_sigterm():
    p = subprocess.Popen([sys.executable, "-m", "light_sandbox", "--port", "0", "--ready-json", "--app-token",
                          "app_test_token", "--webhook-secret", "whsec_test"], cwd=REPO_ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        info = json.loads(p.stdout.readline())
        assert set(info) >= {"base_url", "app_token", "webhook_secret", "ca_file", "pid"}
        assert info["base_url"].startswith("http://127.0.0.1:") and info["ca_file"] is None
        assert info["app_token"] == "app_test_token" and info["webhook_secret"] == "whsec_test"
        assert info["pid"] == p.pid
        r = requests.get(info["base_url"] + "/v1/app/plan-groups", headers={"Authorization": "Bearer app_test_token"})
        assert r.status_code == 200
    finally:
        os.kill(p.pid, signal.SIGTERM)
        t0 = time.monotonic()
        assert p.wait(10) == 0 and time.monotonic() - t0 < 5
        err = p.stderr.read()
        p.stdout.close()
        p.stderr.close()
    assert "listening on http://127.0.0.1:" in err


def test_human_banner_and_loopback_only():
    p = subprocess.Popen([sys.executable, "-m", "light_sandbox", "--port", "0"], cwd=REPO_ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        lines = [p.stdout.readline() for _ in range(3)]
        assert "http://127.0.0.1:" in lines[0] and "app token" in lines[1] and "webhook secret" in lines[2]
    finally:
        p.send_signal(signal.SIGINT)
        assert p.wait(10) == 0
        p.stdout.close()
    r = subprocess.run([sys.executable, "-m", "light_sandbox", "--port", "0", "--host", "0.0.0.0"], cwd=REPO_ROOT,
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and "loopback" in r.stderr


def test_builtin_receiver():
    with SandboxProcess(["--receiver", "--webhook-retry-delays", "0.1,0.1"]) as sb:
        assert sb.receiver_url and sb.config()["webhook_url"] == sb.receiver_url
        acct = sb.create_account(first_name="A", last_name="B", phone_number="2145550100",
                                 date_of_birth="1980-01-01")
        tok = sb.account_token(acct["uuid"])
        st, _, _ = sb.request("PATCH", "/v1/account/enroll/identity", {}, token=tok)
        assert st == 200
        got = []
        for _ in range(100):
            got = requests.get(sb.receiver_url).json()
            if got:
                break
            time.sleep(0.05)
        assert got and got[0]["verified"] is True and got[0]["event"] == "enrollment.identity_updated"


def test_env_and_helpers(sandbox):
    env = sandbox.env()
    assert env["LIGHT_SANDBOX_URL"] == sandbox.base_url
    assert env["LIGHT_SANDBOX_APP_TOKEN"] == sandbox.app_token
    assert env["LIGHT_SANDBOX_WEBHOOK_SECRET"] == sandbox.webhook_secret
    assert env["LIGHT_SANDBOX_CA_FILE"] == ""
    assert sandbox.alive() and isinstance(sandbox.connections(), int)


def test_reset_wipes_state():
    with SandboxProcess() as sb:
        acct = sb.create_account()
        sb.fault(kind="delay", path="/x", delay=0.1)
        sb.advance_clock(100)
        sb.reset()
        st, _, _ = sb.request("GET", f"/v1/app/accounts/{acct['uuid']}", token=sb.app_token)
        assert st == 404
        assert sb.admin("GET", "faults") == [] and abs(sb.clock()["offset"]) < 1
        assert [e["path"] for e in sb.journal()] == [f"/v1/app/accounts/{acct['uuid']}"]


def test_no_orphan_when_parent_dies(tmp_path):
    """A parent killed with SIGKILL (no fixture teardown) does not leave the emulator running."""
    script = tmp_path / "parent.py"
    script.write_text(
        "import sys, time\n"
        f"sys.path.insert(0, {str(REPO_ROOT)!r})\n"
        "from light_sandbox.runner import SandboxProcess\n"
        "sb = SandboxProcess().start()\n"
        "print(sb.pid, flush=True)\n"
        "time.sleep(60)\n")
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    parent.kill()
    parent.wait()
    parent.stdout.close()
    def gone():
        try:
            with open(f"/proc/{child}/stat") as f:
                return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")  # exited, not yet reaped
        except FileNotFoundError:
            return True
        except OSError:
            return False

    for _ in range(50):
        if gone():
            break
        time.sleep(0.1)
    else:
        os.kill(child, signal.SIGTERM)
        raise AssertionError("emulator outlived its parent")
