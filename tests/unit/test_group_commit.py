"""Group commit: commands that wait together are recorded in one transaction, each with its own provenance.

The writer is held on its first batch (the store's insert blocks until released) so that the commands
sent meanwhile queue up and form the next batch, deterministically.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, wait
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from emulation.demo import load_scenario
from services.registry.adapters.wire import WIRE
from services.registry.application import RegistryApplication
from services.registry.domain.campaign import Campaign
from shared.domain.errors import DomainError
from shared.events.base import Accepted
from shared.events.registry import LaunchCampaign, RegisterUnit
from shared.infra.application import CommandIdReused, CommandReceipt
from shared.infra.eventstore import ProvenanceMapper

pytestmark = pytest.mark.unit


@pytest.fixture(params=["popo", "sqlite"])
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RegistryApplication]:
    env = (
        {"PERSISTENCE_MODULE": "eventsourcing.popo"}
        if request.param == "popo"
        else {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "registry.db")}
    )
    application = RegistryApplication(WIRE, env=env)
    yield application
    application.close()


def launch(campaign_id: str, command_id: str | None = None, actor: str = "van-phong-so") -> LaunchCampaign:
    body = load_scenario()["campaign"] | {
        "campaign_id": campaign_id,
        "command_id": command_id or str(uuid.uuid4()),
        "actor": actor,
    }
    return LaunchCampaign.model_validate(body)


class Transactions:
    """Counts the store's insert transactions and can hold the first one until released."""

    def __init__(self, app: RegistryApplication) -> None:
        self.sizes: list[int] = []
        self.release = threading.Event()
        self.entered = threading.Event()
        self._insert = app.recorder.insert_events

    def insert(self, stored: Any, **kwargs: Any) -> Any:
        if not self.sizes:
            self.entered.set()
            assert self.release.wait(10), "the test never released the writer"
        self.sizes.append(len(stored))
        return self._insert(stored, **kwargs)


@contextmanager
def held_writer(app: RegistryApplication, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Future[Accepted]]]:
    """Yields `send(cmd)`: the first send occupies the writer; later ones queue until the block exits."""
    tx = Transactions(app)
    monkeypatch.setattr(app.recorder, "insert_events", tx.insert)
    sent: list[Future[Accepted]] = []

    def send(cmd: LaunchCampaign) -> Future[Accepted]:
        future = app.submit(cmd)
        if not sent:
            assert tx.entered.wait(10), "the writer never started its first batch"
        sent.append(future)
        return future

    try:
        yield send
        deadline = time.monotonic() + 10
        while app.writer.queue.qsize() < len(sent) - 1:  # every later send is queued behind the first
            assert time.monotonic() < deadline, "commands did not reach the writer"
            time.sleep(0.001)
    finally:
        tx.release.set()
        assert not wait(sent, timeout=10).not_done, "the writer never settled every command"
    send.transactions = tx.sizes  # type: ignore[attr-defined]


