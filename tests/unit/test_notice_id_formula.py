"""The notice id as docs/contract/notification.md gives it, recomputed from its words alone (SHA-1 and bit
twiddling, as any language would), equals the id the notifier issues; and the read API's `channel`/`recipient`
give the channel key of the formula."""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.notification.domain.notices import Subscriber, Target, Trigger, fan_out, notice_id

pytestmark = pytest.mark.unit
DOC = (Path(__file__).resolve().parents[2] / "docs" / "contract" / "notification.md").read_text()


def documented_namespace() -> bytes:
    found = re.search(r"namespace = ([0-9a-f-]{36})", DOC)
    assert found, "the namespace is written in the docs"
    return bytes.fromhex(found.group(1).replace("-", ""))


def as_documented(rule: str, trigger: str, unit_id: str, channel: str, recipient: str) -> str:
    """The formula step by step: the channel key, the name, SHA-1, version and variant bits, 8-4-4-4-12."""
    key = "webhook:" + recipient.removeprefix("subscription:") if channel == "webhook" else channel
    name = "|".join((rule, trigger, unit_id, key)).encode("utf-8")
    b = bytearray(hashlib.sha1(documented_namespace() + name).digest()[:16])
    b[6] = b[6] & 0x0F | 0x50
    b[8] = b[8] & 0x3F | 0x80
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def test_the_documented_namespace_is_uuid5_of_the_url_namespace_and_the_urn() -> None:
    assert documented_namespace() == uuid.uuid5(uuid.NAMESPACE_URL, "urn:emulation:notice").bytes


def test_the_documented_example() -> None:
    example = re.search(r'"(vote-opened\|[^"]+)"\)`\n= `([0-9a-f-]{36})`', DOC)
    assert example, "the example is in the docs"
    rule, trigger, unit_id, channel = example.group(1).split("|")
    assert as_documented(rule, trigger, unit_id, channel, "") == example.group(2)
    assert notice_id(rule, trigger, unit_id, channel) == example.group(2)


def test_every_channel_of_a_notice_recomputes_from_its_published_fields() -> None:
    trigger = Trigger(str(uuid.uuid4()), "achievement_rejected", datetime(2022, 6, 1, tzinfo=UTC), {})
    values = {"campaign_title": "Phong trào thi đua 2022", "achievement_id": "a-1", "reason": "thiếu hồ sơ"}
    notices = fan_out(
        "achievement-rejected",
        trigger,
        "2022",
        [Target("phong-a", "Phòng A", "phong-a@example.org")],
        values,
        [Subscriber("hr-portal"), Subscriber("other", unit_id="phong-b")],
    )
    assert [(n.channel, n.recipient) for n in notices] == [
        ("email", "phong-a@example.org"),
        ("nats", "emulation.notifications.phong-a"),
        ("webhook", "subscription:hr-portal"),
    ]
    for n in notices:
        assert n.notification_id == as_documented(n.rule, n.trigger_event_id, n.unit_id, n.channel, n.recipient)


def test_a_reminder_trigger_is_the_launch_id_and_its_offset() -> None:
    launched = str(uuid.uuid4())
    assert notice_id("registration-reminder", f"{launched}#d-7", "phong-a", "nats") == as_documented(
        "registration-reminder", f"{launched}#d-7", "phong-a", "nats", "emulation.notifications.phong-a"
    )
