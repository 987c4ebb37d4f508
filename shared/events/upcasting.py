"""Upcasters: when an event type gains a version, older messages still on the stream are read as the newest.

Consumers (and so replay) see only the newest version of each type; each step is a pure function
of the older payload, registered under (event name, version it upgrades from).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


def vote_round_closed_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v2 names the winner: the candidate with most votes when the round elected one, else null."""
    winner = None
    if data.get("outcome") == "elected" and data.get("tally"):
        winner = max(sorted(data["tally"]), key=lambda unit: data["tally"][unit])
    return {**data, "winner": winner}


UPCASTERS: dict[tuple[str, int], Upcaster] = {
    ("vote_round_closed", 1): vote_round_closed_v1_to_v2,
}


def upcast(name: str, version: int, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Apply every registered step from `version` on; returns the version reached and its payload."""
    while (step := UPCASTERS.get((name, version))) is not None:
        data = step(data)
        version += 1
    return version, data
