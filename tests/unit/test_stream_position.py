"""A consumed message's position comes only from a JetStream delivery of the very consumer that reads it."""

from __future__ import annotations

from typing import Any

import pytest
from nats.aio.msg import Msg

from shared.infra.stream import position, sequence

pytestmark = pytest.mark.unit


def msg(reply: str) -> Any:
    return Msg(_client=None, subject="emulation.events._.unit_registered", reply=reply, data=b"{}")  # type: ignore[arg-type]


def test_a_delivery_of_this_consumer_gives_its_stream_sequence_and_pending_count() -> None:
    assert position(
        msg("$JS.ACK.EMULATION.registry-units.1.42.7.1700000000000000000.3"), "EMULATION", "registry-units"
    ) == (42, 3)
    with_domain = "$JS.ACK.hub.ACCHASH.EMULATION.registry-units.1.42.7.1700000000000000000.3.token"
    assert position(msg(with_domain), "EMULATION", "registry-units") == (42, 3)
    assert sequence(msg("$JS.ACK.EMULATION.registry-units.1.42.7.1700000000000000000.3")) == 42


@pytest.mark.parametrize(
    "reply",
    [
        "",
        "_INBOX.A.EMULATION.x.1.1016419.1016419.1700000000000000000.0",  # the probe's forgery
        "$JS.ACK.EMULATION.someone-else.1.1016419.1016419.1700000000000000000.0",  # another consumer's delivery
        "$JS.ACK.OTHER.registry-units.1.1016419.1016419.1700000000000000000.0",  # another stream
        "$JS.ACK.EMULATION.registry-units.1.x.1.1700000000000000000.0",  # not a number
        "$JS.ACK.EMULATION.registry-units.1.2",  # too short
    ],
)
def test_anything_else_has_no_position(reply: str) -> None:
    assert position(msg(reply), "EMULATION", "registry-units") is None
