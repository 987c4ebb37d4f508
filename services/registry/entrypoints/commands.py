"""Registry command subscribers: `emulation.cmd.<command>` request/reply, queue group `registry`."""

from __future__ import annotations

import asyncio

from faststream.nats import NatsRouter

from services.registry.application import RegistryApplication
from shared.events.base import Accepted
from shared.events.envelope import command_subject
from shared.events.registry import LaunchCampaign


def command_router(app: RegistryApplication) -> NatsRouter:
    router = NatsRouter()

    @router.subscriber(command_subject("launch_campaign"), queue="registry", title="launch_campaign")
    async def launch_campaign(cmd: LaunchCampaign) -> Accepted:
        """Launch a campaign; replies with the `campaign_launched` event."""
        return await asyncio.to_thread(app.launch_campaign, cmd)

    return router
