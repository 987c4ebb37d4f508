"""The workspace: Vietnamese pages for the council, the Department Office, units, auditors and the public.

Served by the read API process at `/`, server-rendered with Jinja2 from what the JSON routes answer: a page
handler calls the JSON route function for the same caller and renders its result, so a page shows exactly the
data, and is refused exactly where, the JSON API would (`access.py` decides once). Only the sign-in form adds
anything: it puts the bearer token in an HttpOnly cookie the JSON API also accepts. Every asset is shipped in
`static/`; nothing is loaded from the internet.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from services.read_api.workspace import (
    audit,
    awards,
    campaigns,
    exemplary,
    registrations,
    reviews,
    signin,
    standings,
    units,
    votes,
)
from services.read_api.workspace.render import STATIC

MODULES = (signin, campaigns, registrations, standings, units, votes, awards, exemplary, reviews, audit)


def install(app: FastAPI) -> None:
    """Mount the pages and their static assets (after the JSON routes: those are matched first)."""
    router = APIRouter(include_in_schema=False)
    for module in MODULES:
        router.include_router(module.router)
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
