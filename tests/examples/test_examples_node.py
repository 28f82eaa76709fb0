"""The runnable Node examples (examples/node/), each run as a user would
(`node examples/node/<name>.js`) against the emulator with its webhook
receiver, and judged on what it prints and on the emulator's own state.

Figures printed by an example are checked against the emulator (accounts,
invoices, usage read back over HTTP with the app or account token), so a
program that prints plausible text without doing the work fails.
"""
import calendar
import csv
import datetime as dt
import json
import math
import queue
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
import zoneinfo

import pytest

from tests.conftest import free_port
from tests.examples.conftest import ROOT, example_env

EX = ROOT / "examples" / "node"
NODE = shutil.which("node")
CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
JOURNEY_STEPS = [
    "create account", "check eligibility", "search address", "request plans", "accept plan",
    "submit identity", "credit check", "add payment method", "finalize enrollment", "activate (sandbox)",
    "usage", "invoices", "documents", "renewal plans", "comparison", "webhooks",
]

if NODE is None:  # a hard failure, not a skip: the Node examples are part of the product
    raise RuntimeError("node is not installed (tools/install-deps.d/node.sh)")


def run(sb, script, *args, env=None, check=True, timeout=120, cwd=ROOT):
    p = subprocess.run([NODE, str(EX / script), *map(str, args)], cwd=cwd, env=env or example_env(sb),
                       capture_output=True, text=True, timeout=timeout)
    if check:
        assert p.returncode == 0, f"{script} exited {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
    return p


def facts(stdout):
    """'key: value' lines -> {key: [values...]}."""
    out = {}
    for line in stdout.splitlines():
        key, sep, value = line.partition(": ")
        if sep and not line.startswith(" "):
            out.setdefault(key, []).append(value)
    return out


def app_get(sb, path):
    status, body, _ = sb.request("GET", path, token=sb.app_token)
    assert status == 200, (path, status, body)
    return body


def account_get(sb, uuid, path):
    status, body, _ = sb.request("GET", path, token=sb.account_token(uuid))
    assert status == 200, (path, status, body)
    return body


def sandbox_today(sb):
    return dt.date.fromisoformat(sb.clock()["today"])


def wh(s):
    whole, _, frac = s.partition(".")
    return int(whole) * 1000 + int(frac.ljust(3, "0"))


def cents(s):
    whole, _, frac = s.lstrip("$").partition(".")
    return int(whole) * 100 + int(frac.ljust(2, "0"))


def demo_account(sb):
    p = run(sb, "demo_account.js")
    m = re.fullmatch(rf"({UUID}) ({UUID})\n", p.stdout)
    assert m, p.stdout
    return m.group(1), m.group(2)


