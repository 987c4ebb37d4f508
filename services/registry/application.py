"""Registry use cases: one method per command; each loads, calls one domain method and saves."""

from __future__ import annotations

from services.registry.domain.campaign import Campaign
from services.registry.domain.errors import CampaignExists
from shared.events.base import Accepted
from shared.events.registry import LaunchCampaign
from shared.infra.application import ServiceApplication


class RegistryApplication(ServiceApplication):
    name = "registry"

    def launch_campaign(self, cmd: LaunchCampaign) -> Accepted:
        def decide() -> list[Campaign]:
            if self.exists(Campaign.create_id(cmd.campaign_id)):
                raise CampaignExists(f"campaign {cmd.campaign_id!r} already exists", "campaign_id")
            details = cmd.model_dump(exclude={"command_id", "actor", "correlation_id"})
            return [Campaign.launch(**details)]

        return self.execute(cmd, "launch_campaign", decide)
