"""Auto-pagination over the list envelope ``{data, has_more, limit, offset, next_page_url}``.

The core decides what the next page is (``light_page_next_query``); each
call returns the page and the query of the next one (or None). ``list()``
fetches the first page at once (errors surface at the call) and returns a
page; iterating it yields every item of every page, fetching lazily.
"""
from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Generic, TypeVar

from ._object import LightObject, _wrap

__all__ = ["Page", "AsyncPage", "AsyncPager"]

T = TypeVar("T")


class _PageBase:
    __slots__ = ("_envelope", "_next_query", "_fetch")

    def __init__(self, envelope: Any, next_query: dict | None, fetch: Callable) -> None:
        self._envelope = envelope if isinstance(envelope, LightObject) else LightObject(envelope or {})
        self._next_query = next_query
        self._fetch = fetch

    @property
    def data(self) -> list:
        """Items of this page only."""
        d = self._envelope.get("data")
        return d if isinstance(d, list) else []

    @property
    def has_more(self) -> bool:
        return self._next_query is not None

    def has_next_page(self) -> bool:
        return self._next_query is not None

    @property
    def next_query(self) -> dict | None:
        """Query parameters of the next page (as computed by the core), or None."""
        return None if self._next_query is None else dict(self._next_query)

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


class Page(_PageBase, Generic[T]):
    """One page of a paginated list. ``for item in page`` walks every page."""

    __slots__ = ()

    def next_page(self) -> "Page[T] | None":
        if self._next_query is None:
            return None
        return self._fetch(self._next_query)

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

    async def next_page(self) -> "AsyncPage[T] | None":
        if self._next_query is None:
            return None
        return await self._fetch(self._next_query)

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


def wrap_page(cls: type, result: tuple, fetch: Callable) -> Any:
    envelope, next_query = result
    return cls(_wrap(envelope), next_query, fetch)
