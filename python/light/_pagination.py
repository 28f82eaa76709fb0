"""Auto-pagination over the list envelope ``{data, has_more, limit, offset, next_page_url}``.

The next page is the envelope's ``next_page_url`` when it has one (resolved
against the base URL; another scheme, host or base path stops the walk with
an APIResponseValidationError), else the query the core computes for offset
paging (``light_page_next_query``). A list answered as a bare JSON array is
one page. ``list()`` fetches the first page at once (errors surface at the
call) and returns a page; iterating it yields every item of every page,
fetching lazily. An empty page, or a ``next_page_url`` already followed,
ends the walk.
"""
from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

from . import _light
from ._object import LightObject, LightResponse, _wrap

__all__ = ["Page", "AsyncPage", "AsyncPager"]

T = TypeVar("T")


class _PageBase:
    __slots__ = ("_envelope", "_plan", "_error", "_fetch")

    def __init__(self, envelope: Any, plan: tuple | None, fetch: Callable, error: Exception | None = None) -> None:
        self._envelope = envelope if isinstance(envelope, LightObject) else LightObject(envelope or {})
        self._plan = plan
        self._error = error
        self._fetch = fetch

    @property
    def data(self) -> list[Any]:
        """Items of this page only."""
        d = self._envelope.get("data")
        return d if isinstance(d, list) else []

    @property
    def has_more(self) -> bool:
        return self._plan is not None or self._error is not None

    def has_next_page(self) -> bool:
        return self.has_more

    @property
    def next_query(self) -> dict | None:
        """Query parameters of the next page (from next_page_url, or as computed by the core), or None."""
        return None if self._plan is None else dict(self._plan[-1])

    @property
    def last_response(self) -> LightResponse | None:
        """The HTTP response of this page."""
        return self._envelope.last_response

    def to_dict(self) -> dict:
        return self._envelope.to_dict()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._envelope, name)

    def __getitem__(self, key: str) -> Any:
        return self._envelope[key]

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} items={len(self.data)} has_more={self.has_more}>"

    def _next_plan(self) -> tuple | None:
        if self._error is not None:
            raise self._error
        return self._plan


class Page(_PageBase, Generic[T]):
    """One page of a paginated list. ``for item in page`` walks every page."""

    __slots__ = ()

    @property
    def data(self) -> list[T]:
        """Items of this page only."""
        d = self._envelope.get("data")
        return d if isinstance(d, list) else []

    def next_page(self) -> "Page[T] | None":
        plan = self._next_plan()
        return None if plan is None else self._fetch(plan)

    def pages(self) -> Iterator["Page[T]"]:
        page: Page[T] | None = self
        while page is not None:
            yield page
            page = page.next_page()

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page.data

    def auto_paging_iter(self) -> Iterator[T]:
        return iter(self)


class AsyncPage(_PageBase, Generic[T]):
    """One page of a paginated list. ``async for item in page`` walks every page."""

    __slots__ = ()

    @property
    def data(self) -> list[T]:
        """Items of this page only."""
        d = self._envelope.get("data")
        return d if isinstance(d, list) else []

    async def next_page(self) -> "AsyncPage[T] | None":
        plan = self._next_plan()
        return None if plan is None else await self._fetch(plan)

    async def pages(self) -> AsyncIterator["AsyncPage[T]"]:
        page: AsyncPage[T] | None = self
        while page is not None:
            yield page
            page = await page.next_page()

    async def __aiter__(self) -> AsyncIterator[T]:  # type: ignore[misc]
        async for page in self.pages():
            for item in page.data:
                yield item


class AsyncPager(Awaitable["AsyncPage[T]"], Generic[T]):
    """What an async ``list()`` returns: ``await`` it for the first page, or
    ``async for`` over it for every item of every page."""

    __slots__ = ("_first",)

    def __init__(self, first: Callable[[], Awaitable[AsyncPage[T]]]) -> None:
        self._first = first

    def __await__(self):
        return self._first().__await__()

    async def __aiter__(self) -> AsyncIterator[T]:  # type: ignore[misc]
        page = await self._first()
        async for item in page:
            yield item


def resolve_page_url(base_url: str, url: str) -> tuple:
    """next_page_url → (path relative to the base URL, query dict); raises
    APIResponseValidationError for another scheme, host or base path."""
    base = urlsplit(base_url.rstrip("/") + "/")
    target = urlsplit(urljoin(base.geturl(), url))
    base_path = base.path.rstrip("/")
    if (target.scheme.lower(), target.netloc.lower()) != (base.scheme.lower(), base.netloc.lower()) or \
            not target.path.startswith(base_path + "/"):
        raise _light.APIResponseValidationError(
            f"next_page_url points to {target.scheme}://{target.netloc}{'' if target.netloc else target.path[:1]}, "
            f"outside the base URL {base.scheme}://{base.netloc}{base_path}; refusing to follow it")
    return target.path[len(base_path):], dict(parse_qsl(target.query, keep_blank_values=True))


def _plan(value: Any, next_query: dict | None, base_url: str, op_path: str, seen: set) -> tuple | None:
    """What fetches the page after this one: ("op", query) for the same
    operation, ("raw", path, query) for a next_page_url elsewhere under the
    base URL, or None at the end."""
    if not isinstance(value, dict):
        return None  # a bare array is the only page
    data = value.get("data")
    if not isinstance(data, list) or not data:
        return None
    url = value.get("next_page_url")
    if isinstance(url, str) and url:
        if url in seen:
            return None
        seen.add(url)
        path, query = resolve_page_url(base_url, url)
        return ("op", query) if unquote(path) == op_path else ("raw", path, query)
    return None if next_query is None else ("op", next_query)


def wrap_page(cls: type, result: tuple, fetch: Callable, base_url: str, op_path: str, seen: set) -> Any:
    """A page from a binding result (value, core next query, meta)."""
    value, next_query, meta = result
    if isinstance(value, list):
        value = {"data": value, "has_more": False}
    envelope = _wrap(value) if isinstance(value, dict) else LightObject()
    if meta is not None:
        object.__setattr__(envelope, "_last_response", meta)  # LightResponse built on first use
    try:
        plan, error = _plan(value, next_query, base_url, op_path, seen), None
    except _light.APIResponseValidationError as e:
        plan, error = None, e
    return cls(envelope, plan, fetch, error)
