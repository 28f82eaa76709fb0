"""LightObject: what every API call returns, and LightResponse, the HTTP
response behind it.

LightObject is a ``dict`` subclass (as Stripe's objects are), so
``json.dumps(obj)``, ``isinstance(obj, dict)``, ``copy`` and ``pickle`` work,
with attribute access on top. Nested dicts and lists are wrapped lazily, on
first access, and the wrapper replaces the plain value inside the object, so
``obj.data is obj.data`` and every view (``items()``, ``json.dumps``,
``to_dict()``) sees the same values. Unknown keys are kept as they came; money
and kWh values stay the strings the API sent. ``repr`` shows everything except
secrets (tokens, secrets, SSNs), which print as ``"***"``; ``to_dict()``
returns plain, complete data.

A key that is also a dict method name (``items``, ``keys``, ``values``,
``get``, ``copy``, ``update``, ``pop``...) is read with ``obj["items"]``, as
with Stripe's objects. ``obj.last_response`` is the HTTP response of the call
that returned it (not a key: not in ``to_dict()``, JSON or ``repr``).
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, List, TypeVar

__all__ = ["LightObject", "LightList", "LightResponse", "Headers"]

_SECRET_KEYS = frozenset({"token", "ssn", "secret", "password", "authorization", "api_key", "webhook_secret",
                          "social_security_number"})
_MASK = "***"


def _is_secret(key: object) -> bool:
    if not isinstance(key, str):
        return False
    k = key.lower()
    return k in _SECRET_KEYS or k.endswith(("_token", "_secret", "_ssn", "_password"))


def _wrap(value: Any) -> Any:
    if type(value) is dict:
        return LightObject(value)
    if type(value) is list:
        return LightList(_wrap(v) for v in value)
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in dict.items(value)}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _redacted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: (_MASK if _is_secret(k) and v is not None else _redacted(v)) for k, v in dict.items(value)}
    if isinstance(value, list):
        return [_redacted(v) for v in value]
    return value


class Headers(Mapping):
    """Response headers: a read-only, case-insensitive mapping (``h["x-request-id"]``
    == ``h["X-Request-Id"]``); repeated headers are joined with ", "."""

    __slots__ = ("_raw", "_d")

    def __init__(self, raw: str | Mapping[str, str] | None = "") -> None:
        self._raw = raw
        self._d: dict | None = None

    def _parsed(self) -> dict:
        d = self._d
        if d is None:
            d = {}
            raw = self._raw
            if isinstance(raw, Mapping):
                for k, v in raw.items():
                    d[str(k).lower()] = (str(k), str(v))
            else:
                for line in (raw or "").split("\n"):
                    name, sep, value = line.partition(":")
                    name = name.strip()
                    if not sep or not name or name.startswith("HTTP/"):
                        continue
                    value = value.strip()
                    k = name.lower()
                    d[k] = (d[k][0], d[k][1] + ", " + value) if k in d else (name, value)
            self._d = d
        return d

    def __getitem__(self, name: str) -> str:
        if not isinstance(name, str):
            raise KeyError(name)
        return self._parsed()[name.lower()][1]

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._parsed().values())

    def __len__(self) -> int:
        return len(self._parsed())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._parsed()

    def __repr__(self) -> str:
        return f"Headers({dict(self.items())!r})"


class LightResponse:
    """The HTTP response behind a result (``obj.last_response``), named as
    stripe-python names it: ``status_code``, ``headers`` (case-insensitive),
    ``request_id``; plus ``retries`` performed before it."""

    __slots__ = ("status_code", "headers", "request_id", "retries")

    def __init__(self, status_code: int, headers: Any = "", request_id: str | None = None, retries: int = 0) -> None:
        self.status_code = status_code
        self.headers = headers if isinstance(headers, Headers) else Headers(headers)
        self.request_id = request_id
        self.retries = retries

    @classmethod
    def _from_meta(cls, meta: tuple) -> "LightResponse":
        status, raw, request_id, retries = meta
        return cls(status, raw, request_id, retries)

    def __repr__(self) -> str:
        return f"<LightResponse status_code={self.status_code} request_id={self.request_id!r}>"


class LightObject(dict):
    """A JSON object from the Light API: ``obj["key"]``, ``obj.key``, ``obj.to_dict()``, ``json.dumps(obj)``."""

    __slots__ = ("_last_response",)

    def __init__(self, data: Mapping[str, Any] | None = None, **fields: Any) -> None:
        if data is None:
            super().__init__()
        elif isinstance(data, dict):
            super().__init__(dict.items(data))
        else:
            super().__init__(data)
        if fields:
            dict.update(self, {k: _plain(v) for k, v in fields.items()})
        object.__setattr__(self, "_last_response", None)

    # -- mapping: values are wrapped on first access and stored back ------------
    def __getitem__(self, key: str) -> Any:
        value = dict.__getitem__(self, key)
        t = type(value)
        if t is dict or t is list:
            value = _wrap(value)
            dict.__setitem__(self, key, value)
        return value

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if dict.__contains__(self, key) else default

    def items(self):  # type: ignore[override]
        return [(k, self[k]) for k in dict.keys(self)]

    def values(self):  # type: ignore[override]
        return [self[k] for k in dict.keys(self)]

    def __setitem__(self, key: str, value: Any) -> None:
        dict.__setitem__(self, key, _plain(value))

    def update(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        for k, v in dict(*args, **kwargs).items():
            self[k] = v

    def setdefault(self, key: str, default: Any = None) -> Any:
        if not dict.__contains__(self, key):
            self[key] = default
        return self[key]

    def pop(self, key: str, *default: Any) -> Any:
        if dict.__contains__(self, key):
            value = self[key]
            dict.__delitem__(self, key)
            return value
        return dict.pop(self, key, *default)

    # -- attributes -----------------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"{type(self).__name__} has no attribute or key {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            raise AttributeError(f"cannot set private attribute {name!r}")
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | {k for k in dict.keys(self) if isinstance(k, str) and k.isidentifier()})

    @property
    def last_response(self) -> LightResponse | None:
        """The HTTP response of the call that returned this object (None for nested objects)."""
        return _response_of(self)

    # -- conversions ----------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A deep, plain copy (dicts, lists, str, int, float, bool, None), secrets included."""
        return _plain(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({_redacted(self)!r})"

    __str__ = __repr__

    def __reduce__(self):
        return (type(self), (self.to_dict(),))

    def copy(self) -> "LightObject":  # type: ignore[override]
        return type(self)(dict(dict.items(self)))

    __copy__ = copy

    def __deepcopy__(self, memo: dict) -> "LightObject":
        return type(self)(self.to_dict())


_T = TypeVar("_T")


class LightList(List[_T]):
    """A JSON array: a list whose objects are LightObjects; a top-level one
    (address searches) has the call's ``last_response``."""

    __slots__ = ("_last_response",)

    @property
    def last_response(self) -> LightResponse | None:
        return _response_of(self)

    def __reduce__(self):
        return (LightList, (list(self),))


def _response_of(obj: Any) -> LightResponse | None:
    """obj's last_response: kept as the binding's meta tuple until first asked for."""
    r = getattr(obj, "_last_response", None)
    if type(r) is tuple:
        r = LightResponse._from_meta(r)
        object.__setattr__(obj, "_last_response", r)
    return r


def _with_response(value: Any, meta: tuple | None) -> Any:
    """The wrapped result of a call with its last_response (built lazily from meta)."""
    obj = _wrap(value)
    if meta is not None and isinstance(obj, (LightObject, LightList)):
        object.__setattr__(obj, "_last_response", meta)
    return obj


def _result(t: tuple) -> Any:
    """A binding result (value, next query, meta) → the wrapped value with its last_response."""
    return _with_response(t[0], t[2])
