"""The fault × language matrix: what each fault is, how it is staged, what
every language must show, and how an observed outcome is written down.

EXPECTED is the single statement of the policy (the same for every
language). A cell reads ``<class> [<status>] ×<attempts>``: the class the
binding raised (``ok`` = the call succeeded), the HTTP status when there was
one, and the number of attempts. Attempts are counted where they can be
seen: in the emulator's journal for faults the emulator injects; at the
loopback front (TCP connections) for TLS failures; from the error's
``retries`` + 1 for refused and timed-out connects, which never reach a
server (there the journal is checked to be empty). Every cell also asserts
that the same client then succeeds against a healthy server, and the run
checks that every driver process is still alive at the end.
"""
import dataclasses
import os
import pathlib
import tempfile
import threading
import time

from tests.faults.harness import LANG_TITLES, LANGS, Driver, Front, Recorder
from light_sandbox.runner import SandboxProcess

ROOT = pathlib.Path(__file__).resolve().parents[2]
README = ROOT / "tests" / "README.md"
BEGIN, END = "<!-- fault-matrix:begin -->", "<!-- fault-matrix:end -->"

# The two calls of every row: an idempotent GET and a non-idempotent POST.
OPS = {
    "GET": dict(op="get", method="GET", path="/v1/app/plan-groups", title="GET list_plan_groups"),
    "POST": dict(op="post", method="POST", path="/v1/app/accounts", title="POST create_account"),
}

FAULT_TIMEOUT_MS = 500     # per-call timeout of the faulted call in the timeout rows
CONNECT_TIMEOUT_MS = 300   # client connect timeout in the connect-timeout row
RETRY_AFTER_S = 1          # Retry-After of the 429 row (whole seconds, like a real server)
SIZE_CAP = 64 * 1024       # max_response_bytes in the size-cap row (the body is 1 MiB)


@dataclasses.dataclass(frozen=True)
class Fault:
    name: str
    title: str
    stage: str                   # "server" (emulator fault), "refuse", "blackhole", "tls_untrusted", "tls_wrong_host"
    spec: dict = dataclasses.field(default_factory=dict)  # emulator fault (kind, status, ...), server stage only
    timeout_ms: int = 0          # per-call timeout of the faulted call (0 = client default)
    client: dict = dataclasses.field(default_factory=dict)  # extra client options
    counted_by: str = "journal"  # "journal" | "client" | "front"


FAULTS = [
    Fault("refused", "connection refused", "refuse", counted_by="client"),
    Fault("reset", "reset mid-body", "server", dict(kind="reset")),
    Fault("close", "closed before any response", "server", dict(kind="close")),
    Fault("connect_timeout", "connect timeout", "blackhole", client=dict(connect_timeout_ms=CONNECT_TIMEOUT_MS),
          counted_by="client"),
    Fault("read_timeout", "read timeout (slow server)", "server", dict(kind="delay", delay=2.0),
          timeout_ms=FAULT_TIMEOUT_MS),
    Fault("trickle", "slow trickle past the total timeout", "server", dict(kind="trickle", size=16, delay=0.2),
          timeout_ms=FAULT_TIMEOUT_MS),
    Fault("429", "429 with Retry-After (once)", "server",
          dict(kind="status", status=429, retry_after=RETRY_AFTER_S, times=1)),
    Fault("500", "500", "server", dict(kind="status", status=500)),
    Fault("502", "502", "server", dict(kind="status", status=502)),
    Fault("503", "503", "server", dict(kind="status", status=503)),
    Fault("504", "504", "server", dict(kind="status", status=504)),
    Fault("truncated_json", "truncated JSON (200)", "server", dict(kind="truncated_json")),
    Fault("non_json", "non-JSON 200 body", "server", dict(kind="non_json")),
    Fault("oversized", "body over the size cap", "server", dict(kind="oversized", size=1024 * 1024),
          client=dict(max_response_bytes=SIZE_CAP)),
    Fault("tls_untrusted", "TLS, untrusted certificate", "tls_untrusted", counted_by="front"),
    Fault("tls_wrong_host", "TLS, wrong hostname", "tls_wrong_host", counted_by="front"),
    Fault("redirect", "307 redirect to another host", "server", dict(kind="redirect", status=307)),
]
FAULTS_BY_NAME = {f.name: f for f in FAULTS}

