"""An exemplary model (điển hình tiên tiến) through the four stages of plan 5039's content 5:
Phát hiện – Bồi dưỡng – Tổng kết – Nhân rộng (identified, nurtured, summed up, spread), or dropped before it spreads.

A model lives across the campaigns of the 2021–2025 period, so its id is not a campaign's: each stage is recorded
in the campaign it happens in (the command names it), never in a campaign that started before the one of the
model's previous stage. Support actions are recorded while it is nurtured; it may be spread more than once.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from services.evaluation.domain.errors import CampaignOutOfOrder, DuplicateAdopter, StageOutOfOrder
from services.evaluation.domain.ids import aggregate_id

IDENTIFIED, NURTURED, SUMMED_UP, SPREAD, DROPPED = "identified", "nurtured", "summed_up", "spread", "dropped"
STAGES = (IDENTIFIED, NURTURED, SUMMED_UP, SPREAD)
"""The four stages in their order; `dropped` ends a model at any stage before `spread`."""
SUPPORTED = "supported"
"""A support action recorded while the model is nurtured (its stage stays `nurtured`)."""
ALLOWED_FROM: dict[str, tuple[tuple[str, ...], str]] = {
    NURTURED: ((IDENTIFIED,), "only an identified model is taken into nurturing"),
    SUPPORTED: ((NURTURED,), "support actions are recorded while the model is nurtured"),
    SUMMED_UP: ((NURTURED,), "a model is summed up once nurtured, and only once"),
    SPREAD: ((SUMMED_UP, SPREAD), "a model is spread only once it is summed up"),
    DROPPED: ((IDENTIFIED, NURTURED, SUMMED_UP), "a model is dropped only before it is spread"),
}
"""Each step: the stages it may follow, and the rule a refusal cites."""


class ExemplaryModel(Aggregate):
    """One exemplary model of a unit (or of a person of it): its stage and the campaign of its last stage."""

    @staticmethod
    def create_id(model_id: str) -> UUID:
        return aggregate_id("exemplary-model", model_id)

    @classmethod
    def identify(cls, campaign_start: str, **details: Any) -> ExemplaryModel:
        return cls(**details, campaign_start=campaign_start)

    @event("Identified")
    def __init__(
        self,
        campaign_id: str,
        model_id: str,
        unit_id: str,
        person: str | None,
        area: str,
        title: str,
        reason: str,
        identified_by: str,
        campaign_start: str,
    ) -> None:
        self.model_id = model_id
        self.unit_id = unit_id
        self.person = person
        self.title = title
        self.stage = IDENTIFIED
        self.campaign_id = campaign_id
        self.campaign_start = campaign_start
        self.support_actions = 0

    def _check(self, step: str, campaign_id: str, campaign_start: str) -> dict[str, Any]:
        """Refuse a step out of order (naming the current stage) or in a campaign earlier than the last stage's;
        returns the fields every stage event carries."""
        allowed, rule = ALLOWED_FROM[step]
        if self.stage not in allowed:
            message = f"exemplary model {self.model_id!r} is {self.stage.replace('_', ' ')}: {rule}"
            raise StageOutOfOrder(message, "model_id")
        if campaign_start < self.campaign_start:
            message = (
                f"campaign {campaign_id!r} starts before campaign {self.campaign_id!r}, where the model's last stage "
                "was recorded: a stage is recorded in the same campaign or a later one"
            )
            raise CampaignOutOfOrder(message, "campaign_id")
        return {"campaign_id": campaign_id, "model_id": self.model_id, "unit_id": self.unit_id, "person": self.person,
                "title": self.title, "campaign_start": campaign_start}  # fmt: skip

    def nurture(self, campaign_id: str, campaign_start: str, plan: str) -> None:
        self._nurtured(**self._check(NURTURED, campaign_id, campaign_start), plan=plan)

    def support(self, campaign_id: str, campaign_start: str, action: str, done_on: date) -> None:
        self._supported(**self._check(SUPPORTED, campaign_id, campaign_start), action=action, done_on=done_on)

    def sum_up(
        self, campaign_id: str, campaign_start: str, results: str, evidence_refs: list[str], assessment: str
    ) -> None:
        common = self._check(SUMMED_UP, campaign_id, campaign_start)
        self._summed_up(**common, results=results, evidence_refs=evidence_refs, assessment=assessment)

    def spread(self, campaign_id: str, campaign_start: str, adopters: list[dict[str, Any]]) -> None:
        """Units that adopted the model, each with its outcome; recorded as often as the model spreads further."""
        common = self._check(SPREAD, campaign_id, campaign_start)
        units = [a["unit_id"] for a in adopters]
        if twice := sorted({u for u in units if units.count(u) > 1}):
            raise DuplicateAdopter(f"{', '.join(twice)} listed more than once", "adopters")
        self._spread(**common, adopters=adopters)

    def drop(self, campaign_id: str, campaign_start: str, reason: str) -> None:
        self._dropped(**self._check(DROPPED, campaign_id, campaign_start), reason=reason, from_stage=self.stage)

    def _moved(self, stage: str, campaign_id: str, campaign_start: str) -> None:
        self.stage = stage
        self.campaign_id = campaign_id
        self.campaign_start = campaign_start

    @event("Nurtured")
    def _nurtured(
        self,
        campaign_id: str,
        model_id: str,
        unit_id: str,
        person: str | None,
        title: str,
        campaign_start: str,
        plan: str,
    ) -> None:
        self._moved(NURTURED, campaign_id, campaign_start)

    @event("Supported")
    def _supported(
        self,
        campaign_id: str,
        model_id: str,
        unit_id: str,
        person: str | None,
        title: str,
        campaign_start: str,
        action: str,
        done_on: date,
    ) -> None:
        self._moved(NURTURED, campaign_id, campaign_start)
        self.support_actions += 1

    @event("SummedUp")
    def _summed_up(
        self,
        campaign_id: str,
        model_id: str,
        unit_id: str,
        person: str | None,
        title: str,
        campaign_start: str,
        results: str,
        evidence_refs: list[str],
        assessment: str,
    ) -> None:
        self._moved(SUMMED_UP, campaign_id, campaign_start)

    @event("Spread")
    def _spread(
        self,
        campaign_id: str,
        model_id: str,
        unit_id: str,
        person: str | None,
        title: str,
        campaign_start: str,
        adopters: list[dict[str, Any]],
    ) -> None:
        self._moved(SPREAD, campaign_id, campaign_start)

    @event("Dropped")
    def _dropped(
        self,
        campaign_id: str,
        model_id: str,
        unit_id: str,
        person: str | None,
        title: str,
        campaign_start: str,
        reason: str,
        from_stage: str,
    ) -> None:
        self._moved(DROPPED, campaign_id, campaign_start)
