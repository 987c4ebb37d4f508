"""Registry rules as plain functions with their parameters passed in (each has passing and failing tests).

Checks of a command's content raise their domain error; who may act is decided, as in the evaluation, by
named rules returning their result and a reason (`RuleResult`), refused with `not_allowed` (field `actor`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, datetime, timedelta, timezone

from services.registry.domain.errors import DateOutOfPeriod, DuplicateContent, InvalidPeriod
from shared.domain.rules import RuleResult, is_city_system

DEPARTMENT_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
"""Deadlines are calendar days in Ho Chi Minh City (UTC+7, no daylight saving)."""


def check_dates(start: date, end: date, deadline: date) -> None:
    """The period runs forward and the registration deadline falls within it."""
    if start > end:
        raise InvalidPeriod("the period must start before it ends", "period_end")
    if not start <= deadline <= end:
        raise DateOutOfPeriod("the registration deadline must fall within the campaign period", "registration_deadline")


def check_contents(numbers: Iterable[int]) -> None:
    """The numbered contents of a plan have distinct numbers."""
    seen = list(numbers)
    if len(seen) != len(set(seen)):
        raise DuplicateContent("content numbers must be unique", "contents")


def is_late(at: datetime, deadline: date, tz: timezone = DEPARTMENT_TZ) -> bool:
    """Recorded after the end of the deadline day in `tz`. Late is flagged, never refused."""
    return at.astimezone(tz).date() > deadline


# ---- who may act --------------------------------------------------------------------------------


def administers_campaign(actor: str, campaign_id: str, secretariat_unit_id: str) -> RuleResult:
    """The campaign's secretariat (or a city system) amends and closes it, defines its blocks and their leaders,
    and assigns and withdraws its units."""
    ok = actor == secretariat_unit_id or is_city_system(actor)
    verdict = "administers" if ok else "does not administer"
    return RuleResult(
        "administers-campaign",
        ok,
        f"{actor} {verdict} campaign {campaign_id!r} (its secretariat: {secretariat_unit_id})",
    )


def department_office(actor: str, offices: Collection[str]) -> RuleResult:
    """A Department Office (the secretariat of a campaign) or a city system keeps the Department's list of units."""
    ok = actor in offices or is_city_system(actor)
    verdict = "is" if ok else "is not"
    return RuleResult("department-office", ok, f"{actor} {verdict} the Department Office or a city system")


def launches_campaign(actor: str, secretariat_unit_id: str, offices: Collection[str]) -> RuleResult:
    """A Department Office or a city system launches a campaign. A department with no Office yet (its first
    campaign) is launched by the secretariat it names, which thereby becomes the Office."""
    if not offices and actor == secretariat_unit_id:
        return RuleResult(
            "launches-campaign", True, f"{actor} launches the Department's first campaign as its secretariat"
        )
    office = department_office(actor, offices)
    verdict = "may" if office.passed else "may not"
    return RuleResult("launches-campaign", office.passed, f"{actor} {verdict} launch a campaign: {office.reason}")


def acts_for_unit(actor: str, unit_id: str, secretariat_unit_id: str) -> RuleResult:
    """A unit registers (and amends) its own emulation pledge; the campaign's secretariat or a city system may too."""
    ok = actor in (unit_id, secretariat_unit_id) or is_city_system(actor)
    verdict = "may" if ok else "may not"
    return RuleResult("acts-for-unit", ok, f"{actor} {verdict} act for unit {unit_id} in this campaign")


def renames_unit(actor: str, unit_id: str, offices: Collection[str]) -> RuleResult:
    """A unit renames itself; a Department Office or a city system may rename any unit."""
    ok = actor == unit_id or department_office(actor, offices).passed
    verdict = "may" if ok else "may not"
    return RuleResult("renames-unit", ok, f"{actor} {verdict} rename unit {unit_id}")
