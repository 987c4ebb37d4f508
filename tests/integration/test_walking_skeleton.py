"""launch_campaign end to end: NATS request → registry store → relay → JetStream → evaluation view → HTTP."""

from __future__ import annotations

import copy
import json
import uuid

import pytest

from emulation.demo import load_scenario
from tests.support.system import System, decode, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.both_stores]


def launch(campaign_id: str = "2022", **changes: object) -> dict[str, object]:
    campaign = copy.deepcopy(load_scenario()["campaign"])
    campaign["campaign_id"] = campaign_id
    return {"command_id": str(uuid.uuid4()), "actor": "van-phong-so", **campaign, **changes}


async def test_launch_campaign_reaches_the_read_api(system: System) -> None:
    system.start("registry")
    system.start("evaluation")
    system.start_api()
    body = launch()
    reply = await system.send("launch_campaign", body)
    assert reply["ok"] is True
    [event] = reply["events"]
    assert event["type"] == "campaign_launched.v1"

    campaigns = await wait_for(lambda: system.get("/v1/campaigns"))
    assert [c["campaign_id"] for c in campaigns] == ["2022"]
    one = system.get("/v1/campaigns/2022")
    assert one["title"] == "Phong trào thi đua yêu nước năm 2022"
    assert one["registration_deadline"] == "2022-01-20"
    assert [c["no"] for c in one["contents"]] == list(range(1, 11))

    [msg] = await system.stream_messages("emulation.events.2022.campaign_launched")
    envelope = decode(msg)
    assert msg.headers["Nats-Msg-Id"] == event["id"] == envelope["id"]
    assert envelope["specversion"] == "1.0"
    assert envelope["type"] == "campaign_launched.v1"
    assert envelope["source"] == "/services/registry"
    assert envelope["actor"] == "van-phong-so"
    assert envelope["causationid"] == body["command_id"]
    assert envelope["correlationid"] == body["command_id"]
    assert envelope["data"]["theme"] == body["theme"]

    with system.http() as http:
        assert http.get("/healthz").json() == {"status": "ok"}
        assert http.get("/openapi.json").json()["paths"]["/v1/campaigns"]
        missing = http.get("/v1/campaigns/2099")
        assert missing.status_code == 404
        assert missing.json()["detail"]["code"] == "unknown_campaign"


async def test_same_command_id_returns_same_reply_and_records_nothing_new(system: System) -> None:
    system.start("registry")
    body = launch()
    first = await system.send("launch_campaign", body)
    again = await system.send("launch_campaign", body)
    assert first == again and first["ok"]
    assert system.stored_topics("registry")["Campaign.Launched"] == 1
    different_id = await system.send("launch_campaign", {**body, "command_id": str(uuid.uuid4())})
    assert different_id["ok"] is False
    assert different_id["error"]["code"] == "campaign_exists"
    assert different_id["error"]["field"] == "campaign_id"
    assert system.stored_topics("registry")["Campaign.Launched"] == 1


async def test_vietnamese_text_is_nfc_normalised_and_round_trips(system: System) -> None:
    system.start("registry")
    system.start("evaluation")
    system.start_api()
    decomposed = "Phong tra\u0300o thi đua yêu nươ\u0301c"  # NFD: combining grave and acute
    reply = await system.send("launch_campaign", launch("nfc", title=decomposed))
    assert reply["ok"], reply
    got = await wait_for(lambda: system.get("/v1/campaigns"))
    assert got[0]["title"] == "Phong trào thi đua yêu nước"
    assert got[0]["title"].encode() == "Phong trào thi đua yêu nước".encode()


BAD = [
    (b"{not json", "invalid_json", None),
    (b"\xff\xfe\x00", "invalid_json", None),
    (b"[1, 2]", "invalid_json", None),
    (json.dumps({k: v for k, v in launch().items() if k != "title"}).encode(), "missing_field", "title"),
    (json.dumps(launch(year="two thousand")).encode(), "invalid_field", "year"),
    (json.dumps(launch(campaign_id="2022.bad id")).encode(), "invalid_id", "campaign_id"),
    (json.dumps(launch(campaign_id="a>b")).encode(), "invalid_id", "campaign_id"),
    (json.dumps({**launch(), "colour": "red"}).encode(), "unknown_field", "colour"),
    (json.dumps(launch(command_id="not-a-uuid")).encode(), "invalid_field", "command_id"),
    (json.dumps(launch(registration_deadline="2023-02-01")).encode(), "date_out_of_period", "registration_deadline"),
    (b"x" * 300_000, "payload_too_large", None),
]


@pytest.mark.parametrize(("body", "code", "field"), BAD, ids=[b[1] + "-" + str(i) for i, b in enumerate(BAD)])
async def test_bad_command_gets_structured_error_at_once_and_records_nothing(
    system: System, body: bytes, code: str, field: str | None
) -> None:
    system.start("registry")
    await system.send("launch_campaign", launch("warmup"))
    before = system.stored_topics("registry")
    msg = await system.nc.request("emulation.cmd.launch_campaign", body, timeout=5)
    reply = json.loads(msg.data)
    assert reply["ok"] is False
    assert reply["error"]["code"] == code
    assert reply["error"]["field"] == field
    assert reply["error"]["message"]
    assert system.stored_topics("registry") == before


async def test_unknown_command_is_answered_not_left_to_time_out(system: System) -> None:
    system.start("registry")
    await system.send("launch_campaign", launch("warmup"))
    msg = await system.nc.request("emulation.cmd.frobnicate", b"{}", timeout=2)
    assert json.loads(msg.data)["error"]["code"] == "unknown_command"
