"""Downloads of what the JSON routes answer, as XLSX (for people) or CSV (for programs): registrations, standings and
award proposals with the council's decisions.

Each reads the same views with the same filters and decides access with the same helpers (`access.py`) as its JSON
route, in the same order: a unit downloads only its own registrations, the public only a closed campaign's standings
and decided awards, and a refusal is the same 401/403/404 with the same error body.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from services.evaluation.adapters.views import AwardsView, ReferenceView, StandingsView
from services.read_api.access import Caller, Principal, own_unit, read_standings, sees_proposal, sees_unit_names
from services.read_api.errors import api_error, error_responses
from services.read_api.exports import tables
from services.read_api.exports.formats import CSV, XLSX, Column, Table, attachment, to_csv, to_xlsx
from services.read_api.routes import evaluation, registry
from services.read_api.views import ViewOf
from shared.events.types import Moment
from shared.projections.registry_facts import FactQueries

router = APIRouter(
    prefix="/v1/campaigns/{campaign_id}/exports",
    tags=["exports"],
    default_response_class=Response,
    responses=error_responses(403, 404),
)
ReferenceDep = Annotated[ReferenceView, Depends(ViewOf(ReferenceView))]
StandingsDep = Annotated[StandingsView, Depends(ViewOf(StandingsView))]
AwardsDep = Annotated[AwardsView, Depends(ViewOf(AwardsView))]


class Format(StrEnum):
    xlsx = "xlsx"
    csv = "csv"


def files(columns: Sequence[Column]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` documenting the 200 answer: the file, in either format, and its columns."""
    named = f"columns: {', '.join(c.title for c in columns)}"
    return {
        200: {
            "description": "The file, as an attachment (`Content-Disposition` with an ASCII `filename` and a UTF-8 "
            "`filename*`): an XLSX workbook (a frozen, filtering header row in Vietnamese; dates as dates, numbers "
            "as numbers), or CSV (RFC 4180, UTF-8 with a byte order mark, ISO 8601 dates; the first sheet)",
            "content": {
                XLSX: {"schema": {"type": "string", "format": "binary", "description": named}},
                "text/csv": {"schema": {"type": "string", "description": named}},
            },
        }
    }


def download(table: Table, fmt: Format) -> Response:
    body, media_type = (to_xlsx(table), XLSX) if fmt is Format.xlsx else (to_csv(table), CSV)
    return Response(body, media_type=media_type, headers={"Content-Disposition": attachment(table.name, fmt.value)})


def names(p: Principal, facts: FactQueries, campaign: dict[str, Any]) -> dict[str, str]:
    """Unit id → name for a caller who may read the campaign's blocks; none for the public while it runs."""
    return facts.unit_names() if sees_unit_names(p, str(campaign.get("status"))) else {}


@router.get("/registrations.{fmt}", responses=files(tables.REGISTRATION_COLUMNS))
def export_registrations(
    campaign_id: str,
    fmt: Format,
    p: Caller,
    blocks: registry.BlocksDep,
    registrations: registry.RegistrationsDep,
    late: bool | None = None,
    block: str | None = None,
    unit: str | None = None,
) -> Response:
    """Every registration (all pages of `/registrations`, with its filters), one row each, by unit id: its block,
    collective and staff targets, when it came (Ho Chi Minh City time), whether late and by how many days."""
    mine = own_unit(p, unit, "registrations")
    campaign = registry.known_campaign(blocks, campaign_id)
    rows = registrations.registrations(campaign_id, late, block, mine)
    block_names = {b["block_id"]: b["name"] for b in blocks.blocks(campaign_id)}
    return download(tables.registrations(campaign, rows, block_names, names(p, blocks, campaign), block), fmt)


@router.get("/standings.{fmt}", responses=files(tables.STANDING_COLUMNS))
def export_standings(
    campaign_id: str,
    fmt: Format,
    p: Caller,
    standings: StandingsDep,
    reference: ReferenceDep,
    block: str | None = None,
    as_of: Annotated[Moment | None, Query(description=evaluation.AS_OF)] = None,
) -> Response:
    """The standings of `/standings`: one row per unit, block by block, in rank order within its block."""
    campaign = evaluation.known_campaign(reference, campaign_id)
    read_standings(p, str(campaign.get("status")))
    if block is not None and reference.block(campaign_id, block) is None:
        raise api_error(404, "unknown_block", f"no block {block!r}", "block")
    body = standings.body(reference, campaign_id, block, None if as_of is None else as_of.isoformat())
    return download(tables.standings(body, names(p, reference, campaign), block), fmt)


@router.get("/awards.{fmt}", responses=files(tables.AWARD_COLUMNS))
def export_awards(
    campaign_id: str,
    fmt: Format,
    p: Caller,
    reference: ReferenceDep,
    awards: AwardsDep,
    unit: str | None = None,
    award: str | None = None,
) -> Response:
    """The award proposals of `/awards` (the public: decided ones only), in the order proposed: every rule's result
    and reason, eligibility, and the council's decision with its counts. The XLSX adds a sheet of one row per rule."""
    campaign = evaluation.known_campaign(reference, campaign_id)
    proposals = [x for x in awards.proposals(campaign_id, unit, award) if sees_proposal(p, x)]
    return download(tables.awards(campaign_id, proposals, names(p, reference, campaign)), fmt)
