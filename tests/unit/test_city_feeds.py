"""The generated server configuration gives each city system a feed of exactly its granted events, and nothing
through which it could reach further (`emulation/feeds.py`, `emulation/security.py: server_config`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from emulation import feeds, security

pytestmark = pytest.mark.unit
SYSTEMS = [
    {"name": "staff-records", "events": ["unit_*"], "commands": [], "actors": [], "password": "x"},
    {"name": "mailer", "events": [], "commands": ["register_unit"], "actors": ["*"], "password": "y"},
    {"name": "portal", "events": ["*"], "commands": ["*"], "actors": ["*"], "password": "z"},
]


def server() -> dict[str, Any]:
    config = {"users": {u: "p" for u in security.identities()}, "systems": SYSTEMS}
    parsed: dict[str, Any] = json.loads(security.server_config(config, 4222, Path("/tmp/nats")))
    return parsed


def test_the_feed_consumer_is_filtered_to_the_granted_types_and_acknowledged_by_the_sourcing_stream() -> None:
    events = security.granted_events(SYSTEMS[0])
    assert events == ["unit_assigned_to_block", "unit_registered", "unit_renamed", "unit_withdrawn"]
    consumer = feeds.consumer_config("CITY_STAFF_RECORDS", events)
    assert consumer["filter_subjects"] == [f"emulation.events.*.{e}" for e in events]
    assert (consumer["name"], consumer["durable_name"]) == ("CITY_STAFF_RECORDS", "CITY_STAFF_RECORDS")
    assert (consumer["ack_policy"], consumer["deliver_policy"]) == ("flow_control", "all")
    [source] = feeds.stream_config("CITY_STAFF_RECORDS")["sources"]
    assert source["consumer"] == {"name": "CITY_STAFF_RECORDS", "deliver_subject": consumer["deliver_subject"]}
    assert source["external"] == {"api": feeds.DEPARTMENT_API}
    assert "subjects" not in feeds.stream_config("CITY_STAFF_RECORDS"), "nobody publishes into a feed"


def test_a_city_account_imports_only_its_own_feed_and_the_department_exports_it_to_that_account_alone() -> None:
    accounts = server()["accounts"]
    city = accounts["CITY_STAFF_RECORDS"]
    assert city["jetstream"] == feeds.LIMITS
    jetstream_imports = [i for i in city["imports"] if "$JS" in json.dumps(i)]
    assert {i["service"]["subject"] for i in jetstream_imports} == {
        "$JS.API.CONSUMER.RESET.EMULATION.CITY_STAFF_RECORDS",
        "$JS.FC.EMULATION.CITY_STAFF_RECORDS.*",
    }, "no consumer of the department's stream may be created or read from a city account"
    department = accounts["EMULATION"]["exports"]
    for export in department:
        subject = export.get("service") or export.get("stream")
        if "CITY_STAFF_RECORDS" in subject:
            assert export["accounts"] == ["CITY_STAFF_RECORDS"], export
        assert not subject.startswith("$JS.API.CONSUMER.CREATE"), export
    assert {"stream": "emulation.feed.CITY_STAFF_RECORDS", "accounts": ["CITY_STAFF_RECORDS"]} in department


def test_only_the_administrator_reaches_a_city_accounts_feed_stream_and_nobody_administers_it_from_inside() -> None:
    accounts = server()["accounts"]
    exports = accounts["CITY_STAFF_RECORDS"]["exports"]
    assert exports == [
        {"service": f"$JS.API.STREAM.{op}.EMULATION", "accounts": ["EMULATION"]} for op in ("INFO", "CREATE")
    ]
    [user] = accounts["CITY_STAFF_RECORDS"]["users"]
    denied = user["permissions"]["publish"]["deny"]
    assert set(security.STREAM_ADMIN) <= set(denied)
    assert "$JS.EMULATION.API.>" in denied
    assert user["permissions"]["subscribe"]["deny"] == ["emulation.feed.CITY_STAFF_RECORDS"]
    others = [u for u in accounts["EMULATION"]["users"] if u["user"] != "admin"]
    assert not any("$JS.CITY" in s for u in others for s in u["permissions"]["publish"]["allow"])


def test_a_system_granted_no_event_has_no_jetstream_and_the_readers_may_not_touch_any_feed() -> None:
    accounts = server()["accounts"]
    assert "jetstream" not in accounts["CITY_MAILER"]
    assert not any("feed" in json.dumps(e) for e in accounts["CITY_MAILER"]["imports"])
    api = next(u for u in accounts["EMULATION"]["users"] if u["user"] == "api")
    for feed in ("CITY_STAFF_RECORDS", "CITY_PORTAL"):
        assert f"$JS.API.CONSUMER.CREATE.EMULATION.{feed}" in api["permissions"]["publish"]["deny"]
        assert f"$JS.API.CONSUMER.DELETE.EMULATION.{feed}" in api["permissions"]["publish"]["deny"]
    assert "CITY_MAILER" not in json.dumps(api)
