"""Start the emulator in a subprocess and talk to its admin API.

Stdlib only (the pytest fixtures in tests/conftest.py and scripts such as
``make demo`` use it)::

    from light_sandbox.runner import SandboxProcess
    with SandboxProcess() as sb:            # python -m light_sandbox serve --port 0 --ready-json --no-rate-limit
        print(sb.base_url, sb.env())
        sb.fault(method="GET", path="/v1/account", kind="status", status=503, times=1)
"""
import json
import os
import pathlib
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
# In a checkout the emulator runs from the repository root (as the suites expect);
# installed from a wheel (site-packages/light_sandbox) it runs in the caller's directory.
_IN_CHECKOUT = (REPO_ROOT / "sandbox" / "light_sandbox" / "runner.py").is_file()


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SandboxError(RuntimeError):
    pass


class SandboxProcess:
    """One emulator subprocess. ``args`` are extra CLI flags (e.g. ["--tls"])."""

    def __init__(self, args=(), rate_limit=False, timeout=30.0, cwd=None, python=None):
        self.args = list(args)
        if not rate_limit and "--no-rate-limit" not in self.args:
            self.args.append("--no-rate-limit")
        self.timeout = timeout
        self.cwd = str(cwd) if cwd else (str(REPO_ROOT) if _IN_CHECKOUT else None)
        self.python = python or sys.executable
        self.proc = None
        self.info = {}
        self.base_url = self.app_token = self.webhook_secret = self.ca_file = self.pid = None
        self.receiver_url = None
        self._log = None
        self._ssl = None

    # ---- lifecycle ----------------------------------------------------------------
    def command(self):
        """The argv that starts it: ``light-sandbox serve`` run as ``python -m light_sandbox serve``."""
        return [self.python, "-m", "light_sandbox", "serve", "--port", "0", "--ready-json", "--watch-parent"] + self.args

    def start(self):
        cmd = self.command()
        self._log = tempfile.NamedTemporaryFile(prefix="light-sandbox-", suffix=".log", delete=False)
        env = dict(os.environ)
        env["PYTHONUNBUFFERED"] = "1"
        # The child imports this very package, wherever it was imported from: the
        # repository's sandbox/ folder goes first on PYTHONPATH. An installed copy
        # (site-packages, already on the same interpreter's sys.path) is not added:
        # that would put all of site-packages ahead of the child's own paths.
        pkg_parent = str(pathlib.Path(__file__).resolve().parent.parent)
        rest = [x for x in env.get("PYTHONPATH", "").split(os.pathsep) if x and x != pkg_parent]
        on_path = {str(pathlib.Path(x).resolve()) for x in sys.path if x}
        installed = not _IN_CHECKOUT and pkg_parent in on_path and self.python == sys.executable
        paths = rest if installed else [pkg_parent] + rest
        if paths:
            env["PYTHONPATH"] = os.pathsep.join(paths)
        else:
            env.pop("PYTHONPATH", None)
        self.proc = subprocess.Popen(cmd, cwd=self.cwd, stdout=subprocess.PIPE, stderr=self._log,
                                     stdin=subprocess.DEVNULL, env=env)
        line = self._read_ready_line()
        try:
            self.info = json.loads(line)
        except ValueError:
            self.stop()
            raise SandboxError(f"emulator printed no ready line: {line!r}\n{self.log_text()}") from None
        self.base_url = self.info["base_url"]
        self.app_token = self.info["app_token"]
        self.webhook_secret = self.info["webhook_secret"]
        self.ca_file = self.info.get("ca_file")
        self.pid = self.info.get("pid", self.proc.pid)
        self.receiver_url = self.info.get("receiver_url")
        if self.ca_file:
            self._ssl = ssl.create_default_context(cafile=self.ca_file)
            if "--tls-wrong-host" in self.args:
                self._ssl.check_hostname = False
        # drain stdout so the child can never block on a full pipe
        threading.Thread(target=self._drain, daemon=True).start()
        return self

    def _read_ready_line(self):
        box = {}

        def read():
            box["line"] = self.proc.stdout.readline().decode("utf-8", "replace")

        t = threading.Thread(target=read, daemon=True)
        t.start()
        t.join(self.timeout)
        if t.is_alive() or not box.get("line"):
            self.stop()
            raise SandboxError(f"emulator did not become ready within {self.timeout}s\n{self.log_text()}")
        return box["line"]

    def _drain(self):
        try:
            for _ in self.proc.stdout:
                pass
        except (OSError, ValueError):
            pass

    def log_text(self):
        try:
            return pathlib.Path(self._log.name).read_text(errors="replace") if self._log else ""
        except OSError:
            return ""

    def stop(self, timeout=10.0):
        p = self.proc
        if p is None:
            return
        if p.poll() is None:
            try:
                os.kill(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(p.pid, signal.SIGKILL)
                p.wait(5)
        if p.stdout:
            try:
                p.stdout.close()
            except OSError:
                pass
        if self._log:
            self._log.close()
            try:
                os.unlink(self._log.name)
            except OSError:
                pass
            self._log = None
        self.proc = None

    def __enter__(self):
        return self.start() if self.proc is None else self

    def __exit__(self, *exc):
        self.stop()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    # ---- HTTP helpers -----------------------------------------------------------------
    def request(self, method, path, body=None, token=None, headers=None, timeout=30.0):
        """(status, parsed JSON or raw text, headers) for ``path`` on the emulator."""
        data = None
        h = dict(headers or {})
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        if token:
            h["Authorization"] = f"Bearer {token}"
        req = urllib.request.Request(self.base_url + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=timeout, context=self._ssl) as r:
                status, raw, rh = r.status, r.read(), dict(r.headers)
        except urllib.error.HTTPError as e:
            status, raw, rh = e.code, e.read(), dict(e.headers)
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode("utf-8", "replace")
        return status, parsed, rh

    def admin(self, method, path, body=None):
        status, parsed, _ = self.request(method, "/_sandbox/" + path.lstrip("/"), body)
        if not 200 <= status < 300:
            raise SandboxError(f"{method} /_sandbox/{path}: HTTP {status} {parsed}")
        return parsed

    def journal(self, **filters):
        q = ("?" + urllib.parse.urlencode(filters)) if filters else ""
        return self.admin("GET", "requests" + q)

    def clear_journal(self):
        return self.admin("DELETE", "requests")

    def fault(self, **kw):
        """Install a fault: fault(method="GET", path="/v1/account", kind="status", status=503, times=1)."""
        return self.admin("POST", "faults", kw)

    def clear_faults(self):
        return self.admin("DELETE", "faults")

    def advance_clock(self, seconds):
        return self.admin("POST", "clock", {"advance": seconds})

    def set_clock(self, unix_seconds):
        return self.admin("POST", "clock", {"set": unix_seconds})

    def reset_clock(self):
        return self.admin("POST", "clock", {"reset": True})

    def clock(self):
        return self.admin("GET", "clock")

    def config(self, **kw):
        """Change settings (rate_limit, webhook_url, webhook_retry_delays, webhook_timeout,
        account_token_ttl, error_key, comparison_processing_delay, usage_profile_delay, page_style);
        with no arguments, return the current settings."""
        return self.admin("POST", "config", kw) if kw else self.admin("GET", "config")

    def reset_config(self):
        return self.admin("DELETE", "config")

    def webhooks(self):
        return self.admin("GET", "webhooks")

    def clear_webhooks(self):
        return self.admin("DELETE", "webhooks?pending=1")

    def events(self, event=None):
        return self.admin("GET", "events" + (f"?event={event}" if event else ""))

    def clear_events(self):
        return self.admin("DELETE", "events")

    def reset(self):
        return self.admin("POST", "reset")

    def issued_tokens(self):
        """Every account token the emulator issued (GET /_sandbox/tokens): [{token, account_uuid, expires_at}]."""
        return self.admin("GET", "tokens")

    def connections(self):
        return self.admin("GET", "connections")["total"]

    def tick(self):
        return self.admin("POST", "tick")

    def clean(self):
        """What the clean_sandbox fixture does: no faults, empty journal, default config,
        real time, no pending webhooks, empty event log."""
        self.clear_faults()
        self.reset_config()
        self.reset_clock()
        self.clear_webhooks()
        self.clear_events()
        self.clear_journal()

    # ---- convenience for suites (plain HTTP, no SDK) --------------------------------------
    def create_account(self, email=None, **fields):
        body = {"email": email or f"user-{time.time_ns()}@example.com"}
        body.update(fields)
        status, acct, _ = self.request("POST", "/v1/app/accounts", body, token=self.app_token)
        if status != 200:
            raise SandboxError(f"create_account: HTTP {status} {acct}")
        return acct

    def account_token(self, account_uuid):
        status, out, _ = self.request("POST", f"/v1/app/accounts/{account_uuid}/token", token=self.app_token)
        if status != 200:
            raise SandboxError(f"account_token: HTTP {status} {out}")
        return out["token"]

    def env(self):
        """Environment variables for child processes (C, Node, Lua suites)."""
        return {
            "LIGHT_SANDBOX_URL": self.base_url,
            "LIGHT_SANDBOX_APP_TOKEN": self.app_token,
            "LIGHT_SANDBOX_WEBHOOK_SECRET": self.webhook_secret,
            "LIGHT_SANDBOX_CA_FILE": self.ca_file or "",
        }
