"""Client classes: thin Python shells over ``_light.Client`` (blocking) and
``_light.Engine`` (asyncio). Configuration, retries, tokens and errors all
live in the C core; this file only shapes arguments and results."""
from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Mapping
from typing import Any

from . import _light
from ._object import _result
from ._pagination import AsyncPage, AsyncPager, Page, wrap_page
from ._resources import build_roots

__all__ = ["Client", "AccountClient", "AsyncClient", "AsyncAccountClient"]

_PATH_OPTIONS = frozenset(o["name"] for o in _light.options() if o.get("path"))
_CLIENT_ATTRS = {"request", "close", "for_account", "closed", "base_url", "account_uuid", "with_options"}


def _core(app_token: Any, account_token: Any, options: dict) -> Any:
    """The core client. Every keyword is an option of the core's table
    (``light.OPTIONS``: name, type, unit, default, env var, doc); the core checks
    names and values (TypeError / ValueError) and reads LIGHT_APP_TOKEN,
    LIGHT_BASE_URL and LIGHT_LOG for what is not given. Options flagged ``path``
    (ca_file) also take an ``os.PathLike``."""
    options = {k: os.fspath(v) if k in _PATH_OPTIONS and isinstance(v, os.PathLike) else v for k, v in options.items()}
    return _light.Client(**{"app_token": app_token, "account_token": account_token, **options})


def _format_app_info(app_info: Any) -> str:
    """{"name", "version", "url"} → "name/version (url)", appended to the User-Agent as Stripe does."""
    if not isinstance(app_info, Mapping):
        raise TypeError("app_info must be a mapping with 'name' and optional 'version', 'url'")
    unknown = set(app_info) - {"name", "version", "url"}
    if unknown:
        raise TypeError(f"app_info: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    name, version, url = app_info.get("name"), app_info.get("version"), app_info.get("url")
    if not isinstance(name, str) or not name:
        raise TypeError("app_info['name'] must be a non-empty str")
    for key, value in (("version", version), ("url", url)):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"app_info[{key!r}] must be a str")
    text = name + (f"/{version}" if version else "") + (f" ({url})" if url else "")
    return text


def _derive(core: Any, timeout: Any = None, max_retries: Any = None, connect_timeout: Any = None,
            app_info: Any = None) -> Any:
    """A core client sharing ``core``'s pool and token cache with changed settings."""
    return core.with_options(timeout=timeout, max_retries=max_retries, connect_timeout=connect_timeout,
                             app_info=None if app_info is None else _format_app_info(app_info))


def _raw_options(query: Any, body: Any, headers: Any, timeout: Any, max_retries: Any) -> dict:
    """The one raw-request shape handed to the core: {query, body, headers, timeout, max_retries}."""
    return {"query": query, "body": body, "headers": headers, "timeout": timeout, "max_retries": max_retries}


# ---- logging: one record per call on logging.getLogger("light") ----------------
# INFO: method, path (no query), status, duration, retries, request id; DEBUG adds
# the response headers with credentials redacted. The core's own LIGHT_LOG lines
# (one per attempt, stderr) are independent of this.
_log = logging.getLogger("light")
_REDACT_HEADERS = ("authorization", "cookie", "set-cookie", "proxy-authorization")


def _redacted_headers(raw: Any) -> dict:
    from ._object import Headers
    h = raw if isinstance(raw, Headers) else Headers(raw or "")
    out = {}
    for name, value in h.items():
        low = name.lower()
        secret = low in _REDACT_HEADERS or any(w in low for w in ("token", "secret", "key", "signature"))
        out[name] = "[redacted]" if secret else value
    return out


def _log_result(method: str, path: str, t0: float, meta: tuple | None, error: BaseException | None) -> None:
    ms = (time.monotonic() - t0) * 1000.0
    if meta is not None:
        status, raw, request_id, retries = meta
        outcome = str(status)
    else:
        status = getattr(error, "status", None)
        raw = getattr(error, "headers", None)
        request_id = getattr(error, "request_id", None)
        retries = getattr(error, "retries", 0) or 0
        outcome = f"{status} {type(error).__name__}" if status is not None else type(error).__name__
    extra = {"light_method": method, "light_path": path, "light_status": status, "light_duration_ms": round(ms, 1),
             "light_retries": retries, "light_request_id": request_id}
    _log.info("%s %s %s in %.0f ms, %d retries, request_id=%s", method, path, outcome, ms, retries, request_id,
              extra=extra)
    if _log.isEnabledFor(logging.DEBUG):
        _log.debug("%s %s response headers %s", method, path, _redacted_headers(raw), extra=extra)


