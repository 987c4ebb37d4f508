"""The votes, awards and audit pages' own logic: grouping and linking rounds, turnout, the award titles' order,
rule names, time filters, and what the votes template shows of a round in each state (never an open round's
counts, a withheld result said as such)."""

from __future__ import annotations

from typing import Any

import pytest

from services.read_api.access import OPEN
from services.read_api.workspace import audit, awards, votes
from services.read_api.workspace.render import templates
from services.read_api.workspace.rosters import Names
from tests.support.testids import Tags

pytestmark = pytest.mark.unit
B = "khoi-a"


def round_(round_id: str, status: str, **extra: Any) -> dict[str, Any]:
    eligible = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
    closed = status != "open"
    return {
        "block_id": B, "round_id": round_id, "status": status, "runoff_of": None, "candidates": eligible,
        "eligible_voters": eligible, "voted": eligible[:5], "voters": 5, "share": 0.5, "quorum": 2 / 3,
        "self_vote_allowed": False, "tally": None, "ballots": None, "rejected": 0 if closed else None,
        "min_voters": 3 if closed else None, "quorum_met": None, "outcome": status if closed else None,
        "reason": None, "winner": None, "runoff_candidates": None,
    } | extra  # fmt: skip


def test_rounds_are_grouped_by_block_and_a_runoff_links_both_ways() -> None:
    first = round_("r1", "runoff", tally={"a": 4, "b": 4, "c": 1}, runoff_candidates=["a", "b"])
    second = round_("r1-2", "elected", runoff_of="r1", tally={"b": 3, "a": 6}, winner="a")
    other = round_("x", "open", block_id="khoi-b")
    [(b1, [r1, r2]), (b2, [x])] = votes.rounds_by_block([first, other, second], [B, "khoi-b", "khoi-c"])
    assert (b1, b2) == (B, "khoi-b")
    assert r1["runoffs"] == [{"round_id": "r1-2", "anchor": "vong-khoi-a-r1-2"}] and r1["runoff_anchor"] is None
    assert r2["runoff_anchor"] == "vong-khoi-a-r1" and r2["runoffs"] == []
    assert r2["results"] == [("a", 6), ("b", 3)] and r1["results"] == [("a", 4), ("b", 4), ("c", 1)]
    assert x["results"] == [] and x["anchor"] == "vong-khoi-b-x"


def test_turnout_counts_whole_units_for_the_quorum() -> None:
    assert votes.turnout(round_("r", "open"))["need"] == 6  # 2/3 of 9
    eight = round_("r", "open", eligible_voters=list("abcdefgh"), voted=["a"], voters=1)
    assert votes.turnout(eight) | {"share": None} == {
        "eligible": 8, "voters": 1, "share": None, "need": 6, "not_yet": list("bcdefgh")  # 5.33 → 6
    }  # fmt: skip


def render_votes(*rounds: dict[str, Any]) -> Tags:
    html = templates.get_template("votes.html").render(
        principal=OPEN, signed_in=True, role="council", title="t", section="votes", status_names=votes.STATUS,
        campaign={"campaign_id": "2022", "year": 2022, "title": "Phong trào thi đua yêu nước năm 2022"},
        blocks=votes.rounds_by_block(list(rounds), [B]), leaders={}, names=Names({"a": "Văn phòng Sở"}, {B: "Khối A"}),
    )  # fmt: skip
    return Tags(html)


def test_an_open_round_shows_turnout_only_and_a_withheld_result_says_why() -> None:
    page = render_votes(
        round_("open", "open"),
        round_("small", "failed", voted=["a", "b"], voters=2, reason="2 ballot(s) counted"),
        round_("done", "elected", tally={"a": 6, "b": 3}, winner="a", ballots=[{"ballot": "x" * 43, "candidate_unit_id": "a"}]),
    )  # fmt: skip
    assert [r["data-status"] for r in page.all("vote-round")] == ["open", "failed", "elected"]
    assert page.one("vote-turnout", **{"data-round": "vong-khoi-a-open"})["data-voters"] == "5"
    for quiet in ("vong-khoi-a-open", "vong-khoi-a-small"):
        assert page.all("vote-result", **{"data-round": quiet}) == page.all("vote-bar", **{"data-round": quiet}) == []
    assert "dưới mức tối thiểu 3 phiếu" in page.one("vote-withheld", **{"data-round": "vong-khoi-a-small"})["text"]
    assert [r["data-unit-id"] for r in page.all("vote-bar", **{"data-round": "vong-khoi-a-done"})] == ["a", "b"]
    assert "Văn phòng Sở" in page.one("vote-winner")["text"]


def test_award_titles_in_catalogue_order_and_rules_named_for_people() -> None:
    rows = [
        {"award": "co-thi-dua-ubnd-thanh-pho", "eligible": False, "status": "ineligible"},
        {"award": "lao-dong-tien-tien", "eligible": True, "status": "approved"},
        {"award": "not-in-catalogue", "eligible": True, "status": "proposed"},
        {"award": "lao-dong-tien-tien", "eligible": True, "status": "proposed"},
    ]
    titles = awards.by_title(rows)
    assert [(t["numeral"], t["award"], len(t["proposals"]), t["eligible"], t["approved"]) for t in titles] == [
        ("I", "lao-dong-tien-tien", 2, 2, 1),
        ("II", "co-thi-dua-ubnd-thanh-pho", 1, 0, 0),
        ("III", "not-in-catalogue", 1, 1, 0),
    ]
    assert titles[1]["title"] == "Cờ thi đua của Ủy ban nhân dân Thành phố"
    assert awards.rule_name("holds-lao-dong-tien-tien") == "Đã đạt Lao động tiên tiến"
    assert awards.rule_name("block-leader") == "Được suy tôn dẫn đầu khối"
    assert awards.rule_name("a-new-rule") == "a-new-rule"


def test_audit_times_are_read_as_utc_and_a_bad_one_is_reported() -> None:
    problems: list[str] = []
    assert audit.moment("2022-01-20T07:30", "Từ", problems) == "2022-01-20T07:30:00+00:00"
    assert audit.moment("  ", "Từ", problems) is None and problems == []
    assert audit.moment("1900-01-01T00:00", "Từ", problems) is None
    assert audit.moment("hôm qua", "Đến", problems) is None
    assert [p.split(":")[0] for p in problems] == ["Từ", "Đến"]
