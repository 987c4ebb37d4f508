"""A real version change: vote_round_closed v1 (no winner) still replays, upcast to v2."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from services.evaluation.factory import build_views
from shared.events.catalog import EVENT_TYPES
from shared.events.upcasting import upcast
from shared.infra.consumer import parse
from shared.infra.settings import Settings

pytestmark = pytest.mark.unit

V1 = {
    "campaign_id": "2022",
    "block_id": "khoi-don-vi-truc-thuoc",
    "round_id": "r1",
    "tally": {"phong-cong-chung-so-1": 6, "phong-cong-chung-so-2": 3},
    "ballots": [],
    "voters": 9,
    "eligible": 9,
    "quorum_met": True,
    "outcome": "elected",
}


def test_both_versions_are_in_the_contract_and_the_relay_publishes_v2() -> None:
    assert {"vote_round_closed.v1", "vote_round_closed.v2"} <= set(EVENT_TYPES)
    EVENT_TYPES["vote_round_closed.v1"].model.model_validate(V1)
    with pytest.raises(ValueError):
        EVENT_TYPES["vote_round_closed.v2"].model.model_validate(V1)  # v2 requires `winner`
    from services.evaluation.adapters.wire import WIRE

    assert WIRE.event_types["vote_round_closed"].type == "vote_round_closed.v2"


def test_upcaster_names_the_winner_only_when_one_was_elected() -> None:
    assert upcast("vote_round_closed", 1, V1) == (2, {**V1, "winner": "phong-cong-chung-so-1"})
    assert upcast("vote_round_closed", 1, {**V1, "outcome": "runoff"})[1]["winner"] is None
    assert upcast("vote_round_closed", 2, {**V1, "winner": None}) == (2, {**V1, "winner": None})


def test_a_stored_v1_message_is_read_as_v2(tmp_path: Path) -> None:
    envelope = {
        "specversion": "1.0", "id": "e1", "source": "/services/evaluation", "type": "vote_round_closed.v1",
        "time": datetime(2022, 12, 20, tzinfo=UTC).isoformat(), "datacontenttype": "application/json", "data": V1,
        "actor": "council:chu-tich", "causationid": "c", "correlationid": "c",
    }  # fmt: skip
    event = parse(SimpleNamespace(data=json.dumps(envelope).encode()))  # type: ignore[arg-type]
    assert event.type == "vote_round_closed.v2" and event.data["winner"] == "phong-cong-chung-so-1"
    votes = next(v for v in build_views(replace(Settings(), data_dir=tmp_path)) if v.name == "votes")
    assert votes.apply([(1, event)]) == 1
