"""Unit and block names for a page, read through the blocks route for the same caller.

Names come from the registry's rosters, which the public may not read: a page the public may see (decided
awards) then shows unit ids instead of being refused, so the decision stays the JSON route's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import HTTPException

from services.read_api.access import Principal
from services.read_api.routes import registry
from services.read_api.routes.registry import BlocksDep


@dataclass(frozen=True)
class Names:
    units: dict[str, str] = field(default_factory=dict)
    blocks: dict[str, str] = field(default_factory=dict)
    """Block id → name, in definition order."""

    def unit(self, unit_id: str | None) -> str:
        return "—" if unit_id is None else self.units.get(unit_id, unit_id)

    def block(self, block_id: str) -> str:
        return self.blocks.get(block_id, block_id)


def names(campaign_id: str, p: Principal, blocks: BlocksDep) -> Names:
    """The campaign's unit and block names this caller may read (none for the public)."""
    try:
        rosters = registry.list_blocks(campaign_id, p, blocks)["blocks"]
    except HTTPException:
        return Names()
    units = {m["unit_id"]: m["name"] for b in rosters for m in b["members"] if m.get("name")}
    for b in rosters:  # a leader is a member, but its name may be the only one known
        for who in (b.get("leader"), b.get("deputy")):
            if who and who.get("name"):
                units.setdefault(who["unit_id"], who["name"])
    return Names(units, {b["block_id"]: b["name"] for b in rosters})
