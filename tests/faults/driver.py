"""Fault-matrix driver for Python (protocol: tests/faults/driver.c).

Imports ``light`` from the source tree (python/) with the extension built in
$LIGHT_BUILD_DIR/python, like tests/python/conftest.py. Blocking client;
the same client serves every call until the next ``new``.
"""
import json
import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("LIGHT_BUILD_DIR", ROOT / "build"))
for p in (str(ROOT / "python"), str(BUILD / "python")):
    if p not in sys.path:
        sys.path.insert(0, p)

import light  # noqa: E402


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def error_reply(e):
    return {"ok": False, "kind": type(e).__name__, "status": getattr(e, "status", None),
            "retries": getattr(e, "retries", None), "message": str(e),
            "light_error": isinstance(e, light.LightError)}


def new_client(f):
    kw = dict(base_url=f["base_url"], retry_base=0.01, retry_max=0.05)
    if "connect_timeout_ms" in f:
        kw["connect_timeout"] = int(f["connect_timeout_ms"]) / 1000
    if "max_response_bytes" in f:
        kw["max_response_bytes"] = int(f["max_response_bytes"])
    if "ca_file" in f:
        kw["ca_file"] = f["ca_file"]
    return light.Client(f["token"], **kw)


def call(client, f):
    kw = {}
    if "timeout_ms" in f:
        kw["timeout"] = int(f["timeout_ms"]) / 1000
    if f.get("op") == "get":
        client.plan_groups.list(**kw)
    elif f.get("op") == "post":
        client.accounts.create(email=f.get("email", "py-driver@example.com"), **kw)
    else:
        return {"ok": False, "kind": "DriverError", "status": None, "retries": None, "message": "op must be get or post"}
    return {"ok": True}


def main():
    client = None
    for line in sys.stdin:
        parts = line.rstrip("\r\n").split("\t")
        cmd, f = parts[0], dict(p.split("=", 1) for p in parts[1:] if "=" in p)
        if cmd == "quit":
            break
        try:
            if cmd == "new":
                if client is not None:
                    client.close()
                client = None
                client = new_client(f)
                reply({"ok": True})
            elif cmd == "call":
                reply(call(client, f))
            elif cmd == "close":
                if client is not None:
                    client.close()
                client = None
                reply({"ok": True})
            else:
                reply({"ok": False, "kind": "DriverError", "status": None, "retries": None,
                       "message": f"unknown command {cmd!r}"})
        except Exception as e:  # noqa: BLE001 - every outcome is reported, the harness judges it
            reply(error_reply(e))
    if client is not None:
        client.close()


if __name__ == "__main__":
    main()