class LineReader:
    """Lines of a child's stdout, read on a thread, waited for with a generous deadline."""

    def __init__(self, proc):
        self.lines, self.q = [], queue.Queue()
        threading.Thread(target=self._pump, args=(proc.stdout,), daemon=True).start()

    def _pump(self, stream):
        for line in stream:
            self.q.put(line.rstrip("\n"))
        self.q.put(None)

    def wait_for(self, pred, timeout=60):
        deadline = time.monotonic() + timeout
        for line in self.lines:
            if pred(line):
                return line
        while time.monotonic() < deadline:
            try:
                line = self.q.get(timeout=max(0.05, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            self.lines.append(line)
            if pred(line):
                return line
        raise AssertionError(f"no matching line; got so far:\n" + "\n".join(self.lines))


def post(url, body, headers):
    req = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def deliveries_for(sb, account_uuid, need_event, timeout=30):
    """Receiver deliveries whose data mentions the account, once need_event has arrived."""
    deadline = time.monotonic() + timeout
    while True:
        with urllib.request.urlopen(sb.receiver_url, timeout=30) as r:
            got = [d for d in json.load(r) if account_uuid in json.dumps(json.loads(d["body"])["data"])]
        if any(d["event"] == need_event for d in got) or time.monotonic() > deadline:
            return got
        time.sleep(0.1)


# ---- journey + quickstart --------------------------------------------------------------


def test_journey_runs_every_step(sandbox_rx):
    p = run(sandbox_rx, "journey.js")
    lines = p.stdout.splitlines()
    assert [re.match(r"  ✓ (.+?) — ", l).group(1) for l in lines] == JOURNEY_STEPS, p.stdout
    fig = {re.match(r"  ✓ (.+?) — (.*)", l).group(1): re.match(r"  ✓ (.+?) — (.*)", l).group(2) for l in lines}
    uuid = fig["create account"]
    assert re.fullmatch(UUID, uuid)
    account = app_get(sandbox_rx, f"/v1/app/accounts/{uuid}")
    assert account["status"] == "active" and account["enrollment"]["is_enrollment_finalized"] is True
    assert fig["search address"] == f"ESI ID {account['locations'][0]['utility_number']}"
    assert fig["activate (sandbox)"] == "active/active"
    assert re.fullmatch(r"\d+ plans, .+ at \d+\.\d+¢/kWh", fig["request plans"])
    assert re.fullmatch(r"\d+ months, \d+ days, \d+ intervals of 15 min", fig["usage"])
    n, pages = map(int, re.fullmatch(r"(\d+) invoices across (\d+) pages", fig["invoices"]).groups())
    listed = account_get(sandbox_rx, uuid, "/v1/account/billing/invoices?limit=1000")["data"]
    assert n == len(listed) > 0 and pages >= 1
    m = re.fullmatch(r"(\d+) received, (\d+) verified: (.+)", fig["webhooks"])
    assert m and m.group(1) == m.group(2) and int(m.group(1)) > 0
    for name in ("enrollment.finalized", "location.service_active", "comparison_invoice.processed"):
        assert name in m.group(3).split(", ")
    assert sandbox_rx.app_token not in p.stdout + p.stderr


def test_journey_reports_the_failing_step(sandbox_rx):
    env = example_env(sandbox_rx, LIGHT_APP_TOKEN="app_sandbox_not_a_real_token")
    p = run(sandbox_rx, "journey.js", env=env, check=False)
    assert p.returncode == 1
    assert re.fullmatch(r"  ✗ create account — AuthenticationError: .+\n", p.stdout), p.stdout


def test_quickstart_still_runs(sandbox_rx):
    p = run(sandbox_rx, "quickstart.js")
    assert "  ✓ webhook sign + verify — enrollment.finalized" in p.stdout
    assert len(p.stdout.splitlines()) == 6


# ---- enrollment --------------------------------------------------------------------------


def test_enrollment_basic(sandbox_rx):
    p = run(sandbox_rx, "enrollment_basic.js", "--address", "456 Elm Street", "--postal-code", "75202")
    f = facts(p.stdout)
    uuid = re.fullmatch(rf"({UUID}) created/unresolved", f["account"][0]).group(1)
    assert f["service point"] == ["ESI ID 10443720000000001 (full address search)"]
    assert len(f["plan"]) >= 2 and all("EFL http" in l and "TOS http" in l and "YRAC http" in l for l in f["plan"])
    # the default choice is the cheapest energy rate
    rates = {l.split(" | ")[0]: float(l.split(" | ")[1].rstrip("¢/kWh")) for l in f["plan"]}
    cheapest = min(rates, key=rates.get)
    assert f["accepted"][0].startswith(f"{cheapest} from {sandbox_today(sandbox_rx).isoformat()} -> ")
    assert f["payment method"][0].startswith("visa ending 4242")
    assert f["status"] == ["reviewing/verification_pending"]
    account = app_get(sandbox_rx, f"/v1/app/accounts/{uuid}")
    assert (account["status"], account["status_reason"]) == ("reviewing", "verification_pending")
    e = account["enrollment"]
    assert e["is_enrollment_finalized"] and e["has_accepted_plan"] and e["has_payment_method"]
    assert f["finalized"] == [f"true at {e['finalized_at']}"]
    assert account["locations"][0]["utility_number"] == "10443720000000001"
    assert account["locations"][0]["plan_name"] == cheapest


def test_enrollment_basic_falls_back_to_type_ahead(sandbox_rx):
    p = run(sandbox_rx, "enrollment_basic.js", "--address", "789 Oak", "--postal-code", "76102", "--plan", "Fixed 24")
    f = facts(p.stdout)
    assert f["service point"] == ["ESI ID 10443720000000002 (type-ahead search)"]
    uuid = f["account"][0].split()[0]
    account = app_get(sandbox_rx, f"/v1/app/accounts/{uuid}")
    assert account["locations"][0]["plan_name"] == "Fixed 24"
    assert account["enrollment"]["is_enrollment_finalized"] is True


def test_enrollment_basic_unknown_address_fails(sandbox_rx):
    p = run(sandbox_rx, "enrollment_basic.js", "--address", "1 Nowhere Rd", "--postal-code", "75202", check=False)
    assert p.returncode == 1
    assert p.stdout.splitlines()[-1] == "error: Error: no service point found for 1 Nowhere Rd, 75202"


def test_client_agent(sandbox_rx):
    today = sandbox_today(sandbox_rx)
    p = run(sandbox_rx, "client_agent.js", "--esi-id", "10443720000000004", "--days-ahead", "12")
    f = facts(p.stdout)
    uuid = f["account"][0].split()[0]
    assert f["client agent recorded"][0].startswith("true at ")
    assert f["customer steps done"] == ["ready/enrollment_pending_client_agent"]
    earliest, latest = today + dt.timedelta(days=7), today + dt.timedelta(days=30)
    assert re.fullmatch(rf"\d+, start window {earliest}\.\.{latest}, expire .+", f["plans"][0]), f["plans"]
    assert f["refused start " + (earliest - dt.timedelta(days=4)).isoformat()] == ["422"]
    start = today + dt.timedelta(days=12)
    assert re.fullmatch(rf".+ from {start} -> applying/enrollment_not_finalized", f["accepted"][0])
    assert f["status"] == ["reviewing/verification_pending"]
    account = app_get(sandbox_rx, f"/v1/app/accounts/{uuid}")
    assert account["client_agent_accepted"] is True
    assert account["enrollment"]["is_enrollment_finalized"] is True
    assert account["locations"][0]["service_start_date"] == start.isoformat()
    assert account["locations"][0]["utility_number"] == "10443720000000004"


# ---- billing ---------------------------------------------------------------------------


def test_billing_invoices(sandbox_rx):
    uuid, _ = demo_account(sandbox_rx)
    p = run(sandbox_rx, "billing_invoices.js", "--account", uuid, "--page-size", "7")
    f = facts(p.stdout)
    truth = account_get(sandbox_rx, uuid, "/v1/account/billing/invoices?limit=1000")["data"]
    rows = [l.split(" | ") for l in f["invoice"]]
    assert [r[0] for r in rows] == [i["number"] for i in truth]
    assert [cents(r[3]) for r in rows] == [i["total_cents"] for i in truth]
    n = len(truth)
    total = sum(i["total_cents"] for i in truth)
    kwh = sum(wh(i["total_kwh"]) for i in truth)
    unpaid = sum(1 for i in truth if not i["paid_at"] and not i["voided_at"])
    assert f["invoices"] == [f"{n} across {math.ceil(n / 7)} pages, total ${total // 100}.{total % 100:02d}, "
                             f"{kwh // 1000}.{kwh % 1000:03d} kWh, {unpaid} unpaid"]
    latest = max(truth, key=lambda i: i["invoice_date"])
    assert f["detail"][0].startswith(f"{latest['number']} for {latest['billing_period_start']}..")
    detail = account_get(sandbox_rx, uuid, f"/v1/account/billing/invoices/{latest['number']}")
    charges = [c for g in detail["charges_groups"] for c in g["charges"]]
    assert len([l for l in p.stdout.splitlines() if l.startswith("    ")]) == len(charges)
    assert f["charges"] == [f"${latest['total']} matches the invoice total"]
    pm = account_get(sandbox_rx, uuid, "/v1/account/billing/payment-method")
    assert f["payment method"] == [f"{pm['card_brand']} ending {pm['card_last4']}, "
                                   f"expires {pm['card_exp_month']}/{pm['card_exp_year']}"]

    bad = run(sandbox_rx, "billing_invoices.js", "--account", uuid, "--invoice", "NOPE-1", check=False)
    assert bad.returncode == 1
    assert bad.stdout.splitlines()[-1] == "error: Error: invoice NOPE-1 not found (HTTP 404)"


# ---- usage -----------------------------------------------------------------------------


def intervals_in_local_day(d):
    start = dt.datetime(d.year, d.month, d.day, tzinfo=CHICAGO)
    end = start + dt.timedelta(days=1)  # wall-clock midnight to midnight; DST changes the length
    return int((end.timestamp() - start.timestamp()) // 900)


def previous_month(d):
    last = d.replace(day=1) - dt.timedelta(days=1)
    return last.year, last.month


def latest_dst_month(today):
    """The most recent complete March or November before today (within the year of history)."""
    y, m = previous_month(today)
    while m not in (3, 11):
        y, m = previous_month(dt.date(y, m, 1))
    return y, m


def check_usage_month(sb, uuid, location, year, month, out):
    tag = f"{year}-{month:02d}"
    p = run(sb, "usage_csv.js", "--account", uuid, "--month", tag, "--out", out)
    f = facts(p.stdout)
    with open(out / f"daily-{tag}.csv", newline="") as fh:
        daily = list(csv.DictReader(fh))
    with open(out / f"intervals-{tag}.csv", newline="") as fh:
        intervals = list(csv.DictReader(fh))
    ndays = calendar.monthrange(year, month)[1]
    days = [dt.date(year, month, i + 1) for i in range(ndays)]
    assert [r["date"] for r in daily] == [d.isoformat() for d in days]
    per_day = {}
    for r in intervals:
        n, total = per_day.get(r["date"], (0, 0))
        per_day[r["date"]] = (n + 1, total + wh(r["consumption_kwh"]))
        assert dt.datetime.fromisoformat(r["end"]) - dt.datetime.fromisoformat(r["start"]) == dt.timedelta(minutes=15)
    assert {d: n for d, (n, _) in per_day.items()} == {d.isoformat(): intervals_in_local_day(d) for d in days}
    for r in daily:
        assert per_day[r["date"]][1] == wh(r["consumption_kwh"]), r
    # the CSV holds exactly what the API returned
    truth = account_get(sb, uuid, f"/v1/account/locations/{location}/usage/daily?month={month}&year={year}")
    assert [(r["date"], r["consumption_kwh"]) for r in daily] == [(d["date"], d["consumption"]) for d in truth["days"]]
    total = sum(wh(r["consumption_kwh"]) for r in daily)
    total_s = f"{total // 1000}.{total % 1000:03d}"
    assert f["wrote " + str(out / f"daily-{tag}.csv")] == [f"{ndays} days, {total_s} kWh"]
    assert f["wrote " + str(out / f"intervals-{tag}.csv")] == [f"{len(intervals)} intervals of 15 min, {total_s} kWh"]
    assert f["check"] == [f"intervals add up to the daily total on {ndays} of {ndays} days"]
    return f, intervals


def test_usage_csv_last_month(sandbox_rx, tmp_path):
    uuid, location = demo_account(sandbox_rx)
    year, month = previous_month(sandbox_today(sandbox_rx))
    check_usage_month(sandbox_rx, uuid, location, year, month, tmp_path)


def test_usage_csv_dst_month(sandbox_rx, tmp_path):
    uuid, location = demo_account(sandbox_rx)
    year, month = latest_dst_month(sandbox_today(sandbox_rx))
    f, intervals = check_usage_month(sandbox_rx, uuid, location, year, month, tmp_path)
    # one day of 92 (spring forward) or 100 (fall back) intervals, and the example says which
    (odd,) = f["days without 96 intervals (DST)"]
    date, n = odd.split(": ")
    assert int(n) == (92 if month == 3 else 100)
    assert sum(1 for r in intervals if r["date"] == date) == int(n)


def test_usage_csv_without_account_sets_up_a_demo_customer(sandbox_rx, tmp_path):
    year, month = previous_month(dt.date.today())  # the example's default: last month, local time
    p = run(sandbox_rx, "usage_csv.js", cwd=tmp_path)
    tag = f"{year}-{month:02d}"
    assert (tmp_path / f"daily-{tag}.csv").is_file() and (tmp_path / f"intervals-{tag}.csv").is_file()
    assert re.search(r"^check: intervals add up to the daily total on (\d+) of \1 days$", p.stdout, re.M), p.stdout


# ---- webhooks --------------------------------------------------------------------------


@pytest.fixture
def receiver(sandbox_rx):
    """examples/node/webhook_receiver.js on a free port, the emulator delivering to it."""
    proc = subprocess.Popen([NODE, str(EX / "webhook_receiver.js"), "--port", "0"], cwd=ROOT,
                            env=example_env(sandbox_rx), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out = LineReader(proc)
        url = out.wait_for(lambda l: l.startswith("listening: ")).split(": ", 1)[1]
        sandbox_rx.config(webhook_url=url)
        yield proc, out, url
    finally:
        sandbox_rx.reset_config()  # back to the emulator's own receiver
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        proc.stderr.close()


def test_webhook_receiver(sandbox_rx, receiver):
    proc, out, url = receiver
    # SDK calls (the basic enrollment example) make the emulator deliver signed events to the receiver.
    p = run(sandbox_rx, "enrollment_basic.js")
    uuid = facts(p.stdout)["account"][0].split()[0]
    wanted = ["enrollment.plan_requested", "enrollment.plan_accepted", "enrollment.identity_updated",
              "account.payment_method_added", "enrollment.finalized"]
    for name in wanted:
        out.wait_for(lambda l, name=name: re.fullmatch(rf"event: {re.escape(name)} {UUID} account {uuid}", l))
    # the emulator's delivery log (it records a delivery once answered): every one to the example got 200
    deadline = time.monotonic() + 30
    while True:
        mine = [w for w in sandbox_rx.webhooks() if w["url"] == url]
        if {w["event"] for w in mine} >= set(wanted) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert {w["event"] for w in mine} >= set(wanted)
    assert all(w["status"] == 200 and w["ok"] for w in mine), mine

    secret = sandbox_rx.webhook_secret
    body = json.dumps({"uuid": "forged-1", "created_at": "2026-01-01T00:00:00Z", "api_version": "v1",
                       "event": "enrollment.finalized", "data": {"account": {"uuid": uuid}}}).encode()
    ts = int(time.time())
    # forged: signed with another secret
    sig = subprocess.run([NODE, "-e", "const {webhooks}=require('light-sdk');"
                          "process.stdout.write(webhooks.sign(Buffer.from(process.argv[1]),process.argv[2],Number(process.argv[3])))",
                          body.decode(), "whsec_attacker", str(ts)], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert post(url, body, {"Light-Signature-v1": sig}) == (400, {"error": "invalid signature", "reason": "signature_mismatch"})
    assert post(url, body, {}) == (400, {"error": "invalid signature", "reason": "malformed_header"})
    # correctly signed but an hour old: outside the example's 300 s tolerance
    old = subprocess.run([NODE, "-e", "const {webhooks}=require('light-sdk');"
                          "process.stdout.write(webhooks.sign(Buffer.from(process.argv[1]),process.argv[2],Number(process.argv[3])))",
                          body.decode(), secret, str(ts - 3600)], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert post(url, body, {"Light-Signature-v1": old}) == (400, {"error": "invalid signature", "reason": "timestamp_too_old"})
    # a real delivery replayed (Light retries) is acknowledged once more, handled once
    first = next(w for w in mine if w["event"] == "enrollment.finalized")
    assert post(url, first["body"].encode(), {"Light-Signature-v1": first["signature"]}) == \
        (200, {"received": True, "duplicate": True})
    out.wait_for(lambda l: l.startswith("duplicate: enrollment.finalized "))
    assert [l for l in out.lines if l.startswith("rejected: ")] == \
        ["rejected: signature_mismatch", "rejected: malformed_header", "rejected: timestamp_too_old"]
    assert not any("forged-1" in l for l in out.lines)

    proc.send_signal(signal.SIGTERM)
    line = out.wait_for(lambda l: l.startswith("stopped: "))
    verified = sum(1 for l in out.lines if l.startswith("event: "))
    assert line == f"stopped: {verified} verified, 3 rejected"
    assert proc.wait(timeout=30) == 0


EXPRESS_DRIVER = r"""
// Drives express-webhook.js's route with a minimal stand-in for the Express calls it
// uses: req.body as express.raw() leaves it (the raw Buffer), req.get(name)
// (case-insensitive header), res.status(n).json(obj). Express itself is not installed.
const { lightWebhookRoute } = require(process.argv[2]);
const input = JSON.parse(require('fs').readFileSync(process.argv[3], 'utf8'));
const route = lightWebhookRoute(process.env.LIGHT_WEBHOOK_SECRET);
const results = [];
for (const d of input) {
  const headers = { 'light-signature-v1': d.signature };
  const req = { body: Buffer.from(d.body, 'utf8'), get: (n) => headers[n.toLowerCase()] };
  const res = { code: 200, status(c) { this.code = c; return this; }, json(o) { results.push([this.code, o]); return this; } };
  route(req, res);
}
process.stderr.write(JSON.stringify(results));
"""


def test_express_webhook_route_on_real_deliveries(sandbox_rx, tmp_path):
    p = run(sandbox_rx, "client_agent.js")
    uuid = facts(p.stdout)["account"][0].split()[0]
    got = deliveries_for(sandbox_rx, uuid, "enrollment.finalized")
    assert any(d["event"] == "enrollment.finalized" for d in got)
    forged = dict(got[-1], body=got[-1]["body"].replace(uuid, "00000000-0000-0000-0000-000000000000"))
    (tmp_path / "in.json").write_text(json.dumps(got + [forged]))
    (tmp_path / "driver.js").write_text(EXPRESS_DRIVER)
    d = subprocess.run([NODE, str(tmp_path / "driver.js"), str(EX / "express-webhook.js"), str(tmp_path / "in.json")],
                       cwd=ROOT, env=example_env(sandbox_rx), capture_output=True, text=True, timeout=60)
    assert d.returncode == 0, d.stderr
    results = json.loads(d.stderr)
    assert results[:-1] == [[200, {"received": True}]] * len(got)
    assert results[-1] == [400, {"error": "invalid signature", "reason": "signature_mismatch"}]
    assert f"enrollment finalized for {uuid}" in d.stdout.splitlines()


def test_express_webhook_run_as_a_program(sandbox_rx):
    """Without Express installed the program says how to get it; with Express it serves the route."""
    probe = subprocess.run([NODE, "-e", "require.resolve('express')"], cwd=EX, capture_output=True)
    if probe.returncode != 0:
        p = run(sandbox_rx, "express-webhook.js", check=False, timeout=30)
        assert p.returncode == 1
        assert "this example needs Express: npm install express" in p.stderr
        return
    port = free_port()
    proc = subprocess.Popen([NODE, str(EX / "express-webhook.js")], cwd=ROOT,
                            env=example_env(sandbox_rx, PORT=str(port)), stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status = post(f"http://127.0.0.1:{port}/webhooks/light", b'{"event":"x","data":{}}',
                              {"Light-Signature-v1": "1.00", "Content-Type": "application/json"})
                break
            except urllib.error.URLError:
                assert time.monotonic() < deadline, "express-webhook.js did not start listening"
                time.sleep(0.1)
        assert status == (400, {"error": "invalid signature", "reason": "signature_mismatch"}) or \
            status == (400, {"error": "invalid signature", "reason": "malformed_header"})
    finally:
        proc.terminate()
        proc.wait(timeout=30)