def test_commands_waiting_together_share_one_transaction_with_their_own_provenance(
    app: RegistryApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    with held_writer(app, monkeypatch) as send:
        first = send(launch("c0"))
        rest = [send(launch(f"c{i}", actor=f"system:hr-{i}")) for i in range(1, 6)]
    # receipt + event + the Department's first Office, then (receipt + event) × 5
    assert send.transactions == [3, 10]  # type: ignore[attr-defined]
    assert all(f.result().ok for f in [first, *rest])
    mapper = app.mapper
    assert isinstance(mapper, ProvenanceMapper)
    actors = {}
    for n in app.recorder.select_notifications(start=1, limit=100):
        event, meta = mapper.decode_notification(n)
        if type(event).__name__ == "Launched":
            actors[event.campaign_id] = (meta["actor"], meta["command"])
    assert actors == {"c0": ("van-phong-so", "launch_campaign")} | {
        f"c{i}": (f"system:hr-{i}", "launch_campaign") for i in range(1, 6)
    }


def test_a_collision_inside_a_batch_runs_each_command_alone(
    app: RegistryApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    with held_writer(app, monkeypatch) as send:
        send(launch("first"))
        a, b, other = send(launch("same")), send(launch("same")), send(launch("other"))
    outcomes: list[object] = []
    for future in (a, b):
        try:
            outcomes.append(future.result().ok)
        except DomainError as e:
            outcomes.append(e.code)
    assert sorted(map(str, outcomes)) == ["True", "campaign_exists"]
    assert other.result().ok
    stored = [n.topic for n in app.recorder.select_notifications(start=1, limit=100)]
    assert sum(t.endswith("Campaign.Launched") for t in stored) == 3  # first, same, other


def test_a_command_sent_twice_in_one_batch_is_recorded_once_with_one_reply(
    app: RegistryApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    command_id = str(uuid.uuid4())
    with held_writer(app, monkeypatch) as send:
        send(launch("first"))
        a, b = send(launch("twice", command_id)), send(launch("twice", command_id))
    assert a.result() == b.result()
    before = app.recorder.max_notification_id()
    assert app.submit(launch("twice", command_id)).result() == a.result()  # and a third time, later
    assert app.recorder.max_notification_id() == before


def test_a_failing_store_fails_every_command_of_the_batch_and_the_writer_goes_on(
    app: RegistryApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = app.recorder.insert_events

    def broken(stored: Any, **kwargs: Any) -> Any:
        raise OSError("disk unplugged")

    monkeypatch.setattr(app.recorder, "insert_events", broken)
    with pytest.raises(OSError, match="disk unplugged"):
        app.submit(launch("lost")).result()
    monkeypatch.setattr(app.recorder, "insert_events", real)
    assert app.submit(launch("kept")).result().ok
    assert app.exists(Campaign.create_id("kept"))
    assert not app.exists(Campaign.create_id("lost"))


# ---- a command id is one command: the same again gets its reply, another is refused -----------------


def reused(outcome: Callable[[], Any]) -> tuple[str, str | None, str]:
    """The `command_id_reused` refusal that `outcome()` raises: code, field, message."""
    with pytest.raises(CommandIdReused) as info:
        outcome()
    return info.value.code, info.value.field, info.value.message


def test_a_reused_command_id_is_refused_naming_the_first_command_when_run_alone(app: RegistryApplication) -> None:
    command_id = str(uuid.uuid4())
    first = app.submit(launch("c1", command_id)).result()
    before = app.recorder.max_notification_id()
    assert app.submit(launch("c1", command_id)).result() == first  # the same command: its first reply
    other_body = launch("c1", command_id).model_copy(update={"title": "Another title"})
    code, field, message = reused(lambda: app.submit(other_body).result())  # refused by the rules first
    assert (code, field) == ("command_id_reused", "command_id")
    assert message == (
        f"command_id {command_id} was already used for a launch_campaign command; "
        "this is another body: send it with a new command_id"
    )
    code, _, message = reused(lambda: app.submit(launch("c2", command_id)).result())  # would be recorded
    assert code == "command_id_reused" and "launch_campaign" in message
    unit = RegisterUnit.model_validate(
        {"command_id": command_id, "actor": "van-phong-so", "unit_id": "u1", "name": "U1", "kind": "department"}
    )
    code, _, message = reused(lambda: app.submit(unit).result())
    assert message.endswith(
        "was already used for a launch_campaign command; this is another command: send it with a new command_id"
    )
    assert app.recorder.max_notification_id() == before
    assert not app.exists(Campaign.create_id("c2"))


def test_a_reused_command_id_is_refused_inside_a_batch(
    app: RegistryApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    command_id, later = str(uuid.uuid4()), str(uuid.uuid4())
    app.submit(launch("earlier", later)).result()
    with held_writer(app, monkeypatch) as send:
        send(launch("first"))
        same = send(launch("twice", command_id))
        other = send(launch("other", command_id))  # another body under the id of a command of the same batch
        refused_earlier = send(launch("earlier", later).model_copy(update={"theme": "changed"}))
        fine = send(launch("fine"))
    assert same.result().ok and fine.result().ok
    assert reused(other.result)[:2] == ("command_id_reused", "command_id")
    assert reused(refused_earlier.result)[:2] == ("command_id_reused", "command_id")
    assert not app.exists(Campaign.create_id("other"))


def test_a_receipt_recorded_before_digests_still_answers_its_command(app: RegistryApplication) -> None:
    """Receipts stored without a digest: the same command id still gets its first reply (its body cannot be
    compared), and another command under it is still refused."""
    command_id = str(uuid.uuid4())
    legacy = CommandReceipt(command_id=command_id, command="launch_campaign", events=[{"id": "e1", "type": "t.v1"}])
    stored = []
    for e in legacy.collect_events():
        s = app.mapper.to_stored_event(e)
        state = json.loads(s.state)
        del state["digest"]
        stored.append(dataclasses.replace(s, state=json.dumps(state).encode()))
    app.recorder.insert_events(stored)
    receipt: CommandReceipt = app.repository.get(CommandReceipt.create_id(command_id))
    assert receipt.digest == ""
    reply = app.submit(launch("c1", command_id)).result()
    assert [e.id for e in reply.events] == ["e1"] and not app.exists(Campaign.create_id("c1"))
    unit = RegisterUnit.model_validate(
        {"command_id": command_id, "actor": "van-phong-so", "unit_id": "u1", "name": "U1", "kind": "department"}
    )
    assert reused(lambda: app.submit(unit).result())[0] == "command_id_reused"
