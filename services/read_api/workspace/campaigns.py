"""The campaigns list (`/`) and a campaign's overview: theme, the numbered contents, period, registration deadline."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.read_api.access import Caller
from services.read_api.routes import evaluation
from services.read_api.routes.evaluation import ReferenceDep
from services.read_api.workspace.render import PageRoute, page, today

router = APIRouter(route_class=PageRoute)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, p: Caller, reference: ReferenceDep) -> HTMLResponse:
    campaigns = evaluation.list_campaigns(reference)
    return page(request, p, "campaigns.html", title="Phong trào thi đua", campaigns=campaigns)


@router.get("/campaigns/{campaign_id}", response_class=HTMLResponse)
def overview(campaign_id: str, request: Request, p: Caller, reference: ReferenceDep) -> HTMLResponse:
    campaign = evaluation.get_campaign(campaign_id, reference)
    deadline = date.fromisoformat(campaign["registration_deadline"])
    return page(
        request,
        p,
        "overview.html",
        title=campaign["title"],
        campaign=campaign,
        days_left=(deadline - today()).days,
        section="overview",
    )
