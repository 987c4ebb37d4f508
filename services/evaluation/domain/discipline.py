"""Disciplinary decisions about the people of a unit, as the personnel system reports them, and their annulments.

One aggregate per unit holds every decision and every annulment reported for it, keyed by decision number, so
whether a measure is in force is a function of the set of facts: an annulment that arrives before its decision
still annuls it, and a repeated report records nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from services.evaluation.domain.ids import aggregate_id


@dataclass(frozen=True)
class RecordedMeasure:
    """A disciplinary decision in force: what the award rules name."""

    decision_no: str
    person: str
    measure: str
    decided_on: date


def same_person(a: str, b: str) -> bool:
    """People are named as the personnel system names them: compared without case or surrounding spaces."""
    return a.strip().casefold() == b.strip().casefold()


class UnitDiscipline(Aggregate):
    """The disciplinary decisions and annulments reported for one unit's people."""

    @staticmethod
    def create_id(unit_id: str) -> UUID:
        return aggregate_id("discipline", unit_id)

    @event("Opened")
    def __init__(self, unit_id: str) -> None:
        self.unit_id = unit_id
        self.decisions: dict[str, list[dict[str, Any]]] = {}
        """Decision number → every distinct report of it."""
        self.annulments: dict[str, dict[str, Any]] = {}

    def record(
        self, source: str, source_event_id: str, decision_no: str, person: str, measure: str, decided_on: date
    ) -> bool:
        """Record a decision; one reported again with the same content records nothing (False). A decision number
        reported again with another content (a correction) is recorded too: `current` chooses among them."""
        fact = {"person": person, "measure": measure, "decided_on": decided_on}
        if any({k: r[k] for k in fact} == fact for r in self.decisions.get(decision_no, [])):
            return False
        self._recorded(source=source, source_event_id=source_event_id, decision_no=decision_no,
                       unit_id=self.unit_id, person=person, measure=measure, decided_on=decided_on)  # fmt: skip
        return True

    @event("Recorded")
    def _recorded(
        self,
        source: str,
        source_event_id: str,
        decision_no: str,
        unit_id: str,
        person: str,
        measure: str,
        decided_on: date,
    ) -> None:
        report = {"source_event_id": source_event_id, "person": person, "measure": measure, "decided_on": decided_on}
        self.decisions.setdefault(decision_no, []).append(report)

    @staticmethod
    def current(reports: list[dict[str, Any]]) -> dict[str, Any]:
        """The report of a decision that counts: the latest `decided_on`, ties by the larger source event id,
        whatever order the reports arrived in."""
        return max(reports, key=lambda r: (r["decided_on"], r["source_event_id"]))

    def annul(self, source: str, source_event_id: str, decision_no: str, annulled_on: date, reason: str | None) -> bool:
        """Record the annulment of a decision (known yet or not); a repeated one records nothing (False)."""
        if decision_no in self.annulments:
            return False
        self._annulled(source=source, source_event_id=source_event_id, decision_no=decision_no,
                       unit_id=self.unit_id, annulled_on=annulled_on, reason=reason)  # fmt: skip
        return True

    @event("Annulled")
    def _annulled(
        self, source: str, source_event_id: str, decision_no: str, unit_id: str, annulled_on: date, reason: str | None
    ) -> None:
        self.annulments[decision_no] = {"annulled_on": annulled_on, "reason": reason}

    def in_force(self, year: int, person: str | None = None) -> list[RecordedMeasure]:
        """Decisions not annulled, taken in `year` (the campaign's year), about `person` (or anyone of the unit
        when None: a collective award), in decision-number order."""
        current = {no: self.current(reports) for no, reports in sorted(self.decisions.items())}
        return [
            RecordedMeasure(no, d["person"], d["measure"], d["decided_on"])
            for no, d in current.items()
            if no not in self.annulments
            and d["decided_on"].year == year
            and (person is None or same_person(person, d["person"]))
        ]
