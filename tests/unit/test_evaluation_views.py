"""Evaluation views fed the envelopes the relay would publish: standings, sealed tallies, redelivery."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from services.evaluation.adapters.views import AwardsView, StandingsView, VotesView
from services.evaluation.factory import build_views
from shared.events.catalog import EVENT_TYPES
from shared.events.envelope import CloudEvent
from shared.infra.eventstore import ProvenanceMapper, event_id
from shared.infra.settings import Settings
from shared.infra.views import View
from tests.unit.test_evaluation_application import BLOCK, C, Driver, report, vote

pytestmark = pytest.mark.unit


def registry_event(name: str, data: dict[str, Any], n: int) -> CloudEvent:
    etype = next(t for t in EVENT_TYPES.values() if t.name == name)
    payload = json.loads(etype.model.model_validate(data).model_dump_json())
    return CloudEvent(
        id=f"reg-{n}",
        source="/services/registry",
        type=etype.type,
        time=datetime(2022, 1, 1, tzinfo=UTC),
        data=payload,
        actor="van-phong-so",
        causationid=f"cmd-{n}",
        correlationid=f"cmd-{n}",
    )


def registry_facts() -> list[CloudEvent]:
    events = [
        registry_event(
            "campaign_launched",
            {
                "campaign_id": C,
                "kind": "yearly",
                "year": 2022,
                "title": "Phong trào 2022",
                "document_number": "5039/KH-STP-VP",
                "issued_on": "2021-12-28",
                "issued_by": "Sở Tư pháp",
                "signed_by": "Huỳnh Văn Hạnh",
                "theme": "Thích ứng an toàn",
                "period_start": "2022-01-01",
                "period_end": "2022-12-31",
                "registration_deadline": "2022-01-20",
                "secretariat_unit_id": "u1",
                "contents": [{"no": 4, "title": "Hoàn thành nhiệm vụ"}],
            },
            0,
        )
    ]
    for block, units in BLOCK.items():
        events.append(
            registry_event("block_defined", {"campaign_id": C, "block_id": block, "name": f"Khối {block}"}, 1)
        )
        for unit in units:
            events.append(
                registry_event("unit_assigned_to_block", {"campaign_id": C, "block_id": block, "unit_id": unit}, 2)
            )
    return events


def published(d: Driver) -> list[CloudEvent]:
    """What the outbox relay would publish for everything the application recorded."""
    mapper = d.app.mapper
    assert isinstance(mapper, ProvenanceMapper)
    out = []
    for n in d.app.recorder.select_notifications(start=1, limit=100_000):
        domain_event, meta = mapper.decode_notification(n)
        wired = d.app.wire.envelope(domain_event, event_id(n.originator_id, n.originator_version), meta)
        if wired is not None:
            out.append(CloudEvent.model_validate(wired[1].model_dump(mode="json")))
    return out


def stream(d: Driver) -> list[tuple[int, CloudEvent]]:
    return list(enumerate(registry_facts() + published(d), start=1))


def views_of(data_dir: Path) -> dict[str, View]:
    return {v.name: v for v in build_views(Settings(data_dir=data_dir))}


@pytest.fixture
def views(tmp_path: Path) -> dict[str, View]:
    return views_of(tmp_path)


def feed(views: dict[str, View], batch: list[tuple[int, CloudEvent]]) -> int:
    return sum(v.apply(batch) for v in views.values())


def year(d: Driver) -> None:
    d("set_scoring_table", criteria=[{"criterion_id": "nv", "title": "Nhiệm vụ", "max_points": 50}],
      penalties=[{"item_id": "late-report", "title": "Trễ hạn", "points": 3}])  # fmt: skip
    report(d, "a1", unit="u1", claimed_points=20)
    report(d, "a2", unit="u2", claimed_points=25)
    report(d, "a3", unit="u3", claimed_points=23, due_on="2000-01-01")  # late: 23 - 3 = 20, ties with u1
    report(d, "a4", unit="u4", claimed_points=40)
    d("verify_achievement", achievement_id="a1")
    d("verify_achievement", achievement_id="a2", points=20, reason="Thiếu minh chứng")  # 20, no late: ties
    d("verify_achievement", achievement_id="a3")
    d("reject_achievement", achievement_id="a4", reason="Ngoài kỳ")


def test_standings_rank_with_the_documented_tie_break(views: dict[str, View]) -> None:
    d = Driver()
    year(d)
    feed(views, stream(d))
    standings: StandingsView = views["standings"]  # type: ignore[assignment]
    b1 = standings.standings(C, "b1")["b1"]
    assert [(u["unit_id"], u["rank"], u["verified_score"], u["late_count"]) for u in b1] == [
        ("u1", 1, 20.0, 0),  # 20, no late item, id before u2
        ("u2", 2, 20.0, 0),
        ("u3", 3, 20.0, 1),  # 20 after the late penalty, one late item
        ("u4", 4, 0.0, 0),  # rejected
    ]
    assert b1[3]["claimed_score"] == 40.0 and b1[3]["rejected_count"] == 1
    assert set(standings.standings(C)) == {"b1", "b2"}
    a2 = standings.achievements(C, unit="u2")[0]
    assert (a2["status"], a2["points"], a2["adjusted"], a2["reason"]) == ("verified", 20.0, True, "Thiếu minh chứng")


def test_tally_is_sealed_until_the_round_closes(views: dict[str, View]) -> None:
    d = Driver()
    d("open_vote_round", block_id="b1", round_id="r1")
    vote(d, "r1", {"u1": "u2", "u2": "u1", "u3": "u1", "u4": "u2"})
    feed(views, stream(d))
    votes: VotesView = views["votes"]  # type: ignore[assignment]
    [r1] = votes.rounds(C)
    assert (r1["status"], r1["voters"], r1["tally"]) == ("open", 4, None)
    assert r1["voted"] == ["u1", "u2", "u3", "u4"]
    for e in published(d):
        if e.event_name == "block_vote_cast":
            assert set(e.data) == {"campaign_id", "block_id", "round_id", "voter_unit_id", "commitment"}
    assert r1["ballots"] is None
    d("close_vote_round", block_id="b1", round_id="r1")
    feed(views, stream(d))
    r1, r2 = votes.rounds(C)
    assert (r1["status"], r1["tally"], r1["runoff_candidates"], r1["rejected"]) == (
        "runoff",
        {"u1": 2, "u2": 2, "u3": 0, "u4": 0},
        ["u1", "u2"],
        0,
    )
    assert sorted(b["candidate_unit_id"] for b in r1["ballots"]) == ["u1", "u1", "u2", "u2"]
    assert all(set(b) == {"ballot", "candidate_unit_id"} for b in r1["ballots"])
    found = votes.ballot(C, r1["ballots"][0]["ballot"])
    assert found is not None and (found["round_id"], found["candidate_unit_id"]) == (
        "r1",
        r1["ballots"][0]["candidate_unit_id"],
    )
    assert r1["reason"] == "tie at 2 votes between u1, u2"
    assert (r2["round_id"], r2["runoff_of"], r2["status"], r2["candidates"]) == ("r1-r2", "r1", "open", ["u1", "u2"])


def test_an_event_delivered_twice_changes_nothing(views: dict[str, View]) -> None:
    d = Driver()
    year(d)
    d("open_vote_round", block_id="b1", round_id="r1")
    vote(d, "r1", {"u1": "u2", "u3": "u2", "u4": "u2"})
    d("close_vote_round", block_id="b1", round_id="r1")
    d("propose_award", actor="u2", proposal_id="flag", award="co-thi-dua-ubnd-thanh-pho", unit_id="u2")
    d("decide_award", proposal_id="flag", votes_for=8, votes_against=1, members_present=9)
    batch = stream(d)
    assert feed(views, batch) > 0
    before = {name: v.checksum() for name, v in views.items()}
    assert feed(views, batch) == 0  # the whole batch again
    for one in batch:  # and each message again, one by one
        assert feed(views, [one]) == 0
    assert {name: v.checksum() for name, v in views.items()} == before
    awards: AwardsView = views["awards"]  # type: ignore[assignment]
    [flag] = awards.proposals(C)
    assert flag["status"] == "approved" and flag["decision"]["votes_for"] == 8
    assert views["votes"].leaders(C) == {"b1": "u2"}  # type: ignore[attr-defined]


def test_campaign_amended_and_closed_and_unit_withdrawn(views: dict[str, View]) -> None:
    facts = registry_facts()
    later = [
        registry_event("campaign_amended", {"campaign_id": C, "changes": {"title": "Phong trào thi đua năm 2022"}}, 3),
        registry_event("unit_withdrawn", {"campaign_id": C, "unit_id": "u4", "block_id": "b1"}, 4),
        registry_event("campaign_closed", {"campaign_id": C, "reason": "Tổng kết năm"}, 5),
    ]
    feed(views, list(enumerate(facts + later, start=1)))
    campaign = views["evaluation-reference"].campaign(C)  # type: ignore[attr-defined]
    assert (campaign["title"], campaign["status"], campaign["closed_reason"]) == (
        "Phong trào thi đua năm 2022",
        "closed",
        "Tổng kết năm",
    )
    assert views["evaluation-reference"].members(C, "b1") == ["u1", "u2", "u3"]  # type: ignore[attr-defined]
