"""Namespaced methods generated at import time from the core's operation table.

Nothing here knows an endpoint: every row of ``_light.operations()`` becomes
``<ns>.<name>`` on the client class of its auth kind (app or account), with
path parameters positional (in the table's order) and keyword arguments
forming the JSON body (body kind ``json``) or the query (everything else).
Reserved keywords ``timeout``, ``max_retries``, ``extra_query`` and
``extra_body`` override per call. The multipart operation takes ``file``
(bytes, str, a path or a binary file object) plus optional ``filename`` and
``content_type``.
"""
from __future__ import annotations

import os
from typing import Any, NamedTuple

from . import _light

__all__ = ["Operation", "OPERATIONS", "build_roots", "RESERVED"]

RESERVED = ("timeout", "max_retries", "extra_query", "extra_body")


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
              o["ns"], o["name"], o["path_params"], o["query_params"], o["required"], o["summary"])
    for o in _light.operations())


def _path_value(name: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    s = str(value)
    if not s:
        raise ValueError(f"{name} must not be empty")
    return s


def _file_part(file: Any, filename: Any, content_type: Any) -> tuple:
    if isinstance(file, (bytes, bytearray, memoryview)):
        data = bytes(file)
    elif isinstance(file, str):
        data = file.encode("utf-8")
    elif isinstance(file, os.PathLike):
        with open(file, "rb") as fh:
            data = fh.read()
        if filename is None:
            filename = os.path.basename(os.fspath(file))
    elif hasattr(file, "read"):
        data = file.read()
        if isinstance(data, str):
            data = data.encode("utf-8")
        if not isinstance(data, bytes):
            raise TypeError("file.read() must return bytes")
        if filename is None and isinstance(getattr(file, "name", None), str):
            filename = os.path.basename(file.name)
    else:
        raise TypeError(f"file must be bytes, str, a path or a file object, not {type(file).__name__}")
    if filename is not None and not isinstance(filename, str):
        raise TypeError("filename must be a str")
    if content_type is not None and not isinstance(content_type, str):
        raise TypeError("content_type must be a str")
    return (data, filename, content_type)


def _split(op: Operation, params: dict, extra_query: Any, extra_body: Any) -> tuple:
    """(query, body) for one call, per the argument rule; checks required fields."""
    if extra_query is not None and not isinstance(extra_query, dict):
        raise TypeError("extra_query must be a dict")
    if extra_body is not None and not isinstance(extra_body, dict):
        raise TypeError("extra_body must be a dict")
    if op.body == "json":
        body = params
        if extra_body:
            body = {**body, **extra_body}
        for field in op.required:
            if field not in body:
                raise TypeError(f"{op.ns + '.' if op.ns else ''}{op.name}() missing required keyword argument "
                                f"{field!r}")
        return (extra_query or None, body)
    query = params
    if extra_query:
        query = {**query, **extra_query}
    return (query or None, extra_body or None)


def _method_source(op: Operation, is_async: bool) -> str:
    pp = list(op.path_params)
    sig = ["self"] + pp
    if op.body == "multipart":
        sig += ["file"]
    sig += ["*"]
    if op.body == "multipart":
        sig += ["filename=None", "content_type=None"]
    sig += ["timeout=None", "max_retries=None", "extra_query=None", "extra_body=None", "**params"]
    pvals = "(" + "".join(f"_path_value({p!r}, {p}), " for p in pp) + ")"
    file_expr = "_file_part(file, filename, content_type)" if op.body == "multipart" else "None"
    kw = "async def" if is_async else "def"
    if not op.paginated:
        prefix = "return await " if is_async else "return "
    else:
        prefix = "return "  # async list() returns an AsyncPager (awaitable + async-iterable)
    return (
        f"{kw} {op.name}({', '.join(sig)}):\n"
        f"    {op.summary!r}\n"
        f"    query, body = _split(_OP, params, extra_query, extra_body)\n"
        f"    {prefix}self._owner._invoke(_OP, {pvals}, query, body, {file_expr}, timeout, max_retries)\n"
    )


def _make_method(op: Operation, is_async: bool):
    ns: dict = {"_OP": op, "_split": _split, "_path_value": _path_value, "_file_part": _file_part}
    src = _method_source(op, is_async and not op.paginated)
    exec(compile(src, f"<light operation {op.id}>", "exec"), ns)  # noqa: S102 - code built from the table
    fn = ns[op.name]
    fn.__qualname__ = f"{op.ns}.{op.name}" if op.ns else op.name
    fn.__doc__ = f"{op.summary}\n\n{op.method} {op.path} ({op.auth} token; operation {op.id!r})."
    fn.operation = op
    return fn


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
