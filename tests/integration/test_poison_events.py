"""Poison events from a misbehaving city system are dead-lettered; the events after them are processed."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import uuid
from typing import Any

import pytest

from emulation.demo import load_scenario
from shared.infra.deadletters import list_deadletters
from tests.support.system import ROOT, System, wait_for

pytestmark = pytest.mark.integration
CONSUMER = "evaluation-evaluation-reference"
"""The evaluation's consumer of campaign events (its registry facts)."""


def launch(campaign_id: str) -> dict[str, object]:
    return {
        **copy.deepcopy(load_scenario()["campaign"]),
        "campaign_id": campaign_id,
        "command_id": str(uuid.uuid4()),
        "actor": "van-phong-so",
    }


async def test_poison_events_go_to_the_dead_letter_subject_and_the_consumer_carries_on(system: System) -> None:
    system.start("registry")
    system.start("evaluation")
    system.start_api()
    assert (await system.send("launch_campaign", launch("before")))["ok"]
    await wait_for(lambda: len(system.get("/v1/campaigns")) == 1)

    js = system.nc.jetstream()
    subject = "emulation.events.rogue.campaign_launched"
    good = json.loads((await system.stream_messages("emulation.events.before.campaign_launched"))[0].data)
    wrong_schema = {**good, "id": str(uuid.uuid4()), "data": {"campaign_id": "rogue"}}
    unknown_version = {**good, "id": str(uuid.uuid4()), "type": "campaign_launched.v9"}
    for body in (b"{broken json", json.dumps(wrong_schema).encode(), json.dumps(unknown_version).encode()):
        await js.publish(subject, body, headers={"Nats-Msg-Id": str(uuid.uuid4())})
    assert (await system.send("launch_campaign", launch("after")))["ok"]

    campaigns = await wait_for(lambda: len(got := system.get("/v1/campaigns")) == 2 and got)
    assert sorted(c["campaign_id"] for c in campaigns) == ["after", "before"]

    everything = await wait_for(lambda: _three(system.nc))
    letters = [x for x in everything if x.consumer == CONSUMER]  # each consumer reports its own
    reasons = [letter.reason for letter in letters]
    assert len(letters) == 3
    assert all(x.original_subject == subject and x.service == x.consumer.split("-")[0] for x in everything)
    assert "unreadable event" in reasons[0] and "Invalid JSON" in reasons[0]
    assert "campaign_launched.v9" in reasons[2]
    assert letters[0].data == b"{broken json"

    env = os.environ | system.settings.to_env() | {"PYTHONPATH": str(ROOT)}
    listed = subprocess.run(
        [sys.executable, "-m", "emulation", "deadletter", "list", "--service", "evaluation"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    listed_here = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [x["seq"] for x in listed_here if x["consumer"] == CONSUMER] == [x.seq for x in letters]
    retried = subprocess.run(
        [sys.executable, "-m", "emulation", "deadletter", "retry", str(letters[0].seq)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "published again as stream sequence" in retried.stdout
    # every consumer of the subject dead-letters the retry (the registry's too): wait for this consumer's letter
    again = await wait_for(lambda: _at_least(system.nc, len(letters) + 1, CONSUMER))
    assert sum(1 for x in again if x.consumer == CONSUMER) == 4  # still poison: dead-lettered again, once


async def _three(nc: Any) -> list[Any] | None:
    letters = await list_deadletters(nc)
    return letters if len(letters) >= 3 else None


async def _at_least(nc: Any, n: int, consumer: str) -> list[Any] | None:
    letters = await list_deadletters(nc)
    return letters if sum(x.consumer == consumer for x in letters) >= n else None
