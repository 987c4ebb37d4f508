"""The wire contract: ids, NFC text, envelope, command validation errors."""

from __future__ import annotations

import json
import unicodedata
import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from emulation.demo import load_scenario
from shared.events import COMMAND_TYPES, EVENT_TYPES, CloudEvent, event_subject
from shared.events.registry import LaunchCampaign, UnitRegistered
from shared.events.schemas import json_schemas
from shared.infra.commands import check_body, from_validation_error

pytestmark = pytest.mark.unit


def launch(**changes: object) -> dict[str, object]:
    return {"command_id": str(uuid.uuid4()), "actor": "van-phong-so", **load_scenario()["campaign"], **changes}


def test_scenario_campaign_is_a_valid_launch_command() -> None:
    cmd = LaunchCampaign.model_validate(launch())
    assert cmd.document_number == "5039/KH-STP-VP"
    assert len(cmd.contents) == 10


def test_text_is_nfc_normalised_and_trimmed() -> None:
    nfd = unicodedata.normalize("NFD", " Phòng Công chứng số 1 ")
    unit = UnitRegistered(unit_id="phong-cong-chung-so-1", name=nfd, kind="affiliated")
    assert unit.name == "Phòng Công chứng số 1"
    assert unicodedata.is_normalized("NFC", unit.name)


@pytest.mark.parametrize("name", ["", "   ", "bad\x00name", "x" * 301])
def test_bad_names_are_refused(name: str) -> None:
    with pytest.raises(ValidationError):
        UnitRegistered(unit_id="u", name=name, kind="department")


@pytest.mark.parametrize("bad_id", ["2022.x", "a b", "*", ">", "UPPER", "-lead", "x" * 65, ""])
def test_ids_must_be_subject_tokens(bad_id: str) -> None:
    with pytest.raises(ValidationError) as e:
        LaunchCampaign.model_validate(launch(campaign_id=bad_id))
    reply = from_validation_error(e.value)
    assert reply["error"]["code"] == "invalid_id"
    assert reply["error"]["field"] == "campaign_id"


def test_validation_errors_name_their_field_and_code() -> None:
    body = launch()
    del body["theme"]
    with pytest.raises(ValidationError) as e:
        LaunchCampaign.model_validate(body)
    assert from_validation_error(e.value)["error"] | {"message": ""} == {
        "code": "missing_field",
        "field": "theme",
        "message": "",
    }
    with pytest.raises(ValidationError) as e:
        LaunchCampaign.model_validate(launch(contents=[{"no": 0, "title": "x"}]))
    assert from_validation_error(e.value)["error"]["field"] == "contents.0.no"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{", "invalid_json"),
        (b"\xc3\x28", "invalid_json"),
        (b'"text"', "invalid_json"),
        (b"x" * 262_145, "payload_too_large"),
    ],
)
def test_bodies_that_are_not_json_objects_are_refused(body: bytes, code: str) -> None:
    problem = check_body(body)
    assert problem is not None and problem["error"]["code"] == code


def test_a_json_object_passes_the_body_check() -> None:
    assert check_body(json.dumps(launch()).encode()) is None
    assert check_body(b'{"a":' * 31 + b"[1.5e300]" + b"}" * 31) is None  # 32 levels


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[" * 100_000, "command body nests deeper than 32 levels"),
        (b"[" * 50_000 + b"]" * 50_000, "command body nests deeper than 32 levels"),
        (b'{"a":' * 40_000 + b"1" + b"}" * 40_000, "command body nests deeper than 32 levels"),
        (b'{"a":' * 32 + b"[]" + b"}" * 32, "command body nests deeper than 32 levels"),
        (b'{"year": 1e999999}', "command body is not JSON: the number 1e999999 is out of range"),
        (b'{"year": -1e999999}', "command body is not JSON: the number -1e999999 is out of range"),
        (b'{"year": ' + b"9" * 5000 + b"}", "command body is not JSON: a number is too long"),
        (b'{"year": NaN}', "command body is not JSON: NaN is not a JSON value"),
        (b'{"year": -Infinity}', "command body is not JSON: -Infinity is not a JSON value"),
    ],
)
def test_pathological_bodies_are_refused_with_a_message(body: bytes, message: str) -> None:
    assert check_body(body) == {"ok": False, "error": {"code": "invalid_json", "message": message, "field": None}}


def test_event_subjects() -> None:
    assert event_subject("2022", "campaign_launched") == "emulation.events.2022.campaign_launched"
    assert event_subject(None, "unit_registered") == "emulation.events._.unit_registered"


def test_envelope_names_its_event_and_version() -> None:
    e = CloudEvent(
        id="1",
        source="/services/registry",
        type="campaign_launched.v1",
        time=datetime(2022, 1, 1, tzinfo=UTC),
        data={},
        actor="a",
        causationid="c",
        correlationid="c",
    )
    assert (e.event_name, e.version, e.specversion) == ("campaign_launched", 1, "1.0")


def test_every_event_and_command_exports_a_json_schema() -> None:
    schemas = json_schemas()
    assert {f"events/{t}" for t in EVENT_TYPES} <= set(schemas)
    assert {f"commands/{c}" for c in COMMAND_TYPES} <= set(schemas)
    for required in (
        "campaign_launched.v1",
        "unit_registered.v1",
        "achievement_reported.v1",
        "block_vote_cast.v1",
        "award_proposed.v1",
    ):
        assert f"events/{required}" in schemas
    assert schemas["envelope"]["properties"]["specversion"]
