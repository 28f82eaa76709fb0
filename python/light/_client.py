"""Client classes: thin Python shells over ``_light.Client`` (blocking) and
``_light.Engine`` (asyncio). Configuration, retries, tokens and errors all
live in the C core; this file only shapes arguments and results."""
from __future__ import annotations

import asyncio
import os
from typing import Any

from . import _light
from ._object import _wrap
from ._pagination import AsyncPage, AsyncPager, Page, wrap_page
from ._resources import build_roots

__all__ = ["Client", "AccountClient", "AsyncClient", "AsyncAccountClient"]

_CLIENT_ATTRS = {"request", "close", "for_account", "closed", "base_url", "account_uuid", "with_options"}


def _core_kwargs(app_token: Any, account_token: Any, base_url: Any, timeout: Any, max_retries: Any, ca_file: Any,
                 proxy: Any, rate_limit: Any, connect_timeout: Any, private: dict) -> dict:
    allowed = {"insecure_skip_verify", "max_response_bytes", "retry_base", "retry_max", "retry_after_cap",
               "token_refresh_margin", "_fake_clock"}
    unknown = set(private) - allowed
    if unknown:
        raise TypeError(f"unexpected keyword argument(s): {', '.join(sorted(unknown))}")
    kw = dict(app_token=app_token, account_token=account_token, base_url=base_url, timeout=timeout,
              connect_timeout=connect_timeout, max_retries=max_retries,
              ca_file=os.fspath(ca_file) if ca_file is not None else None, proxy=proxy, rate_limit=bool(rate_limit))
    for k, v in private.items():
        kw["fake_clock" if k == "_fake_clock" else k] = v
    return kw


def _raw_options(query: Any, body: Any, headers: Any, timeout: Any, max_retries: Any) -> dict:
    """The one raw-request shape handed to the core: {query, body, headers, timeout, max_retries}."""
    return {"query": query, "body": body, "headers": headers, "timeout": timeout, "max_retries": max_retries}


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
        return _wrap(self._c.call(op.id, pp, params))

    def _page(self, op, pp, params):
        result = self._c.call(op.id, pp, params, True)
        return wrap_page(Page, result, lambda q: self._page(op, pp, {**params, **q}))

    def request(self, method: str, path: str, *, query: dict | None = None, body: Any = None,
                headers: dict | None = None, timeout: float | None = None, max_retries: int | None = None) -> Any:
        """Raw escape hatch: any method and path (``/v1/app/...`` uses the app token,
        ``/v1/account...`` the account token), JSON in, JSON out, same retries and errors."""
        return _wrap(self._c.request(method, path, _raw_options(query, body, headers, timeout, max_retries)))

    def close(self) -> None:
        """Release the connection pool. Idempotent; calls after close raise LightError."""
        self._c.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


_app_root, _app_tops = build_roots("app", False, _CLIENT_ATTRS)
_acct_root, _acct_tops = build_roots("account", False, _CLIENT_ATTRS)



def _app_core_client(app_token, base_url, timeout, max_retries, ca_file, proxy, rate_limit, connect_timeout,
                     private):
    """The core client behind Client and AsyncClient: app token from the argument or $LIGHT_APP_TOKEN."""
    if app_token is None:
        app_token = os.environ.get("LIGHT_APP_TOKEN") or None
    if app_token is None:
        raise ValueError("no app token: pass app_token=... or set LIGHT_APP_TOKEN")
    if not isinstance(app_token, str) or not app_token:
        raise TypeError("app_token must be a non-empty str")
    return _light.Client(**_core_kwargs(app_token, None, base_url, timeout, max_retries, ca_file, proxy,
                                        rate_limit, connect_timeout, private))

class Client(_SyncBase):
    """App-token client. Thread-safe: share one instance between threads; the GIL
    is released while a request waits on the network.

    ``Client(app_token=None, *, base_url=None, timeout=None, max_retries=None, ca_file=None,
    proxy=None, rate_limit=False, connect_timeout=None)``; ``app_token`` defaults to
    ``$LIGHT_APP_TOKEN``, ``base_url`` to ``$LIGHT_BASE_URL`` then ``https://api.light.dev``.
    Timeouts are seconds (default 60, connect 10); ``max_retries`` defaults to 2.
    """

    def __init__(self, app_token: str | None = None, *, base_url: str | None = None, timeout: float | None = None,
                 max_retries: int | None = None, ca_file: Any = None, proxy: str | None = None,
                 rate_limit: bool = False, connect_timeout: float | None = None, **private: Any) -> None:
        self._c = _app_core_client(app_token, base_url, timeout, max_retries, ca_file, proxy, rate_limit,
                                   connect_timeout, private)
        self._init_namespaces(_app_tops)

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

    def __init__(self, account_token: str | None = None, *, base_url: str | None = None,
                 timeout: float | None = None, max_retries: int | None = None, ca_file: Any = None,
                 proxy: str | None = None, rate_limit: bool = False, connect_timeout: float | None = None,
                 **private: Any) -> None:
        if not isinstance(account_token, str) or not account_token:
            raise TypeError("account_token must be a non-empty str")
        self._c = _light.Client(**_core_kwargs(None, account_token, base_url, timeout, max_retries, ca_file, proxy,
                                                rate_limit, connect_timeout, private))
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
        return _wrap(await self._await(req))

    def _invoke(self, op, pp, params):
        if op.paginated:
            return AsyncPager(lambda: self._page(op, pp, params))
        return self._call(op, pp, params)

    async def _page(self, op, pp, params):
        req = self._engine().submit(self._c, op.id, pp, params, True)
        result = await self._await(req)
        return wrap_page(AsyncPage, result, lambda q: self._page(op, pp, {**params, **q}))

    async def request(self, method: str, path: str, *, query: dict | None = None, body: Any = None,
                      headers: dict | None = None, timeout: float | None = None,
                      max_retries: int | None = None) -> Any:
        """Raw escape hatch (see Client.request)."""
        req = self._engine().submit_raw(self._c, method, path, _raw_options(query, body, headers, timeout, max_retries))
        return _wrap(await self._await(req))

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

    def __init__(self, app_token: str | None = None, *, base_url: str | None = None, timeout: float | None = None,
                 max_retries: int | None = None, ca_file: Any = None, proxy: str | None = None,
                 rate_limit: bool = False, connect_timeout: float | None = None, **private: Any) -> None:
        self._c = _app_core_client(app_token, base_url, timeout, max_retries, ca_file, proxy, rate_limit,
                                   connect_timeout, private)
        self._engines = {}
        self._owns_engines = True
        self._init_namespaces(_aapp_tops)

    def for_account(self, account_uuid: str) -> "AsyncAccountClient":
        if not isinstance(account_uuid, str):
            raise TypeError("account_uuid must be a str")
        return AsyncAccountClient._from_core(self._c.for_account(account_uuid), self._engines)


for _n, _f in _aapp_root.items():
    setattr(AsyncClient, _n, _f)


class AsyncAccountClient(_AsyncBase):
    """Account-token client for asyncio (see AccountClient)."""

    def __init__(self, account_token: str | None = None, *, base_url: str | None = None,
                 timeout: float | None = None, max_retries: int | None = None, ca_file: Any = None,
                 proxy: str | None = None, rate_limit: bool = False, connect_timeout: float | None = None,
                 **private: Any) -> None:
        if not isinstance(account_token, str) or not account_token:
            raise TypeError("account_token must be a non-empty str")
        self._c = _light.Client(**_core_kwargs(None, account_token, base_url, timeout, max_retries, ca_file, proxy,
                                                rate_limit, connect_timeout, private))
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
