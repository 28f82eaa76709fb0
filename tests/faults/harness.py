"""Moving parts of the fault matrix: the per-language drivers, a controllable
loopback front (refuse / black-hole / relay) and the other-host recorder.

Stdlib only. Everything listens on 127.0.0.1, on ports the kernel picks, and
is stopped by the matrix fixture.
"""
import json
import os
import pathlib
import queue
import shutil
import socket
import subprocess
import sys
import tempfile
import threading

ROOT = pathlib.Path(__file__).resolve().parents[2]
HERE = pathlib.Path(__file__).resolve().parent
BUILD = pathlib.Path(os.environ.get("LIGHT_BUILD_DIR", ROOT / "build"))

# Column order of the matrix.
LANGS = ["c", "c-asan", "python", "node", "lua5.4", "luajit", "nginx"]
LANG_TITLES = {"c": "C", "c-asan": "C (ASan+UBSan)", "python": "Python", "node": "Node", "lua5.4": "Lua 5.4",
               "luajit": "LuaJIT", "nginx": "nginx (cosocket)"}
SANITIZER_ENV = {"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:halt_on_error=1",
                 "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1"}

REPLY_TIMEOUT = 120.0  # a driver that says nothing for this long has hung: the test fails


# ------------------------------------------------------------------ drivers ---

def _pkg_libs(*names):
    out = subprocess.run(["pkg-config", "--libs", *names], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"pkg-config --libs {' '.join(names)}: {out.stderr.strip()}")
    return out.stdout.split()


def build_c_program(src, exe, asan=False):
    """Compile one test program (public headers only) against the built static core; with asan,
    against the ASan+UBSan core of build-asan, instrumented the same way."""
    lib = (pathlib.Path(str(BUILD) + "-asan") if asan else BUILD) / "liblight.a"
    if not lib.exists():
        raise RuntimeError(f"{lib} not built: run `make build`")
    cc = os.environ.get("CC") or shutil.which("cc") or "gcc"
    san = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-fno-sanitize-recover=undefined"] if asan else []
    cmd = [cc, "-std=c11", "-D_POSIX_C_SOURCE=200809L", "-Wall", "-Wextra", "-Werror", "-O1", "-g", *san,
           "-I", str(ROOT / "core" / "include"), str(src), "-o", str(exe), str(lib),
           *_pkg_libs("libcurl", "libcjson", "libcrypto"), "-lpthread", "-lm"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"building {src} failed:\n{' '.join(cmd)}\n{proc.stdout}{proc.stderr}")
    return exe


def build_c_driver(outdir, asan=False):
    """tests/faults/driver.c, built by build_c_program."""
    return build_c_program(HERE / "driver.c", pathlib.Path(outdir) / ("fault_driver_asan" if asan else "fault_driver"),
                           asan)


def lua_command(lang, script):
    """(argv, env) running @p script under lua5.4 or luajit with the repository's package and built modules."""
    flavour = "5.4" if lang == "lua5.4" else "jit"
    module = _lua_build_dir() / flavour / "light" / "core.so"
    if not module.exists():
        raise RuntimeError(f"{module} not built: run `make build`")
    env = {
        "LUA_PATH": ";".join([str(ROOT / "lua" / "?.lua"), str(ROOT / "lua" / "?" / "init.lua")]) + ";;",
        "LUA_CPATH": str(_lua_build_dir() / flavour / "?.so") + ";;",
    }
    return [shutil.which(lang) or lang, str(script)], env


def _lua_build_dir():
    from tests.lua.nginx_harness import lua_build_dir  # the Lua suite's own locator
    return lua_build_dir()


def driver_command(lang, workdir):
    """(argv, extra env) that starts the driver of ``lang``."""
    if lang == "c":
        return [str(build_c_driver(workdir))], {}
    if lang == "c-asan":
        return [str(build_c_driver(workdir, asan=True))], dict(SANITIZER_ENV)
    if lang == "python":
        return [sys.executable, str(HERE / "driver.py")], {}
    if lang == "node":
        return [shutil.which("node") or "node", str(HERE / "driver.js")], {}
    if lang in ("lua5.4", "luajit"):
        return lua_command(lang, HERE / "driver.lua")
    if lang == "nginx":
        module = _lua_build_dir() / "jit" / "light" / "core.so"
        if not module.exists():
            raise RuntimeError(f"{module} not built: run `make build`")
        return [sys.executable, str(HERE / "driver_nginx.py")], {}
    raise ValueError(lang)


