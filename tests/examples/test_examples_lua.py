"""The Lua examples (examples/lua/) run as a user runs them — `lua5.4` and `luajit`
with LUA_PATH/LUA_CPATH pointing at the SDK — against the emulator, with their
output checked against what the emulator itself holds:

- journey.lua: the 16 steps in order, every figure, the webhook deliveries verified;
  a failing step prints "✗" and exits 1;
- enrollment_basic.lua, client_agent.lua: the status/status_reason sequence, the
  client-agent start window and, with the emulator's clock moved on, the scheduled start;
- billing_invoices.lua: every invoice of every page, totals in cents, charge groups;
- usage_csv.lua: the two CSV files parsed: one row per day / per 15 minutes (92 and 100
  on the DST change days), intervals adding up to each day, values equal to the API's;
- nginx-webhook/: a real nginx with the receiver; the emulator delivers the events an
  SDK-driven enrollment causes, forged and tampered posts are refused, all read back
  from nginx's access log.
"""
import calendar
import csv
import datetime as dt
import hashlib
import hmac
import http.client
import json
import os
import pathlib
import re
import shutil
import subprocess
import time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tests.lua.nginx_harness import MODULES, Nginx, lua_build_dir
from light_sandbox.runner import SandboxProcess

from .conftest import BUILD, ROOT, example_env

EXAMPLES = ROOT / "examples" / "lua"
NGINX_EXAMPLE = EXAMPLES / "nginx-webhook"
CHICAGO = ZoneInfo("America/Chicago")
INTERPRETERS = [("lua5.4", "5.4"), ("luajit", "jit")]
JOURNEY_STEPS = [
    "create account", "check eligibility", "search address", "request plans", "accept plan", "submit identity",
    "credit check", "add payment method", "finalize enrollment", "activate (sandbox)", "usage", "invoices",
    "documents", "renewal plans", "comparison", "webhooks",
]


def run_lua(interp, abi, script, sb, *args, env_extra=None, timeout=120):
    assert shutil.which(interp), f"{interp} not installed (make install-deps)"
    cpath = BUILD / "lua" / abi
    assert (cpath / "light" / "core.so").exists(), f"{cpath}/light/core.so not built: run `make build`"
    env = example_env(sb, **(env_extra or {}))
    env["LUA_PATH"] = f"{ROOT}/lua/?.lua;{ROOT}/lua/?/init.lua;;"
    env["LUA_CPATH"] = f"{cpath}/?.so;;"
    r = subprocess.run([interp, str(EXAMPLES / script), *map(str, args)], env=env, cwd=ROOT,
                       capture_output=True, text=True, timeout=timeout)
    for secret in (sb.app_token, sb.webhook_secret):
        assert secret not in r.stdout and secret not in r.stderr
    return r


def ok(r):
    assert r.returncode == 0, f"exit {r.returncode}\n{r.stdout}\n{r.stderr}"
    assert "✗" not in r.stdout
    return r.stdout.splitlines()


def app_get(sb, path):
    status, body, _ = sb.request("GET", path, token=sb.app_token)
    assert status == 200, (path, status, body)
    return body


def acct_get(sb, uuid, path):
    status, body, _ = sb.request("GET", path, token=sb.account_token(uuid))
    assert status == 200, (path, status, body)
    return body


def today(sb):
    return dt.date.fromisoformat(sb.clock()["today"])


def events_of(sb, uuid):
    return [e for e in sb.events() if (e.get("data") or {}).get("account", {}).get("uuid") == uuid]


def steps(lines):
    """'  ✓ name — figure' lines → [(name, figure)]; other lines must not exist."""
    out = []
    for line in lines:
        m = re.fullmatch(r"  ✓ (.+?) — (.+)", line)
        assert m, f"not a step line: {line!r}"
        out.append((m.group(1), m.group(2)))
    return out


# ---------------------------------------------------------------- journey

