"""Moving parts of the conformance suite: one long-lived runner per runtime
speaking JSON lines, the fixtures a case asks for (accounts in a given
enrollment state, made over plain HTTP), placeholder substitution, and the
comparison of an outcome and of the wire request with what the case expects.
Stdlib only."""
import copy
import json
import os
import pathlib
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading

from light_sandbox.webhooks import sign as sandbox_sign

from tests.faults.harness import build_c_program, lua_command

ROOT = pathlib.Path(__file__).resolve().parents[2]
HERE = pathlib.Path(__file__).resolve().parent
BUILD = pathlib.Path(os.environ.get("LIGHT_BUILD_DIR", ROOT / "build"))
ALL_RUNTIMES = ["c", "python", "node", "lua5.4", "luajit"]
# LIGHT_CONFORMANCE_RUNTIMES=python,node narrows a run while developing; the table is then not checked.
RUNTIMES = [r for r in os.environ.get("LIGHT_CONFORMANCE_RUNTIMES", ",".join(ALL_RUNTIMES)).split(",") if r]
TITLES = {"c": "C", "python": "Python", "node": "Node", "lua5.4": "Lua 5.4", "luajit": "LuaJIT"}
REPLY_TIMEOUT = 60.0
ESI_ID = "10089010000000001"


# ------------------------------------------------------------------ runners ---

def runner_command(rt, workdir):
    if rt == "c":
        return [str(build_c_program(HERE / "runner.c", pathlib.Path(workdir) / "conformance_runner"))], {}
    if rt == "python":
        return [sys.executable, str(HERE / "runner.py")], {}
    if rt == "node":
        return [shutil.which("node") or "node", str(HERE / "runner.js")], {}
    if rt in ("lua5.4", "luajit"):
        return lua_command(rt, HERE / "runner.lua")
    raise ValueError(rt)


class Runner:
    """One runner process: a JSON command per line in, one JSON outcome per line out."""

    def __init__(self, rt, workdir):
        self.rt = rt
        argv, extra = runner_command(rt, workdir)
        env = dict(os.environ)
        for k in ("LIGHT_APP_TOKEN", "LIGHT_BASE_URL", "LIGHT_LOG", "LIGHT_WEBHOOK_SECRET", "http_proxy",
                  "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
            env.pop(k, None)
        env.update(extra)
        self.stderr = tempfile.TemporaryFile(mode="w+b")
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, text=True, bufsize=1)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def stderr_tail(self, n=3000):
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", "replace")[-n:]

    def alive(self):
        return self.proc.poll() is None

    def run(self, case, env):
        line = json.dumps({"cmd": "case", "case": case, "env": env})
        try:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as e:
            raise AssertionError(f"{self.rt} runner is gone ({e}); stderr:\n{self.stderr_tail()}") from None
        try:
            out = self.lines.get(timeout=REPLY_TIMEOUT)
        except queue.Empty:
            self.proc.kill()
            raise AssertionError(f"{self.rt} runner did not answer case {case['id']!r} within {REPLY_TIMEOUT:.0f} s;"
                                 f" stderr:\n{self.stderr_tail()}") from None
        if out is None:
            raise AssertionError(f"{self.rt} runner exited (rc={self.proc.poll()}) on case {case['id']!r}; "
                                 f"stderr:\n{self.stderr_tail()}")
        try:
            return json.loads(out)
        except ValueError:
            self.proc.kill()
            raise AssertionError(f"{self.rt} runner printed a non-JSON line {out!r}") from None

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
                self.proc.stdin.flush()
                self.proc.stdin.close()
                self.proc.wait(timeout=20)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(timeout=10)
        rc = self.proc.returncode
        err = self.stderr_tail(20000)
        self.stderr.close()
        return rc, err


# ----------------------------------------------------------------- fixtures ---

def _ok(sb, method, path, body=None, token=None):
    status, out, _ = sb.request(method, path, body, token=token)
    if not 200 <= status < 300:
        raise AssertionError(f"fixture step {method} {path}: HTTP {status} {out}")
    return out


