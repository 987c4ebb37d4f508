"""Human text of the contract: invisible-only names and bidirectional controls are refused, Vietnamese round-trips."""

from __future__ import annotations

import unicodedata
import uuid

import pytest
from pydantic import ValidationError

from shared.events.registry import RegisterUnit, UnitRegistered
from shared.infra.commands import from_validation_error

pytestmark = pytest.mark.unit
VIETNAMESE = "Phòng Công chứng số 1 — Trung tâm Trợ giúp pháp lý Nhà nước, Đội ngũ ưu tú"


def register(name: str) -> dict[str, object]:
    return {
        "command_id": str(uuid.uuid4()),
        "actor": "van-phong-so",
        "unit_id": "u",
        "name": name,
        "kind": "department",
    }


def refusal(name: str) -> dict[str, object]:
    with pytest.raises(ValidationError) as e:
        RegisterUnit.model_validate(register(name))
    error: dict[str, object] = from_validation_error(e.value)["error"]
    return error


@pytest.mark.parametrize(
    "name",
    [
        "\u200b",  # zero-width space
        "\u200b\u200c\u200d",  # zero-width space, non-joiner, joiner
        "\ufeff",  # byte order mark
        " \ufeff \u200b\u2060 ",  # BOM, zero-width space, word joiner and spaces
        "\u00ad\u2063",  # soft hyphen, invisible separator (both category Cf)
        "\u3000\u200b",  # ideographic space
    ],
)
def test_names_made_only_of_invisible_characters_are_refused(name: str) -> None:
    error = refusal(name)
    assert error["code"] == "invalid_field" and error["field"] == "name"
    assert "must contain visible characters" in str(error["message"])


@pytest.mark.parametrize(
    ("name", "control"),
    [
        ("Phòng A\u202egpj.exe", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("\u202dPhòng B", "U+202D LEFT-TO-RIGHT OVERRIDE"),
        ("Phòng \u2067C\u2069", "U+2067 RIGHT-TO-LEFT ISOLATE"),
        ("Phòng\u200f D", "U+200F RIGHT-TO-LEFT MARK"),
        ("Phòng \u202bE\u202c", "U+202B RIGHT-TO-LEFT EMBEDDING"),
        ("Phòng \u061cF", "U+061C ARABIC LETTER MARK"),
    ],
)
def test_names_holding_bidirectional_controls_are_refused(name: str, control: str) -> None:
    error = refusal(name)
    assert error == {
        "code": "invalid_field",
        "message": f"name: Value error, must not contain bidirectional controls ({control})",
        "field": "name",
    }


def test_the_same_rules_hold_for_long_text_and_nested_text() -> None:
    from shared.events.registry import StaffPledge, UnitWithdrawn

    with pytest.raises(ValidationError):
        UnitWithdrawn(campaign_id="2022", unit_id="u", reason="\ufeff\u200b")
    with pytest.raises(ValidationError):
        StaffPledge(person="Nguyễn\u202eVăn A", target_title="lao-dong-tien-tien")


def test_vietnamese_text_round_trips_exactly_in_nfc() -> None:
    assert unicodedata.is_normalized("NFC", VIETNAMESE)
    unit = RegisterUnit.model_validate(register(VIETNAMESE))
    assert unit.name == VIETNAMESE
    assert RegisterUnit.model_validate_json(unit.model_dump_json()).name == VIETNAMESE
    decomposed = unicodedata.normalize("NFD", VIETNAMESE)
    assert decomposed != VIETNAMESE
    assert RegisterUnit.model_validate(register(decomposed)).name == VIETNAMESE
    assert UnitRegistered(unit_id="u", name=decomposed, kind="department").name.encode() == VIETNAMESE.encode()


def test_visible_text_may_keep_joiners_inside_it() -> None:
    """Zero-width joiners are part of some writing (emoji sequences): refused only when nothing else is there."""
    family = "Tổ công đoàn 👨\u200d👩\u200d👧"
    assert RegisterUnit.model_validate(register(family)).name == family
