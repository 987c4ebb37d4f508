"""Registry rules as plain functions with their parameters passed in (each has passing and failing tests).

Checks of a command's content raise their domain error; who may act is decided, as in the evaluation, by
named rules returning their result and a reason (`RuleResult`), refused with `not_allowed` (field `actor`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any

from services.registry.domain.errors import (
    DateOutOfPeriod,
    DuplicateContent,
    DuplicatePerson,
    InvalidPeriod,
    PersonMissing,
    PersonNotRegistered,
    ReviewDatesOutOfOrder,
    StatusNotAllowed,
    TargetMismatch,
)
from shared.domain.rules import RuleResult, is_city_system, is_council

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


def days_late(at: datetime, deadline: date, tz: timezone = DEPARTMENT_TZ) -> int:
    """Whole calendar days in `tz` between the deadline day and the day `at` falls on (0 when on time)."""
    return max(0, (at.astimezone(tz).date() - deadline).days)


# ---- reviews (sơ kết, tổng kết) -------------------------------------------------------------------

REVIEW_NAMES = {"mid_year": "the mid-year review", "year_end": "the year-end review"}
YEAR_END_PROGRESS = ("completed", "not_completed")
"""At the year-end review a target is completed or not; `on_track` is for the mid-year review."""


def check_review_due(review: str, due_on: date, period_start: date, period_end: date, due: Mapping[str, date]) -> None:
    """A review falls on or after the period's start; the mid-year review within the period and before the year-end
    one (`due`: the campaign's reviews already scheduled). The year-end review may fall after the period ends: a
    year is summed up once it is over."""
    if due_on < period_start:
        raise ReviewDatesOutOfOrder(f"{REVIEW_NAMES[review]} cannot fall before the period starts", "due_on")
    if review == "mid_year" and due_on > period_end:
        raise ReviewDatesOutOfOrder("the mid-year review must fall within the campaign period", "due_on")
    mid, end = (due_on, due.get("year_end")) if review == "mid_year" else (due.get("mid_year"), due_on)
    if mid is not None and end is not None and mid >= end:
        raise ReviewDatesOutOfOrder("the mid-year review must fall before the year-end review", "due_on")


def _check_people(people: Sequence[Mapping[str, Any]], expected: Sequence[str], field: str, whose: str) -> None:
    """`people` names each of `expected` exactly as often as it is there: no stranger, no repeat, nobody left out."""
    left = Counter(expected)
    for i, p in enumerate(people):
        name = p["person"]
        if name not in left:
            raise PersonNotRegistered(f"{name} is not in {whose}", f"{field}.{i}.person")
        if left[name] == 0:
            raise DuplicatePerson(f"{name} is named more often than in {whose}", f"{field}.{i}.person")
        left[name] -= 1
    missing = sorted(n for n, count in left.items() if count)
    if missing:
        raise PersonMissing(f"{', '.join(missing)} of {whose} left out", field)


def check_self_assessment(
    review: str,
    collective: Mapping[str, Any],
    staff: Sequence[Mapping[str, Any]],
    registered_target: str,
    registered_staff: Sequence[Mapping[str, Any]],
) -> None:
    """A self-assessment covers the unit's registration: its collective target and every registered person with the
    title registered for; at the year-end review each status is completed or not."""
    allowed = YEAR_END_PROGRESS if review == "year_end" else ("on_track", *YEAR_END_PROGRESS)
    if collective["target"] != registered_target:
        raise TargetMismatch(
            f"the unit registered for {registered_target}, not {collective['target']}", "collective.target"
        )
    if collective["status"] not in allowed:
        raise StatusNotAllowed(f"{REVIEW_NAMES[review]} takes {' or '.join(allowed)}", "collective.status")
    _check_people(staff, [p["person"] for p in registered_staff], "staff", "the unit's registration")
    titles: dict[str, set[str]] = {}
    for p in registered_staff:
        titles.setdefault(p["person"], set()).add(p["target_title"])
    for i, p in enumerate(staff):
        if p["target_title"] not in titles[p["person"]]:
            registered = ", ".join(sorted(titles[p["person"]]))
            raise TargetMismatch(f"{p['person']} registered for {registered}", f"staff.{i}.target_title")
        if p["status"] not in allowed:
            raise StatusNotAllowed(f"{REVIEW_NAMES[review]} takes {' or '.join(allowed)}", f"staff.{i}.status")


def check_council_review(staff: Sequence[Mapping[str, Any]], submitted_staff: Sequence[Mapping[str, Any]]) -> None:
    """The council reviews every person of the unit's submission, each once."""
    _check_people(staff, [p["person"] for p in submitted_staff], "staff", "the unit's submission")


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


def reviews_for_council(actor: str, campaign_id: str, secretariat_unit_id: str) -> RuleResult:
    """The council (`council`, `council:<member>`), the campaign's secretariat or a city system records the council's
    review of a unit's submission."""
    ok = is_council(actor) or actor == secretariat_unit_id or is_city_system(actor)
    verdict = "may" if ok else "may not"
    return RuleResult(
        "reviews-for-council", ok, f"{actor} {verdict} record the council's reviews of campaign {campaign_id!r}"
    )


def renames_unit(actor: str, unit_id: str, offices: Collection[str]) -> RuleResult:
    """A unit renames itself; a Department Office or a city system may rename any unit."""
    ok = actor == unit_id or department_office(actor, offices).passed
    verdict = "may" if ok else "may not"
    return RuleResult("renames-unit", ok, f"{actor} {verdict} rename unit {unit_id}")
