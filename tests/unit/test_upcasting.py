"""Real version changes: vote_round_closed v1 (no winner) and v2 (ballots with voters), block_vote_cast v1 (no
commitment) and evaluation_policy_set v1 (no minimum of voters) still replay, upcast to the newest."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

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
    "tally": {"phong-cong-chung-so-1": 2, "phong-cong-chung-so-2": 1},
    "ballots": [
        {"voter_unit_id": "phong-cong-chung-so-2", "candidate_unit_id": "phong-cong-chung-so-1"},
        {"voter_unit_id": "phong-cong-chung-so-3", "candidate_unit_id": "phong-cong-chung-so-1"},
        {"voter_unit_id": "phong-cong-chung-so-1", "candidate_unit_id": "phong-cong-chung-so-2"},
    ],
    "voters": 3,
    "eligible": 3,
    "quorum_met": True,
    "outcome": "elected",
}


def envelope(type_: str, data: dict[str, Any]) -> SimpleNamespace:
    body = {
        "specversion": "1.0", "id": "e1", "source": "/services/evaluation", "type": type_,
        "time": datetime(2022, 12, 20, tzinfo=UTC).isoformat(), "datacontenttype": "application/json", "data": data,
        "actor": "council:chu-tich", "causationid": "c", "correlationid": "c",
    }  # fmt: skip
    return SimpleNamespace(data=json.dumps(body).encode())


def test_every_version_is_in_the_contract_and_the_relay_publishes_the_newest() -> None:
    assert {"vote_round_closed.v1", "vote_round_closed.v2", "vote_round_closed.v3"} <= set(EVENT_TYPES)
    assert {"block_vote_cast.v1", "block_vote_cast.v2", "evaluation_policy_set.v2"} <= set(EVENT_TYPES)
    EVENT_TYPES["vote_round_closed.v1"].model.model_validate(V1)
    with pytest.raises(ValueError):
        EVENT_TYPES["vote_round_closed.v2"].model.model_validate(V1)  # v2 requires `winner`
    from services.evaluation.adapters.wire import WIRE

    assert WIRE.event_types["vote_round_closed"].type == "vote_round_closed.v3"
    assert WIRE.event_types["block_vote_cast"].type == "block_vote_cast.v2"
    assert WIRE.event_types["evaluation_policy_set"].type == "evaluation_policy_set.v4"
    assert WIRE.event_types["award_proposed"].type == "award_proposed.v2"


def test_upcasters_name_the_winner_and_drop_the_voters() -> None:
    version, v3 = upcast("vote_round_closed", 1, V1)
    assert version == 3 and v3["winner"] == "phong-cong-chung-so-1"
    assert v3["ballots"] == [
        {"ballot": None, "candidate_unit_id": "phong-cong-chung-so-1"},
        {"ballot": None, "candidate_unit_id": "phong-cong-chung-so-1"},
        {"ballot": None, "candidate_unit_id": "phong-cong-chung-so-2"},
    ]
    assert (v3["rejected"], v3["min_voters"]) == (0, 1)
    assert "voter_unit_id" not in json.dumps(v3)
    assert upcast("vote_round_closed", 1, {**V1, "outcome": "runoff"})[1]["winner"] is None
    assert upcast("block_vote_cast", 1, {"voter_unit_id": "u"}) == (2, {"voter_unit_id": "u", "commitment": None})
    assert upcast("evaluation_policy_set", 1, {"policy": {"vote_share": 0.5}})[1]["policy"]["vote_min_voters"] == 3
    version, v4 = upcast("evaluation_policy_set", 2, {"policy": {"vote_min_voters": 4}})
    assert version == 4 and v4["policy"] == {
        "vote_min_voters": 4,
        "dossier_points_max": 0.0,
        "late_dossier_penalty": 0.0,
        "cstdcs_consecutive_years": 3,
    }
    assert upcast("award_proposed", 1, {"proposal_id": "p"}) == (2, {"proposal_id": "p", "achievement": None})


def test_stored_older_messages_are_read_as_the_newest(tmp_path: Path) -> None:
    closed = parse(envelope("vote_round_closed.v1", V1))  # type: ignore[arg-type]
    assert closed.type == "vote_round_closed.v3" and closed.data["winner"] == "phong-cong-chung-so-1"
    EVENT_TYPES["vote_round_closed.v3"].model.model_validate(closed.data)
    cast = parse(envelope("block_vote_cast.v1", {k: V1[k] for k in ("campaign_id", "block_id", "round_id")} | {
        "voter_unit_id": "phong-cong-chung-so-1"}))  # type: ignore[arg-type]  # fmt: skip
    assert cast.type == "block_vote_cast.v2" and cast.data["commitment"] is None
    votes = next(v for v in build_views(Settings(data_dir=tmp_path)) if v.name == "votes")
    assert votes.apply([(1, closed), (2, cast)]) == 2
