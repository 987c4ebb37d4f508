"""Idempotent command execution, provenance and views over a real SQLite file store."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from emulation.demo import load_scenario
from services.evaluation.adapters.views import ReferenceView
from services.registry.domain.campaign import Campaign
from services.registry.factory import build
from shared.events import CloudEvent
from shared.events.registry import LaunchCampaign
from shared.infra.chain import link
from shared.infra.eventstore import view_factory
from shared.infra.relay import Chain, Relay
from shared.infra.settings import Settings

pytestmark = pytest.mark.unit


def launch(campaign_id: str = "2022") -> LaunchCampaign:
    campaign = load_scenario()["campaign"] | {"campaign_id": campaign_id}
    return LaunchCampaign.model_validate({"command_id": str(uuid.uuid4()), "actor": "van-phong-so", **campaign})


def test_same_command_twice_records_once_and_replies_the_same(tmp_path: Path) -> None:
    service = build(Settings(data_dir=tmp_path))
    app = service.app
    cmd = launch()
    first = app.submit(cmd).result()  # type: ignore[union-attr]
    again = app.submit(cmd).result()  # type: ignore[union-attr]
    assert first == again
    # receipt + campaign_launched + the Department naming its first Office
    assert app.recorder.max_notification_id() == 3  # type: ignore[union-attr]


def test_relay_envelope_carries_provenance_but_aggregates_do_not(tmp_path: Path) -> None:
    service = build(Settings(data_dir=tmp_path))
    app = service.app
    assert app is not None
    cmd = launch()
    reply = app.submit(cmd).result()  # type: ignore[attr-defined]
    relay = Relay(app, js=None, key=Ed25519PrivateKey.generate())  # type: ignore[arg-type]
    chain, messages = relay.envelopes(Chain())
    assert (chain.position, chain.length) == (2, 1) and len(messages) == 1  # the receipt is internal
    head = chain.head
    subject, body, headers = messages[0]
    envelope = CloudEvent.model_validate_json(body)
    assert subject == "emulation.events.2022.campaign_launched"
    assert headers["Nats-Msg-Id"] == envelope.id == reply.events[0].id
    assert (envelope.actor, envelope.causationid) == ("van-phong-so", str(cmd.command_id))
    assert envelope.predecessorhash == "0" * 64 and envelope.hash == head
    assert link("0" * 64, json.loads(body)) == head
    campaign: Campaign = app.repository.get(Campaign.create_id("2022"))
    assert campaign.title == cmd.title
    assert not hasattr(campaign, "_provenance")


def test_view_applies_each_stream_sequence_once(tmp_path: Path) -> None:
    view = ReferenceView(view_factory(Settings(data_dir=tmp_path), "evaluation"))
    data = load_scenario()["campaign"]
    event = CloudEvent(
        id="e1",
        source="/services/registry",
        type="campaign_launched.v1",
        time=datetime(2021, 12, 28, tzinfo=UTC),
        data=data,
        actor="van-phong-so",
        causationid="c",
        correlationid="c",
    )
    assert view.apply([(1, event)]) == 1
    assert view.apply([(1, event)]) == 0  # redelivered: skipped by the stored position
    assert view.position() == 1
    assert [c["campaign_id"] for c in view.campaigns()] == ["2022"]
