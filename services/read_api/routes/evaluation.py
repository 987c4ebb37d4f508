"""Routes over the evaluation service's views: campaigns (as the council evaluates them), standings, votes, awards."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request

from services.evaluation.adapters.views import CampaignsView

router = APIRouter()


def campaigns(request: Request) -> CampaignsView:
    view: CampaignsView = request.app.state.views["campaigns"]
    return view


@router.get("/v1/campaigns", tags=["campaigns"])
def list_campaigns(request: Request) -> list[dict[str, Any]]:
    """Every launched campaign, newest year first."""
    return campaigns(request).list()


@router.get("/v1/campaigns/{campaign_id}", tags=["campaigns"])
def get_campaign(campaign_id: str, request: Request) -> dict[str, Any]:
    found = campaigns(request).get(campaign_id)
    if found is None:
        raise HTTPException(
            404, {"code": "unknown_campaign", "message": f"no campaign {campaign_id!r}", "field": "campaign_id"}
        )
    return found
