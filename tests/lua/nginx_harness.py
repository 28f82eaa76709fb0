"""Start a real nginx with the Lua module and the example gateway of
lua/examples/nginx/ on a free 127.0.0.1 port (used by test_nginx.py and
bench/lua/). Stopped by its pid."""
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "lua" / "examples" / "nginx"
MODULES = pathlib.Path("/usr/lib/nginx/modules")


def lua_build_dir():
    """Directory holding 5.4/light/core.so and jit/light/core.so."""
    if os.environ.get("LIGHT_LUA_BUILD"):
        return pathlib.Path(os.environ["LIGHT_LUA_BUILD"])
    return pathlib.Path(os.environ.get("LIGHT_BUILD_DIR", ROOT / "build")) / "lua"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CONF = """
load_module {modules}/ndk_http_module.so;
load_module {modules}/ngx_http_lua_module.so;
daemon off;
master_process on;
{user}
worker_processes {workers};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log {log_level};
env LIGHT_APP_TOKEN;
env LIGHT_BASE_URL;
env LIGHT_WEBHOOK_SECRET;
env LIGHT_LOG;
env LIGHT_TRANSPORT;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    lua_package_path "{lua_dir}/?.lua;{lua_dir}/?/init.lua;{example}/?.lua;{tests}/?.lua;{lua_path_extra};";
    lua_package_cpath "{cpath}/?.so;;";
    client_body_temp_path {prefix}/client_body_temp;
    proxy_temp_path {prefix}/proxy_temp;
    fastcgi_temp_path {prefix}/fastcgi_temp;
    uwsgi_temp_path {prefix}/uwsgi_temp;
    scgi_temp_path {prefix}/scgi_temp;
{http_extra}
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        include {prefix}/gateway.conf;
        location = /static {{ return 200 "ok\\n"; }}
{extra}
    }}
}}
"""


class Nginx:
    def __init__(self, prefix, env, workers=1, extra="", log_level="warn", cpu=None, http_extra="",
                 package_path=None, lua_path_extra=None):
        self.prefix = pathlib.Path(prefix)
        self.port = free_port()
        self.env = env
        self.workers = workers
        self.extra = extra
        self.http_extra = http_extra  # http {} level directives (lua_shared_dict, init_worker_by_lua_block, ...)
        self.package_path = package_path  # the SDK's Lua files (default: the checkout's lua/)
        self.lua_path_extra = lua_path_extra  # one more directory of Lua modules
        self.log_level = log_level
        self.cpu = cpu  # pin nginx to this CPU list (benchmarks), e.g. "0"
        self.proc = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def write_conf(self):
        self.prefix.mkdir(parents=True, exist_ok=True)
        # The example's server-level snippets, unchanged, next to the generated conf
        # (their relative includes resolve against the conf's directory).
        for name in ("gateway.conf",):
            shutil.copy(EXAMPLE / name, self.prefix / name)
        conf = CONF.format(modules=MODULES, workers=self.workers, prefix=self.prefix, log_level=self.log_level,
                           lua_dir=self.package_path or ROOT / "lua", example=EXAMPLE, tests=ROOT / "tests" / "lua", cpath=lua_build_dir() / "jit",
                           port=self.port, extra=self.extra, http_extra=self.http_extra,
                           lua_path_extra=(f"{self.lua_path_extra}/?.lua;" if self.lua_path_extra else ""),
                           # as root, workers would switch to `nobody` and could not
                           # write the temp dirs under the (0700) test prefix
                           user="user root;" if os.geteuid() == 0 else "")
        path = self.prefix / "nginx.conf"
        path.write_text(conf)
        return path

    def start(self, timeout=15):
        conf = self.write_conf()
        env = dict(os.environ)
        env.update(self.env)
        pin = ["taskset", "-c", str(self.cpu)] if self.cpu is not None and shutil.which("taskset") else []
        self.proc = subprocess.Popen(pin + ["nginx", "-c", str(conf), "-p", str(self.prefix), "-e",
                                      str(self.prefix / "error.log")],
                                     env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("nginx exited: " + self.proc.stderr.read().decode() + self.error_log())
            try:
                with urllib.request.urlopen(self.url + "/static", timeout=1) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("nginx did not start: " + self.error_log())

    def error_log(self):
        p = self.prefix / "error.log"
        return p.read_text(errors="replace") if p.exists() else ""

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful: master stops its workers
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc and self.proc.stderr:
            self.proc.stderr.close()
        self.proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
