"""A unit's page: its blocks (this campaign and others), registrations, achievements, notices and history.

Read through the JSON routes for the same caller, so a unit sees only its own page (the registrations, achievements
and notices routes refuse another unit's) and the council and auditors see every unit's.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from services.read_api.access import Caller, Principal
from services.read_api.pages import MAX_LIMIT
from services.read_api.routes import evaluation, notification, registry
from services.read_api.routes.evaluation import ReferenceDep, StandingsDep
from services.read_api.routes.notification import DeliveryLogDep
from services.read_api.routes.registry import BlocksDep, RegistrationsDep, UnitsDep
from services.read_api.workspace import names
from services.read_api.workspace.cursors import array_pages, every_page, object_pages
from services.read_api.workspace.render import PageRoute, page

router = APIRouter(route_class=PageRoute)


def achievements(
    campaign_id: str, unit_id: str, request: Request, p: Principal, reference: ReferenceDep, standings: StandingsDep
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The unit's achievements in the campaign, and the scoring table's item titles (criterion or item id → title)."""
    table: dict[str, Any] = {}

    def fetch(after: str | None) -> tuple[list[dict[str, Any]], str | None]:
        body = evaluation.list_achievements(
            campaign_id, request, Response(), p, reference, standings, unit=unit_id, after=after, limit=MAX_LIMIT
        )
        table.update(body["scoring_table"] or {})
        return body["achievements"], body["next"]

    found = every_page(fetch)
    items = [*table.get("criteria", []), *table.get("bonuses", []), *table.get("penalties", [])]
    return found, {i.get("criterion_id") or i["item_id"]: i["title"] for i in items}


@router.get("/campaigns/{campaign_id}/units/{unit_id}", response_class=HTMLResponse)
def unit_page(
    campaign_id: str,
    unit_id: str,
    request: Request,
    p: Caller,
    reference: ReferenceDep,
    standings: StandingsDep,
    blocks: BlocksDep,
    units: UnitsDep,
    registrations: RegistrationsDep,
    deliveries: DeliveryLogDep,
) -> HTMLResponse:
    campaign = evaluation.get_campaign(campaign_id, reference)
    unit = registry.get_unit(unit_id, p, units)
    # the routes that decide whether this caller may read this unit's records (a unit: only its own)
    notices = array_pages(
        notification.unit_notifications, "notification_id", request, unit_id=unit_id, p=p, deliveries=deliveries
    )
    found, criteria = achievements(campaign_id, unit_id, request, p, reference, standings)

    campaign_ids = sorted({c["campaign_id"] for c in unit["campaigns"]} | {campaign_id}, reverse=True)
    titles = {c: evaluation.get_campaign(c, reference)["title"] for c in campaign_ids if reference.campaign(c)}
    rosters = {c: {b["block_id"]: b for b in registry.list_blocks(c, p, blocks)["blocks"]} for c in titles}
    memberships = [
        m
        | {
            "title": titles.get(m["campaign_id"], m["campaign_id"]),
            "block": rosters.get(m["campaign_id"], {}).get(m["block_id"] or ""),
        }
        for m in sorted(unit["campaigns"], key=lambda m: m["campaign_id"], reverse=True)
    ]
    pledges = [
        r | {"campaign_id": c, "title": titles[c]}
        for c in titles
        for r in object_pages(
            registry.list_registrations,
            "registrations",
            request,
            campaign_id=c,
            p=p,
            blocks=blocks,
            registrations=registrations,
            unit=unit_id,
        )
    ]
    verified = [a for a in found if a["status"] == "verified"]
    totals = {
        "claimed": sum(a["claimed_points"] for a in found),
        "verified": sum(a["points"] - a["penalty"] for a in verified),
        "verified_count": len(verified),
    }
    block_names = {(c, b): r["name"] for c, bs in rosters.items() for b, r in bs.items()}
    return page(
        request,
        p,
        "unit.html",
        title=f"{unit['name']} — {campaign['title']}",
        campaign=campaign,
        section="units",
        unit=unit,
        memberships=memberships,
        registrations=pledges,
        achievements=found,
        totals=totals,
        content_titles={c["no"]: c["title"] for c in campaign["contents"]},
        criteria=criteria,
        notices=sorted(notices, key=lambda n: n["due_at"] or "", reverse=True),
        history=list(reversed(unit["history"])),
        block_names=block_names,
        campaign_titles=titles,
        names=names,
    )
