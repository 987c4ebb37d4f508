"""The AsyncAPI document and JSON Schemas in docs/ are the ones the code generates (regenerate with
`emulation asyncapi` and `emulation schemas`); the variables tables list every setting with its default."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from emulation.specs import asyncapi_document
from services.notification.config import NotifierConfig
from shared.events.catalog import COMMAND_TYPES, EVENT_TYPES
from shared.events.inbound import INBOUND_TYPES
from shared.events.schemas import json_schemas
from shared.infra.settings import EnvSettings, Settings

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def test_asyncapi_document_is_current_and_lists_every_command_and_event() -> None:
    generated = asyncapi_document()
    assert generated["asyncapi"] == "3.0.0"
    assert json.loads((DOCS / "asyncapi.json").read_text()) == json.loads(json.dumps(generated)), (
        "run `emulation asyncapi`"
    )
    channels = set(generated["channels"])
    assert set(COMMAND_TYPES) <= channels
    assert set(EVENT_TYPES) <= channels
    assert set(INBOUND_TYPES) <= channels  # the inbound direction, each on its system's own subjects
    assert generated["channels"]["dossier_resolved.v1"]["address"] == "city.one-stop.events.dossier_resolved"


def test_json_schemas_are_current() -> None:
    for name, schema in json_schemas().items():
        assert json.loads((DOCS / "schemas" / f"{name}.json").read_text()) == schema, (
            f"run `emulation schemas` ({name})"
        )


def documented(doc: Path) -> dict[str, str]:
    """Variable → its default column, from the variables tables of `doc` (a row may name several variables)."""
    rows = [
        line.split(" | ") for line in doc.read_text(encoding="utf-8").splitlines() if line.startswith("| `EMULATION_")
    ]
    return {variable: row[1] for row in rows for variable in re.findall(r"`(EMULATION_\w+)`", row[0])}


@pytest.mark.parametrize(
    ("config", "doc"), [(Settings, ROOT / "README.md"), (NotifierConfig, DOCS / "contract" / "notification.md")]
)
def test_every_setting_is_documented_with_its_default(config: type[EnvSettings], doc: Path) -> None:
    table = documented(doc)
    for variable, default in config().model_dump(by_alias=True).items():
        assert variable in table, f"{variable} is not in the table of {doc.name}"
        shown = table[variable]
        if default == "":  # said in words: "empty", or what it stands for (`<data dir>-keys`)
            assert "empty" in shown or shown.startswith("`<"), f"{doc.name}: {variable} | {shown}"
        else:  # the documented value, read as that variable, is the default
            read = config.from_env({variable: shown.strip("`")}).model_dump(by_alias=True)[variable]
            assert read == default, f"{doc.name}: {variable} | {shown}, but the default is {default!r}"