# What every language must show (README.md "Errors, retries, rate limits"; core/src/retry.c).
EXPECTED = {
    "refused": {"GET": "APIConnectionError ×3", "POST": "APIConnectionError ×3"},
    "reset": {"GET": "APIConnectionError ×3", "POST": "APIConnectionError ×1"},
    "close": {"GET": "APIConnectionError ×3", "POST": "APIConnectionError ×1"},
    "connect_timeout": {"GET": "APITimeoutError ×3", "POST": "APITimeoutError ×3"},
    "read_timeout": {"GET": "APITimeoutError ×3", "POST": "APITimeoutError ×1"},
    "trickle": {"GET": "APITimeoutError ×3", "POST": "APITimeoutError ×1"},
    "429": {"GET": "ok ×2", "POST": "ok ×2"},
    "500": {"GET": "InternalServerError 500 ×3", "POST": "InternalServerError 500 ×1"},
    "502": {"GET": "InternalServerError 502 ×3", "POST": "InternalServerError 502 ×1"},
    "503": {"GET": "InternalServerError 503 ×3", "POST": "InternalServerError 503 ×1"},
    "504": {"GET": "InternalServerError 504 ×3", "POST": "InternalServerError 504 ×1"},
    "truncated_json": {"GET": "APIResponseValidationError 200 ×1", "POST": "APIResponseValidationError 200 ×1"},
    "non_json": {"GET": "APIResponseValidationError 200 ×1", "POST": "APIResponseValidationError 200 ×1"},
    "oversized": {"GET": "LightError ×1", "POST": "LightError ×1"},
    "tls_untrusted": {"GET": "APIConnectionError ×1", "POST": "APIConnectionError ×1"},
    "tls_wrong_host": {"GET": "APIConnectionError ×1", "POST": "APIConnectionError ×1"},
    "redirect": {"GET": "APIError 307 ×1, other host got 0", "POST": "APIError 307 ×1, other host got 0"},
}
assert set(EXPECTED) == set(FAULTS_BY_NAME)

CELLS = [(f.name, lang, op) for f in FAULTS for op in OPS for lang in LANGS]


@dataclasses.dataclass
class Outcome:
    cell: str
    problems: list
    first: dict = None
    second: dict = None


def describe(reply, attempts):
    if reply.get("ok"):
        return f"ok ×{attempts}"
    status = reply.get("status")
    return f"{reply.get('kind')}{f' {status}' if status else ''} ×{attempts}"


def render(cells):
    """Markdown table from {(fault, lang, op): cell text}."""
    head = "| fault | call | " + " | ".join(LANG_TITLES[lang] for lang in LANGS) + " |"
    rows = [head, "|" + "---|" * (2 + len(LANGS))]
    for f in FAULTS:
        for op in OPS:
            rows.append(f"| {f.title} | {op} | " + " | ".join(cells.get((f.name, lang, op), "not run")
                                                             for lang in LANGS) + " |")
    return "\n".join(rows) + "\n"


def readme_block(text):
    """The matrix between the markers of tests/README.md, or None."""
    if BEGIN not in text or END not in text:
        return None
    return text.split(BEGIN, 1)[1].split(END, 1)[0].strip("\n") + "\n"


def write_readme_block(table):
    text = README.read_text() if README.exists() else "# Tests\n"
    block = f"{BEGIN}\n{table}{END}"
    if BEGIN in text and END in text:
        pre, rest = text.split(BEGIN, 1)
        post = rest.split(END, 1)[1]
        text = pre + block + post
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    README.write_text(text)


