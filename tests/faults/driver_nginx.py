"""Fault-matrix driver for nginx (protocol: tests/faults/driver.c): starts a
real nginx with the Lua module (one worker, tests/lua/nginx_harness.py) whose
POST /drv runs tests/faults/driver_nginx.lua, and relays each stdin line to
it. The SDK inside nginx uses the cosocket transport. On `quit` (or EOF) nginx
is stopped; the exit status is 1 when its error log shows a crash, an alert or
an aborted Lua thread."""
import http.client
import pathlib
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.lua.nginx_harness import Nginx  # noqa: E402

LOCATION = r"""
        location = /drv {
            client_body_buffer_size 64k;
            default_type application/json;
            content_by_lua_block { require("driver_nginx").handle() }
        }
"""


def main():
    with tempfile.TemporaryDirectory(prefix="light-nginx-driver-") as tmp:
        gw = Nginx(pathlib.Path(tmp) / "nginx", {}, workers=1, extra=LOCATION,
                   lua_path_extra=str(ROOT / "tests" / "faults"))
        gw.start()
        rc = 0
        try:
            for line in sys.stdin:
                line = line.rstrip("\n")
                if line == "quit":
                    break
                conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=110)
                try:
                    conn.request("POST", "/drv", body=line.encode())
                    r = conn.getresponse()
                    out = r.read().decode().strip()
                    if r.status != 200:
                        out = '{"ok": false, "kind": "DriverError", "message": "nginx answered %d"}' % r.status
                finally:
                    conn.close()
                sys.stdout.write(out + "\n")
                sys.stdout.flush()
        finally:
            gw.stop()
            log = gw.error_log()
            for marker in ("[alert]", "[emerg]", "[crit]", "lua entry thread aborted", "signal 11", "core dumped"):
                if marker in log:
                    sys.stderr.write(log[-6000:])
                    rc = 1
                    break
    return rc


if __name__ == "__main__":
    sys.exit(main())
