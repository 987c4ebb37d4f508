"""The shape of every named rule: its result and a reason a council member or an operator can read."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuleResult:
    rule: str
    passed: bool
    reason: str

    def to_dict(self) -> dict[str, object]:
        return {"rule": self.rule, "passed": self.passed, "reason": self.reason}


SYSTEM_PREFIX = "system:"
"""`system:<name>`: a city system acting in its own name. Which systems may use such an actor, and which
commands each may send at all, is decided by their NATS grants (`security.json`), before any rule runs."""


def is_city_system(actor: str) -> bool:
    return actor.startswith(SYSTEM_PREFIX) and len(actor) > len(SYSTEM_PREFIX)


COUNCIL = "council"
"""Actors `council`, `council:<member>` speak for the emulation and commendation council."""


def is_council(actor: str) -> bool:
    return actor == COUNCIL or (actor.startswith(COUNCIL + ":") and len(actor) > len(COUNCIL) + 1)
