"""The dashboard (/_sandbox/ui) in a real browser: Debian's chromium, headless, driven by
playwright-core (tools/install-deps.d/browser.sh) through dashboard_driver.js.

Load the page, create an account through the Python SDK and see it appear (and its
request in the journal, attributed to Python), move it to active with the button,
trigger an event from the page and see its delivery verified by the receiver, inject
a fault and advance the clock from the page; a screenshot is kept in the test's
tmp_path (its path is printed)."""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import threading

import pytest

from light_sandbox.runner import REPO_ROOT, SandboxProcess

BUILD = pathlib.Path(os.environ.get("LIGHT_BUILD_DIR", REPO_ROOT / "build"))
PREFIX = pathlib.Path(os.environ.get("LIGHT_BROWSER_PREFIX", REPO_ROOT / "build-browser"))
DRIVER = pathlib.Path(__file__).with_name("dashboard_driver.js")


def _python_sdk():
    for p in (str(BUILD / "python"), str(REPO_ROOT / "python")):
        if p not in sys.path:
            sys.path.insert(0, p)
    import light
    return light


class Browser:
    def __init__(self, env):
        missing = [what for what, ok in (("chromium", shutil.which("chromium")),
                                         ("playwright-core", (PREFIX / "node_modules/playwright-core").is_dir()))
                   if not ok]
        if missing:
            raise AssertionError(f"{' and '.join(missing)} not installed: run tools/install-deps.d/browser.sh")
        self.p = subprocess.Popen(["node", str(DRIVER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, env=env, cwd=REPO_ROOT)
        self.err = []
        threading.Thread(target=lambda: self.err.extend(self.p.stderr), daemon=True).start()

    def __call__(self, cmd, **kw):
        kw["cmd"] = cmd
        self.p.stdin.write(json.dumps(kw) + "\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        assert line, f"browser driver died: {''.join(self.err)[-2000:]}"
        out = json.loads(line)
        assert out["ok"], f"{cmd}: {out}"
        return out

    def close(self):
        if self.p.poll() is None:
            try:
                self.p.stdin.write('{"cmd": "quit"}\n')
                self.p.stdin.close()
                self.p.wait(20)
            except (OSError, subprocess.TimeoutExpired):
                self.p.kill()
                self.p.wait(5)
        self.p.stdout.close()


@pytest.fixture
def emulator():
    with SandboxProcess(["--receiver", "--webhook-retry-delays", "0.2,0.2"]) as sb:
        yield sb


def test_dashboard_in_chromium(emulator, tmp_path):
    sb = emulator
    light = _python_sdk()
    env = dict(os.environ, LIGHT_SANDBOX_URL=sb.base_url)
    br = Browser(env)
    try:
        page = br("load", url=sb.base_url + "/_sandbox/ui")
        assert page["status"] == 200 and page["title"] == "Light sandbox"
        assert len(page["events"]) == 18

        # an account created through the SDK appears, and so does its request
        client = light.Client(sb.app_token, base_url=sb.base_url)
        try:
            acct = client.accounts.create(email="dash@example.com", first_name="Dash", last_name="Board",
                                          phone_number="214-555-0100", date_of_birth="1985-12-10")
        finally:
            client.close()
        row = br("wait_account", uuid=acct.uuid, status="created/unresolved")
        assert "dash@example.com" in row["text"]
        br("wait_request", sdk="Python", path="/v1/app/accounts")

        # "Move to active" walks the real enrollment (plan, identity, payment, credit, finalize, seed)
        br("click_activate", uuid=acct.uuid)
        br("wait_account", uuid=acct.uuid, status="active/active")
        st, a, _ = sb.request("GET", f"/v1/app/accounts/{acct.uuid}", token=sb.app_token)
        assert st == 200 and a["status"] == "active" and a["locations"]

        # trigger an event from the page: its delivery to the receiver shows up, signature verified
        out = br("trigger", event="account.invoice_sent", uuid=acct.uuid)
        assert "account.invoice_sent" in out["toast"]
        got = br("wait_delivery", event="account.invoice_sent")
        assert "200" in got["text"] and "verified" in got["text"]
        assert any(r["event"] == "account.invoice_sent" and r["verified"] is True and r["status"] == 200
                   for r in sb.webhooks())

        # fault and clock buttons act on the emulator
        br("fault", path="/v1/account", status=503)
        faults = sb.admin("GET", "faults")
        assert [(f["path"], f["kind"], f["status"]) for f in faults] == [("/v1/account", "status", 503)]
        clock = br("advance_clock")
        assert clock["after"] != clock["before"]
        assert 86000 < sb.clock()["offset"] < 86800

        shot = tmp_path / "dashboard.png"
        res = br("screenshot", path=str(shot))
        print(f"\ndashboard screenshot: {shot}")
        assert shot.stat().st_size > 20000
        assert res["errors"] == [], res["errors"]
        assert res["external"] == [], res["external"]  # no external assets
    finally:
        br.close()
