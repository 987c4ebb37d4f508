"""Standings per block: a bar chart of verified score with the claimed score beside it, and the ranked table.

The page renders what the JSON standings route answers for the same caller (the public sees only closed campaigns'
standings: the route decides). While it is open, `static/standings.js` asks the JSON route with the `ETag` it was
rendered from (`If-None-Match`: a 304 costs the API one read of three positions) and, only when the standings
moved, fetches this page's blocks again (`?fragment=1`) and swaps them in: no full reload, no second renderer.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from functools import partial
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape
from pydantic import TypeAdapter, ValidationError

from services.evaluation.adapters.standings import GZIP_LEVEL, Rendering
from services.read_api.access import Caller, Principal
from services.read_api.encodings import GZIP, accepts_gzip
from services.read_api.errors import api_error
from services.read_api.routes import evaluation
from services.read_api.routes.evaluation import ReferenceDep, StandingsDep
from services.read_api.routes.registry import BlocksDep
from services.read_api.workspace import rosters
from services.read_api.workspace.render import PageRoute, page, templates
from shared.events.errors import INVALID_FIELD
from shared.events.types import Moment

router = APIRouter(route_class=PageRoute)
SHOWN = 40
"""Units per block on the page of every block (bars and rows: the leaders, and the caller's own unit); a block's own
page (`?block=`) lists all of its units in the table. Every unit is in the exports."""
LABEL_CHARACTERS = 46
"""A bar's label is cut (with "…") beyond this, so it fits a phone's width; the table gives every name in full."""
KEPT = 512
"""Items the page keeps at most (see `Kept`); all are dropped beyond."""
MOMENT: TypeAdapter[Any] = TypeAdapter(Moment)
Question = tuple[str, str | None, str | None]
"""Campaign, block (None: every block), `as_of` as asked."""


def moment(as_of: str | None) -> Any:
    """`as_of` as the JSON route reads it (a `datetime-local` field gives `2022-06-30T12:00`, taken as UTC)."""
    if not as_of:
        return None
    try:
        return MOMENT.validate_python(as_of)
    except ValidationError:
        raise api_error(422, INVALID_FIELD, f"as_of: not a time between 1945 and 2200: {as_of!r}", "as_of") from None


def label(name: str) -> str:
    return name if len(name) <= LABEL_CHARACTERS else name[: LABEL_CHARACTERS - 1].rstrip() + "…"


def chart(units: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The leaders' bars: lengths in percent of the chart's width, the longest bar at 80 % (its value beside it)."""
    shown = units[:SHOWN]
    top = max((max(u["verified_score"], u["claimed_score"]) for u in shown), default=0.0) or 1.0
    return [
        u
        | {
            "verified_width": f"{max(0.0, u['verified_score']) * 80 / top:.2f}%",
            "claimed_width": f"{max(0.0, u['claimed_score']) * 80 / top:.2f}%",
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


class Kept:
    """What the page keeps between requests, on the app: parsed standings per state and question, unit names per
    roster position and role, blocks' HTML per state and role. A dashboard re-rendered for every poller would cost
    far more than the JSON route; bounded (a block of 40 units is about 40 kB), all dropped when full."""

    def __init__(self) -> None:
        self.items: dict[tuple[Any, ...], Any] = {}

    @staticmethod
    def of(request: Request) -> Kept:
        kept: Kept | None = getattr(request.app.state, "standings_page", None)
        if kept is None:
            kept = request.app.state.standings_page = Kept()
        return kept

    def get(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        found = self.items.get(key)
        if found is None:
            found = make()
            if len(self.items) >= KEPT:
                self.items.clear()
            self.items[key] = found
        return found


def blocks_html(
    request: Request,
    p: Principal,
    answer: tuple[str, Rendering],
    blocks: BlocksDep,
    campaign: dict[str, Any],
    question: Question,
) -> tuple[str, tuple[Any, ...] | None]:
    """The blocks' HTML: the page's, and the fragment the script swaps in; and what names it when the caller sees
    it as everyone with the same roles does (no block of its own unit in it), for the fragment's gzip form.

    A block's HTML depends on the caller only through its roles (unit names readable, which units link to their
    page) and its own unit when that unit is in the block (its link, its row below the leaders). Blocks without the
    caller's unit are kept per state and roles, so a change of the standings costs one rendering of each block for
    all the council and one for all the units; each unit's own block is drawn for it (a few milliseconds). The names
    come from the blocks route, asked once per roster position and role (the route decides for a role, not a person).
    """
    kept = Kept.of(request)
    campaign_id, block, as_of = question
    (etag, rendering), roster = answer, blocks.position()
    state = (etag, *question)
    parsed = kept.get(("parsed", *state), lambda: json.loads(rendering.body)["blocks"])
    own = kept.get(("own", *state), lambda: {u["unit_id"]: b["block_id"] for b in parsed for u in b["units"]})
    names: dict[str, str] | None = None

    def render(b: dict[str, Any]) -> str:
        nonlocal names
        if names is None:
            names = kept.get(
                ("names", roster, campaign_id, p.roles), lambda: rosters.names(campaign_id, p, blocks).units
            )
        return templates.get_template("standings_block.html").render(
            principal=p,
            campaign=campaign,
            b=b,
            c=chart(b["units"]),
            rows=rows(b["units"], p, block is not None),
            label=label,
            names=names,
            shown=SHOWN,
            as_of=as_of,
        )

    mine = None if p.unit_id is None else own.get(p.unit_id)
    sections = [
        render(b)  # the caller's own block: its link and row are for this caller alone, not worth keeping
        if b["block_id"] == mine
        else kept.get(("block", *state, roster, b["block_id"], p.roles), partial(render, b))
        for b in parsed
    ]
    empty = "" if parsed else "<p>Phong trào chưa có khối thi đua nào.</p>"
    html = f'<span hidden data-etag="{escape(etag)}"></span>\n{empty}' + "\n".join(sections)
    return html, (*state, roster, p.roles) if mine is None else None


def fragment_response(request: Request, html: str, shared: tuple[Any, ...] | None) -> Response:
    """The blocks alone, for the script. Gzipped for a browser accepting it when the HTML is shared by a role (see
    `blocks_html`), compressed once per state and kept (3,000 units: 405 kB, 32 kB gzipped), as the JSON route's
    rendering is; a unit's own view of its block is sent as it is (compressing it would cost each request)."""
    headers = {"Cache-Control": "no-store", "Vary": "Accept-Encoding"}
    if shared is None or not accepts_gzip(request.headers.get("accept-encoding")):
        return HTMLResponse(html, headers=headers)
    packed = Kept.of(request).get(("gzip", *shared), lambda: gzip.compress(html.encode(), GZIP_LEVEL, mtime=0))
    return Response(packed, media_type="text/html; charset=utf-8", headers=headers | {"Content-Encoding": GZIP})


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
) -> Response:
    """The page, or with `fragment=1` only its blocks (what the script swaps in)."""
    campaign = evaluation.get_campaign(campaign_id, reference)
    block = block or None
    # `async` as the JSON route is; the rest (a roster read, the template) runs in a thread, off the event loop.
    # The route's checks and kept rendering, read as identity JSON whatever the browser accepts; its `ETag` (the
    # identity's) goes in the page, and `standings.js` sends it back: weak comparison matches either form's.
    when = moment(as_of)
    at = None if when is None else when.isoformat()
    answer = await evaluation.rendering(campaign_id, p, standings, reference, block, at)
    query = {k: v for k, v in (("block", block), ("as_of", as_of)) if v}

    def render() -> Response:
        html, shared = blocks_html(request, p, answer, blocks, campaign, (campaign_id, block, as_of))
        if fragment:
            return fragment_response(request, html, shared)
        return page(
            request,
            p,
            "standings.html",
            title=f"Bảng xếp hạng — {campaign['title']}",
            campaign=campaign,
            section="standings",
            block=block,
            as_of=as_of or "",
            at=at,
            options=reference.blocks(campaign_id),
            json_url=f"/v1/campaigns/{campaign_id}/standings" + (f"?{urlencode(query)}" if query else ""),
            fragment_url=f"{request.url.path}?{urlencode(query | {'fragment': '1'})}",
            export=f"/v1/campaigns/{campaign_id}/exports/standings",
            blocks_html=Markup(html),
        )

    return await run_in_threadpool(render)