def make_fixture(sb, state, tag):
    """Values for a case's placeholders: an account in ``state`` (none, account, enrolling, active)."""
    vals = {"app_token": sb.app_token, "webhook_secret": sb.webhook_secret, "esi_id": ESI_ID,
            "base_url": sb.base_url}
    if state == "none":
        return vals
    acct = _ok(sb, "POST", "/v1/app/accounts", {"email": f"conf-{tag}@example.com", "first_name": "Conf",
                                                "last_name": "Ormance", "phone_number": "713-555-0100",
                                                "date_of_birth": "1980-01-01"}, token=sb.app_token)
    vals["account_uuid"] = acct["uuid"]
    tok = _ok(sb, "POST", f"/v1/app/accounts/{acct['uuid']}/token", token=sb.app_token)["token"]
    vals["account_token"] = tok
    plans = _ok(sb, "POST", "/v1/app/accounts/enroll/plans/request", {"esi_id": ESI_ID, "account_uuid": acct["uuid"]},
                token=sb.app_token)["plans"]
    vals["plan_uuid"] = plans[0]["uuid"]
    vals["start_date"] = plans[0]["earliest_start_date"]
    if state == "account":
        return vals
    _ok(sb, "POST", "/v1/account/enroll/plans/accept", {"plan_uuid": plans[0]["uuid"], "esi_id": ESI_ID,
                                                        "service_start_date": plans[0]["earliest_start_date"],
                                                        "terms_accepted": True}, token=tok)
    if state == "enrolling":
        return vals
    _ok(sb, "PATCH", "/v1/account/enroll/identity", {}, token=tok)
    _ok(sb, "POST", "/v1/account/enroll/credit-check", {"ssn": "123-45-6789", "consent": True}, token=tok)
    _ok(sb, "POST", "/v1/account/billing/ensure-payment-method-added", {"payment_method_id": "pm_card_visa"},
        token=tok)
    _ok(sb, "POST", "/v1/account/enroll/finalize", {}, token=tok)
    active = _ok(sb, "POST", "/v1/account/sandbox/seed-demo-data", None, token=tok)
    vals["location_uuid"] = active["locations"][0]["uuid"]
    invoices = _ok(sb, "GET", "/v1/account/billing/invoices?limit=1", token=tok)
    vals["invoice_number"] = str(invoices["data"][0]["number"]) if invoices.get("data") else ""
    return vals


_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def substitute(v, vals):
    if isinstance(v, str):
        def rep(m):
            if m.group(1) not in vals:
                raise KeyError(f"placeholder {{{{{m.group(1)}}}}} has no value for this fixture")
            return str(vals[m.group(1)])
        return _PLACEHOLDER.sub(rep, v)
    if isinstance(v, dict):
        if set(v) == {"$sign"}:
            s = substitute(v["$sign"], vals)
            return sandbox_sign(s["secret"], s["payload"], s["timestamp"])
        return {k: substitute(x, vals) for k, x in v.items()}
    if isinstance(v, list):
        return [substitute(x, vals) for x in v]
    return v


def resolve(case, vals):
    """The case as a runner receives it: placeholders filled, expectations dropped."""
    c = {k: copy.deepcopy(case[k]) for k in ("id", "client", "call") if k in case}
    return substitute(c, vals)


# ---------------------------------------------------------------- judgement ---

def subset_diff(want, got, where="result"):
    """Differences where ``got`` does not contain ``want`` (dicts by key, lists element-wise)."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return [f"{where}: want an object, got {got!r:.200}"]
        out = []
        for k, w in want.items():
            if w == "$absent":
                if k in got:
                    out.append(f"{where}.{k}: want absent, got {got[k]!r:.200}")
            elif k not in got:
                out.append(f"{where}.{k}: missing")
            else:
                out += subset_diff(w, got[k], f"{where}.{k}")
        return out
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            return [f"{where}: want {len(want)} items, got {got!r:.200}"]
        out = []
        for i, (w, g) in enumerate(zip(want, got)):
            out += subset_diff(w, g, f"{where}[{i}]")
        return out
    if want == "$present":
        return [] if got is not None else [f"{where}: want a value, got null"]
    if want == "$string":
        return [] if isinstance(got, str) else [f"{where}: want a string, got {got!r:.200}"]
    if want == "$number":
        return [] if isinstance(got, (int, float)) and not isinstance(got, bool) else [f"{where}: want a number, got {got!r:.200}"]
    return [] if want == got else [f"{where}: want {want!r:.200}, got {got!r:.200}"]


def judge_outcome(expect, out):
    """Problems with ``out`` against the case's ``expect`` block."""
    problems = []
    if out.get("kind") == "RunnerError":
        return [f"runner error: {out.get('message')}"]
    if expect.get("ok", True):
        if not out.get("ok"):
            return [f"want success, got {out.get('kind')} (status {out.get('status')}): {out.get('message')}"]
        if "result" in expect:
            problems += subset_diff(expect["result"], out.get("result"))
        if "items" in expect:
            items = (out.get("result") or {}).get("items")
            if not isinstance(items, list) or len(items) != expect["items"]:
                problems.append(f"want {expect['items']} items, got {len(items) if isinstance(items, list) else items}")
        return problems
    if out.get("ok"):
        return [f"want {expect.get('kind')}, got success: {json.dumps(out.get('result'))[:200]}"]
    for k in ("kind", "status", "reason"):
        if k in expect and out.get(k) != expect[k]:
            problems.append(f"{k}: want {expect[k]!r}, got {out.get(k)!r} ({out.get('message')})")
    for frag in expect.get("message_contains", []):
        if frag not in (comparable_message(out.get("message")) or ""):
            problems.append(f"message {out.get('message')!r} lacks {frag!r}")
    for frag in expect.get("message_lacks", []):
        if frag in (out.get("message") or "") or frag in json.dumps(out):
            problems.append(f"outcome shows {frag!r}: {out.get('message')!r}")
    return problems


