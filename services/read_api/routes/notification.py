"""Routes over the notification service's views: the delivery log, per unit and per campaign."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from services.notification.adapters.log import DeliveryLog
from services.read_api.access import AUDITOR, COUNCIL, Caller, own_unit, require
from services.read_api.errors import error_responses
from services.read_api.pages import DEFAULT_LIMIT, After, Limit, link_next, page
from services.read_api.responses.notification import Notice
from services.read_api.views import ViewOf

router = APIRouter(responses=error_responses(403))
DeliveryLogDep = Annotated[DeliveryLog, Depends(ViewOf(DeliveryLog))]


@router.get("/v1/units/{unit_id}/notifications", tags=["notifications"], response_model=list[Notice])
def unit_notifications(
    unit_id: str,
    request: Request,
    response: Response,
    p: Caller,
    deliveries: DeliveryLogDep,
    after: After = None,
    limit: Limit = DEFAULT_LIMIT,
) -> list[dict[str, Any]]:
    """A unit's notices (reminders, vote, award and rejection notices), oldest first, each with its
    delivery records: `notification_scheduled`, any `notification_failed`, then `notification_sent`
    (or a failed record with `dead: true`). One page at a time: see the `Link` header."""
    own_unit(p, unit_id, "notices")
    found, cursor = page(deliveries.for_unit(unit_id, after, limit + 1), limit, notice_id)
    link_next(request, response, cursor)
    return found


@router.get("/v1/notifications", tags=["notifications"], response_model=list[Notice])
def list_notifications(
    request: Request,
    response: Response,
    p: Caller,
    deliveries: DeliveryLogDep,
    campaign: Annotated[str | None, Query(description="Only this campaign's notices.")] = None,
    status: Annotated[str | None, Query(description="scheduled, retrying, sent or dead")] = None,
    after: After = None,
    limit: Limit = DEFAULT_LIMIT,
) -> list[dict[str, Any]]:
    """Every notice with its delivery records, oldest first (council and auditors). One page at a time: see the
    `Link` header."""
    require(p, COUNCIL, AUDITOR, what="the notice log of every unit")
    found, cursor = page(deliveries.list(campaign, status, None, after, limit + 1), limit, notice_id)
    link_next(request, response, cursor)
    return found


def notice_id(notice: dict[str, Any]) -> str:
    return str(notice["notification_id"])
