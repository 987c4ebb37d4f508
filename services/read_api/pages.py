"""Cursor pagination: one way for every list that grows with the number of units or events.

A page is asked with `after` (the cursor: the id of the last item of the previous page, given as its
`next`; omitted for the first page) and `limit` (1–1000, default 100). While more items follow, the answer
carries the next page's address in a `Link: <…>; rel="next"` header (RFC 8288), and an object body also
carries the cursor as `next` (null on the last page). Lists that were JSON arrays stay arrays, so earlier
clients still read them; they get the first page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from fastapi import Query, Request, Response

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
T = TypeVar("T")
C = TypeVar("C")

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"items per page, at most {MAX_LIMIT}")]
After = Annotated[
    str | None,
    Query(max_length=300, description="cursor: the `next` of the previous page (the id of its last item)"),
]


def page(rows: list[T], limit: int, cursor: Callable[[T], C]) -> tuple[list[T], C | None]:
    """The first `limit` rows of `rows` (fetched with `limit + 1`) and the next page's cursor, if any follows."""
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, cursor(rows[-1])


def link_next(request: Request, response: Response, cursor: Any) -> None:
    """Announce the next page in a `Link` header (a relative address: the same query, `after` moved on)."""
    if cursor is not None:
        url = request.url.include_query_params(after=cursor)  # the query comes percent-encoded, the path decoded
        response.headers["Link"] = f'<{quote(url.path)}?{url.query}>; rel="next"'