def _logged(method: str, path: str, fn) -> Any:
    """Run the binding call ``fn()`` (→ (value, next, meta)) and log it."""
    if not _log.isEnabledFor(logging.INFO):
        return fn()
    t0 = time.monotonic()
    try:
        t = fn()
    except _light.LightError as e:
        _log_result(method, path, t0, None, e)
        raise
    _log_result(method, path, t0, t[2], None)
    return t


async def _alogged(method: str, path: str, aw) -> Any:
    if not _log.isEnabledFor(logging.INFO):
        return await aw
    t0 = time.monotonic()
    try:
        t = await aw
    except _light.LightError as e:
        _log_result(method, path, t0, None, e)
        raise
    _log_result(method, path, t0, t[2], None)
    return t


def _op_path(op, pp: tuple) -> str:
    """The operation's path with its parameters filled in (unencoded), to tell
    a next_page_url of the same operation from one elsewhere."""
    path = op.path
    for name, value in zip(op.path_params, pp):
        path = path.replace("{" + name + "}", value if isinstance(value, str) else str(value))
    return path


class _Base:
    _c: Any

    @property
    def base_url(self) -> str:
        return self._c.base_url

    @property
    def closed(self) -> bool:
        return self._c.closed

    def _init_namespaces(self, tops: dict) -> None:
        for name, cls in tops.items():
            setattr(self, name, cls(self))

    @property
    def _owner(self) -> Any:
        return self

    def __repr__(self) -> str:  # never shows a token
        extra = f" account_uuid={self._c.account_uuid!r}" if self._c.account_uuid else ""
        return f"<light.{type(self).__name__} base_url={self._c.base_url!r}{extra}>"


# ---------------------------------------------------------------- blocking ---

class _SyncBase(_Base):
    def _invoke(self, op, pp, params):
        if op.paginated:
            return self._page(op, pp, params)
        return _result(_logged(op.method, _op_path(op, pp), lambda: self._c.call(op.id, pp, params)))

    def _page(self, op, pp, params, seen=None):
        result = _logged(op.method, _op_path(op, pp), lambda: self._c.call(op.id, pp, params, True))
        return self._wrap_page(result, op, pp, params, set() if seen is None else seen)

    def _wrap_page(self, result, op, pp, params, seen):
        def fetch(plan):
            if plan[0] == "op":
                return self._page(op, pp, {**params, **plan[1]}, seen)
            raw = _logged("GET", plan[1], lambda: self._c.request("GET", plan[1], _raw_options(plan[2], None, params.get("extra_headers"), params.get("timeout"), params.get("max_retries"))))
            return self._wrap_page(raw, op, pp, params, seen)
        return wrap_page(Page, result, fetch, self._c.base_url, _op_path(op, pp), seen)

    def request(self, method: str, path: str, *, query: dict | None = None, body: Any = None,
                headers: dict | None = None, timeout: float | None = None, max_retries: int | None = None) -> Any:
        """Raw escape hatch: any method and path (``/v1/app/...`` uses the app token,
        ``/v1/account...`` the account token), JSON in, JSON out, same retries and errors."""
        m = method.upper() if isinstance(method, str) else method
        return _result(_logged(m, path, lambda: self._c.request(method, path, _raw_options(query, body, headers, timeout,
                                                                                          max_retries))))

    def with_options(self, *, timeout: float | None = None, max_retries: int | None = None,
                     connect_timeout: float | None = None, app_info: Mapping[str, str] | None = None):
        """A client of the same kind sharing this one's connection pool and token
        cache, with the given settings changed (None keeps the current one).
        ``app_info={"name", "version", "url"}`` is appended to the User-Agent."""
        return type(self)._from_core(_derive(self._c, timeout, max_retries, connect_timeout, app_info))

    def close(self) -> None:
        """Release the connection pool. Idempotent; calls after close raise LightError."""
        self._c.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


