"""Exemplary model contracts (điển hình tiên tiến, plan 5039 content 5), published by the evaluation service.

Phát hiện – Bồi dưỡng – Tổng kết – Nhân rộng: identified, nurtured (a plan, then support actions), summed up,
spread (possibly more than once), or dropped before it spreads. A model spans campaigns: each event's
`campaign_id` is the campaign its stage was recorded in, and `model_id` is unique across campaigns.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shared.events.base import Command, CommandType, Contract, EventType
from shared.events.types import Day, LongText, Name, Slug

SERVICE = "evaluation"


class StageFields(Contract):
    """What every stage event carries: the campaign it was recorded in, the model, its unit (and person) and title."""

    campaign_id: Slug
    model_id: Slug
    unit_id: Slug
    person: Name | None = None
    """The person of the unit the model is, if it is a person's (else the unit itself)."""
    title: Name


class Adopter(Contract):
    """A unit that adopted the model (nhân rộng), and what came of it there."""

    unit_id: Slug
    outcome: LongText


class ExemplaryModelIdentified(StageFields):
    area: Name
    """The field of work (lĩnh vực)."""
    reason: LongText
    """Why it is exemplary."""
    identified_by: Name
    """Who found it (a unit, a leader, the council's standing office)."""


class ExemplaryModelNurtured(StageFields):
    plan: LongText
    """The nurturing plan (kế hoạch bồi dưỡng)."""


class ExemplaryModelSupported(StageFields):
    action: LongText
    """A support action of the plan (training, guidance, resources)."""
    done_on: Day


class ExemplaryModelSummedUp(StageFields):
    results: LongText
    evidence_refs: list[Name] = Field(default_factory=list, max_length=50)
    """References of the evidence (reports, decisions, figures)."""
    assessment: LongText
    """The council's assessment."""


class ExemplaryModelSpread(StageFields):
    adopters: list[Adopter] = Field(min_length=1, max_length=200)


class ExemplaryModelDropped(StageFields):
    reason: LongText
    from_stage: Literal["identified", "nurtured", "summed_up"]
    """The stage the model had reached."""


class IdentifyExemplaryModel(Command):
    """The council records a model found at the grassroots (Phát hiện), in the campaign under way."""

    campaign_id: Slug
    model_id: Slug
    unit_id: Slug
    person: Name | None = None
    area: Name
    title: Name
    reason: LongText
    identified_by: Name


class NurtureExemplaryModel(Command):
    """Take an identified model into nurturing with its plan (Bồi dưỡng)."""

    campaign_id: Slug
    """The campaign the stage is recorded in: the model's earlier one or a later one."""
    model_id: Slug
    plan: LongText


class SupportExemplaryModel(Command):
    """Record one support action given to a nurtured model, with its date (as many as there are)."""

    campaign_id: Slug
    model_id: Slug
    action: LongText
    done_on: Day


class SumUpExemplaryModel(Command):
    """Sum up a nurtured model: its results, the evidence and the council's assessment (Tổng kết)."""

    campaign_id: Slug
    model_id: Slug
    results: LongText
    evidence_refs: list[Name] = Field(default_factory=list, max_length=50)
    assessment: LongText


class SpreadExemplaryModel(Command):
    """Record units that adopted a summed-up model, with their outcomes (Nhân rộng); may be sent again."""

    campaign_id: Slug
    model_id: Slug
    adopters: list[Adopter] = Field(min_length=1, max_length=200)


class DropExemplaryModel(Command):
    """Stop following a model before it spreads, with the reason."""

    campaign_id: Slug
    model_id: Slug
    reason: LongText


EVENTS = [
    EventType("exemplary_model_identified", 1, ExemplaryModelIdentified, SERVICE),
    EventType("exemplary_model_nurtured", 1, ExemplaryModelNurtured, SERVICE),
    EventType("exemplary_model_supported", 1, ExemplaryModelSupported, SERVICE),
    EventType("exemplary_model_summed_up", 1, ExemplaryModelSummedUp, SERVICE),
    EventType("exemplary_model_spread", 1, ExemplaryModelSpread, SERVICE),
    EventType("exemplary_model_dropped", 1, ExemplaryModelDropped, SERVICE),
]
COMMANDS = [
    CommandType("identify_exemplary_model", IdentifyExemplaryModel, SERVICE),
    CommandType("nurture_exemplary_model", NurtureExemplaryModel, SERVICE),
    CommandType("support_exemplary_model", SupportExemplaryModel, SERVICE),
    CommandType("sum_up_exemplary_model", SumUpExemplaryModel, SERVICE),
    CommandType("spread_exemplary_model", SpreadExemplaryModel, SERVICE),
    CommandType("drop_exemplary_model", DropExemplaryModel, SERVICE),
]