class Matrix:
    """Runs cells on demand and remembers them; owns drivers, front, recorder and extra emulators."""

    def __init__(self, sandbox, sandbox_tls):
        self.sb = sandbox
        self.sb_tls = sandbox_tls
        self.tmp = tempfile.TemporaryDirectory(prefix="light-faults-")
        self.drivers = {}
        self.deaths = []
        self.results = {}
        self.lock = threading.Lock()
        self.recorder = Recorder()
        self._self_test_recorder()
        self._bad_tls = {}
        self._bundle = None

    # ---- resources ----------------------------------------------------------------
    def _self_test_recorder(self):
        """The recorder must see a request sent to it, or "got 0" would prove nothing."""
        import urllib.request
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"http://127.0.0.1:{self.recorder.port}/probe", timeout=10) as r:
            r.read()
        for _ in range(100):
            hits = self.recorder.take()
            if hits:
                assert "GET /probe" in hits[0], hits
                return
            time.sleep(0.02)
        raise AssertionError("the redirect recorder did not record a request sent to it")

    def driver(self, lang):
        d = self.drivers.get(lang)
        if d is not None and not d.alive():
            self.deaths.append(f"{lang} driver died (rc={d.proc.returncode}): {d.stderr_tail(800)}")
            d = None
        if d is None:
            d = self.drivers[lang] = Driver(lang, self.tmp.name)
        return d

    def bad_tls(self, which):
        if which not in self._bad_tls:
            sb = SandboxProcess(["--tls"] if which == "untrusted" else ["--tls-wrong-host"])
            sb.start()
            self._bad_tls[which] = sb
        return self._bad_tls[which]

    def bundle(self):
        """CA file trusting the good TLS emulator and the wrong-host one's CA."""
        if self._bundle is None:
            path = pathlib.Path(self.tmp.name) / "bundle.pem"
            path.write_text(pathlib.Path(self.sb_tls.ca_file).read_text()
                            + pathlib.Path(self.bad_tls("wrong_host").ca_file).read_text())
            self._bundle = str(path)
        return self._bundle

    def stop_drivers(self):
        """Quit every driver: {lang: (exit code, stderr)}."""
        out = {lang: d.stop() for lang, d in self.drivers.items()}
        self.drivers = {}
        return out

    def close(self):
        self.stop_drivers()
        for sb in self._bad_tls.values():
            sb.stop()
        self.recorder.close()
        self.tmp.cleanup()

    # ---- cells --------------------------------------------------------------------
    def observe(self, fault_name, lang, op):
        key = (fault_name, lang, op)
        with self.lock:
            if key not in self.results:
                try:
                    self.results[key] = self._run(FAULTS_BY_NAME[fault_name], lang, op)
                except AssertionError as e:  # the driver hung, died or printed garbage
                    self.results[key] = Outcome(f"harness failure: {str(e).splitlines()[0]}", [str(e)])
            return self.results[key]

    def cells(self):
        return {k: v.cell for k, v in self.results.items()}

    def _email(self, lang, fault):
        return f"fm-{lang.replace('.', '')}-{fault}-{time.time_ns()}@example.com"

    def _run(self, f, lang, op):
        if f.stage == "server":
            return self._run_server(f, lang, op)
        return self._run_front(f, lang, op)

    def _check_common(self, problems, first, token):
        text = repr(first)
        if token and token in text:
            problems.append("the app token appears in the error reported to the caller")
        if not first.get("ok") and lang_error_missing(first):
            problems.append(f"not an SDK error class: {first}")

    def _run_server(self, f, lang, op):
        o = OPS[op]
        sb, d, problems = self.sb, self.driver(lang), []
        sb.clean()  # no faults, empty journal, start-up config (rate limits off), real time
        self.recorder.take()
        r = d.send("new", base_url=sb.base_url, token=sb.app_token, **f.client)
        assert r.get("ok"), f"client creation failed: {r}"
        # Warm-up: the faulted call then goes out on a reused keep-alive connection.
        warm = d.send("call", op="get")
        if not warm.get("ok"):
            problems.append(f"warm-up call failed: {warm}")
        seq0 = max([e["seq"] for e in sb.journal()] or [0])
        spec = dict(f.spec)
        if spec["kind"] == "redirect":
            spec["location"] = f"http://localhost:{self.recorder.port}{o['path']}"
        sb.fault(method=o["method"], path=o["path"], **spec)
        first = d.send("call", op=o["op"], email=self._email(lang, f.name),
                       timeout_ms=f.timeout_ms or None)
        entries = [e for e in sb.journal(since=seq0) if e["method"] == o["method"] and e["path"] == o["path"]]
        sb.clear_faults()
        other_host = self.recorder.take()
        second = d.send("call", op=o["op"], email=self._email(lang, f.name))

        attempts = len(entries)
        faulted = [e for e in entries if e["fault"] and e["fault"]["kind"] == spec["kind"]]
        want_faulted = min(attempts, spec.get("times", attempts))
        if len(faulted) != want_faulted:
            problems.append(f"journal: {len(faulted)} of {attempts} attempts carry the {spec['kind']} fault")
        if any(e["auth_kind"] != "app" for e in entries):
            problems.append(f"journal: an attempt without the app token: {[e['auth_kind'] for e in entries]}")
        if not first.get("ok") and first.get("retries") != attempts - 1:
            problems.append(f"the error says retries={first.get('retries')} but the journal shows {attempts} attempts")
        if spec["kind"] == "status" and spec["status"] == 429 and attempts >= 2:
            gap = entries[1]["time"] - entries[0]["time"]
            if gap < RETRY_AFTER_S - 0.05:  # a lower bound: load can only make it longer
                problems.append(f"Retry-After {RETRY_AFTER_S}s not honoured: next attempt after {gap:.3f}s")
        if other_host:
            problems.append(f"the other host received {len(other_host)} request(s): {other_host!r:.300}")
        self._check_common(problems, first, sb.app_token)
        cell = describe(first, attempts)
        if spec["kind"] == "redirect":
            cell += f", other host got {len(other_host)}"
        return self._finish(cell, problems, first, second)

    def _run_front(self, f, lang, op):
        o = OPS[op]
        d, problems = self.driver(lang), []
        if f.stage in ("refuse", "blackhole"):
            good, scheme, backend, ca = self.sb, "http", self.sb, None
        else:
            good, scheme = self.sb_tls, "https"
            backend = self.bad_tls("untrusted" if f.stage == "tls_untrusted" else "wrong_host")
            ca = self.sb_tls.ca_file if f.stage == "tls_untrusted" else self.bundle()
        good.clean()
        front = Front("blackhole" if f.stage == "blackhole" else "refuse")
        try:
            if f.stage.startswith("tls"):
                front.relay(int(backend.base_url.rsplit(":", 1)[1]))
            backend.clear_journal()
            opts = dict(f.client)
            if ca:
                opts["ca_file"] = ca
            r = d.send("new", base_url=front.url(scheme), token=good.app_token, **opts)
            assert r.get("ok"), f"client creation failed: {r}"
            first = d.send("call", op=o["op"], email=self._email(lang, f.name), timeout_ms=f.timeout_ms or None)
            reached = [e for e in backend.journal() if e["path"] == o["path"]]
            connections = front.connections
            # Heal: the same port now leads to a healthy emulator.
            front.relay(int(good.base_url.rsplit(":", 1)[1]))
            second = d.send("call", op=o["op"], email=self._email(lang, f.name))
        finally:
            front.close()
        if reached:
            problems.append(f"{len(reached)} request(s) reached the server through a {f.title}")
        if first.get("ok"):
            problems.append("the faulted call succeeded")
            attempts = 1
        else:
            attempts = (first.get("retries") or 0) + 1
        if f.counted_by == "front" and connections != attempts:
            problems.append(f"the front saw {connections} TCP connections for {attempts} attempts")
            attempts = connections
        self._check_common(problems, first, good.app_token)
        return self._finish(describe(first, attempts), problems, first, second)

    def _finish(self, cell, problems, first, second):
        if not second.get("ok"):
            problems.append(f"the same client failed afterwards against a healthy server: {second}")
            cell += f" (then {second.get('kind')})"
        return Outcome(cell, problems, first, second)


def lang_error_missing(reply):
    """True when a failed call did not raise one of the SDK's own classes."""
    if reply.get("light_error") is False:
        return True
    return reply.get("kind") in (None, "DriverError", "LuaError", "TypeError", "Error", "RuntimeError")


def update_requested():
    return os.environ.get("LIGHT_UPDATE_FAULT_MATRIX") == "1"