_app_root, _app_tops = build_roots("app", False, _CLIENT_ATTRS)
_acct_root, _acct_tops = build_roots("account", False, _CLIENT_ATTRS)



class Client(_SyncBase):
    """App-token client. Thread-safe: share one instance between threads; the GIL
    is released while a request waits on the network.

    ``Client(app_token=None, **options)`` with the options of the core's table
    (``light.OPTIONS``; see the stubs): ``app_token`` defaults to ``$LIGHT_APP_TOKEN``,
    ``base_url`` to ``$LIGHT_BASE_URL`` then ``https://api.light.dev``. Durations are
    seconds (timeout 60, connect_timeout 10); ``max_retries`` defaults to 2. An
    unknown option name is a TypeError, a bad value a ValueError.
    ``app_info={"name": ..., "version": ..., "url": ...}`` is appended to the User-Agent
    (``name/version (url)``). ``with_options(...)`` derives a client sharing the pool and tokens.
    """

    def __init__(self, app_token: str | None = None, *, app_info: Mapping[str, str] | None = None,
                 **options: Any) -> None:
        self._c = _core(app_token, None, options)
        if app_info is not None:
            self._c = _derive(self._c, app_info=app_info)
        self._init_namespaces(_app_tops)

    @classmethod
    def _from_core(cls, core: Any) -> "Client":
        self = cls.__new__(cls)
        self._c = core
        self._init_namespaces(_app_tops)
        return self

    def for_account(self, account_uuid: str) -> "AccountClient":
        """An account client whose token the core mints, caches and refreshes. No I/O here."""
        if not isinstance(account_uuid, str):
            raise TypeError("account_uuid must be a str")
        return AccountClient._from_core(self._c.for_account(account_uuid))


for _n, _f in _app_root.items():
    setattr(Client, _n, _f)


class AccountClient(_SyncBase):
    """Account-token client: ``AccountClient(account_token=...)`` for a bare token, or
    ``Client.for_account(uuid)`` for a token managed by the core."""

    def __init__(self, account_token: str | None = None, *, app_info: Mapping[str, str] | None = None,
                 **options: Any) -> None:
        if not isinstance(account_token, str) or not account_token:
            raise TypeError("account_token must be a non-empty str")
        if "app_token" in options:
            raise TypeError("unknown option 'app_token' (AccountClient takes account_token)")
        self._c = _core(None, account_token, options)
        if app_info is not None:
            self._c = _derive(self._c, app_info=app_info)
        self._init_namespaces(_acct_tops)

    @classmethod
    def _from_core(cls, core: Any) -> "AccountClient":
        self = cls.__new__(cls)
        self._c = core
        self._init_namespaces(_acct_tops)
        return self

    @property
    def account_uuid(self) -> str | None:
        return self._c.account_uuid


for _n, _f in _acct_root.items():
    setattr(AccountClient, _n, _f)


# ----------------------------------------------------------------- asyncio ---

