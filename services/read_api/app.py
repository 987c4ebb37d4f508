"""The read API: a thin FastAPI app over the services' views. It reads; it never writes."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

from fastapi import FastAPI, HTTPException, Request

from services.evaluation.factory import build_views as evaluation_views
from services.evaluation.adapters.views import CampaignsView
from shared.infra.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        s = settings or Settings.from_env()
        views = {type(v).__name__: v for v in evaluation_views(s)}
        app.state.views = views
        yield

    app = FastAPI(
        title="Emulation and commendation — read API",
        version="1.0.0",
        description="What the emulation council, units, auditors and the public read: campaigns, "
        "blocks, registrations, standings, votes, awards and the audit trail.",
        lifespan=lifespan,
    )

    def campaigns(request: Request) -> CampaignsView:
        view: CampaignsView = request.app.state.views["CampaignsView"]
        return view

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/campaigns", tags=["campaigns"])
    def list_campaigns(request: Request) -> list[dict[str, Any]]:
        """Every launched campaign, newest year first."""
        return campaigns(request).list()

    @app.get("/v1/campaigns/{campaign_id}", tags=["campaigns"])
    def get_campaign(campaign_id: str, request: Request) -> dict[str, Any]:
        found = campaigns(request).get(campaign_id)
        if found is None:
            raise HTTPException(404, {"code": "unknown_campaign", "message": f"no campaign {campaign_id!r}", "field": "campaign_id"})
        return found

    return app