@pytest.mark.parametrize("interp,abi", INTERPRETERS)
def test_journey(sandbox_rx, interp, abi):
    sb = sandbox_rx
    got = dict(steps(ok(run_lua(interp, abi, "journey.lua", sb))))
    assert list(got) == JOURNEY_STEPS
    uuid = got["create account"]
    account = app_get(sb, f"/v1/app/accounts/{uuid}")
    assert account["status"] == "active" and account["status_reason"] == "active"
    assert got["check eligibility"] == "likelihood 85"
    esi = re.fullmatch(r"ESI ID (\d{17})", got["search address"]).group(1)
    assert account["locations"][0]["utility_number"] == esi
    n, name, rate = re.fullmatch(r"(\d+) plans, (.+) at ([\d.]+)¢/kWh", got["request plans"]).groups()
    assert int(n) == 3
    loc = account["locations"][0]["uuid"]  # the plan accepted is the one printed
    current = acct_get(sb, uuid, f"/v1/account/locations/{loc}/plan")
    assert current["name"] == name and Decimal(current["energy_rate"]) == Decimal(rate)
    assert got["accept plan"].startswith(name + ", starting ")
    assert got["submit identity"] == "applying/missing_payment_method"
    assert got["add payment method"] == "visa •••• 4242"
    assert got["finalize enrollment"] == "reviewing/verification_pending"
    assert got["activate (sandbox)"] == "active/active"
    months, days, intervals, minutes = map(int, re.fullmatch(
        r"(\d+) months, (\d+) days, (\d+) intervals of (\d+) min", got["usage"]).groups())
    assert 1 <= months <= 12 and 28 <= days <= 31 and minutes == 15
    assert days * 96 - 4 <= intervals <= days * 96 + 4
    invoices = acct_get(sb, uuid, "/v1/account/billing/invoices?limit=100")["data"]
    assert got["invoices"] == f"{len(invoices)} invoices across {-(-len(invoices) // 10)} pages"
    docs = acct_get(sb, uuid, f"/v1/account/locations/{loc}/documents")
    assert got["documents"] == f"contract ends {docs['contract_end']}"
    day_after = (dt.date.fromisoformat(docs["contract_end"]) + dt.timedelta(days=1)).isoformat()
    assert got["renewal plans"] == f"3 plans from {day_after}"
    assert got["comparison"] == "Clean Energy"
    m = re.fullmatch(r"(\d+) received, (\d+) verified: (.+)", got["webhooks"])
    received, verified, names = int(m.group(1)), int(m.group(2)), m.group(3).split(", ")
    assert received == verified > 0
    emitted = {e["event"] for e in events_of(sb, uuid)}
    assert {"enrollment.finalized", "location.service_active", "comparison_invoice.processed"} <= set(names)
    assert set(names) <= emitted
    # the account client got its token from the SDK (a mint for this account), no admin route
    mints = sb.journal(path=f"/v1/app/accounts/{uuid}/token")
    assert mints and all(e["status"] == 200 for e in mints)


@pytest.mark.parametrize("interp,abi", INTERPRETERS)
def test_journey_failure_prints_cross_and_exits_1(sandbox_rx, interp, abi):
    r = run_lua(interp, abi, "journey.lua", sandbox_rx, env_extra={"LIGHT_APP_TOKEN": "app_sandbox_not_the_token"})
    assert r.returncode == 1
    assert r.stdout.splitlines() == [r.stdout.splitlines()[0]]
    assert re.fullmatch(r"  ✗ create account — AuthenticationError: .+\(status 401.*\)\n", r.stdout)
    assert "app_sandbox_not_the_token" not in r.stdout


@pytest.mark.parametrize("interp,abi", INTERPRETERS)
def test_journey_webhooks_step_fails_without_receiver(sandbox_rx, interp, abi):
    r = run_lua(interp, abi, "journey.lua", sandbox_rx, env_extra={"LIGHT_RECEIVER_URL": ""})
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert [n for n, _ in steps(lines[:-1])] == JOURNEY_STEPS[:-1]
    assert lines[-1] == "  ✗ webhooks — LIGHT_RECEIVER_URL is not set"


# ---------------------------------------------------------------- enrollment use cases