_MINT = re.compile(r"^/v1/app/accounts/[^/]+/token$")


def wire_requests(journal, case):
    """The journal entries a case judges: admin and (unless asked for) token-mint requests left out."""
    keep_mints = (case.get("call") or {}).get("op") == "create_account_token" or case.get("wire_mints")
    out = []
    for e in journal:
        if e["path"].startswith("/_sandbox"):
            continue
        if not keep_mints and e["method"] == "POST" and _MINT.match(e["path"]):
            continue
        out.append(e)
    return out


def judge_wire(want, entries):
    if want is None:
        return []
    if want == "none":
        return [] if not entries else [f"want no request, got {[(e['method'], e['path']) for e in entries]}"]
    if not entries:
        return ["want a request, none reached the emulator"]
    problems = []
    if "count" in want and len(entries) != want["count"]:
        problems.append(f"want {want['count']} request(s), got {len(entries)}: "
                        f"{[(e['method'], e['path'], e['status']) for e in entries]}")
    e = entries[0]
    for k in ("method", "path", "auth_kind"):
        if k in want and e.get(k) != want[k]:
            problems.append(f"wire {k}: want {want[k]!r}, got {e.get(k)!r}")
    if "query" in want:
        problems += subset_diff(want["query"], e.get("query") or {}, "wire query")
    if "query_exact" in want and (e.get("query") or {}) != want["query_exact"]:
        problems.append(f"wire query: want exactly {want['query_exact']!r}, got {e.get('query')!r}")
    if "body" in want or "body_exact" in want:
        try:
            body = json.loads(e["body"]) if e.get("body") else None
        except ValueError:
            body = e.get("body")
        if "body" in want:
            problems += subset_diff(want["body"], body, "wire body")
        if "body_exact" in want and body != want["body_exact"]:
            problems.append(f"wire body: want exactly {want['body_exact']!r}, got {body!r}")
    headers = {k.lower(): v for k, v in (e.get("headers") or {}).items()}
    for k, v in (want.get("headers") or {}).items():
        got = headers.get(k.lower())
        if v == "$absent":
            if got is not None:
                problems.append(f"wire header {k}: want absent, got {got!r}")
        elif v == "$present":
            if got is None:
                problems.append(f"wire header {k}: missing")
        elif isinstance(v, str) and v.startswith("~"):
            if got is None or not re.search(v[1:], got):
                problems.append(f"wire header {k}: want /{v[1:]}/, got {got!r}")
        elif got != v:
            problems.append(f"wire header {k}: want {v!r}, got {got!r}")
    return problems


def _snake(m):
    w = m.group(0).replace("URL", "Url")
    return re.sub(r"(?<=[a-z0-9])([A-Z])", lambda c: "_" + c.group(1).lower(), w)


def comparable_message(msg):
    """A message as the runtimes must agree on it: option and parameter names in snake_case
    (Node names them as its users spell them: maxRetries, baseURL) and Node's millisecond
    timeouts spoken of as the other runtimes' seconds."""
    if msg is None:
        return None
    msg = re.sub(r"\b[a-z]+(?:[A-Z][a-z0-9]*|URL)+\b", _snake, msg)
    return msg.replace("milliseconds", "seconds")


def signature(out):
    """What must agree between runtimes: success, or the error's kind, status, reason and message
    (a transport error's message quotes libcurl's measured times: digits are not compared)."""
    if out.get("ok"):
        return ("ok",)
    msg = comparable_message(out.get("message"))
    if out.get("kind") in ("APITimeoutError", "APIConnectionError") and msg:
        msg = re.sub(r"\d+", "N", msg)
    return ("error", out.get("kind"), out.get("status"), out.get("reason"), msg)
