"""Evaluation and notification commands sent right after the registry's reply, naming its events in `after`:
decided once the service has seen them, never refused for a campaign it has not seen yet; an event that never
comes is answered `not_caught_up` within the bound, with nothing recorded."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from tests.integration.test_walking_skeleton import launch
from tests.support.system import System

pytestmark = [pytest.mark.integration, pytest.mark.both_stores]
TIMEOUT = 1.5
TABLE = {
    "criteria": [{"criterion_id": "nhiem-vu", "title": "Hoàn thành nhiệm vụ", "max_points": 60}],
    "bonuses": [],
    "penalties": [{"item_id": "late-report", "title": "Báo cáo trễ hạn", "points": 2}],
}


def scoring_table(campaign_id: str, after: list[dict[str, str]]) -> dict[str, object]:
    return {"command_id": str(uuid.uuid4()), "actor": "council:chu-tich", "campaign_id": campaign_id, "after": after}


async def test_registry_reply_then_evaluation_command_naming_it(system: System) -> None:
    system.settings = system.settings.replace(catch_up_timeout=TIMEOUT)
    for service in ("registry", "evaluation", "notification"):
        system.start(service)
    for n in range(15):  # at once: without `after`, each was refused unknown_campaign (15 of 15 on 2 cores)
        campaign_id = f"c{n}"
        launched = await system.send("launch_campaign", launch(campaign_id))
        assert launched["ok"], launched
        reply = await system.send("set_scoring_table", scoring_table(campaign_id, launched["events"]) | TABLE)
        assert reply["ok"], reply
        assert [e["type"] for e in reply["events"]] == ["scoring_table_set.v1"]
        rules = {  # the notifier knows the secretariat (who may configure) from the launch on the stream
            "command_id": str(uuid.uuid4()),
            "actor": "van-phong-so",
            "campaign_id": campaign_id,
            "disabled_rules": ["late-report"],
            "after": launched["events"],
        }
        reply = await system.send("configure_notification_rules", rules)
        assert reply["ok"], reply

    before = system.stored_topics("evaluation")
    never = {"id": str(uuid.uuid4()), "type": "campaign_launched.v1"}
    started = time.monotonic()
    reply = await system.send("set_scoring_table", scoring_table("c0", [never]) | TABLE)
    elapsed = time.monotonic() - started
    assert reply["ok"] is False
    assert (reply["error"]["code"], reply["error"]["field"]) == ("not_caught_up", "after")
    assert never["id"] in reply["error"]["message"]
    assert TIMEOUT <= elapsed < TIMEOUT + 1.5
    assert system.stored_topics("evaluation") == before, "nothing recorded"


async def test_a_flood_of_commands_naming_events_that_never_come_does_not_delay_the_others(system: System) -> None:
    """The attack: 60 commands of one subject at once, each naming an event that never comes. At most 32 wait
    (the others are answered at once), so a command without `after` on the same subject is still decided at once;
    every flooding command gets `not_caught_up`, and nothing of theirs is recorded."""
    system.settings = system.settings.replace(catch_up_timeout=TIMEOUT)
    system.start("registry")
    system.start("evaluation")
    launched = await system.send("launch_campaign", launch("c0"))
    assert (await system.send("set_scoring_table", scoring_table("c0", launched["events"]) | TABLE))["ok"]

    def never() -> list[dict[str, str]]:
        return [{"id": str(uuid.uuid4()), "type": "campaign_launched.v1"}]

    flood = [
        asyncio.create_task(system.send("set_scoring_table", scoring_table("c0", never()) | TABLE)) for _ in range(60)
    ]
    await asyncio.sleep(0.3)  # the flood is in (no assertion rests on this pause)
    started = time.monotonic()
    reply = await system.send("set_scoring_table", scoring_table("c0", []) | TABLE)
    assert reply["ok"], reply
    assert time.monotonic() - started < TIMEOUT / 2, "decided while the flood waits"
    answers = await asyncio.gather(*flood)
    assert {(a["ok"], a["error"]["code"]) for a in answers} == {(False, "not_caught_up")}
    assert sum("waiting already" in a["error"]["message"] for a in answers) >= 60 - 32
    topics = system.stored_topics("evaluation")
    assert (topics.get("ScoringTable.Set"), topics.get("ScoringTable.Replaced")) == (1, 1), "the flood recorded nothing"