@pytest.mark.parametrize("interp,abi", INTERPRETERS)
def test_enrollment_basic(sandbox_rx, interp, abi):
    sb = sandbox_rx
    lines = ok(run_lua(interp, abi, "enrollment_basic.lua", sb))
    uuid = re.fullmatch(r"account (\S+)", lines[0]).group(1)
    assert lines[2] == "esi_id 55512345671234567"
    plan_uuid, rate, name = re.fullmatch(r"plan (\S+) ([\d.]+) (.+)", lines[3]).groups()
    assert steps([lines[1]] + lines[4:-1]) == [
        ("created", "created/unresolved"), ("accept plan", "applying/missing_identity"),
        ("identity", "applying/missing_payment_method"), ("credit check", "applying/missing_payment_method"),
        ("payment method", "applying/enrollment_not_finalized"), ("finalize", "reviewing/verification_pending"),
    ]
    t = today(sb).isoformat()
    assert lines[-1] == f"finalized true start {t}"
    account = app_get(sb, f"/v1/app/accounts/{uuid}")
    assert account["enrollment"]["is_enrollment_finalized"] is True
    loc = account["locations"][0]
    assert loc["utility_number"] == "55512345671234567"
    current = acct_get(sb, uuid, f"/v1/account/locations/{loc['uuid']}/plan")
    assert current["uuid"] == plan_uuid and current["name"] == name
    # the cheapest of the offered plans was chosen
    offered = sb.request("POST", "/v1/app/accounts/enroll/plans/request", {"esi_id": "55512345671234567"},
                         token=sb.app_token)[1]["plans"]
    assert Decimal(rate) == min(Decimal(p["energy_rate"]) for p in offered)
    assert acct_get(sb, uuid, "/v1/account/billing/payment-method")["card_last4"] == "4444"
    names = {e["event"] for e in events_of(sb, uuid)}
    assert {"enrollment.plan_accepted", "enrollment.identity_updated", "account.payment_method_added",
            "enrollment.finalized"} <= names


@pytest.mark.parametrize("interp,abi", INTERPRETERS)
def test_client_agent(sandbox_rx, interp, abi):
    sb = sandbox_rx
    lines = ok(run_lua(interp, abi, "client_agent.lua", sb))
    uuid = re.fullmatch(r"account (\S+)", lines[0]).group(1)
    t = today(sb)
    assert lines[3] == f"window {t + dt.timedelta(days=7)} {t + dt.timedelta(days=30)}"
    assert steps(lines[1:3] + lines[4:6]) == [
        ("power of attorney", "created/missing_address"),
        ("identity, credit, card", "ready/enrollment_pending_client_agent"),
        ("accept plan", "applying/enrollment_not_finalized"), ("finalize", "reviewing/verification_pending"),
    ]
    start = t + dt.timedelta(days=10)
    name, printed_start, plan_uuid = re.fullmatch(r"scheduled (.+) (\S+) (\S+)", lines[6]).groups()
    assert printed_start == start.isoformat() and len(lines) == 7
    account = app_get(sb, f"/v1/app/accounts/{uuid}")
    assert account["client_agent_accepted"] is True
    assert acct_get(sb, uuid, f"/v1/account/locations/{account['locations'][0]['uuid']}/plan")["uuid"] == plan_uuid
    # verification done (pre-approved credit): the start is in the future, so service is scheduled
    sb.advance_clock(61)
    try:
        account = app_get(sb, f"/v1/app/accounts/{uuid}")
        assert (account["status"], account["status_reason"]) == ("scheduled", "service_pending")
    finally:
        sb.reset_clock()


# ---------------------------------------------------------------- billing

