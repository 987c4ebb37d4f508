"""The AsyncAPI document and JSON Schemas in docs/ are the ones the code generates (regenerate with
`emulation asyncapi` and `emulation schemas`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emulation.specs import asyncapi_document
from shared.events.catalog import COMMAND_TYPES, EVENT_TYPES
from shared.events.schemas import json_schemas

pytestmark = pytest.mark.unit
DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_asyncapi_document_is_current_and_lists_every_command_and_event() -> None:
    generated = asyncapi_document()
    assert generated["asyncapi"] == "3.0.0"
    assert json.loads((DOCS / "asyncapi.json").read_text()) == json.loads(json.dumps(generated)), (
        "run `emulation asyncapi`"
    )
    channels = set(generated["channels"])
    assert set(COMMAND_TYPES) <= channels
    assert set(EVENT_TYPES) <= channels


def test_json_schemas_are_current() -> None:
    for name, schema in json_schemas().items():
        assert json.loads((DOCS / "schemas" / f"{name}.json").read_text()) == schema, (
            f"run `emulation schemas` ({name})"
        )
