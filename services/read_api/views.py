"""The views routes read, handed to them as typed objects: `Annotated[StandingsView, Depends(ViewOf(StandingsView))]`.

The app's lifespan opens every view the services' factories declare (their `VIEWS`) once and keeps them by
type (`OpenViews`); a route names the view type it reads and gets that object. A route reading a view that no
factory declares stops the API at start-up (`check`), not at its first request.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar, cast

from fastapi import APIRouter, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from shared.infra.views import View

V = TypeVar("V", bound=View)


class OpenViews:
    """The open views, one per type."""

    def __init__(self, views: Iterable[View]) -> None:
        self.by_type: dict[type[View], View] = {type(v): v for v in views}

    def __getitem__(self, kind: type[V]) -> V:
        return cast(V, self.by_type[kind])


class ViewOf(Generic[V]):
    """A dependency giving the open view of type `kind`.

    `async` although it does no I/O: FastAPI then calls it inline instead of through its thread pool.
    """

    def __init__(self, kind: type[V]) -> None:
        self.kind = kind

    async def __call__(self, request: Request) -> V:
        views: OpenViews = request.app.state.views
        return views[self.kind]


def read_by(routers: Iterable[APIRouter]) -> set[type[View]]:
    """Every view type a route of these routers reads, through its dependencies."""

    def walk(dependant: Dependant) -> Iterator[type[View]]:
        if isinstance(dependant.call, ViewOf):
            yield dependant.call.kind
        for sub in dependant.dependencies:
            yield from walk(sub)

    routes = (route for router in routers for route in router.routes)
    return {kind for route in routes if isinstance(route, APIRoute) for kind in walk(route.dependant)}


def check(routers: Iterable[APIRouter], views: OpenViews) -> None:
    """Refuse to start when a route reads a view no service declares."""
    missing = sorted(kind.__name__ for kind in read_by(routers) if kind not in views.by_type)
    if missing:
        raise RuntimeError(f"routes read views no service declares in its VIEWS: {', '.join(missing)}")
