"""A unit of the Department (phòng chuyên môn or đơn vị trực thuộc). It exists across campaigns."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from services.registry.domain.errors import NoChanges
from services.registry.domain.ids import aggregate_id


class Unit(Aggregate):
    @staticmethod
    def create_id(unit_id: str) -> UUID:
        return aggregate_id("unit", unit_id)

    @event("Registered")
    def __init__(self, unit_id: str, name: str, kind: str, head: str | None, email: str | None) -> None:
        self.unit_id = unit_id
        self.name = name
        self.kind = kind
        self.head = head
        self.email = email

    def rename(self, name: str) -> None:
        if name == self.name:
            raise NoChanges(f"unit {self.unit_id!r} is already named {name!r}", "name")
        self._renamed(unit_id=self.unit_id, name=name, previous_name=self.name)

    @event("Renamed")
    def _renamed(self, unit_id: str, name: str, previous_name: str) -> None:
        self.name = name
