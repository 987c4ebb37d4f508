"""Every event is checked against its wire contract before it is stored; the relay then only serialises.

Each service is driven in-process through commands that record each of its event types; every stored event's
published JSON must be byte for byte what the contract's own (validated) serialisation gives. An event the
contract would refuse, or publish otherwise than recorded, is never stored: its command is refused
`invalid_event`. A stored event the relay cannot serialise (one stored before this check) stops the relay
instead of being retried forever.
"""

from __future__ import annotations

import asyncio
import json
import random
import unicodedata
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic_core import to_jsonable_python

from emulation.demo import commands, load_scenario
from services.audit.verify import check_chain
from services.notification.adapters.wire import WIRE as NOTIFICATION_WIRE
from services.notification.application import NotificationApplication
from services.notification.domain.notices import Notice
from services.registry.adapters.wire import WIRE as REGISTRY_WIRE
from services.registry.application import RegistryApplication
from services.registry.domain.unit import Unit
from shared.domain.errors import DomainError
from shared.events.catalog import COMMAND_TYPES
from shared.events.envelope import CloudEvent
from shared.events.notification import ConfigureNotificationRules, RegisterSubscription
from shared.events.registry import RegisterUnit
from shared.infra.application import ServiceApplication
from shared.infra.chain import canonical
from shared.infra.checkpoints import Window
from shared.infra.eventstore import event_id
from shared.infra.relay import Chain, Relay, Unpublishable
from shared.infra.wire import WireEvent, WireMap
from tests.unit.test_evaluation_application import TABLE, Driver, decide, propose, report, vote
from tests.unit.test_exemplary_models import walk
from tests.unit.test_inbound import annulment, dossier, measure, take

pytestmark = pytest.mark.unit
MEMORY = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
REGISTERED: type = Unit.Registered  # type: ignore[attr-defined]


def validated(wire: WireMap, event: Any, eid: str, meta: dict[str, str]) -> tuple[str, bytes]:
    """The envelope as the contract's models validate and serialise it (the relay skips this work)."""
    w = wire.mappings[type(event)](event)
    etype = wire.contract(w)
    command = meta.get("command_id", "")
    envelope = CloudEvent(
        id=eid,
        source=wire.source,
        type=etype.type,
        subject=w.subject,
        time=event.timestamp,
        data=etype.model.model_validate(w.data).model_dump(mode="json"),
        actor=meta.get("actor", "system"),
        causationid=command,
        correlationid=meta.get("correlation_id", command),
    )
    subject, _ = wire.serialise(event, eid, meta)  # type: ignore[misc]
    return subject, canonical(envelope.model_dump(mode="json", exclude_none=True))


def reference(wire: WireMap, event: Any, eid: str, meta: dict[str, str]) -> bytes:
    """The envelope's canonical JSON by the definition, `json.dumps` of the whole envelope (the relay writes it
    around the data's, through `orjson`): the chain hashes depend on these bytes being the same."""
    w = wire.mappings[type(event)](event)
    etype = wire.contract(w)
    command = meta.get("command_id", "")
    envelope = {
        "actor": meta.get("actor", "system"),
        "causationid": command,
        "correlationid": meta.get("correlation_id", command),
        "data": to_jsonable_python({**wire.defaults[(etype.name, etype.version)], **w.data}),
        "datacontenttype": "application/json",
        "id": eid,
        "source": wire.source,
        "specversion": "1.0",
        "subject": w.subject,
        "time": to_jsonable_python(event.timestamp),
        "type": etype.type,
    }
    body = {k: v for k, v in envelope.items() if v is not None}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def stored(app: ServiceApplication) -> list[tuple[Any, str, dict[str, str]]]:
    """Every stored event that goes on the wire, with its id and provenance."""
    out = []
    for n in app.recorder.select_notifications(start=1, limit=100_000):
        event, meta = app.mapper.decode_notification(n)  # type: ignore[attr-defined]
        if type(event) in app.wire.mappings:
            out.append((event, event_id(n.originator_id, n.originator_version), meta))
    return out


