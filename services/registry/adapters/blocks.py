"""The registry's copy of the registry facts: campaigns, blocks with leader, deputy and members (`rosters`), units."""

from __future__ import annotations

from shared.projections.registry_facts import RegistryFacts


class BlocksView(RegistryFacts):
    name = "registry-blocks"
