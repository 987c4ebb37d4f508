"""The read API: a thin FastAPI app over the services' views. It reads; it never writes.

Views are opened from the catalogue of services (`services/catalogue.py: all_views`) and kept in `app.state.views`
under their `name`; each routes module reads the views of one service. Every 4xx answer has one shape
(`errors.py`); who may read what is decided in `access.py`; long lists are paginated (`pages.py`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from services.catalogue import all_views
from services.read_api import errors
from services.read_api.access import load_tokens, principal
from services.read_api.routes import audit, evaluation, notification, registry, verification
from shared.infra.leader import building
from shared.infra.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        s = settings or Settings.from_env()
        app.state.settings = s
        app.state.tokens = load_tokens(s.api_tokens_file)
        with building(s, "read-api"):
            app.state.views = {v.name: v for v in all_views(s)}
        yield

    app = FastAPI(
        title="Emulation and commendation — read API",
        version="1.0.0",
        description="What the emulation council, units, auditors and the public read: campaigns, "
        "blocks, registrations, standings, votes, awards and the audit trail.",
        lifespan=lifespan,
        dependencies=[Depends(principal)],  # every request's token is checked, even on public routes
        responses=errors.error_responses(401, 422),  # any route: a token not recognised, a malformed parameter
    )
    errors.install(app)

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    for module in (registry, evaluation, notification, audit, verification):
        app.include_router(module.router)
    return app