def assert_published_as_the_contract_says(app: ServiceApplication) -> None:
    """Each event's JSON equals the validated one; every event type of the service was seen; the chain holds."""
    seen = set()
    for event, eid, meta in stored(app):
        seen.add(app.wire.mappings[type(event)](event).name)
        assert app.wire.serialise(event, eid, meta) == validated(app.wire, event, eid, meta)
        assert app.wire.serialise(event, eid, meta)[1] == reference(app.wire, event, eid, meta)  # type: ignore[index]
    assert seen == set(app.wire.event_types)

    relay = Relay(app, js=None, key=Ed25519PrivateKey.generate())  # type: ignore[arg-type]
    _, messages = relay.envelopes(Chain())
    published = [json.loads(body) for _, body, _ in messages]
    assert [m["id"] for m in published] == [eid for _, eid, _ in stored(app)]
    assert check_chain(app.wire.service, published) is None


def registry() -> RegistryApplication:
    app = RegistryApplication(REGISTRY_WIRE, env=MEMORY)

    def send(command: str, /, **body: Any) -> None:
        body = {"command_id": str(uuid.uuid4()), "actor": "van-phong-so", **body}
        app.submit(COMMAND_TYPES[command].model.model_validate(body)).result()

    for command, body in commands(load_scenario()):
        send(command, **body)
    staff = [{"person": "Nguyễn Thị Hồng", "target_title": "chien-si-thi-dua-co-so"}]
    pledge = {"campaign_id": "2022", "collective_target": "tap-the-lao-dong-xuat-sac", "staff": staff}
    send("register_emulation", unit_id="thanh-tra-so", **pledge)
    send("amend_emulation_registration", **(pledge | {"unit_id": "thanh-tra-so", "staff": []}))
    send("register_emulation", unit_id="van-phong-so", **pledge)
    send("schedule_review", campaign_id="2022", review="mid_year", due_on="2022-06-30")
    review = {"campaign_id": "2022", "unit_id": "van-phong-so", "review": "mid_year"}
    person = {"person": "Nguyễn Thị Hồng", "target_title": "chien-si-thi-dua-co-so", "note": "Đúng tiến độ"}
    collective = {"target": "tap-the-lao-dong-xuat-sac", "status": "on_track", "note": None}
    send("submit_review", **review, collective=collective, staff=[person | {"status": "on_track"}])
    send("submit_review", **review, collective=collective, staff=[person | {"status": "completed"}])
    send("assess_review", **review, collective={"assessment": "good"},
         staff=[{"person": "Nguyễn Thị Hồng", "assessment": "excellent", "note": "Sáng kiến cấp Sở"}])  # fmt: skip
    send("rename_unit", unit_id="phong-cong-chung-so-7", name="Phòng Công chứng số 7 (mới)")
    send("amend_campaign", campaign_id="2022", title="Phong trào thi đua 2022", issued_on="2021-12-29")
    send("assign_unit_to_block", campaign_id="2022", block_id="khoi-phong-chuyen-mon", unit_id="phong-cong-chung-so-6",
         move=True)  # fmt: skip
    send("withdraw_unit", campaign_id="2022", unit_id="phong-cong-chung-so-6", reason="Giải thể")
    send("close_campaign", campaign_id="2022", reason="Kết thúc năm")
    return app


