"""The Python examples (examples/python/*.py) run against the emulator, each
checked on what it prints or writes, not only on its exit status."""
import csv
import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
from decimal import Decimal

from light_sandbox.runner import free_port

from .conftest import BUILD, ROOT, OutputLines, example_env, post_raw, quarter_hours_in_month

sys.path.insert(0, str(ROOT / "tools"))
from demo import JOURNEY_STEPS, transcript_problems  # noqa: E402

EXAMPLES = ROOT / "examples" / "python"
PYTHONPATH = os.pathsep.join([str(ROOT / "python"), str(BUILD / "python")])
for _p in (str(BUILD / "python"), str(ROOT / "python")):  # the SDK from the source tree, as tests/python does
    if _p not in sys.path:
        sys.path.insert(0, _p)


def argv(script, *args):
    return [sys.executable, str(EXAMPLES / script), *map(str, args)]


def run(sb, cmd, expect=0, timeout=120):
    """stdout of an example run to completion against ``sb``; its exit status must be ``expect``."""
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env=example_env(sb, PYTHONPATH=PYTHONPATH))
    assert proc.returncode == expect, f"{cmd} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def today(sb):
    return dt.date.fromisoformat(sb.clock()["today"])


# ---- checks on what an example printed; tests/examples/test_examples_c.py applies them to the C programs ----

def check_journey(out):
    assert transcript_problems(out) == [], out
    lines = out.splitlines()
    assert len(lines) == len(JOURNEY_STEPS), out
    fig = {ln[4:].split(" — ", 1)[0]: ln.split(" — ", 1)[1] for ln in lines}
    assert re.fullmatch(r"[0-9a-f-]{36}", fig["create account"])
    assert fig["activate (sandbox)"] == "active/active"
    assert re.fullmatch(r"\d+ plans, .+ at \d+\.\d+¢/kWh", fig["request plans"])
    assert fig["invoices"] == "26 invoices across 3 pages"
    m = re.fullmatch(r"(\d+) received, (\d+) verified: (.+)", fig["webhooks"])
    assert m and int(m[1]) == int(m[2]) > 0
    assert {"enrollment.finalized", "location.service_active", "comparison_invoice.processed"} <= set(
        m[3].split(", "))


def check_enrollment_basic(out):
    statuses = re.findall(r"^[^:\n]+: (\w+/\w+)$", out, re.M)
    assert statuses == ["created/unresolved", "applying/plan_not_accepted", "applying/missing_identity",
                        "applying/missing_payment_method", "applying/missing_payment_method",
                        "applying/enrollment_not_finalized", "reviewing/verification_pending"], out
    assert "ESI ID 55512345671234567" in out
    assert len(re.findall(r"^plan: .+ — \d+\.\d+¢/kWh, \d+ months, EFL http", out, re.M)) == 3, out
    assert re.search(r"^accepted Fixed 24 from \d{4}-\d\d-\d\d", out, re.M), out  # the cheapest energy rate
    assert re.search(r"^payment method: visa ending 4242 \(setup intent seti_\w+\)$", out, re.M), out
    assert re.search(r"^finalized at \d{4}-\d\d-\d\dT", out, re.M), out


def check_ineligible(out):
    assert out.splitlines() == ["eligibility: 78701 likelihood 0", "not a retail-choice area; stopping"], out


def check_client_agent(out, days, todays):
    """``todays``: the emulator's date before and after the run (they differ only across midnight)."""
    m = re.search(r"start window (\d{4}-\d\d-\d\d)\.\.(\d{4}-\d\d-\d\d)", out)
    assert m, out
    earliest, latest = dt.date.fromisoformat(m[1]), dt.date.fromisoformat(m[2])
    assert earliest - dt.timedelta(days=7) in todays and latest - earliest == dt.timedelta(days=23), out
    start = (earliest + dt.timedelta(days=days - 7)).isoformat()
    assert "customer steps done: ready/enrollment_pending_client_agent" in out, out
    assert f"starting {start}: applying/enrollment_not_finalized" in out, out
    assert "finalized as client agent: reviewing/verification_pending" in out, out
    assert f"service start date: {start}" in out, out


def check_billing(out, pages):
    rows = re.findall(r"^(\S+-\d{4})  (\d{4}-\d\d-\d\d)  \S+\s+([\d.]+)\s+([\d.]+)  (paid|due|voided)$", out, re.M)
    assert len(rows) == 26 and len({r[0] for r in rows}) == 26, out
    assert [r[1] for r in rows] == sorted((r[1] for r in rows), reverse=True)  # newest first
    assert sum(r[4] == "voided" for r in rows) == 1
    paid = sum(Decimal(r[3]) for r in rows if r[4] == "paid")
    assert f"26 invoices across {pages} pages, {paid} paid" in out, out
    m = re.search(r"^charges add up to ([\d.]+) \(invoice total ([\d.]+)\)$", out, re.M)
    assert m and m[1] == m[2] == rows[0][3], out
    assert f"invoice {rows[0][0]}: {rows[0][3]}" in out
    assert "payment method: visa ending 4242" in out
    assert "(same as service address: True)" in out


def last_month(sb):
    last = today(sb).replace(day=1) - dt.timedelta(days=1)
    return last.year, last.month


