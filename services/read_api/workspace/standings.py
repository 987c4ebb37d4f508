"""Standings per block: a bar chart of verified score with the claimed score beside it, and the ranked table.

The page renders what the JSON standings route answers for the same caller (the public sees only closed campaigns'
standings: the route decides). While it is open, `static/standings.js` asks the JSON route with the `ETag` it was
rendered from (`If-None-Match`: a 304 costs the API one read of three positions) and, only when the standings
moved, fetches this page's blocks again (`?fragment=1`) and swaps them in: no full reload, no second renderer.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from pydantic import TypeAdapter, ValidationError

from services.read_api.access import Caller, Principal
from services.read_api.errors import api_error
from services.read_api.routes import evaluation, registry
from services.read_api.routes.evaluation import ReferenceDep, StandingsDep
from services.read_api.routes.registry import BlocksDep
from services.read_api.workspace.render import PageRoute, page
from shared.events.errors import INVALID_FIELD
from shared.events.types import Moment

router = APIRouter(route_class=PageRoute)
CHART_UNITS = 40
"""Bars drawn per block at most (the leaders); the table below always lists every unit."""
LABEL_CHARACTERS = 46
"""A bar's label is cut (with "…") beyond this, so it fits a phone's width; the table gives every name in full."""
MOMENT: TypeAdapter[Any] = TypeAdapter(Moment)


def moment(as_of: str | None) -> Any:
    """`as_of` as the JSON route reads it (a `datetime-local` field gives `2022-06-30T12:00`, taken as UTC)."""
    if not as_of:
        return None
    try:
        return MOMENT.validate_python(as_of)
    except ValidationError:
        raise api_error(422, INVALID_FIELD, f"as_of: not a time between 1945 and 2200: {as_of!r}", "as_of") from None


def unit_names(campaign_id: str, p: Principal, blocks: BlocksDep) -> dict[str, str]:
    """Unit id → name, where the caller may read the blocks (the public reads closed standings by unit id only)."""
    try:
        rosters = registry.list_blocks(campaign_id, p, blocks)["blocks"]
    except HTTPException as e:
        if e.status_code in (401, 403):
            return {}
        raise
    return {m["unit_id"]: m["name"] for b in rosters for m in b["members"] if m["name"]}


def label(name: str) -> str:
    return name if len(name) <= LABEL_CHARACTERS else name[: LABEL_CHARACTERS - 1].rstrip() + "…"


def chart(units: list[dict[str, Any]]) -> dict[str, Any]:
    """Bar lengths in percent of the chart's width (the longest bar at 100), for the first `CHART_UNITS` units."""
    shown = units[:CHART_UNITS]
    top = max((max(u["verified_score"], u["claimed_score"]) for u in shown), default=0.0) or 1.0
    return {
        "units": [
            u
            | {
                "verified_pct": max(0.0, u["verified_score"]) * 100 / top,
                "claimed_pct": max(0.0, u["claimed_score"]) * 100 / top,
            }
            for u in shown
        ],
        "more": len(units) - len(shown),
    }


@router.get("/campaigns/{campaign_id}/standings", response_class=HTMLResponse)
async def standings_page(
    campaign_id: str,
    request: Request,
    p: Caller,
    standings: StandingsDep,
    reference: ReferenceDep,
    blocks: BlocksDep,
    block: str | None = None,
    as_of: str | None = None,
    fragment: bool = False,
) -> HTMLResponse:
    """The page, or with `fragment=1` only its blocks (what the script swaps in)."""
    campaign = evaluation.get_campaign(campaign_id, reference)
    block = block or None
    # `async` as the JSON route is; the rest (a roster read, the template) runs in a thread, off the event loop.
    # A page is never served with an ETag, so no browser sends it `If-None-Match`: the answer is a 200.
    answer = await evaluation.get_standings(campaign_id, request, p, standings, reference, block, moment(as_of))
    query = {k: v for k, v in (("block", block), ("as_of", as_of)) if v}

    def render() -> HTMLResponse:
        body = json.loads(bytes(answer.body))
        context = {
            "campaign": campaign,
            "standings": body,
            "charts": {b["block_id"]: chart(b["units"]) for b in body["blocks"]},
            "label": label,
            "names": unit_names(campaign_id, p, blocks),
            "etag": answer.headers["etag"],
        }
        if fragment:
            return page(request, p, "standings_blocks.html", title="", **context)
        return page(
            request,
            p,
            "standings.html",
            title=f"Bảng xếp hạng — {campaign['title']}",
            section="standings",
            block=block,
            as_of=as_of or "",
            options=reference.blocks(campaign_id),
            json_url=f"/v1/campaigns/{campaign_id}/standings" + (f"?{urlencode(query)}" if query else ""),
            fragment_url=f"{request.url.path}?{urlencode(query | {'fragment': '1'})}",
            export=f"/v1/campaigns/{campaign_id}/exports/standings",
            **context,
        )

    return await run_in_threadpool(render)
