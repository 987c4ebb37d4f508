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

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from pydantic import TypeAdapter, ValidationError

from services.read_api.access import Caller, Principal
from services.read_api.errors import api_error
from services.read_api.routes import evaluation, registry
from services.read_api.routes.evaluation import ReferenceDep, StandingsDep
from services.read_api.routes.registry import BlocksDep
from services.read_api.workspace.render import PageRoute, page, templates
from shared.events.errors import INVALID_FIELD
from shared.events.types import Moment

router = APIRouter(route_class=PageRoute)
SHOWN = 40
"""Units per block on the page of every block (bars and rows: the leaders, and the caller's own unit); a block's own
page (`?block=`) lists all of its units in the table. Every unit is in the exports."""
LABEL_CHARACTERS = 46
"""A bar's label is cut (with "…") beyond this, so it fits a phone's width; the table gives every name in full."""
KEPT = 64
"""Rendered blocks kept at most (per standings state, question and caller); all are dropped beyond."""
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


def chart(units: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The leaders' bars: lengths in percent of the chart's width (the longest bar at 100)."""
    shown = units[:SHOWN]
    top = max((max(u["verified_score"], u["claimed_score"]) for u in shown), default=0.0) or 1.0
    return [
        u
        | {
            "verified_pct": max(0.0, u["verified_score"]) * 100 / top,
            "claimed_pct": max(0.0, u["claimed_score"]) * 100 / top,
        }
        for u in shown
    ]


def rows(units: list[dict[str, Any]], p: Principal, whole: bool) -> list[dict[str, Any]]:
    """The table's rows: every unit of a block's own page; else the leaders, and the caller's unit if further down."""
    if whole:
        return units
    return units[:SHOWN] + [
        u | {"apart": True} for u in units[SHOWN:] if p.unit_id is not None and u["unit_id"] == p.unit_id
    ]


def blocks_html(request: Request, p: Principal, answer: Response, blocks: BlocksDep, question: tuple[Any, ...]) -> str:
    """The blocks' HTML (the page's, and the fragment the script swaps in), kept until the standings, the rosters
    (unit names) or the caller change: a dashboard re-rendered for every poller would cost far more than the route."""
    campaign_id, block, as_of, campaign = question
    kept: dict[tuple[Any, ...], str] | None = getattr(request.app.state, "standings_pages", None)
    if kept is None:
        kept = request.app.state.standings_pages = {}
    key = (answer.headers["etag"], blocks.position(), campaign_id, block, as_of, p)
    html = kept.get(key)
    if html is None:
        body = json.loads(bytes(answer.body))
        html = templates.get_template("standings_blocks.html").render(
            principal=p,
            campaign=campaign,
            standings=body,
            charts={b["block_id"]: chart(b["units"]) for b in body["blocks"]},
            rows={b["block_id"]: rows(b["units"], p, block is not None) for b in body["blocks"]},
            label=label,
            names=unit_names(campaign_id, p, blocks),
            etag=answer.headers["etag"],
            shown=SHOWN,
            as_of=as_of,
        )
        if len(kept) >= KEPT:
            kept.clear()
        kept[key] = html
    return html


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
    when = moment(as_of)
    answer = await evaluation.get_standings(campaign_id, request, p, standings, reference, block, when)
    query = {k: v for k, v in (("block", block), ("as_of", as_of)) if v}

    def render() -> HTMLResponse:
        html = blocks_html(request, p, answer, blocks, (campaign_id, block, as_of, campaign))
        if fragment:
            return HTMLResponse(html, headers={"Cache-Control": "no-store"})
        return page(
            request,
            p,
            "standings.html",
            title=f"Bảng xếp hạng — {campaign['title']}",
            campaign=campaign,
            section="standings",
            block=block,
            as_of=as_of or "",
            at=None if when is None else when.isoformat(),
            options=reference.blocks(campaign_id),
            json_url=f"/v1/campaigns/{campaign_id}/standings" + (f"?{urlencode(query)}" if query else ""),
            fragment_url=f"{request.url.path}?{urlencode(query | {'fragment': '1'})}",
            export=f"/v1/campaigns/{campaign_id}/exports/standings",
            blocks_html=Markup(html),
        )

    return await run_in_threadpool(render)