def evaluation() -> ServiceApplication:
    d = Driver()
    d("set_scoring_table", **TABLE)
    d("set_evaluation_policy", policy={"vote_share": 0.5, "self_vote_allowed": False})
    report(d, "a1", unit="u1", claimed_points=20)
    report(d, "a2", unit="u2", claimed_points=25.5, person="Nguyễn Văn A", due_on="2000-01-01")
    report(d, "a3", unit="u4", claimed_points=40)
    d("verify_achievement", achievement_id="a1")
    d("verify_achievement", achievement_id="a2", points=20, reason="Thiếu minh chứng")
    d("reject_achievement", achievement_id="a3", reason="Ngoài kỳ")
    d("open_vote_round", block_id="b1", round_id="r1")
    vote(d, "r1", {"u1": "u2", "u2": "u1", "u3": "u1", "u4": "u2"})  # a tie: closed, failed, runoff opened
    d("close_vote_round", block_id="b1", round_id="r1")
    vote(d, "r1-r2", {"u1": "u2", "u3": "u2", "u4": "u2", "u2": "u1"})
    d("close_vote_round", block_id="b1", round_id="r1-r2")  # elected
    propose(d, "p1", "lao-dong-tien-tien", person="Người 1")
    decide(d, "p1")
    take(d, "dossier_resolved", "os-1", dossier("hs-1"))
    take(d, "disciplinary_measure_recorded", "p-1", measure())
    take(d, "disciplinary_measure_annulled", "p-2", annulment())
    walk(d)  # an exemplary model through every stage, another dropped
    return d.app


def award_notice(notification_id: str, trigger_event_id: str, **overrides: Any) -> Notice:
    """An award-decided notice to the Inspectorate by e-mail; `overrides` change single fields."""
    fields: dict[str, Any] = {
        "notification_id": notification_id,
        "rule": "award-decided",
        "trigger_event_id": trigger_event_id,
        "trigger_type": "award_decided",
        "campaign_id": "2022",
        "unit_id": "thanh-tra-so",
        "channel": "email",
        "recipient": "tts@stp.example",
        "due_at": datetime(2022, 12, 20, 2, 0, tzinfo=UTC),
        "subject": "s",
        "body": "b",
        "data": {},
    }
    return Notice(**(fields | overrides))


class Campaigns:
    """What the notifier knows of campaigns: 2022, whose secretariat is van-phong-so."""

    def secretariat(self, campaign_id: str) -> str | None:
        return "van-phong-so" if campaign_id == "2022" else None


def notification() -> NotificationApplication:
    app = NotificationApplication(NOTIFICATION_WIRE, Campaigns(), env=MEMORY)
    command = {"command_id": str(uuid.uuid4()), "actor": "system:hr"}
    app.submit(
        RegisterSubscription.model_validate(
            command | {"subscription_id": "hr", "url": "https://hr.example/hook", "secret": "s" * 16}
        )
    ).result()
    command = {"command_id": str(uuid.uuid4()), "actor": "van-phong-so"}
    app.submit(
        ConfigureNotificationRules.model_validate(command | {"campaign_id": "2022", "reminder_offsets_days": [3]})
    ).result()
    notice = award_notice(
        "5b1584cc-8ac9-5363-9078-b7b650f67af5", "ev-1", subject="Quyết định khen thưởng", body="Kính gửi: Thanh tra Sở"
    )
    delivery = app.get_delivery(notice)
    app.record_failed(notice, delivery, "connection refused", dead=False)
    app.record_sent(notice, delivery)
    return app


def test_registry_events_are_published_as_their_contract_says() -> None:
    assert_published_as_the_contract_says(registry())


def test_evaluation_events_are_published_as_their_contract_says() -> None:
    assert_published_as_the_contract_says(evaluation())


def test_notification_events_are_published_as_their_contract_says() -> None:
    assert_published_as_the_contract_says(notification())


def unit(name: str, unit_id: str = "u1") -> RegisterUnit:
    return RegisterUnit.model_validate(
        {
            "command_id": str(uuid.uuid4()),
            "actor": "system:portal",
            "unit_id": unit_id,
            "name": name,
            "kind": "department",
        }
    )


def refused(app: ServiceApplication, command: Any) -> DomainError:
    with pytest.raises(DomainError) as e:
        app.submit(command).result()
    return e.value


