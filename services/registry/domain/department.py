"""The Department itself: which of its units act as its Office (Văn phòng Sở).

A unit becomes a Department Office when a campaign names it its secretariat (`secretariat_unit_id`),
by a launch or an amendment that the rules allowed. The Office launches campaigns and keeps the
Department's list of units; one aggregate for the whole Department, so "is this unit the Office?"
is one read, and a department with no Office yet (no campaign ever launched) is known as such.
Internal: its events never leave the registry.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from services.registry.domain.ids import aggregate_id


class Department(Aggregate):
    @staticmethod
    def create_id() -> UUID:
        return aggregate_id("department")

    @event("Founded")
    def __init__(self, offices: list[str]) -> None:
        self.offices = list(offices)

    def name_office(self, unit_id: str) -> None:
        """Record a campaign's secretariat as a Department Office (nothing if it already is one)."""
        if unit_id not in self.offices:
            self._office_named(unit_id=unit_id)

    @event("OfficeNamed")
    def _office_named(self, unit_id: str) -> None:
        self.offices.append(unit_id)