class Driver:
    """One long-lived driver process: a command line in, one JSON line out."""

    def __init__(self, lang, workdir):
        self.lang = lang
        argv, extra = driver_command(lang, workdir)
        env = dict(os.environ)
        for k in ("LIGHT_APP_TOKEN", "LIGHT_BASE_URL", "LIGHT_LOG", "http_proxy", "https_proxy", "all_proxy",
                  "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
            env.pop(k, None)
        env.update(extra)
        self.stderr = tempfile.TemporaryFile(mode="w+b")
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, text=True, bufsize=1)
        self.lines = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def stderr_tail(self, n=3000):
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", "replace")[-n:]

    def send(self, cmd, **fields):
        for k, v in fields.items():
            if any(c in str(v) for c in "\t\r\n"):
                raise ValueError(f"{k} holds a tab or newline")
        line = "\t".join([cmd] + [f"{k}={v}" for k, v in fields.items() if v is not None])
        try:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as e:
            raise AssertionError(f"{self.lang} driver is gone ({e}); stderr:\n{self.stderr_tail()}") from None
        try:
            out = self.lines.get(timeout=REPLY_TIMEOUT)
        except queue.Empty:
            self._kill()  # a late answer would be read as the next command's: never reuse a hung driver
            raise AssertionError(f"{self.lang} driver did not answer {cmd!r} within {REPLY_TIMEOUT:.0f} s; "
                                 f"stderr:\n{self.stderr_tail()}") from None
        if out is None:
            raise AssertionError(f"{self.lang} driver exited (rc={self.proc.poll()}) on {cmd!r}; "
                                 f"stderr:\n{self.stderr_tail()}")
        try:
            return json.loads(out)
        except ValueError:
            self._kill()
            raise AssertionError(f"{self.lang} driver printed a non-JSON line {out!r}") from None

    def _kill(self):
        self.proc.kill()
        self.proc.wait(timeout=30)

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
                self.proc.stdin.close()
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(timeout=10)
        rc = self.proc.returncode
        err = self.stderr_tail(20000)
        self.stderr.close()
        return rc, err


# ------------------------------------------------------------------- front ---

def _pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    for s, how in ((dst, socket.SHUT_WR), (src, socket.SHUT_RD)):
        try:
            s.shutdown(how)
        except OSError:
            pass


class Front:
    """A loopback port the SDK is pointed at, in one of three states:

    * ``refuse``: bound but not listening — the kernel answers a SYN with RST
      (connection refused), without a race on the port;
    * ``blackhole``: listening with a zero backlog whose one slot is taken by a
      connection nobody accepts — further SYNs are dropped, so connects time out;
    * ``relay``: accepts and forwards bytes (TLS included) to a target port,
      counting connections; the target can be switched between calls.
    """

    def __init__(self, mode):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.target = None
        self.connections = 0
        self.lock = threading.Lock()
        self.fillers = []
        self.open = []
        self.thread = None
        self.closed = False
        self.mode = "refuse"
        if mode == "blackhole":
            self._blackhole()
        elif mode == "relay":
            raise ValueError("start in refuse or blackhole, then relay(port)")

    def _blackhole(self):
        self.sock.listen(0)
        for _ in range(8):
            c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            c.settimeout(0.2)
            try:
                c.connect(("127.0.0.1", self.port))
            except (socket.timeout, OSError):
                c.close()
                break
            self.fillers.append(c)
        else:
            raise RuntimeError("the accept backlog never filled: cannot emulate a connect timeout here")
        self.mode = "blackhole"

    def relay(self, target_port):
        """Start (or retarget) forwarding to 127.0.0.1:target_port."""
        self.target = target_port
        if self.mode != "relay":
            for c in self.fillers:
                c.close()
            self.fillers = []
            self.sock.listen(64)
            self.mode = "relay"
            self.thread = threading.Thread(target=self._accept_loop, daemon=True)
            self.thread.start()

    def reset_count(self):
        with self.lock:
            self.connections = 0

    def _accept_loop(self):
        while not self.closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
                target = self.target
            try:
                up = socket.create_connection(("127.0.0.1", target), timeout=10)
                up.settimeout(None)
            except OSError:
                conn.close()
                continue
            self.open += [conn, up]
            threading.Thread(target=_pump, args=(conn, up), daemon=True).start()
            threading.Thread(target=_pump, args=(up, conn), daemon=True).start()

    def url(self, scheme="http"):
        return f"{scheme}://127.0.0.1:{self.port}"

    def close(self):
        self.closed = True
        for s in [self.sock] + self.fillers + self.open:
            try:
                s.close()
            except OSError:
                pass


class Recorder:
    """The other host of the redirect test: records every connection and the
    bytes (headers) that arrive on it, answers 200 {} and closes."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.lock = threading.Lock()
        self.hits = []
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.settimeout(2.0)
            data = b""
            try:
                while b"\r\n\r\n" not in data and len(data) < 65536:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
                             b"Connection: close\r\n\r\n{}")
            except OSError:
                pass
            conn.close()
            with self.lock:
                self.hits.append(data.decode("latin-1"))

    def take(self):
        with self.lock:
            hits, self.hits = self.hits, []
        return hits

    def close(self):
        self.sock.close()
