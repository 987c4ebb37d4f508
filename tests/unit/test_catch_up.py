"""A command naming the events it depends on (`after`) waits, bounded, until the service has seen them."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from services.evaluation.adapters.reference import ReferenceView
from services.evaluation.adapters.wire import WIRE
from services.evaluation.application import EvaluationApplication
from shared.domain.errors import DomainError
from shared.events import errors
from shared.events.base import Accepted
from shared.events.envelope import CloudEvent
from shared.events.evaluation import SetScoringTable
from shared.infra.catchup import MAX_WAITING, CatchUp, NotCaughtUp
from shared.infra.commands import COMMAND_WORKERS, from_validation_error
from shared.infra.eventstore import view_factory
from shared.infra.settings import Settings
from tests.unit.test_evaluation_application import TABLE, TEST_SEAL
from tests.unit.test_registry_views import C, registry_year

pytestmark = pytest.mark.unit
COUNCIL = "council:chair"


class World:
    """The registry's year as stream messages, the evaluation's reference view, and the evaluation over it."""

    def __init__(self, tmp_path: Path, timeout: float) -> None:
        self.events = registry_year(tmp_path)
        self.view = ReferenceView(view_factory(Settings(data_dir=tmp_path / "views"), "evaluation"))
        self.app = EvaluationApplication(WIRE, self.view, TEST_SEAL, env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
        self.app.catch_up = CatchUp(self.app.name, self.view, timeout)

    def launch(self) -> CloudEvent:
        return next(e for _, e in self.events if e.event_name == "campaign_launched")

    def scoring_table(self, *after: dict[str, str], command_id: str | None = None) -> SetScoringTable:
        return SetScoringTable.model_validate(
            {
                "command_id": command_id or str(uuid.uuid4()),
                "actor": COUNCIL,
                "campaign_id": C,
                "after": list(after),
                **TABLE,
            }
        )

    def recorded(self) -> int:
        return len(self.app.recorder.select_notifications(start=1, limit=1000))


def ref(event: CloudEvent) -> dict[str, str]:
    """The event as a reply lists it."""
    return {"id": event.id, "type": event.type}


async def test_a_command_naming_a_registry_event_waits_until_the_view_has_it_then_decides(tmp_path: Path) -> None:
    world = World(tmp_path, timeout=5.0)
    with pytest.raises(DomainError) as refused:  # without `after`: the view trails, the campaign is unknown
        await world.app.handle(world.scoring_table())
    assert refused.value.code == "unknown_campaign"

    waiting = asyncio.create_task(world.app.handle(world.scoring_table(ref(world.launch()))))
    await asyncio.sleep(0.2)
    assert not waiting.done(), "decided before the view had the launch"
    await asyncio.to_thread(world.view.apply, world.events)  # the stream delivers
    reply = await asyncio.wait_for(waiting, 2.0)
    assert [e.type for e in reply.events] == ["scoring_table_set.v1"]
    assert world.view.holds([world.launch().id, str(uuid.uuid4())]) == {world.launch().id}


async def test_an_event_that_never_comes_is_answered_not_caught_up_within_the_bound(tmp_path: Path) -> None:
    world = World(tmp_path, timeout=0.3)
    await asyncio.to_thread(world.view.apply, world.events)
    before = world.recorded()
    never = {"id": str(uuid.uuid4()), "type": "campaign_launched.v1"}
    started = time.monotonic()
    with pytest.raises(NotCaughtUp) as refused:
        await world.app.handle(world.scoring_table(ref(world.launch()), never))
    elapsed = time.monotonic() - started
    assert 0.3 <= elapsed < 1.0
    assert (refused.value.code, refused.value.field) == (errors.NOT_CAUGHT_UP, "after")
    assert never["id"] in refused.value.message and world.launch().id not in refused.value.message
    assert world.recorded() == before, "a command answered not_caught_up records nothing"


async def test_a_waiting_command_does_not_hold_the_writer(tmp_path: Path) -> None:
    world = World(tmp_path, timeout=3.0)
    await asyncio.to_thread(world.view.apply, [(s, e) for s, e in world.events])
    never = {"id": str(uuid.uuid4()), "type": "block_defined.v1"}
    waiting = asyncio.create_task(world.app.handle(world.scoring_table(never)))
    started = time.monotonic()
    reply = await world.app.handle(world.scoring_table())  # meanwhile, another command is decided at once
    assert isinstance(reply, Accepted) and time.monotonic() - started < 1.0
    assert not waiting.done()
    waiting.cancel()


async def test_commands_naming_events_that_never_come_hold_at_most_max_waiting_handlers(tmp_path: Path) -> None:
    """The attack: a sender floods a command subject with events that never come. Past MAX_WAITING the refusal is
    immediate, so most of the subject's handlers stay free, and commands without `after` are decided at once."""
    assert MAX_WAITING <= COMMAND_WORKERS // 2
    world = World(tmp_path, timeout=3.0)
    await asyncio.to_thread(world.view.apply, world.events)

    def never() -> dict[str, str]:
        return {"id": str(uuid.uuid4()), "type": "campaign_launched.v1"}

    flood = [asyncio.create_task(world.app.handle(world.scoring_table(never()))) for _ in range(MAX_WAITING + 8)]
    started = time.monotonic()
    done, waiting = await asyncio.wait(flood, timeout=1.0)
    assert len(waiting) == MAX_WAITING and len(done) == 8
    for task in done:
        assert isinstance(task.exception(), NotCaughtUp) and "waiting already" in str(task.exception())
    assert isinstance(await world.app.handle(world.scoring_table()), Accepted)
    assert time.monotonic() - started < 2.0
    for task in waiting:
        task.cancel()
    await asyncio.gather(*waiting, return_exceptions=True)
    assert world.app.catch_up.waiting == 0, "a cancelled wait counts no more"


