"""The evaluation's copy of the registry facts (campaigns, blocks, leaders, members, staff counts).

The application validates commands against it (`Facts` in services/evaluation/application.py), eventually
consistent with the registry as any read model; the standings read its `members` table.
"""

from __future__ import annotations

from shared.projections.registry_facts import RegistryFacts


class ReferenceView(RegistryFacts):
    name = "evaluation-reference"
    remembers = True  # commands naming registry events in `after` wait until they are here
