"""Namespaced methods built at import time from the core's operation table.

Nothing here knows an endpoint, and nothing here applies the argument rule:
every row of ``_light.operations()`` becomes ``<ns>.<name>`` on the client
class of its auth kind (app or account), a plain function that hands the
positional path values and the keyword arguments, untouched, to the core
(``light/args.h``), which routes each keyword to the path, the body, the
query, the upload or a per-call option (``timeout``, ``max_retries``,
``extra_headers``, ``extra_query``, ``extra_body``) and refuses misuse before
any I/O. The multipart operation takes ``file`` (bytes, str, a path or a
binary file object; read here) plus optional ``filename`` and
``content_type``.
"""
from __future__ import annotations

import inspect
import os
from typing import Any, NamedTuple

from . import _light

__all__ = ["Operation", "OPERATIONS", "build_roots", "RESERVED"]

RESERVED = ("timeout", "max_retries", "extra_headers", "extra_query", "extra_body")


class Operation(NamedTuple):
    id: str
    method: str
    path: str
    auth: str
    body: str
    paginated: bool
    idempotent: bool
    inferred: bool
    ns: str
    name: str
    path_params: tuple
    query_params: tuple
    required: tuple
    summary: str


OPERATIONS: tuple = tuple(
    Operation(o["id"], o["method"], o["path"], o["auth"], o["body"], o["paginated"], o["idempotent"], o["inferred"],
              o["ns"], o["name"], tuple(o["path_params"]), tuple(o["query_params"]), tuple(o["required"]), o["summary"])
    for o in _light.operations())


def _read_file(params: dict) -> None:
    """Turn a path or a file object given as ``file`` into its bytes (and default filename)."""
    file = params["file"]
    if isinstance(file, (bytes, bytearray, str)) or file is None:
        return
    if isinstance(file, memoryview):
        params["file"] = bytes(file)
        return
    if isinstance(file, os.PathLike):
        with open(file, "rb") as fh:
            params["file"] = fh.read()
        params.setdefault("filename", os.path.basename(os.fspath(file)))
        return
    if hasattr(file, "read"):
        data = file.read()
        params["file"] = data.encode("utf-8") if isinstance(data, str) else data
        name = getattr(file, "name", None)
        if isinstance(name, str):
            params.setdefault("filename", os.path.basename(name))
        return
    raise TypeError(f"file must be bytes, str, a path or a file object, not {type(file).__name__}")


def _signature(op: Operation) -> inspect.Signature:
    P = inspect.Parameter
    ps = [P("self", P.POSITIONAL_ONLY)] + [P(n, P.POSITIONAL_OR_KEYWORD) for n in op.path_params]
    if op.body == "multipart":
        ps.append(P("file", P.POSITIONAL_OR_KEYWORD))
        ps += [P("filename", P.KEYWORD_ONLY, default=None), P("content_type", P.KEYWORD_ONLY, default=None)]
    ps += [P(n, P.KEYWORD_ONLY, default=None) for n in RESERVED]
    ps.append(P("params", P.VAR_KEYWORD))
    return inspect.Signature(ps)


def _make_method(op: Operation, is_async: bool):
    npp = len(op.path_params)
    if op.body == "multipart":
        def method(self, *args, **params):
            if len(args) > npp:  # upload(file) positionally
                if "file" in params:
                    raise TypeError(f"{op.name}() got multiple values for argument 'file'")
                params["file"], args = args[npp], args[:npp]
            if "file" in params:
                _read_file(params)
            return self._owner._invoke(op, args, params)
    else:
        def method(self, *args, **params):
            return self._owner._invoke(op, args, params)
    method.__name__ = op.name
    method.__qualname__ = f"{op.ns}.{op.name}" if op.ns else op.name
    method.__doc__ = f"{op.summary}\n\n{op.method} {op.path} ({op.auth} token; operation {op.id!r})."
    method.__signature__ = _signature(op)
    method.operation = op
    return method


class Resource:
    """A namespace of operations (``client.accounts``, ``acct.billing.invoices``...)."""

    __slots__ = ("_owner", "__dict__")
    _children: dict = {}

    def __init__(self, owner: Any) -> None:
        self._owner = owner
        for name, cls in self._children.items():
            setattr(self, name, cls(owner))

    def __repr__(self) -> str:
        return f"<light {type(self).__name__}>"


def _class_name(prefix: str, ns: str) -> str:
    return prefix + "".join(part.title().replace("_", "") for part in ns.split(".")) + "Resource"


def build_roots(auth: str, is_async: bool, reserved_names: set) -> tuple:
    """(root methods dict, {top-level namespace: Resource class}) for one client kind."""
    prefix = ("Async" if is_async else "") + ("App" if auth == "app" else "Account")
    tree: dict = {}
    root_methods: dict = {}
    for op in OPERATIONS:
        if op.auth != auth:
            continue
        fn = _make_method(op, is_async)
        if not op.ns:
            if op.name in reserved_names:
                raise RuntimeError(f"operation {op.id} collides with client attribute {op.name!r}")
            root_methods[op.name] = fn
            continue
        node = tree
        for part in op.ns.split("."):
            node = node.setdefault(part, {"__methods__": {}})
        node["__methods__"][op.name] = fn

    def make(ns: str, node: dict) -> type:
        children = {k: make(f"{ns}.{k}" if ns else k, v) for k, v in node.items() if k != "__methods__"}
        methods = dict(node["__methods__"])
        clash = set(children) & set(methods)
        if clash:
            raise RuntimeError(f"namespace {ns!r}: {clash} is both a method and a namespace")
        attrs = {"__slots__": (), "_children": children, "__module__": "light", **methods}
        return type(_class_name(prefix, ns), (Resource,), attrs)

    tops = {k: make(k, v) for k, v in tree.items()}
    for k in tops:
        if k in reserved_names:
            raise RuntimeError(f"namespace {k!r} collides with a client attribute")
    return root_methods, tops
