"""The read API: a thin FastAPI app over the services' views. It reads; it never writes.

The lifespan opens every view the catalogue of services lists (`services/catalogue.py: all_views`, from each
factory's `VIEWS`) once; routes receive the ones they read
as typed objects through dependencies (`views.py`), one routes module per service, and declare the model of
what they answer (`responses/`). Every 4xx answer has one shape (`errors.py`); who may read what is decided in
`access.py`; long lists are paginated (`pages.py`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal

from fastapi import Depends, FastAPI
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel

from services.catalogue import all_views
from services.read_api import errors
from services.read_api.access import load_tokens, principal
from services.read_api.routes import audit, evaluation, exports, notification, registry, verification
from services.read_api.views import OpenViews, check
from services.read_api.workspace import install as install_workspace
from shared.infra.leader import building
from shared.infra.settings import Settings

ROUTERS = [module.router for module in (evaluation, registry, notification, audit, verification, exports)]
"""FastAPI matches routes in order (about 1.5 µs each): the evaluation's, the standings among them, come first."""


class Health(BaseModel):
    status: Literal["ok"] = "ok"


def create_app(settings: Settings | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        s = settings or Settings.from_env()
        app.state.settings = s
        app.state.tokens = load_tokens(s.api_tokens_file)
        with building(s, "read-api"):
            app.state.views = OpenViews(all_views(s))
        check(ROUTERS, app.state.views)
        yield

    app = FastAPIOffline(  # `/docs` and `/redoc` from the package's own copies, not a CDN: they work offline
        title="Emulation and commendation — read API",
        version="1.0.0",
        description="What the emulation council, units, auditors and the public read: campaigns, "
        "blocks, registrations, standings, votes, awards and the audit trail.",
        lifespan=lifespan,
        dependencies=[Depends(principal)],  # every request's token is checked, even on public routes
        responses=errors.error_responses(401, 422),  # any route: a token not recognised, a malformed parameter
    )
    errors.install(app)

    @app.get("/healthz", tags=["ops"], response_model=Health)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    for router in ROUTERS:
        app.include_router(router)
    install_workspace(app)  # the pages for people, after the JSON routes
    return app
