"""`serve --state FILE`: accounts, enrollments, invoices, tokens, apps and the clock survive
a restart, and a `kill -9` in the middle of a burst of writes leaves a consistent file
that holds every write that was answered."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading

import requests

from light_sandbox.runner import REPO_ROOT, SandboxProcess

ESI = "55512345671234567"


def _session(sb):
    s = requests.Session()
    s.headers["Content-Type"] = "application/json"
    return s


def test_state_survives_restart(tmp_path):
    db = tmp_path / "sandbox.db"
    with SandboxProcess(["--state", str(db)]) as sb:
        app_token, secret = sb.app_token, sb.webhook_secret
        made = sb.admin("POST", "accounts", {"state": "active", "email": "keep@example.com"})
        uuid, tok = made["account"]["uuid"], made["token"]
        st, invs, _ = sb.request("GET", "/v1/account/billing/invoices?limit=100", token=tok)
        assert st == 200 and len(invs["data"]) == 26
        issued = sb.admin("POST", f"accounts/{uuid}/invoices", {})
        invs_before = sb.request("GET", "/v1/account/billing/invoices?limit=100", token=tok)[1]
        pending = sb.admin("POST", "accounts", {"state": "reviewing/credit_check_pending"})
        second = sb.admin("POST", "apps", {"name": "Other app"})
        other = sb.request("POST", "/v1/app/accounts", {"email": "o@example.com"}, token=second["app_token"])[1]
        sb.advance_clock(600)  # less than the token TTL
        st, before, _ = sb.request("GET", "/v1/account", token=tok)
        clock_before = sb.clock()["offset"]
        st, usage_before, _ = sb.request("GET", f"/v1/account/locations/{before['locations'][0]['uuid']}"
                                                "/usage/monthly?year=" + sb.clock()["today"][:4], token=tok)
        assert st == 200
        old_base = sb.base_url
    assert db.exists()

    def moved(obj, new_base):  # the restarted emulator has another port: its links follow it
        return json.loads(json.dumps(obj).replace(old_base, new_base))

    with SandboxProcess(["--state", str(db)]) as sb:
        # the same app token and webhook secret unless others are given
        assert (sb.app_token, sb.webhook_secret) == (app_token, secret)
        st, after, _ = sb.request("GET", "/v1/account", token=tok)  # the old account token still works
        assert st == 200 and after == moved(before, sb.base_url)
        st, invs, _ = sb.request("GET", "/v1/account/billing/invoices?limit=100", token=tok)
        assert len(invs["data"]) == 27 and invs == moved(invs_before, sb.base_url)
        assert issued["number"] in [i["number"] for i in invs["data"]]
        st, inv, _ = sb.request("GET", f"/v1/account/billing/invoices/{issued['number']}", token=tok)
        assert st == 200 and inv["charges_groups"] and inv["pdf"].startswith(sb.base_url + "/_sandbox/files/")
        st, usage_after, _ = sb.request("GET", f"/v1/account/locations/{before['locations'][0]['uuid']}"
                                               "/usage/monthly?year=" + sb.clock()["today"][:4], token=tok)
        assert usage_after == moved(usage_before, sb.base_url)
        assert abs(sb.clock()["offset"] - clock_before) < 5
        st, p, _ = sb.request("GET", f"/v1/app/accounts/{pending['account']['uuid']}", token=sb.app_token)
        assert (p["status"], p["status_reason"]) == ("reviewing", "credit_check_pending")
        # the enrollment goes on where it stopped: an SSN moves it along
        st, _, _ = sb.request("POST", "/v1/account/enroll/credit-check", {"ssn": "123-45-6789", "consent": True},
                              token=pending["token"])
        assert st == 200
        st, o, _ = sb.request("GET", f"/v1/app/accounts/{other['uuid']}", token=second["app_token"])
        assert st == 200 and o["email"] == "o@example.com"
        st, _, _ = sb.request("GET", f"/v1/app/accounts/{other['uuid']}", token=sb.app_token)
        assert st == 404  # apps stay isolated
        # new accounts continue the numbering
        n = sb.create_account()["account_number"]
        assert int(n) > max(int(a["account_number"]) for a in sb.admin("GET", "accounts") if a["account_number"] != n)
        # reset wipes the file too
        sb.reset()
    with SandboxProcess(["--state", str(db), "--app-token", "app_given"]) as sb:
        assert sb.app_token == "app_given" and sb.admin("GET", "accounts") == []
    with SandboxProcess(["--state", str(db)]) as sb:
        assert sb.app_token == "app_given"  # the token given last time is the saved one now


def test_state_file_bad_input(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    for path, msg in ((junk, "not a usable SQLite file"), (tmp_path / "nodir" / "x.db", "does not exist")):
        r = subprocess.run([sys.executable, "-m", "light_sandbox", "serve", "--port", "0", "--state", str(path)],
                           capture_output=True, text=True, timeout=30, cwd=REPO_ROOT)
        assert r.returncode == 2 and msg in r.stderr and "Traceback" not in r.stderr


def test_kill_9_during_write_burst_leaves_consistent_state(tmp_path):
    db = tmp_path / "burst.db"
    sb = SandboxProcess(["--state", str(db)]).start()
    acked = {}  # uuid -> {"token": ..., "steps": [...]} for every answered write
    lock = threading.Lock()
    stop = threading.Event()
    started = threading.Event()
    counts = {"n": 0}

    def writer(k):
        s = _session(sb)
        auth = {"Authorization": f"Bearer {sb.app_token}"}
        i = 0
        try:
            while not stop.is_set():
                i += 1
                r = s.post(sb.base_url + "/v1/app/accounts", json={
                    "email": f"w{k}-{i}@example.com", "first_name": "B", "last_name": "Urst",
                    "phone_number": "214-555-0100", "date_of_birth": "1980-01-01"}, headers=auth, timeout=10)
                if r.status_code != 200:
                    return
                uuid = r.json()["uuid"]
                rec = {"token": None, "steps": []}
                with lock:
                    acked[uuid] = rec
                r = s.post(sb.base_url + f"/v1/app/accounts/{uuid}/token", headers=auth, timeout=10)
                rec["token"] = r.json()["token"]
                ah = {"Authorization": f"Bearer {rec['token']}"}
                for step, method, path, body in (
                        ("esi", "POST", "/v1/account/enroll/esi-id-search", {"esi_id": ESI}),
                        ("identity", "PATCH", "/v1/account/enroll/identity", {}),
                        ("payment", "POST", "/v1/account/billing/ensure-payment-method-added",
                         {"payment_method_id": "pm_card_visa"})):
                    r = s.request(method, sb.base_url + path, json=body, headers=ah, timeout=10)
                    assert r.status_code == 200, (path, r.status_code, r.text)
                    rec["steps"].append(step)
                with lock:
                    counts["n"] += 1
                    if counts["n"] >= 40:
                        started.set()
        except (requests.ConnectionError, requests.Timeout):
            return  # the server died under us: expected

    threads = [threading.Thread(target=writer, args=(k,), daemon=True) for k in range(4)]
    for t in threads:
        t.start()
    try:
        assert started.wait(120), "the burst did not get going"
        os.kill(sb.pid, signal.SIGKILL)  # mid-burst: the writers are still sending
        for t in threads:
            t.join(30)
    finally:
        stop.set()
        sb.stop()
    assert len(acked) >= 40

    # the file itself is intact
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    with SandboxProcess(["--state", str(db)]) as sb2:
        rows = {r["uuid"]: r for r in sb2.admin("GET", "accounts")}
        for uuid, rec in acked.items():
            assert uuid in rows, f"account {uuid} was acknowledged but is gone"
            if rec["token"] is None:
                continue
            st, me, _ = sb2.request("GET", "/v1/account", token=rec["token"])
            assert st == 200 and me["uuid"] == uuid, "an acknowledged token no longer works"
            e = me["enrollment"]
            if "identity" in rec["steps"]:
                assert e["is_identity_verified"]
            if "payment" in rec["steps"]:
                assert e["has_payment_method"]
                assert (me["status"], me["status_reason"]) == ("applying", "plan_not_accepted")
        # every stored account is whole: a valid state, its app, unique numbers
        numbers = [r["account_number"] for r in rows.values()]
        assert len(set(numbers)) == len(numbers)
        for r in rows.values():
            assert r["app"] == "Sandbox App" and r["status"] in ("created", "applying")
        # and the emulator goes on from there
        new = sb2.create_account()
        assert new["account_number"] not in numbers
        st, _, _ = sb2.request("GET", "/v1/app/accounts?limit=100", token=sb2.app_token)
        assert st == 200
