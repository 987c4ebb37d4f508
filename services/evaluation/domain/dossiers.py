"""One-stop dossiers of a unit, as the one-stop system reports them resolved: the facts of the dossier criterion.

Each dossier is an aggregate of its own (many thousands a year; none is ever read with another), recording
every distinct resolution reported for it. Which resolution counts, which campaign it falls in and whether it
is late are derived from the set of resolutions (`counted`, `resolved_on`), never from their arrival order:
a late or out-of-order message gives the same figures.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from services.evaluation.domain.ids import aggregate_id

DEPARTMENT_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
"""A dossier belongs to the campaign whose period holds the day it was resolved, in the department's time
(UTC+7, no daylight saving)."""


def resolved_on(resolved_at: datetime) -> date:
    return resolved_at.astimezone(DEPARTMENT_TZ).date()


def is_late(due_at: datetime, resolved_at: datetime) -> bool:
    """Resolved after its appointment (ngày hẹn trả)."""
    return resolved_at > due_at


def counted(resolutions: list[dict[str, Any]]) -> dict[str, Any]:
    """The resolution that counts for a dossier reported resolved more than once (reopened, corrected): the
    latest `resolved_at`, ties broken by the larger source event id, whatever order they arrived in."""
    return max(resolutions, key=lambda r: (r["resolved_at"], r["source_event_id"]))


class Dossier(Aggregate):
    """A dossier of the one-stop system and each distinct resolution reported for it."""

    @staticmethod
    def create_id(source: str, dossier_id: str) -> UUID:
        return aggregate_id("dossier", source, dossier_id)

    @classmethod
    def open(cls, source: str, dossier_id: str) -> Dossier:
        return cls(source=source, dossier_id=dossier_id)

    @event("Opened")
    def __init__(self, source: str, dossier_id: str) -> None:
        self.source = source
        self.dossier_id = dossier_id
        self.resolutions: list[dict[str, Any]] = []

    def resolve(
        self,
        source_event_id: str,
        unit_id: str,
        procedure_code: str,
        received_at: datetime,
        due_at: datetime,
        resolved_at: datetime,
    ) -> bool:
        """Record a reported resolution; one already recorded with the same content records nothing (False)."""
        same = (unit_id, procedure_code, received_at, due_at, resolved_at)
        if any(
            (r["unit_id"], r["procedure_code"], r["received_at"], r["due_at"], r["resolved_at"]) == same
            for r in self.resolutions
        ):
            return False
        self._resolved(
            source=self.source,
            source_event_id=source_event_id,
            dossier_id=self.dossier_id,
            unit_id=unit_id,
            procedure_code=procedure_code,
            received_at=received_at,
            due_at=due_at,
            resolved_at=resolved_at,
            late=is_late(due_at, resolved_at),
        )
        return True

    @event("Resolved")
    def _resolved(
        self,
        source: str,
        source_event_id: str,
        dossier_id: str,
        unit_id: str,
        procedure_code: str,
        received_at: datetime,
        due_at: datetime,
        resolved_at: datetime,
        late: bool,
    ) -> None:
        self.resolutions.append(
            {
                "source_event_id": source_event_id,
                "unit_id": unit_id,
                "procedure_code": procedure_code,
                "received_at": received_at,
                "due_at": due_at,
                "resolved_at": resolved_at,
                "late": late,
            }
        )
