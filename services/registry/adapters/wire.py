"""Registry domain events → wire contracts (shared/events/registry.py). The one place they are mapped.

Internal events (a roster being started) have no mapping and never leave the service.
"""

from __future__ import annotations

from typing import Any

from services.registry.domain.campaign import Campaign
from services.registry.domain.registration import Registration
from services.registry.domain.review import ReviewSubmission
from services.registry.domain.roster import Roster
from services.registry.domain.unit import Unit
from shared.infra.wire import WireEvent, WireMap

_CAMPAIGN_FIELDS = [
    "campaign_id",
    "kind",
    "year",
    "title",
    "document_number",
    "issued_on",
    "issued_by",
    "signed_by",
    "theme",
    "period_start",
    "period_end",
    "registration_deadline",
    "secretariat_unit_id",
    "contents",
]


def _fields(e: Any, *names: str) -> dict[str, Any]:
    return {k: getattr(e, k) for k in names}


def campaign_launched(e: Any) -> WireEvent:
    data = _fields(e, *_CAMPAIGN_FIELDS)
    return WireEvent("campaign_launched", e.campaign_id, data, subject=f"campaign/{e.campaign_id}")


def campaign_amended(e: Any) -> WireEvent:
    data = _fields(e, "campaign_id", "changes")
    return WireEvent("campaign_amended", e.campaign_id, data, subject=f"campaign/{e.campaign_id}")


def campaign_closed(e: Any) -> WireEvent:
    data = _fields(e, "campaign_id", "reason")
    return WireEvent("campaign_closed", e.campaign_id, data, subject=f"campaign/{e.campaign_id}")


def block_defined(e: Any) -> WireEvent:
    data = _fields(e, "campaign_id", "block_id", "name")
    return WireEvent("block_defined", e.campaign_id, data, subject=f"block/{e.block_id}")


def block_leader_designated(e: Any) -> WireEvent:
    data = _fields(e, "campaign_id", "block_id", "leader_unit_id", "deputy_unit_id")
    return WireEvent("block_leader_designated", e.campaign_id, data, subject=f"block/{e.block_id}")


def unit_registered(e: Any) -> WireEvent:
    data = _fields(e, "unit_id", "name", "kind", "head", "email")
    return WireEvent("unit_registered", None, data, subject=f"unit/{e.unit_id}")


def unit_renamed(e: Any) -> WireEvent:
    data = _fields(e, "unit_id", "name", "previous_name")
    return WireEvent("unit_renamed", None, data, subject=f"unit/{e.unit_id}")


def unit_assigned(e: Any) -> WireEvent:
    data = _fields(e, "campaign_id", "block_id", "unit_id", "previous_block_id")
    return WireEvent("unit_assigned_to_block", e.campaign_id, data, subject=f"unit/{e.unit_id}")


def unit_withdrawn(e: Any) -> WireEvent:
    data = _fields(e, "campaign_id", "unit_id", "block_id", "reason")
    return WireEvent("unit_withdrawn", e.campaign_id, data, subject=f"unit/{e.unit_id}")


_PLEDGE = ("campaign_id", "unit_id", "collective_target", "staff", "registered_at", "late")


def emulation_registered(e: Any) -> WireEvent:
    return WireEvent("emulation_registered", e.campaign_id, _fields(e, *_PLEDGE), subject=f"unit/{e.unit_id}")


def registration_amended(e: Any) -> WireEvent:
    data = _fields(e, *_PLEDGE)
    return WireEvent("emulation_registration_amended", e.campaign_id, data, subject=f"unit/{e.unit_id}")


def review_scheduled(e: Any) -> WireEvent:
    data = _fields(e, "campaign_id", "review", "due_on", "previous_due_on")
    return WireEvent("review_scheduled", e.campaign_id, data, subject=f"campaign/{e.campaign_id}")


_SUBMISSION = ("campaign_id", "unit_id", "review", "collective", "staff", "submitted_at", "late", "days_late")


def review_submitted(e: Any) -> WireEvent:
    return WireEvent("review_submitted", e.campaign_id, _fields(e, *_SUBMISSION), subject=f"unit/{e.unit_id}")


def review_submission_amended(e: Any) -> WireEvent:
    data = _fields(e, *_SUBMISSION)
    return WireEvent("review_submission_amended", e.campaign_id, data, subject=f"unit/{e.unit_id}")


def review_assessed(e: Any) -> WireEvent:
    data = _fields(e, "campaign_id", "unit_id", "review", "collective", "staff")
    return WireEvent("review_assessed", e.campaign_id, data, subject=f"unit/{e.unit_id}")


WIRE = WireMap(
    "registry",
    {
        Campaign.Launched: campaign_launched,
        Campaign.Amended: campaign_amended,
        Campaign.Closed: campaign_closed,
        Roster.BlockDefined: block_defined,
        Roster.LeaderDesignated: block_leader_designated,
        Roster.UnitAssigned: unit_assigned,
        Roster.UnitWithdrawn: unit_withdrawn,
        Unit.Registered: unit_registered,
        Unit.Renamed: unit_renamed,
        Registration.Registered: emulation_registered,
        Registration.Amended: registration_amended,
        Campaign.ReviewScheduled: review_scheduled,
        ReviewSubmission.Submitted: review_submitted,
        ReviewSubmission.Amended: review_submission_amended,
        ReviewSubmission.Assessed: review_assessed,
    },
)
