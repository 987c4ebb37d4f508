"""Evaluation and notification commands sent right after the registry's reply, naming its events in `after`:
decided once the service has seen them, never refused for a campaign it has not seen yet; an event that never
comes is answered `not_caught_up` within the bound, with nothing recorded."""

from __future__ import annotations

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
