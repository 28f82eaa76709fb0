"""The Python examples (examples/python/*.py) run against the emulator, each
checked on what it prints or writes, not only on its exit status."""
import csv
import datetime as dt
import json
import os
import pathlib
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from decimal import Decimal
from zoneinfo import ZoneInfo

from tests.sandbox.runner import free_port

from .conftest import BUILD, ROOT, example_env

sys.path.insert(0, str(ROOT / "tools"))
from demo import JOURNEY_STEPS, transcript_problems  # noqa: E402

EXAMPLES = ROOT / "examples" / "python"
CHICAGO = ZoneInfo("America/Chicago")
PYTHONPATH = os.pathsep.join([str(ROOT / "python"), str(BUILD / "python")])
for _p in (str(BUILD / "python"), str(ROOT / "python")):  # the SDK from the source tree, as tests/python does
    if _p not in sys.path:
        sys.path.insert(0, _p)


def run(sb, script, *args, timeout=120, **env):
    proc = subprocess.run([sys.executable, str(EXAMPLES / script), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, env=example_env(sb, PYTHONPATH=PYTHONPATH, **env))
    assert proc.returncode == 0, f"{script} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def today(sb):
    return dt.date.fromisoformat(sb.clock()["today"])


def test_journey(sandbox_rx):
    out = run(sandbox_rx, "journey.py")
    assert transcript_problems(out) == [], out
    lines = out.splitlines()
    assert len(lines) == len(JOURNEY_STEPS), out
    fig = {ln[4:].split(" — ", 1)[0]: ln.split(" — ", 1)[1] for ln in lines}
    assert re.fullmatch(r"[0-9a-f-]{36}", fig["create account"])
    assert fig["activate (sandbox)"] == "active/active"
    assert re.fullmatch(r"\d+ plans, .+ at \d+\.\d+¢/kWh", fig["request plans"])
    assert re.fullmatch(r"26 invoices across 3 pages", fig["invoices"])
    m = re.fullmatch(r"(\d+) received, (\d+) verified: (.+)", fig["webhooks"])
    assert m and int(m[1]) == int(m[2]) > 0
    assert {"enrollment.finalized", "location.service_active", "comparison_invoice.processed"} <= set(
        m[3].split(", "))


def test_quickstart(sandbox_rx):
    out = run(sandbox_rx, "quickstart.py")
    assert "  ✓ create account — " in out and "  ✓ webhook sign + verify — enrollment.finalized" in out, out


def test_enrollment_basic(sandbox_rx):
    out = run(sandbox_rx, "enrollment_basic.py")
    statuses = re.findall(r"^[^:\n]+: (\w+/\w+)$", out, re.M)
    assert statuses == ["created/unresolved", "applying/plan_not_accepted", "applying/missing_identity",
                        "applying/missing_payment_method", "applying/missing_payment_method",
                        "applying/enrollment_not_finalized", "reviewing/verification_pending"], out
    assert "ESI ID 55512345671234567" in out
    assert re.search(r"^accepted Fixed 24 from \d{4}-\d\d-\d\d", out, re.M), out  # the cheapest energy rate
    assert "payment method: visa ending 4242" in out


def test_enrollment_basic_ineligible_area(sandbox_rx):
    proc = subprocess.run([sys.executable, str(EXAMPLES / "enrollment_basic.py"), "--postal-code", "78701"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env=example_env(sandbox_rx, PYTHONPATH=PYTHONPATH))
    assert proc.returncode == 1 and "likelihood 0" in proc.stdout and "not a retail-choice area" in proc.stdout


def test_client_agent(sandbox_rx):
    out = run(sandbox_rx, "client_agent.py", "--start-in-days", "12")
    start = (today(sandbox_rx) + dt.timedelta(days=12)).isoformat()
    assert "customer steps done: ready/enrollment_pending_client_agent" in out, out
    assert f"starting {start}: applying/enrollment_not_finalized" in out, out
    assert "finalized as client agent: reviewing/verification_pending" in out, out
    assert f"service start date: {start}" in out, out
    earliest = (today(sandbox_rx) + dt.timedelta(days=7)).isoformat()
    assert f"start window {earliest}.." in out, out


def test_billing_invoices(sandbox_rx):
    out = run(sandbox_rx, "billing_invoices.py", "--page-size", "7")
    rows = re.findall(r"^(\S+-\d{4})  (\d{4}-\d\d-\d\d)  \S+\s+([\d.]+)\s+([\d.]+)  (paid|due|voided)$", out, re.M)
    assert len(rows) == 26 and len({r[0] for r in rows}) == 26, out
    assert [r[1] for r in rows] == sorted((r[1] for r in rows), reverse=True)  # newest first
    assert sum(r[4] == "voided" for r in rows) == 1
    paid = sum(Decimal(r[3]) for r in rows if r[4] == "paid")
    assert f"26 invoices across 4 pages, {paid} paid" in out, out
    m = re.search(r"^charges add up to ([\d.]+) \(invoice total ([\d.]+)\)$", out, re.M)
    assert m and m[1] == m[2] == rows[0][3], out
    assert f"invoice {rows[0][0]}: {rows[0][3]}" in out
    assert "payment method: visa ending 4242" in out


def days_of(month_start):
    d = month_start
    while d.month == month_start.month:
        yield d
        d += dt.timedelta(days=1)


def test_usage_csv(sandbox_rx, tmp_path):
    t = today(sandbox_rx)
    last = t.replace(day=1) - dt.timedelta(days=1)
    month = f"{last.year:04d}-{last.month:02d}"
    out = run(sandbox_rx, "usage_csv.py", "--month", month, "--out-dir", str(tmp_path))
    with open(tmp_path / f"daily-{month}.csv", newline="") as f:
        daily = list(csv.reader(f))
    with open(tmp_path / f"intervals-{month}.csv", newline="") as f:
        intervals = list(csv.reader(f))
    assert daily[0] == ["date", "consumption_kwh", "generation_kwh"]
    assert intervals[0] == ["start", "end", "date", "consumption_kwh", "generation_kwh"]
    days = list(days_of(last.replace(day=1)))
    assert [r[0] for r in daily[1:]] == [d.isoformat() for d in days]
    # 96 quarter hours a day, 92 / 100 on the DST change days: count from the calendar.
    expected = 0
    for d in days:
        start = dt.datetime(d.year, d.month, d.day, tzinfo=CHICAGO)
        nxt = d + dt.timedelta(days=1)
        end = dt.datetime(nxt.year, nxt.month, nxt.day, tzinfo=CHICAGO)
        expected += int((end.timestamp() - start.timestamp()) // 900)
    assert len(intervals) - 1 == expected
    per_day = {}
    for _start, _end, date, kwh, _gen in intervals[1:]:
        per_day[date] = per_day.get(date, Decimal(0)) + Decimal(kwh)
    for date, kwh, _gen in daily[1:]:
        assert per_day[date] == Decimal(kwh), date  # daily usage is the sum of its intervals
    total = sum(Decimal(r[1]) for r in daily[1:])
    assert f"wrote {len(days)} days to {tmp_path / f'daily-{month}.csv'} ({total} kWh)" in out, out
    assert f"wrote {expected} intervals of 15 min (America/Chicago)" in out and f"({total} kWh)" in out, out


class Lines:
    """A child's stdout lines, collected by a thread."""

    def __init__(self, proc):
        self.lines = []
        self._t = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self._t.start()

    def _read(self, proc):
        for line in proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, pred, timeout=20):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if pred(list(self.lines)):
                return list(self.lines)
            time.sleep(0.05)
        raise AssertionError(f"timed out; output so far: {self.lines}")


def post(url, body, headers):
    req = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_webhook_receiver(sandbox_rx):
    import light

    sb = sandbox_rx
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(EXAMPLES / "webhook_receiver.py"), "--port", str(port)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=example_env(sb, PYTHONPATH=PYTHONPATH))
    out = Lines(proc)
    try:
        out.wait_for(lambda ls: f"listening on http://127.0.0.1:{port}/" in ls)
        sb.config(webhook_url=f"http://127.0.0.1:{port}/")
        client = light.Client(sb.app_token, base_url=sb.base_url)
        account = client.accounts.create(email=f"rx{time.time_ns()}@example.com", first_name="Ada",
                                         last_name="Lovelace", phone_number="214-555-0100",
                                         date_of_birth="1985-12-10")
        acct = client.for_account(account.uuid)
        acct.enroll.update_identity()  # enrollment.identity_updated
        acct.billing.ensure_payment_method_added(payment_method_id="pm_card_visa")  # account.payment_method_added
        client.close()
        want = {"enrollment.identity_updated", "account.payment_method_added"}
        mine = re.compile(rf"200 ([a-z_]+\.[a-z_]+) [0-9a-f-]{{36}} account {account.uuid}")
        out.wait_for(lambda ls: want <= {m[1] for m in map(mine.fullmatch, ls) if m})

        body = json.dumps({"uuid": "evt_forged", "created_at": "2026-01-01T00:00:00Z", "api_version": "v1",
                           "event": "enrollment.finalized", "data": {}}).encode()
        forged = light.webhooks.sign(body, "whsec_not_the_secret")
        assert post(f"http://127.0.0.1:{port}/", body, {"Light-Signature-v1": forged})[0] == 400
        assert post(f"http://127.0.0.1:{port}/", body, {})[0] == 400
        good = light.webhooks.sign(body, sb.webhook_secret)
        tampered = body.replace(b"finalized", b"finalizeD")
        assert post(f"http://127.0.0.1:{port}/", tampered, {"Light-Signature-v1": good})[0] == 400
        assert post(f"http://127.0.0.1:{port}/", body, {"Light-Signature-v1": good})[0] == 200
        lines = out.wait_for(lambda ls: any("evt_forged" in ln for ln in ls))
        tail = lines[-4:]
        assert tail == ["400 rejected: signature_mismatch", "400 rejected: malformed_header",
                        "400 rejected: signature_mismatch", "200 enrollment.finalized evt_forged account -"], lines
        # The emulator got 200 for its deliveries: nothing is left to retry.
        deliveries = [w for w in sb.webhooks() if w["url"] == f"http://127.0.0.1:{port}/"]
        assert deliveries and all(w["status"] == 200 for w in deliveries), deliveries
    finally:
        sb.reset_config()
        proc.terminate()
        proc.wait(10)
    assert proc.returncode == 0, proc.stderr.read()


def test_webhook_receiver_exits_after_max_requests(sandbox_rx, tmp_path):
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(EXAMPLES / "webhook_receiver.py"), "--port", str(port),
                             "--max-requests", "2"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=example_env(sandbox_rx, PYTHONPATH=PYTHONPATH))
    out = Lines(proc)
    try:
        out.wait_for(lambda ls: ls and ls[0].startswith("listening on"))
        assert post(f"http://127.0.0.1:{port}/", b"{}", {})[0] == 400
        assert post(f"http://127.0.0.1:{port}/", b"{}", {"Light-Signature-v1": "1.abc"})[0] == 400
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(10)
    out._t.join(5)
    assert out.lines[1:] == ["400 rejected: malformed_header", "400 rejected: malformed_header"], out.lines
