#!/usr/bin/env python3
"""API calls from inside nginx (numbers are reported, never asserted): wrk
against one nginx worker whose handler makes one SDK call per request to an
upstream nginx serving a ~1 KB JSON, through

1. light.nginx — cosockets with keep-alive pools (this SDK);
2. the previous transport, ngx.location.capture subrequests through an
   internal proxy_pass location (lua/light/*.lua of commit SUBREQUEST_COMMIT,
   read with `git show`, with today's light/core.so);
3. for comparison only, lua-resty-http (`request_uri`, keep-alive pool) when
   LIGHT_BENCH_RESTY_HTTP names its lib/ directory (a checkout of
   ledgetech/lua-resty-http; never part of this repository), decoding with
   the same light.json.decode.

    python3 bench/lua/api.py [--duration 10] [--connections 50] [--rounds 2] [--json FILE]

The variants are measured in turn, --rounds times (the nginx instances all
run meanwhile, pinned to the same CPU); each figure is the variant's best
round, so a burst of load from elsewhere on a shared machine hurts one round
of one variant, not the comparison.
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "lua"))
from tests.lua.nginx_harness import Nginx  # noqa: E402
import run as gateway_bench  # noqa: E402  (wrk, worker_pids, cpu_seconds)

# The last commit with the subrequest transport (lua/light/nginx.lua + the
# internal location of lua/examples/nginx/light_upstream.conf).
SUBREQUEST_COMMIT = "3cb77a8"

DOC = {"uuid": "acc_bench", "object": "account", "email": "bench@example.com", "status": "active",
       "status_reason": "enrolled", "metadata": {"k": "v" * 700}, "created_at": "2024-01-01T00:00:00Z"}
BODY = json.dumps(DOC)

UPSTREAM = """
        location /v1/ {{ default_type application/json; return 200 '{body}'; }}
"""

HANDLERS = r"""
        location = /api/light {
            content_by_lua_block {
                local c = package.loaded.bench_client
                if not c then
                    c = assert(require("light").new{ app_token = "app_bench", base_url = "UPSTREAM", max_retries = 0 })
                    package.loaded.bench_client = c
                end
                local v, err = c:request("GET", "/v1/app/accounts/acc_bench")
                if not v then ngx.status = 502; ngx.say(tostring(err)); return end
                ngx.print(v.uuid)
            }
        }
"""

RESTY = r"""
        location = /api/resty {
            content_by_lua_block {
                local http = require "resty.http"
                local json = require("light").json
                local httpc = http.new()
                local res, err = httpc:request_uri("UPSTREAM/v1/app/accounts/acc_bench", {
                    headers = { ["Authorization"] = "Bearer app_bench", ["Accept"] = "application/json" },
                    keepalive_timeout = 30000, keepalive_pool = 32 })
                if not res or res.status ~= 200 then ngx.status = 502; ngx.say(tostring(err)); return end
                local v = json.decode(res.body)
                ngx.print(v.uuid)
            }
        }
"""

SUBREQUEST_HTTP = ""


def old_lua_tree(tmp):
    """lua/light/*.lua of SUBREQUEST_COMMIT in tmp/old-lua, and its internal location."""
    out = pathlib.Path(tmp) / "old-lua" / "light"
    out.mkdir(parents=True)
    for name in ("init.lua", "nginx.lua", "_meta.lua"):
        text = subprocess.run(["git", "-C", str(ROOT), "show", f"{SUBREQUEST_COMMIT}:lua/light/{name}"],
                              capture_output=True, text=True, check=True).stdout
        (out / name).write_text(text)
    location = subprocess.run(["git", "-C", str(ROOT), "show",
                               f"{SUBREQUEST_COMMIT}:lua/examples/nginx/light_upstream.conf"],
                              capture_output=True, text=True, check=True).stdout
    return out.parent, location


def measure(gw, path, args):
    workers = gateway_bench.worker_pids(gw.proc.pid)
    warm = argparse.Namespace(**{**vars(args), "duration": 2})
    gateway_bench.wrk(gw.url + path, warm)
    c0 = gateway_bench.cpu_seconds(workers)
    rps, p50, p99, bad, total = gateway_bench.wrk(gw.url + path, args)
    cpu = (gateway_bench.cpu_seconds(workers) - c0) / max(total, 1) * 1e6
    return {"rps": rps, "p50": p50, "p99": p99, "non_2xx": bad, "worker_cpu_us": cpu}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=50)
    ap.add_argument("--threads", type=int, default=1)
    pin = (os.cpu_count() or 1) >= 2
    ap.add_argument("--nginx-cpu", default="0" if pin else None)
    ap.add_argument("--wrk-cpu", default="1" if pin else None)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--json")
    args = ap.parse_args()
    resty = os.environ.get("LIGHT_BENCH_RESTY_HTTP")
    if resty and not (pathlib.Path(resty) / "resty" / "http.lua").exists():
        raise SystemExit(f"LIGHT_BENCH_RESTY_HTTP={resty}: no resty/http.lua there")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        up = Nginx(pathlib.Path(tmp) / "upstream", {}, workers=1, log_level="error",
                   cpu=args.wrk_cpu, extra=UPSTREAM.format(body=BODY.replace("'", "\\'")))
        with up:
            base = up.url
            handlers = HANDLERS.replace("UPSTREAM", base)
            if resty:
                handlers += RESTY.replace("UPSTREAM", base)
            old_dir, location = old_lua_tree(tmp)
            with Nginx(pathlib.Path(tmp) / "client", {}, workers=1, log_level="error", cpu=args.nginx_cpu,
                       extra=handlers, lua_path_extra=resty) as gw, \
                    Nginx(pathlib.Path(tmp) / "client-old", {}, workers=1, log_level="error", cpu=args.nginx_cpu,
                          extra=HANDLERS.replace("UPSTREAM", base) + location, package_path=old_dir) as old:
                variants = [("cosocket", gw, "/api/light"), ("subrequest", old, "/api/light")]
                if resty:
                    variants.append(("lua-resty-http", gw, "/api/resty"))
                for _ in range(max(1, args.rounds)):
                    for name, server, path in variants:
                        r = measure(server, path, args)
                        best = results.get(name)
                        if r["non_2xx"] or best is None or (not best["non_2xx"] and r["rps"] > best["rps"]):
                            results[name] = r
    print(f"API GET (~{len(BODY)} B JSON) from inside nginx, 1 worker (cpu {args.nginx_cpu}), "
          f"wrk -c{args.connections} -d{args.duration}s, upstream nginx on cpu {args.wrk_cpu}")
    for name, r in results.items():
        print(f"  {name:15s} {r['rps']:9.0f} req/s  p50 {r['p50']:>8}  p99 {r['p99']:>8}  non-2xx {r['non_2xx']}  "
              f"worker CPU {r['worker_cpu_us']:6.1f} µs/req")
    c = results["cosocket"]
    print(f"  cosocket / subrequest: {c['rps'] / results['subrequest']['rps']:.2f}x req/s")
    if "lua-resty-http" in results:
        print(f"  cosocket / lua-resty-http: {c['rps'] / results['lua-resty-http']['rps']:.2f}x req/s")
    if args.json:
        pathlib.Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        pathlib.Path(args.json).write_text(json.dumps({"api": results}, indent=2))


if __name__ == "__main__":
    main()
