"""Routes over the notification service's views: the delivery log, per unit and per campaign."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response

from services.notification.adapters.log import DeliveryLog
from services.read_api.access import AUDITOR, COUNCIL, Principal, own_unit, principal, require
from services.read_api.errors import error_responses
from services.read_api.pages import DEFAULT_LIMIT, After, Limit, link_next, page
from services.read_api.responses import Notice

router = APIRouter(responses=error_responses(403))


def deliveries(request: Request) -> DeliveryLog:
    view: DeliveryLog = request.app.state.views["notification-log"]
    return view


@router.get("/v1/units/{unit_id}/notifications", tags=["notifications"], response_model=list[Notice])
def unit_notifications(
    unit_id: str,
    request: Request,
    response: Response,
    after: After = None,
    limit: Limit = DEFAULT_LIMIT,
    p: Principal = Depends(principal),
) -> list[dict[str, Any]]:
    """A unit's notices (reminders, vote, award and rejection notices), oldest first, each with its
    delivery records: `notification_scheduled`, any `notification_failed`, then `notification_sent`
    (or a failed record with `dead: true`). One page at a time: see the `Link` header."""
    own_unit(p, unit_id, "notices")
    found, cursor = page(deliveries(request).for_unit(unit_id, after, limit + 1), limit, notice_id)
    link_next(request, response, cursor)
    return found


@router.get("/v1/notifications", tags=["notifications"], response_model=list[Notice])
def list_notifications(
    request: Request,
    response: Response,
    p: Principal = Depends(principal),
    campaign: str | None = Query(default=None, description="Only this campaign's notices."),
    status: str | None = Query(default=None, description="scheduled, retrying, sent or dead"),
    after: After = None,
    limit: Limit = DEFAULT_LIMIT,
) -> list[dict[str, Any]]:
    """Every notice with its delivery records, oldest first (council and auditors). One page at a time: see the
    `Link` header."""
    require(p, COUNCIL, AUDITOR, what="the notice log of every unit")
    found, cursor = page(deliveries(request).list(campaign, status, None, after, limit + 1), limit, notice_id)
    link_next(request, response, cursor)
    return found


def notice_id(notice: dict[str, Any]) -> str:
    return str(notice["notification_id"])