def check_usage_csv(out, out_dir, year, month):
    ym = f"{year:04d}-{month:02d}"
    with open(out_dir / f"daily-{ym}.csv", newline="") as f:
        daily = list(csv.reader(f))
    with open(out_dir / f"intervals-{ym}.csv", newline="") as f:
        intervals = list(csv.reader(f))
    assert daily[0] == ["date", "consumption_kwh", "generation_kwh"]
    assert intervals[0] == ["start", "end", "date", "consumption_kwh", "generation_kwh"]
    days, expected = quarter_hours_in_month(year, month)  # 96 a day, 92 / 100 on DST change days
    assert [r[0] for r in daily[1:]] == [d.isoformat() for d in days]
    assert len(intervals) - 1 == expected
    per_day = {}
    for _start, _end, date, kwh, _gen in intervals[1:]:
        per_day[date] = per_day.get(date, Decimal(0)) + Decimal(kwh)
    for date, kwh, _gen in daily[1:]:
        assert per_day[date] == Decimal(kwh), date  # daily usage is the sum of its intervals
    total = sum(Decimal(r[1]) for r in daily[1:])
    assert total > 0
    assert f"wrote {len(days)} days to {out_dir / f'daily-{ym}.csv'} ({total} kWh)" in out, out
    assert (f"wrote {expected} intervals of 15 min (America/Chicago) to {out_dir / f'intervals-{ym}.csv'}"
            f" ({total} kWh)") in out, out


def check_webhook_receiver(sb, cmd, port):
    """Run the receiver ``cmd`` (listening on ``port``), point the emulator's webhooks at it, trigger events
    through SDK calls, then post forged, unsigned, tampered and good requests; check its answers and output."""
    import light

    url = f"http://127.0.0.1:{port}/"
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=example_env(sb, PYTHONPATH=PYTHONPATH))
    out = OutputLines(proc)
    try:
        out.wait_for(lambda ls: f"listening on {url}" in ls)
        sb.config(webhook_url=url)
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
        assert post_raw(url, body, {"Light-Signature-v1": forged})[0] == 400
        assert post_raw(url, body, {})[0] == 400
        good = light.webhooks.sign(body, sb.webhook_secret)
        assert post_raw(url, body.replace(b"finalized", b"finalizeD"), {"Light-Signature-v1": good})[0] == 400
        status, answer = post_raw(url, body, {"Light-Signature-v1": good})
        assert status == 200 and json.loads(answer) == {"ok": True}
        lines = out.wait_for(lambda ls: any("evt_forged" in ln for ln in ls))
        ours = [ln for ln in lines if ln.startswith("400 ") or "evt_forged" in ln]  # not late event deliveries
        assert ours == ["400 rejected: signature_mismatch", "400 rejected: malformed_header",
                              "400 rejected: signature_mismatch", "200 enrollment.finalized evt_forged account -"], lines
        # The emulator got 200 for every delivery to the example: nothing is left to retry.
        deliveries = [w for w in sb.webhooks() if w["url"] == url]
        assert deliveries and all(w["status"] == 200 for w in deliveries), deliveries
    finally:
        sb.reset_config()
        proc.terminate()  # SIGTERM: the example exits 0
        proc.wait(10)
    assert proc.returncode == 0, proc.stderr.read()


def check_receiver_max_requests(sb, cmd, port):
    """The receiver ``cmd`` was told to stop after 2 requests: it answers both with 400 and exits 0."""
    url = f"http://127.0.0.1:{port}/"
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=example_env(sb, PYTHONPATH=PYTHONPATH))
    out = OutputLines(proc)
    try:
        out.wait_for(lambda ls: f"listening on {url}" in ls)
        assert post_raw(url, b"{}", {})[0] == 400
        assert post_raw(url, b"{}", {"Light-Signature-v1": "1.abc"})[0] == 400
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(10)
    out.thread.join(5)
    assert out.lines[1:] == ["400 rejected: malformed_header", "400 rejected: malformed_header"], out.lines


# ---- the Python programs ----

def test_journey(sandbox_rx):
    check_journey(run(sandbox_rx, argv("journey.py")))


def test_journey_reports_a_failed_step(sandbox_rx):
    """A failing step prints ✗ with the error and exits 1 (here: the app token is refused)."""
    proc = subprocess.run(argv("journey.py"), cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env=example_env(sandbox_rx, PYTHONPATH=PYTHONPATH, LIGHT_APP_TOKEN="app_sandbox_wrong"))
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("  ✗ create account — AuthenticationError: "), proc.stdout


def test_quickstart(sandbox_rx):
    out = run(sandbox_rx, argv("quickstart.py"))
    assert "  ✓ create account — " in out and "  ✓ webhook sign + verify — enrollment.finalized" in out, out


def test_enrollment_basic(sandbox_rx):
    check_enrollment_basic(run(sandbox_rx, argv("enrollment_basic.py")))


def test_enrollment_basic_ineligible_area(sandbox_rx):
    check_ineligible(run(sandbox_rx, argv("enrollment_basic.py", "--postal-code", "78701"), expect=1))


def test_client_agent(sandbox_rx):
    before = today(sandbox_rx)
    out = run(sandbox_rx, argv("client_agent.py", "--start-in-days", 12))
    check_client_agent(out, 12, {before, today(sandbox_rx)})


def test_billing_invoices(sandbox_rx):
    check_billing(run(sandbox_rx, argv("billing_invoices.py", "--page-size", 7)), pages=4)


def test_usage_csv(sandbox_rx, tmp_path):
    year, month = last_month(sandbox_rx)
    out = run(sandbox_rx, argv("usage_csv.py", "--month", f"{year:04d}-{month:02d}", "--out-dir", tmp_path))
    check_usage_csv(out, tmp_path, year, month)


def test_webhook_receiver(sandbox_rx):
    port = free_port()
    check_webhook_receiver(sandbox_rx, argv("webhook_receiver.py", "--port", port), port)


def test_webhook_receiver_exits_after_max_requests(sandbox_rx):
    port = free_port()
    check_receiver_max_requests(sandbox_rx, argv("webhook_receiver.py", "--port", port, "--max-requests", 2), port)