@pytest.mark.parametrize(
    ("data", "field", "says"),
    [
        ({"unit_id": "U1"}, "unit_id", "String should match pattern"),  # the contract refuses it
        ({"name": " Phòng Tư pháp "}, "name", "would be published as 'Phòng Tư pháp'"),  # it would trim it
        ({"name": unicodedata.normalize("NFD", "Phòng Tư pháp")}, "name", "not as recorded"),  # it would compose it
        ({"surplus": 1}, "surplus", "Extra inputs are not permitted"),
        ({"name": "x" * 301}, "name", "at most 300 characters"),
    ],
)
def test_an_event_its_contract_would_refuse_or_change_is_never_stored(
    data: dict[str, Any], field: str, says: str
) -> None:
    """A domain bug (here: a mapping that alters what the domain recorded) is refused with the field, before storing."""
    app = RegistryApplication(REGISTRY_WIRE, env=MEMORY)
    app.submit(unit("Phòng Tư pháp", "u0")).result()  # the first unit names nothing odd: recorded
    mapping = REGISTRY_WIRE.mappings[REGISTERED]
    broken = {
        **REGISTRY_WIRE.mappings,
        REGISTERED: lambda e: WireEvent(**{**mapping(e).__dict__, "data": mapping(e).data | data}),
    }
    app.wire = WireMap("registry", broken)
    before = app.recorder.max_notification_id()
    error = refused(app, unit("Phòng Tư pháp"))
    assert (error.code, error.field) == ("invalid_event", field)
    assert "unit_registered.v1" in error.message and says in error.message
    assert app.recorder.max_notification_id() == before  # neither the event nor the command's receipt
    assert not app.exists(Unit.create_id("u1"))


class Event:
    """A stand-in domain event: only what the mapping and the envelope read."""

    def __init__(self, **state: Any) -> None:
        self.__dict__.update(state)
        self.timestamp = state.get("timestamp", datetime(2022, 1, 1, tzinfo=UTC))


def test_a_stored_event_the_relay_cannot_serialise_stops_it_instead_of_retrying() -> None:
    app = RegistryApplication(REGISTRY_WIRE, env=MEMORY)
    app.submit(unit("Phòng Tư pháp")).result()
    app.wire = WireMap("registry", {REGISTERED: lambda e: WireEvent("unit_registered", None, {"unit_id": object()})})
    relay = Relay(app, js=None, key=Ed25519PrivateKey.generate())  # type: ignore[arg-type]
    with pytest.raises(Unpublishable, match="cannot serialise stored event"):
        relay.envelopes(Chain())

    async def last_published() -> Chain:
        return Chain()

    async def recover_window() -> tuple[Window, list[Any]]:
        return Window(0, relay.chain.head), []

    relay.last_published = last_published  # type: ignore[method-assign]
    relay.recover_window = recover_window  # type: ignore[method-assign]
    with pytest.raises(Unpublishable):  # not "relay batch failed, retrying", forever
        asyncio.run(asyncio.wait_for(relay.run(asyncio.Event()), timeout=30))


