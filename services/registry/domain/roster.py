"""The blocks of one campaign (khối thi đua), their members and their leader and deputy.

One aggregate per campaign so that "a unit is in exactly one block of a campaign" is checked
against a consistent whole: two concurrent assignments of one unit collide and are retried.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from services.registry.domain.errors import (
    BlockExists,
    BlockNotFound,
    LeaderIsDeputy,
    UnitAlreadyInBlock,
    UnitIsBlockLeader,
    UnitNotInBlock,
    UnitNotInCampaign,
)
from services.registry.domain.ids import aggregate_id


class Roster(Aggregate):
    @staticmethod
    def create_id(campaign_id: str) -> UUID:
        return aggregate_id("roster", campaign_id)

    @event("Started")
    def __init__(self, campaign_id: str) -> None:
        """Internal: the roster exists once the campaign's first block is defined."""
        self.campaign_id = campaign_id
        self.blocks: dict[str, dict[str, Any]] = {}
        self.members: dict[str, str] = {}
        """unit id → block id."""

    # ---- blocks ------------------------------------------------------------------------------------

    def define_block(self, block_id: str, name: str) -> None:
        if block_id in self.blocks:
            raise BlockExists(f"block {block_id!r} already exists in campaign {self.campaign_id!r}", "block_id")
        self._block_defined(campaign_id=self.campaign_id, block_id=block_id, name=name)

    @event("BlockDefined")
    def _block_defined(self, campaign_id: str, block_id: str, name: str) -> None:
        self.blocks[block_id] = {"name": name, "leader": None, "deputy": None}

    def block(self, block_id: str) -> dict[str, Any]:
        if block_id not in self.blocks:
            raise BlockNotFound(f"no block {block_id!r} in campaign {self.campaign_id!r}", "block_id")
        return self.blocks[block_id]

    def designate_leader(self, block_id: str, leader_unit_id: str, deputy_unit_id: str | None) -> None:
        """Leader and deputy rotate yearly; both must be members of the block, and different units."""
        self.block(block_id)
        for field, unit_id in (("leader_unit_id", leader_unit_id), ("deputy_unit_id", deputy_unit_id)):
            if unit_id is not None and self.members.get(unit_id) != block_id:
                raise UnitNotInBlock(f"unit {unit_id!r} is not a member of block {block_id!r}", field)
        if leader_unit_id == deputy_unit_id:
            raise LeaderIsDeputy("the leader and the deputy must be different units", "deputy_unit_id")
        self._leader_designated(
            campaign_id=self.campaign_id,
            block_id=block_id,
            leader_unit_id=leader_unit_id,
            deputy_unit_id=deputy_unit_id,
        )

    @event("LeaderDesignated")
    def _leader_designated(
        self, campaign_id: str, block_id: str, leader_unit_id: str, deputy_unit_id: str | None
    ) -> None:
        self.blocks[block_id]["leader"] = leader_unit_id
        self.blocks[block_id]["deputy"] = deputy_unit_id

    # ---- membership --------------------------------------------------------------------------------

    def _check_may_leave(self, unit_id: str) -> None:
        block_id = self.members[unit_id]
        block = self.blocks[block_id]
        if unit_id in (block["leader"], block["deputy"]):
            raise UnitIsBlockLeader(
                f"unit {unit_id!r} leads block {block_id!r}; designate another leader or deputy first", "unit_id"
            )

    def assign(self, unit_id: str, block_id: str, move: bool) -> None:
        """Put a unit in a block. A unit in another block moves only when `move` is set (never two blocks)."""
        self.block(block_id)
        current = self.members.get(unit_id)
        if current == block_id:
            raise UnitAlreadyInBlock(f"unit {unit_id!r} is already in block {block_id!r}", "block_id")
        if current is not None:
            if not move:
                raise UnitAlreadyInBlock(
                    f"unit {unit_id!r} is already in block {current!r} of this campaign; send move=true to move it",
                    "unit_id",
                )
            self._check_may_leave(unit_id)
        self._assigned(campaign_id=self.campaign_id, block_id=block_id, unit_id=unit_id, previous_block_id=current)

    @event("UnitAssigned")
    def _assigned(self, campaign_id: str, block_id: str, unit_id: str, previous_block_id: str | None) -> None:
        self.members[unit_id] = block_id

    def check_member(self, unit_id: str) -> str:
        """The unit's block, or `unit_not_in_campaign`."""
        if unit_id not in self.members:
            raise UnitNotInCampaign(f"unit {unit_id!r} is in no block of campaign {self.campaign_id!r}", "unit_id")
        return self.members[unit_id]

    def withdraw(self, unit_id: str, reason: str | None) -> None:
        block_id = self.check_member(unit_id)
        self._check_may_leave(unit_id)
        self._withdrawn(campaign_id=self.campaign_id, unit_id=unit_id, block_id=block_id, reason=reason)

    @event("UnitWithdrawn")
    def _withdrawn(self, campaign_id: str, unit_id: str, block_id: str, reason: str | None) -> None:
        del self.members[unit_id]