@pytest.mark.parametrize("interp,abi", INTERPRETERS)
def test_billing_invoices(sandbox_rx, interp, abi):
    sb = sandbox_rx
    lines = ok(run_lua(interp, abi, "billing_invoices.lua", sb))
    uuid = re.fullmatch(r"account (\S+)", lines[0]).group(1)
    assert lines[1] == "card visa 4242"
    rows = [re.fullmatch(r"invoice (\S+) (\S+) (\S+)\.\.(\S+) (-?\d+\.\d\d) (paid|open|void)", ln).groups()
            for ln in lines if ln.startswith("invoice ")]
    api = acct_get(sb, uuid, "/v1/account/billing/invoices?limit=100")
    assert api["has_more"] is False and len(api["data"]) > 10  # the example walked several pages
    assert [r[0] for r in rows] == [i["number"] for i in api["data"]]
    for r, inv in zip(rows, api["data"]):
        state = "void" if inv["voided_at"] else ("paid" if inv["paid_at"] else "open")
        assert r == (inv["number"], inv["invoice_date"], inv["billing_period_start"], inv["billing_period_end"],
                     inv["total"], state)
    newest = acct_get(sb, uuid, f"/v1/account/billing/invoices/{rows[0][0]}")
    groups = [re.fullmatch(r"charges (.+) (-?\d+\.\d\d)", ln).groups() for ln in lines if ln.startswith("charges ")]
    assert groups == [(g["name"], g["total"]) for g in newest["charges_groups"]]
    assert sum(Decimal(t) for _, t in groups) == Decimal(newest["total"])
    assert lines[-2] == (f"newest {newest['number']} {newest['usage']['total_kwh']} kWh {newest['total']}, "
                         f"payment {newest['payment']['status']}")
    live = [i for i in api["data"] if not i["voided_at"]]
    billed = sum(i["total_cents"] for i in live)
    paid = sum(i["total_cents"] for i in live if i["paid_at"])
    voided = len(api["data"]) - len(live)
    open_ = sum(1 for i in live if not i["paid_at"])
    assert voided == 1
    assert lines[-1] == (f"total {len(api['data'])} invoices, {voided} void, {open_} open, "
                         f"billed {billed // 100}.{billed % 100:02d}, paid {paid // 100}.{paid % 100:02d}")


# ---------------------------------------------------------------- usage CSV

def dst_month(t):
    """The latest month with a DST change that lies wholly in the emulator's usage window
    (12 months before service start = today, up to yesterday): March when it is over
    this year, else November of last year."""
    return (t.year, 3) if t.month >= 4 else (t.year - 1, 11)


