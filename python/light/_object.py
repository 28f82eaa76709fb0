"""LightObject: what every API call returns.

A read-mostly mapping with attribute access over the dict the C converter
built. Nested dicts and lists are wrapped lazily, on first access, and the
wrapper is cached, so ``obj.data is obj.data``. Unknown keys are kept as they
came; money and kWh values stay the strings the API sent. ``repr`` shows
everything except secrets (tokens, secrets, SSNs), which print as ``"***"``;
``to_dict()`` returns plain, complete data.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["LightObject"]

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
        return [_wrap(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, LightObject):
        value = value._data
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _redacted(value: Any) -> Any:
    if isinstance(value, LightObject):
        value = value._data
    if isinstance(value, dict):
        return {k: (_MASK if _is_secret(k) and v is not None else _redacted(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v) for v in value]
    return value


class LightObject(Mapping):
    """A JSON object from the Light API: ``obj["key"]``, ``obj.key``, ``obj.to_dict()``."""

    __slots__ = ("_data", "_cache")

    def __init__(self, data: Mapping[str, Any] | None = None, **fields: Any) -> None:
        if data is None:
            d: dict = {}
        elif type(data) is dict:
            d = data
        elif isinstance(data, LightObject):
            d = data._data
        else:
            d = dict(data)
        if fields:
            d = {**d, **fields}
        object.__setattr__(self, "_data", d)
        object.__setattr__(self, "_cache", None)

    # -- mapping --------------------------------------------------------------
    def __getitem__(self, key: str) -> Any:
        cache = self._cache
        if cache is not None and key in cache:
            return cache[key]
        value = self._data[key]
        t = type(value)
        if t is dict or t is list:
            value = _wrap(value)
            if cache is None:
                cache = {}
                object.__setattr__(self, "_cache", cache)
            cache[key] = value
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __setitem__(self, key: str, value: Any) -> None:
        self._data[key] = _plain(value)
        if self._cache:
            self._cache.pop(key, None)

    def __delitem__(self, key: str) -> None:
        del self._data[key]
        if self._cache:
            self._cache.pop(key, None)

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

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | {k for k in self._data if isinstance(k, str) and k.isidentifier()})

    # -- conversions ----------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A deep, plain copy (dicts, lists, str, int, float, bool, None), secrets included."""
        return _plain(self._data)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LightObject):
            return self._data == other._data
        if isinstance(other, dict):
            return self._data == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({_redacted(self._data)!r})"

    __str__ = __repr__

    def __reduce__(self):
        return (type(self), (self.to_dict(),))

    def __copy__(self) -> "LightObject":
        return type(self)(dict(self._data))

    def __deepcopy__(self, memo: dict) -> "LightObject":
        return type(self)(self.to_dict())