class _AsyncBase(_Base):
    _engines: dict

    def _engine(self) -> Any:
        loop = asyncio.get_running_loop()
        engine = self._engines.get(loop)
        if engine is None:
            for old in [k for k in self._engines if k.is_closed()]:
                self._engines.pop(old).close()
            engine = self._engines[loop] = _light.Engine(loop)
        return engine

    async def _await(self, req: Any) -> Any:
        try:
            return await req.future
        except asyncio.CancelledError:
            req.cancel()
            raise

    async def _call(self, op, pp, params):
        req = self._engine().submit(self._c, op.id, pp, params)
        return _result(await _alogged(op.method, _op_path(op, pp), self._await(req)))

    def _invoke(self, op, pp, params):
        if op.paginated:
            return AsyncPager(lambda: self._page(op, pp, params))
        return self._call(op, pp, params)

    async def _page(self, op, pp, params, seen=None):
        req = self._engine().submit(self._c, op.id, pp, params, True)
        result = await _alogged(op.method, _op_path(op, pp), self._await(req))
        return self._wrap_page(result, op, pp, params, set() if seen is None else seen)

    def _wrap_page(self, result, op, pp, params, seen):
        async def fetch(plan):
            if plan[0] == "op":
                return await self._page(op, pp, {**params, **plan[1]}, seen)
            req = self._engine().submit_raw(self._c, "GET", plan[1], _raw_options(plan[2], None, params.get("extra_headers"), params.get("timeout"), params.get("max_retries")))
            return self._wrap_page(await _alogged("GET", plan[1], self._await(req)), op, pp, params, seen)
        return wrap_page(AsyncPage, result, fetch, self._c.base_url, _op_path(op, pp), seen)

    async def request(self, method: str, path: str, *, query: dict | None = None, body: Any = None,
                      headers: dict | None = None, timeout: float | None = None,
                      max_retries: int | None = None) -> Any:
        """Raw escape hatch (see Client.request)."""
        m = method.upper() if isinstance(method, str) else method
        req = self._engine().submit_raw(self._c, method, path, _raw_options(query, body, headers, timeout, max_retries))
        return _result(await _alogged(m, path, self._await(req)))

    def with_options(self, *, timeout: float | None = None, max_retries: int | None = None,
                     connect_timeout: float | None = None, app_info: Mapping[str, str] | None = None):
        """A client of the same kind sharing this one's connection pool, token cache
        and engines, with the given settings changed (see Client.with_options)."""
        return type(self)._from_core(_derive(self._c, timeout, max_retries, connect_timeout, app_info),
                                     self._engines)

    async def close(self) -> None:
        """Cancel pending requests of this client's engines and release the pool."""
        self._close_engines()
        self._c.close()

    def _close_engines(self) -> None:
        if self._owns_engines:
            for engine in list(self._engines.values()):
                engine.close()
            self._engines.clear()

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()


_aapp_root, _aapp_tops = build_roots("app", True, _CLIENT_ATTRS)
_aacct_root, _aacct_tops = build_roots("account", True, _CLIENT_ATTRS)


class AsyncClient(_AsyncBase):
    """App-token client for asyncio: same surface as Client, every call a coroutine.

    Requests run on the core's async engine driven by the running loop
    (add_reader/add_writer/call_later): no threads. One engine per loop.
    """

    def __init__(self, app_token: str | None = None, *, app_info: Mapping[str, str] | None = None,
                 **options: Any) -> None:
        self._c = _core(app_token, None, options)
        if app_info is not None:
            self._c = _derive(self._c, app_info=app_info)
        self._engines = {}
        self._owns_engines = True
        self._init_namespaces(_aapp_tops)

    @classmethod
    def _from_core(cls, core: Any, engines: dict) -> "AsyncClient":
        self = cls.__new__(cls)
        self._c = core
        self._engines = engines  # shared with the client it came from: one engine per loop
        self._owns_engines = False
        self._init_namespaces(_aapp_tops)
        return self

    def for_account(self, account_uuid: str) -> "AsyncAccountClient":
        if not isinstance(account_uuid, str):
            raise TypeError("account_uuid must be a str")
        return AsyncAccountClient._from_core(self._c.for_account(account_uuid), self._engines)


for _n, _f in _aapp_root.items():
    setattr(AsyncClient, _n, _f)


class AsyncAccountClient(_AsyncBase):
    """Account-token client for asyncio (see AccountClient)."""

    def __init__(self, account_token: str | None = None, *, app_info: Mapping[str, str] | None = None,
                 **options: Any) -> None:
        if not isinstance(account_token, str) or not account_token:
            raise TypeError("account_token must be a non-empty str")
        if "app_token" in options:
            raise TypeError("unknown option 'app_token' (AccountClient takes account_token)")
        self._c = _core(None, account_token, options)
        if app_info is not None:
            self._c = _derive(self._c, app_info=app_info)
        self._engines = {}
        self._owns_engines = True
        self._init_namespaces(_aacct_tops)

    @classmethod
    def _from_core(cls, core: Any, engines: dict) -> "AsyncAccountClient":
        self = cls.__new__(cls)
        self._c = core
        self._engines = engines  # shared with the parent: one engine per loop
        self._owns_engines = False
        self._init_namespaces(_aacct_tops)
        return self

    @property
    def account_uuid(self) -> str | None:
        return self._c.account_uuid


for _n, _f in _aacct_root.items():
    setattr(AsyncAccountClient, _n, _f)
