"""Exemplary models as the council follows them: each model's history, and each campaign's funnel of stages.

One row per stage event (`exemplary_model_*`), kept with the campaign it was recorded in and its time, so a
model's stage, a campaign's funnel and `as_of` are all derived when read: a model's stage is its latest step
recorded by then (a support action leaves it nurtured). A campaign's models are those with any stage recorded
in it; each counts at the stage it has reached overall, in whichever campaign.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from services.evaluation.adapters.dossiers import END_OF_TIME, moment
from services.evaluation.domain.exemplary import DROPPED, SPREAD, STAGES, SUPPORTED
from shared.events.envelope import CloudEvent
from shared.infra.views import Handler, View, dumps

PREFIX = "exemplary_model_"
STEPS = (*STAGES, SUPPORTED, DROPPED)
COMMON = ("campaign_id", "model_id", "unit_id", "person", "title")


class ExemplaryModelsView(View):
    name = "exemplary-models"
    ddl = (
        "CREATE TABLE IF NOT EXISTS {exemplary_models} (model_id TEXT PRIMARY KEY, unit_id TEXT NOT NULL, "
        "person TEXT, area TEXT NOT NULL, title TEXT NOT NULL, reason TEXT NOT NULL, identified_by TEXT NOT NULL, "
        "identified_in TEXT NOT NULL, identified_at TEXT NOT NULL, seq BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS {exemplary_model_steps} (event_id TEXT PRIMARY KEY, model_id TEXT NOT NULL, "
        "campaign_id TEXT NOT NULL, step TEXT NOT NULL, details TEXT NOT NULL, recorded_by TEXT NOT NULL, "
        "recorded_at TEXT NOT NULL, seq BIGINT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS exemplary_steps_by_campaign ON {exemplary_model_steps} (campaign_id, model_id)",
        "CREATE INDEX IF NOT EXISTS exemplary_steps_by_model ON {exemplary_model_steps} (model_id, seq)",
    )

    def handlers(self) -> dict[str, Handler]:
        handlers: dict[str, Handler] = {PREFIX + step: self.on_step for step in STEPS}
        handlers[PREFIX + "identified"] = self.on_identified
        return handlers

    def on_identified(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(
            c,
            "INSERT INTO {exemplary_models} (model_id, unit_id, person, area, title, reason, identified_by, "
            "identified_in, identified_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (model_id) DO NOTHING",
            (
                d["model_id"],
                d["unit_id"],
                d.get("person"),
                d["area"],
                d["title"],
                d["reason"],
                d["identified_by"],
                d["campaign_id"],
                moment(e.time),
                seq,
            ),
            key=d["model_id"],
        )
        self.on_step(c, e, seq)

    def on_step(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        details = {k: v for k, v in d.items() if k not in COMMON}
        self.execute(
            c,
            "INSERT INTO {exemplary_model_steps} (event_id, model_id, campaign_id, step, details, recorded_by, "
            "recorded_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING",
            (
                e.id,
                d["model_id"],
                d["campaign_id"],
                e.event_name.removeprefix(PREFIX),
                dumps(details),
                e.actor,
                moment(e.time),
                seq,
            ),
            key=e.id,
        )

    def model(self, model_id: str, as_of: str | None = None) -> dict[str, Any] | None:
        """A model with its stage and every step recorded by `as_of` (None: now), oldest first (`history`)."""
        found = self.models("model_id = ?", (model_id,), as_of, history=True)
        return found[0] if found else None

    def campaign_models(self, campaign_id: str, as_of: str | None = None) -> list[dict[str, Any]]:
        """The models with any stage recorded in the campaign by `as_of`, each at the stage it has reached (without
        its history: `model` gives that)."""
        which = "model_id IN (SELECT model_id FROM {exemplary_model_steps} WHERE campaign_id = ? AND recorded_at <= ?)"
        return self.models(which, (campaign_id, until(as_of)), as_of, history=False)

    def models(self, which: str, params: tuple[str, ...], as_of: str | None, history: bool) -> list[dict[str, Any]]:
        """The models `which` (an SQL condition on `model_id`) as they were at `as_of`."""
        head = self.query(
            "SELECT model_id, unit_id, person, area, title, reason, identified_by, identified_in, identified_at "
            f"FROM {{exemplary_models}} WHERE {which} AND identified_at <= ? ORDER BY model_id",
            (*params, until(as_of)),
        )
        steps = self.query(
            "SELECT model_id, campaign_id, step, details, recorded_by, recorded_at FROM {exemplary_model_steps} "
            f"WHERE {which} AND recorded_at <= ? ORDER BY seq",
            (*params, until(as_of)),
        )
        by_model: dict[str, list[dict[str, Any]]] = {}
        for step in steps:
            if history or step["step"] == SPREAD:  # the details a summary needs: the adopters
                step["details"] = json.loads(step["details"])
            by_model.setdefault(step.pop("model_id"), []).append(step)
        found = [followed(m, by_model.get(m["model_id"], [])) for m in head]
        return found if history else [{k: v for k, v in m.items() if k != "history"} for m in found]


def until(as_of: str | None) -> str:
    return moment(as_of) if as_of else END_OF_TIME


def followed(head: dict[str, Any], history: list[dict[str, Any]]) -> dict[str, Any]:
    """A model's row with what its history gives: stage, the campaign of each stage, support actions, adopters."""
    stages = [h for h in history if h["step"] != SUPPORTED]
    adopters = [a for h in history if h["step"] == SPREAD for a in h["details"]["adopters"]]
    return head | {
        "stage": stages[-1]["step"],
        "stage_campaigns": {h["step"]: h["campaign_id"] for h in stages},
        "support_actions": sum(h["step"] == SUPPORTED for h in history),
        "adopters": adopters,
        "history": history,
    }


def funnel(models: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Per stage: the models at it now and those that ever reached it (a dropped model reached the stages before);
    and the dropped ones."""
    models = list(models)
    reached = {stage: sum(stage in m["stage_campaigns"] for m in models) for stage in STAGES}
    return {
        "stages": [{"stage": s, "at": sum(m["stage"] == s for m in models), "reached": reached[s]} for s in STAGES],
        "dropped": sum(m["stage"] == DROPPED for m in models),
        "total": len(models),
    }
