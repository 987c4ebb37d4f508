"""Registry rules as plain functions with their parameters passed in (each has passing and failing tests)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone

from services.registry.domain.errors import DateOutOfPeriod, DuplicateContent, InvalidPeriod

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
