"""Conformance runner for Python (protocol: tests/conformance/README.md).

One JSON command per line on stdin, one JSON outcome per line on stdout.
Imports ``light`` from the source tree with the extension built in
$LIGHT_BUILD_DIR/python, like tests/python/conftest.py.
"""
import json
import math
import os
import pathlib
import sys
from collections.abc import Mapping, Sequence

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("LIGHT_BUILD_DIR", ROOT / "build"))
for p in (str(ROOT / "python"), str(BUILD / "python")):
    if p not in sys.path:
        sys.path.insert(0, p)

import light  # noqa: E402

ARGUMENT_ERRORS = (TypeError, ValueError)


def decode(v):
    """The case file's markers for values JSON cannot carry: {"$nan"}, {"$inf": ±1}, {"$hex": ...}, {"$int": "..."}."""
    if isinstance(v, dict):
        if len(v) == 1:
            (k, x), = v.items()
            if k == "$nan":
                return math.nan
            if k == "$inf":
                return math.inf if x > 0 else -math.inf
            if k == "$hex":
                return bytes.fromhex(x).decode("utf-8", "surrogatepass")
            if k == "$int":
                return int(x)
            if k == "$bytes":
                return bytes.fromhex(x)
        return {k: decode(x) for k, x in v.items()}
    if isinstance(v, list):
        return [decode(x) for x in v]
    return v


def plain(v):
    """A result as plain JSON data."""
    if hasattr(v, "to_dict"):
        v = v.to_dict()
    if isinstance(v, Mapping):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, Sequence) and not isinstance(v, (str, bytes)):
        return [plain(x) for x in v]
    return v


def error_outcome(e):
    if isinstance(e, light.LightError):
        return {"ok": False, "kind": type(e).__name__, "status": getattr(e, "status", None),
                "reason": getattr(e, "reason", None), "message": getattr(e, "message", str(e))}
    if isinstance(e, ARGUMENT_ERRORS):
        return {"ok": False, "kind": "ArgumentError", "status": None, "reason": None, "message": str(e),
                "native_kind": type(e).__name__}
    raise e


# client options in the case file use the core's option names and units (seconds)
def client_kwargs(opts):
    return dict(opts or {})


class Runner:
    def __init__(self):
        self.clients = {}
        self.parents = {}

    def client(self, spec, env):
        kind = spec.get("kind", "app")
        opts = decode(spec.get("options") or {})
        key = json.dumps([kind, spec.get("account_uuid"), spec.get("account_token"), spec.get("options")],
                         sort_keys=True, default=repr)
        if key in self.clients and not spec.get("fresh"):
            return self.clients[key]
        kw = dict(base_url=env["base_url"], retry_base=0.01, retry_max=0.05)
        kw.update(client_kwargs(opts))
        if kind == "app":
            c = light.Client(kw.pop("app_token", env["app_token"]), **kw)
        elif kind == "account":
            app = light.Client(kw.pop("app_token", env["app_token"]), **kw)
            c = app.for_account(decode(spec["account_uuid"]))
            self.parents[id(c)] = app
        elif kind == "account_token":
            kw.pop("app_token", None)
            c = light.AccountClient(spec["account_token"], **kw)
        else:
            raise ValueError(f"client kind {kind!r}")
        if not spec.get("fresh"):
            self.clients[key] = c
        return c

    def run(self, case, env):
        call = case["call"]
        t = call["type"]
        if t == "operations":
            from light._resources import OPERATIONS
            return {"ok": True, "result": [o.id for o in OPERATIONS]}
        if t == "new_client":
            spec = dict(case.get("client") or {}, fresh=True)
            c = self.client(spec, env)
            c.close()
            return {"ok": True, "result": None}
        if t == "verify":
            kw = {}
            if call.get("tolerance") is not None:
                kw["tolerance"] = decode(call["tolerance"])
            if call.get("now") is not None:
                kw["now"] = decode(call["now"])
            ev = light.webhooks.verify(decode(call["payload"]), decode(call["signature"]), decode(call["secret"]), **kw)
            return {"ok": True, "result": plain(ev)}
        if t == "sign":
            kw = {}
            if call.get("timestamp") is not None:
                kw["timestamp"] = decode(call["timestamp"])
            return {"ok": True, "result": light.webhooks.sign(decode(call["payload"]), decode(call["secret"]), **kw)}
        c = self.client(case.get("client") or {}, env)
        if call.get("closed"):
            c.close()
        if call.get("close_parent"):
            self.parents[id(c)].close()
        opts = decode(call.get("options") or {})
        if t == "raw":
            kw = dict(opts)
            if call.get("query") is not None:
                kw["query"] = decode(call["query"])
            if call.get("body") is not None:
                kw["body"] = decode(call["body"])
            return {"ok": True, "result": plain(c.request(call["method"], decode(call["path"]), **kw))}
        op = _operation(call["op"])
        target = c
        for part in (op.ns.split(".") if op.ns else []):
            target = getattr(target, part)
        fn = getattr(target, op.name)
        args = [decode(a) for a in call.get("path", [])]
        params = decode(call.get("params") or {})
        if op.body == "multipart":
            args.append(params.pop("file"))
        if call.get("params_raw") is not None:  # a non-mapping params value (argument misuse)
            return {"ok": True, "result": plain(fn(*args, decode(call["params_raw"])))}
        res = fn(*args, **params, **opts)
        if op.paginated:
            if call.get("iterate"):
                return {"ok": True, "result": {"items": [plain(x) for x in res]}}
            return {"ok": True, "result": plain(res)}
        return {"ok": True, "result": plain(res)}


def _operation(op_id):
    from light._resources import OPERATIONS
    return next(o for o in OPERATIONS if o.id == op_id)


def main():
    r = Runner()
    for line in sys.stdin:
        if not line.strip():
            continue
        cmd = json.loads(line)
        if cmd.get("cmd") == "quit":
            break
        try:
            out = r.run(cmd["case"], cmd["env"])
        except Exception as e:  # noqa: BLE001 - every outcome is reported; the harness judges it
            try:
                out = error_outcome(e)
            except Exception as e2:  # noqa: BLE001
                out = {"ok": False, "kind": "RunnerError", "status": None, "reason": None,
                       "message": f"{type(e2).__name__}: {e2}"}
        sys.stdout.write(json.dumps(out, default=repr) + "\n")
        sys.stdout.flush()
    for c in r.clients.values():
        c.close()


if __name__ == "__main__":
    main()