def slots(day):
    """15-minute intervals in a Chicago day (96; 92 spring forward; 100 fall back)."""
    a = dt.datetime(day.year, day.month, day.day, tzinfo=CHICAGO)
    b = a + dt.timedelta(days=1)
    b = dt.datetime(b.year, b.month, b.day, tzinfo=CHICAGO)
    return int((b.timestamp() - a.timestamp()) // 900)


@pytest.mark.parametrize("interp,abi", INTERPRETERS)
def test_usage_csv(sandbox_rx, tmp_path, interp, abi):
    sb = sandbox_rx
    year, month = dst_month(today(sb))
    tag = f"{year:04d}-{month:02d}"
    out = tmp_path / "csv"
    lines = ok(run_lua(interp, abi, "usage_csv.lua", sb, out, tag))
    uuid = re.fullmatch(r"account (\S+)", lines[0]).group(1)
    loc = re.fullmatch(r"location (\S+)", lines[1]).group(1)
    with open(out / f"daily-{tag}.csv", newline="") as f:
        daily = list(csv.DictReader(f))
    with open(out / f"intervals-{tag}.csv", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == ["date", "start", "end", "consumption_kwh", "generation_kwh"]
        intervals = list(reader)
    ndays = calendar.monthrange(year, month)[1]
    dates = [dt.date(year, month, d) for d in range(1, ndays + 1)]
    assert [r["date"] for r in daily] == [d.isoformat() for d in dates]
    per_day, count = {}, {}
    for r in intervals:
        per_day[r["date"]] = per_day.get(r["date"], Decimal(0)) + Decimal(r["consumption_kwh"])
        count[r["date"]] = count.get(r["date"], 0) + 1
    assert count == {d.isoformat(): slots(d) for d in dates}
    changed = [d for d in dates if slots(d) != 96]
    assert len(changed) == 1
    assert len(intervals) == 96 * ndays + (slots(changed[0]) - 96)
    for r in daily:
        assert per_day[r["date"]] == Decimal(r["consumption_kwh"]) > 0
    # consecutive, distinct 15-minute intervals (offsets keep the repeated hour apart)
    starts = [dt.datetime.fromisoformat(r["start"]) for r in intervals]
    ends = [dt.datetime.fromisoformat(r["end"]) for r in intervals]
    assert all((e - s).total_seconds() == 900 for s, e in zip(starts, ends))
    assert all((b - a).total_seconds() == 900 for a, b in zip(starts, starts[1:]))
    # the same figures as the API's
    api = acct_get(sb, uuid, f"/v1/account/locations/{loc}/usage/daily?month={month}&year={year}")
    assert [(r["date"], r["consumption_kwh"], r["generation_kwh"]) for r in daily] == \
        [(d["date"], d["consumption"], d["generation"]) for d in api["days"]]
    total = sum(Decimal(r["consumption_kwh"]) for r in daily)
    assert lines[2] == f"daily {out}/daily-{tag}.csv {ndays} rows {total:.3f} kWh"
    assert lines[3] == (f"intervals {out}/intervals-{tag}.csv {len(intervals)} rows {total:.3f} kWh "
                        "every 15 min (America/Chicago)")
    assert lines[4] == f"dst days {changed[0].isoformat()}={slots(changed[0])}"


# ---------------------------------------------------------------- nginx webhook receiver

CONF = """
load_module {modules}/ndk_http_module.so;
load_module {modules}/ngx_http_lua_module.so;
daemon off;
master_process on;
{user}
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
env LIGHT_WEBHOOK_SECRET;
events {{ worker_connections 256; }}
http {{
    access_log off;
    lua_package_path "{lua_dir}/?.lua;{lua_dir}/?/init.lua;{example}/?.lua;;";
    lua_package_cpath "{cpath}/?.so;;";
    client_body_temp_path {prefix}/client_body_temp;
    include {prefix}/webhook_http.conf;
    server {{
        listen 127.0.0.1:{port};
        include {prefix}/webhook.conf;
        location = /static {{ return 200 "ok\\n"; }}
    }}
}}
"""


class WebhookNginx(Nginx):
    """nginx_harness.Nginx (free port, start, stop by pid) with the receiver's snippets
    instead of the gateway's."""

    def write_conf(self):
        self.prefix.mkdir(parents=True, exist_ok=True)
        for name in ("webhook.conf", "webhook_http.conf"):
            shutil.copy(NGINX_EXAMPLE / name, self.prefix / name)
        conf = CONF.format(modules=MODULES, prefix=self.prefix, lua_dir=ROOT / "lua", example=NGINX_EXAMPLE,
                           cpath=lua_build_dir() / "jit", port=self.port,
                           user="user root;" if os.geteuid() == 0 else "")
        path = self.prefix / "nginx.conf"
        path.write_text(conf)
        return path

    def access_log(self):
        """[{status, method, verdict, event, event_uuid, account}] (the example's log_format)."""
        p = self.prefix / "light-webhooks.log"
        rows = []
        for line in (p.read_text().splitlines() if p.exists() else []):
            _, status, method, verdict, event, event_uuid, account = line.split(" ")
            rows.append({"status": int(status), "method": method, "verdict": verdict, "event": event,
                         "event_uuid": event_uuid, "account": account})
        return rows


def post(gw, body, sig=None, method="POST"):
    conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=30)
    try:
        h = {"Content-Type": "application/json"}
        if sig is not None:
            h["Light-Signature-v1"] = sig
        conn.request(method, "/webhooks/light", body=body, headers=h)
        r = conn.getresponse()
        return r.status, json.loads(r.read())
    finally:
        conn.close()


def sign(secret, body, ts=None):
    ts = int(time.time()) if ts is None else int(ts)
    return f"{ts}." + hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()


@pytest.fixture
def webhook_nginx(tmp_path):
    """A fresh emulator delivering to a fresh nginx running the example receiver."""
    assert (lua_build_dir() / "jit" / "light" / "core.so").exists(), "LuaJIT module not built: run `make build`"
    sb = SandboxProcess(["--webhook-retry-delays", "0.2,0.2"])
    sb.start()
    gw = WebhookNginx(tmp_path / "nginx", {"LIGHT_WEBHOOK_SECRET": sb.webhook_secret})
    try:
        gw.start()
        sb.config(webhook_url=gw.url + "/webhooks/light")
        yield sb, gw
    finally:
        gw.stop()
        sb.stop()
    log = gw.error_log()
    for bad in ("[alert]", "[emerg]", "[crit]", "lua entry thread aborted", "runtime error"):
        assert bad not in log, log[-4000:]
    assert sb.webhook_secret not in log and sb.app_token not in log


def test_nginx_webhook_receiver(webhook_nginx):
    sb, gw = webhook_nginx
    # Events caused through the SDK: an enrollment by the example program.
    lines = ok(run_lua("lua5.4", "5.4", "enrollment_basic.lua", sb))
    uuid = re.fullmatch(r"account (\S+)", lines[0]).group(1)
    emitted = events_of(sb, uuid)
    want = {e["uuid"]: e["event"] for e in emitted}
    assert {"enrollment.plan_accepted", "enrollment.identity_updated", "account.payment_method_added",
            "enrollment.finalized"} <= set(want.values())
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        delivered = {d["event_uuid"] for d in sb.webhooks() if d["ok"]}
        if set(want) <= delivered:
            break
        time.sleep(0.1)
    deliveries = [d for d in sb.webhooks() if d["event_uuid"] in want]
    # every event delivered once, on the first attempt, answered 200 by nginx
    assert sorted(d["event_uuid"] for d in deliveries) == sorted(want)
    assert all(d["ok"] and d["status"] == 200 and d["attempt"] == 1 for d in deliveries), deliveries

    genuine = deliveries[0]
    body = genuine["body"].encode()
    # forged: signed with another secret; tampered: a genuine signature over other bytes;
    # unsigned; signed an hour and a half ago (replay window); a retried delivery; a GET
    forged = json.dumps({"uuid": "evt_forged", "created_at": "2026-01-01T00:00:00Z", "api_version": "v1",
                         "event": "enrollment.finalized", "data": {"account": {"uuid": uuid}}}).encode()
    assert post(gw, forged, sign("whsec_not_the_secret", forged)) == (400, {"error": "signature_mismatch"})
    tampered = body.replace(uuid.encode(), b"00000000-0000-0000-0000-000000000000")
    assert tampered != body
    assert post(gw, tampered, genuine["signature"]) == (400, {"error": "signature_mismatch"})
    assert post(gw, forged, None) == (400, {"error": "malformed_header"})
    assert post(gw, forged, sign(sb.webhook_secret, forged, time.time() - 5400)) == \
        (400, {"error": "timestamp_too_old"})
    assert post(gw, body, genuine["signature"]) == \
        (200, {"received": True, "duplicate": True, "uuid": genuine["event_uuid"]})
    assert post(gw, b"", None, method="GET") == (405, {"error": "method_not_allowed"})

    # nginx writes a request's log line after answering it: wait for all 6 + deliveries lines
    deadline = time.monotonic() + 10
    while len(gw.access_log()) < len(want) + 6 and time.monotonic() < deadline:
        time.sleep(0.05)
    log = gw.access_log()
    assert len(log) == len(want) + 6, log
    accepted = [r for r in log if r["verdict"] == "verified"]
    assert all(r["status"] == 200 and r["account"] == uuid for r in accepted)
    assert sorted((r["event_uuid"], r["event"]) for r in accepted) == sorted(want.items())
    assert [(r["status"], r["verdict"], r["event"]) for r in log if r["verdict"] != "verified"] == [
        (400, "signature_mismatch", "-"), (400, "signature_mismatch", "-"), (400, "malformed_header", "-"),
        (400, "timestamp_too_old", "-"), (200, "duplicate", genuine["event"]), (405, "-", "-"),
    ]


def test_nginx_webhook_example_conf_is_valid(tmp_path):
    """The shipped nginx.conf, in the repository layout it assumes, passes `nginx -t`."""
    root = tmp_path / "repo"
    example = root / "examples" / "lua" / "nginx-webhook"
    shutil.copytree(NGINX_EXAMPLE, example, ignore=shutil.ignore_patterns("*.log", "*.pid", "client_body_temp"))
    (root / "lua").symlink_to(ROOT / "lua")
    (root / "build").mkdir()
    (root / "build" / "lua").symlink_to(lua_build_dir())
    r = subprocess.run(["nginx", "-t", "-p", str(example), "-c", "nginx.conf", "-e", "stderr"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and "test is successful" in r.stderr, r.stderr
