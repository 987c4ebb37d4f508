"""Registry command subscribers: `emulation.cmd.<command>` request/reply, queue group `registry`."""

from __future__ import annotations

import asyncio

from faststream.nats import NatsRouter

from services.registry.application import RegistryApplication
from shared.events.base import Accepted
from shared.events.registry import (
    AmendCampaign,
    AmendEmulationRegistration,
    AssignUnitToBlock,
    CloseCampaign,
    DefineBlock,
    DesignateBlockLeader,
    LaunchCampaign,
    RegisterEmulation,
    RegisterUnit,
    RenameUnit,
    WithdrawUnit,
)
from shared.infra.commands import command_subscriber


def command_router(app: RegistryApplication) -> NatsRouter:
    router = NatsRouter()

    def sub(name: str):  # type: ignore[no-untyped-def]
        return command_subscriber(router, name, "registry")

    @sub("launch_campaign")
    async def launch_campaign(cmd: LaunchCampaign) -> Accepted:
        """Launch a campaign; replies with `campaign_launched`."""
        return await asyncio.to_thread(app.launch_campaign, cmd)

    @sub("amend_campaign")
    async def amend_campaign(cmd: AmendCampaign) -> Accepted:
        """Amend a campaign's details; replies with `campaign_amended`."""
        return await asyncio.to_thread(app.amend_campaign, cmd)

    @sub("close_campaign")
    async def close_campaign(cmd: CloseCampaign) -> Accepted:
        """Close a campaign; replies with `campaign_closed`."""
        return await asyncio.to_thread(app.close_campaign, cmd)

    @sub("define_block")
    async def define_block(cmd: DefineBlock) -> Accepted:
        """Define a block of a campaign; replies with `block_defined`."""
        return await asyncio.to_thread(app.define_block, cmd)

    @sub("designate_block_leader")
    async def designate_block_leader(cmd: DesignateBlockLeader) -> Accepted:
        """Designate a block's leader and deputy; replies with `block_leader_designated`."""
        return await asyncio.to_thread(app.designate_block_leader, cmd)

    @sub("register_unit")
    async def register_unit(cmd: RegisterUnit) -> Accepted:
        """Register a unit; replies with `unit_registered`."""
        return await asyncio.to_thread(app.register_unit, cmd)

    @sub("assign_unit_to_block")
    async def assign_unit_to_block(cmd: AssignUnitToBlock) -> Accepted:
        """Assign (or, with `move`, move) a unit to a block; replies with `unit_assigned_to_block`."""
        return await asyncio.to_thread(app.assign_unit_to_block, cmd)

    @sub("rename_unit")
    async def rename_unit(cmd: RenameUnit) -> Accepted:
        """Rename a unit; replies with `unit_renamed`."""
        return await asyncio.to_thread(app.rename_unit, cmd)

    @sub("withdraw_unit")
    async def withdraw_unit(cmd: WithdrawUnit) -> Accepted:
        """Withdraw a unit from a campaign; replies with `unit_withdrawn`."""
        return await asyncio.to_thread(app.withdraw_unit, cmd)

    @sub("register_emulation")
    async def register_emulation(cmd: RegisterEmulation) -> Accepted:
        """A unit's emulation registration; replies with `emulation_registered` (late-flagged after the deadline)."""
        return await asyncio.to_thread(app.register_emulation, cmd)

    @sub("amend_emulation_registration")
    async def amend_emulation_registration(cmd: AmendEmulationRegistration) -> Accepted:
        """Amend a registration; replies with `emulation_registration_amended`."""
        return await asyncio.to_thread(app.amend_emulation_registration, cmd)

    return router
