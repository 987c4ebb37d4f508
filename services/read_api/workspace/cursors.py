"""Following a paginated JSON route to its end, for a page that shows a whole list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request, Response

from services.read_api.pages import MAX_LIMIT

T = TypeVar("T")


def every_page(fetch: Callable[[str | None], tuple[list[T], str | None]]) -> list[T]:
    """All items: `fetch(after)` answers one page and the next page's cursor (None on the last)."""
    items: list[T] = []
    after: str | None = None
    while True:
        found, after = fetch(after)
        items.extend(found)
        if after is None:
            return items


def object_pages(route: Callable[..., dict[str, Any]], key: str, request: Request, **args: Any) -> list[Any]:
    """Every `key` item of a route answering `{key: [...], "next": cursor}` (`list_registrations`, …)."""

    def fetch(after: str | None) -> tuple[list[Any], str | None]:
        body = route(request=request, response=Response(), after=after, limit=MAX_LIMIT, **args)
        return body[key], body["next"]

    return every_page(fetch)


def array_pages(route: Callable[..., list[dict[str, Any]]], cursor: str, request: Request, **args: Any) -> list[Any]:
    """Every item of a route answering a JSON array (`unit_notifications`): more follow while it sets `Link`."""

    def fetch(after: str | None) -> tuple[list[dict[str, Any]], str | None]:
        response = Response()
        found = route(request=request, response=response, after=after, limit=MAX_LIMIT, **args)
        return found, (str(found[-1][cursor]) if "link" in response.headers else None)

    return every_page(fetch)