async def test_own_events_and_events_the_view_does_not_read_are_not_waited_for(tmp_path: Path) -> None:
    world = World(tmp_path, timeout=5.0)
    await asyncio.to_thread(world.view.apply, world.events)
    own = {"id": str(uuid.uuid4()), "type": "achievement_reported.v1"}
    unread = {"id": str(uuid.uuid4()), "type": "notification_sent.v1"}
    started = time.monotonic()
    await world.app.handle(world.scoring_table(own, unread))
    assert time.monotonic() - started < 0.5


async def test_an_unknown_event_type_is_an_invalid_field(tmp_path: Path) -> None:
    world = World(tmp_path, timeout=5.0)
    with pytest.raises(DomainError) as refused:
        await world.app.handle(world.scoring_table({"id": str(uuid.uuid4()), "type": "campaign_lunched.v1"}))
    assert (refused.value.code, refused.value.field) == (errors.INVALID_FIELD, "after.0.type")


@pytest.mark.parametrize(
    ("after", "field"),
    [
        ([{"id": "not-an-id", "type": "campaign_launched.v1"}], "after.0.id"),
        ([{"id": str(uuid.uuid4()).upper(), "type": "campaign_launched.v1"}], "after.0.id"),
        ([{"id": str(uuid.uuid4()), "type": "campaign_launched"}], "after.0.type"),
        ([{"id": str(uuid.uuid4()), "type": "campaign_launched.v1", "seq": 3}], "after.0.seq"),
        ([{"id": str(uuid.uuid4()), "type": "campaign_launched.v1"}] * 65, "after"),
    ],
)
def test_after_is_validated_like_any_field(after: list[dict[str, Any]], field: str) -> None:
    body = {"command_id": str(uuid.uuid4()), "actor": COUNCIL, "campaign_id": C, "after": after, **TABLE}
    with pytest.raises(ValidationError) as e:
        SetScoringTable.model_validate(body)
    error = from_validation_error(e.value)["error"]
    assert error["field"] == field and error["code"] in ("invalid_field", "unknown_field")


async def test_the_same_command_sent_again_naming_other_events_gets_its_first_reply(tmp_path: Path) -> None:
    world = World(tmp_path, timeout=5.0)
    await asyncio.to_thread(world.view.apply, world.events)
    command_id = str(uuid.uuid4())
    first = await world.app.handle(world.scoring_table(ref(world.launch()), command_id=command_id))
    again = await world.app.handle(world.scoring_table(command_id=command_id))
    assert again == first


def test_the_remembered_ids_are_not_part_of_the_checksum(tmp_path: Path) -> None:
    world = World(tmp_path, timeout=5.0)
    world.view.apply(world.events)
    assert "evaluation_reference_events" not in world.view.tables()
    assert len(world.view.holds([e.id for _, e in world.events])) == len(world.events)