class FlakyStream:
    """JetStream as the relay sees it: stores in order, drops repeated `Nats-Msg-Id`s, fails when told."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.ids: set[str] = set()
        self.fail_after: int | None = None

    async def publish_async(self, subject: str, payload: bytes, headers: dict[str, str], stream: str) -> Any:
        ack = asyncio.get_running_loop().create_future()
        if self.fail_after is not None and self.fail_after <= 0:
            ack.set_exception(TimeoutError("no ack"))
            return ack
        if self.fail_after is not None:
            self.fail_after -= 1
        if headers["Nats-Msg-Id"] not in self.ids:
            self.ids.add(headers["Nats-Msg-Id"])
            self.messages.append(json.loads(payload))
        ack.set_result(None)
        return ack


async def test_relay_keeps_order_and_chain_through_a_failed_batch() -> None:
    app = registry()
    js = FlakyStream()
    relay = Relay(app, js, Ed25519PrivateKey.generate(), batch=7, checkpoint_every=10)  # type: ignore[arg-type]
    batches, failed = 0, False
    while True:
        if batches == 3 and not failed:
            js.fail_after = 4  # the fourth batch is stored in part, then its acks fail
        try:
            read = await relay.run_once()
        except TimeoutError:
            js.fail_after, failed = None, True
            continue
        if read == 0:
            break
        batches += 1
    assert failed
    events = [m for m in js.messages if m["type"] != "chain_checkpoint.v2"]
    assert [m["id"] for m in events] == [eid for _, eid, _ in stored(app)]
    assert check_chain("registry", events) is None
    checkpoints = [m["data"] for m in js.messages if m["type"] == "chain_checkpoint.v2"]
    assert [c["length"] // 10 for c in checkpoints] == list(range(1, len(events) // 10 + 1))
    assert relay.chain.length == len(events) and relay.chain.head == events[-1]["hash"]


def test_event_ids_are_the_uuid5_of_originator_and_version() -> None:
    """`event_id` writes uuid5 out by hand: the same string for every originator and version (every value of
    the nibbles it sets comes up many times over 20,000 random digests)."""
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, "urn:emulation:event")
    rng = random.Random(18)
    names = ["", "registry", "Đơn vị ☃ \u2028 \U0001f600", "a:b:c"]
    for i in range(20_000):
        originator = uuid.UUID(int=rng.getrandbits(128), version=4)
        expected = str(uuid.uuid5(namespace, f"{originator}:{i}"))
        assert event_id(originator, i) == event_id(str(originator), i) == expected
    for name in names:
        for version in (0, 1, 2**31, 2**70, -1):
            assert event_id(name, version) == str(uuid.uuid5(namespace, f"{name}:{version}"))


def test_tagged_values_deeper_in_an_event_are_decoded_by_the_transcoder() -> None:
    app = RegistryApplication(REGISTRY_WIRE, env=MEMORY)
    mapper = app.mapper
    transcoder = mapper.transcoder
    state = {"when": datetime(2022, 1, 1, tzinfo=UTC), "days": [date(2022, 1, 2)], "note": 'a "_type_": b'}
    data = transcoder.encode(state)
    assert mapper.decode_state(data) == transcoder.decode(data) == state  # type: ignore[attr-defined]
    assert mapper.decode_state(transcoder.encode({"x": 1})) == {"x": 1}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("550 mailbox\r\nunavailable", "550 mailbox\\r\nunavailable"),
        ("bad\x00byte\x85", "bad\\x00byte\\x85"),
        ("  \r\n ", "\\r"),
        (" \n\t ", "error"),
        ("Máy chủ từ chối", "Máy chủ từ chối"),
    ],
)
def test_a_delivery_error_with_control_characters_is_published_with_them_escaped(answer: str, expected: str) -> None:
    """A server's raw answer must not make the delivery event fail its contract (the relay would stall)."""
    app = notification()
    notice = award_notice("7b1584cc-8ac9-5363-9078-b7b650f67af5", "ev-3")
    app.record_failed(notice, app.get_delivery(notice), unicodedata.normalize("NFD", answer), dead=False)
    event, eid, meta = stored(app)[-1]
    _, body = validated(app.wire, event, eid, meta)
    assert json.loads(body)["data"]["error"] == expected
    assert app.wire.serialise(event, eid, meta) == validated(app.wire, event, eid, meta)


@pytest.mark.parametrize(
    "meta",
    [
        {},
        {"actor": None, "command_id": None},  # type: ignore[dict-item]
        {"actor": 'Đơn "vị"\u2028\x00', "command_id": "c\\1", "correlation_id": "\U0001f600"},
        {"actor": 7, "command_id": ["x", 1.5e-05], "correlation_id": {"b": 1, "a": None}},  # type: ignore[dict-item]
    ],
)
def test_the_envelope_written_around_its_data_is_the_canonical_json_of_the_whole(meta: dict[str, str]) -> None:
    """Whatever provenance was stored with an event (absent, None, odd text, not even text)."""
    app = registry()
    for event, eid, _ in stored(app)[:20]:
        assert app.wire.serialise(event, eid, meta)[1] == reference(app.wire, event, eid, meta)  # type: ignore[index]
