"""Awards across campaigns and years, and ad-hoc awards, through the evaluation's use cases on an in-memory store.

Chiến sĩ thi đua cấp Thành phố reads the council's decisions of earlier yearly campaigns (a thematic one counts no
year), checked again when the council decides; an ad-hoc award (khen thưởng đột xuất) is proposed mid-year for a
named exceptional achievement and decided like the others.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from services.evaluation.adapters.views import AwardsView
from services.evaluation.domain.awards import Proposal
from shared.infra.clock import Clock
from tests.unit.test_evaluation_application import Driver as Base
from tests.unit.test_evaluation_application import FakeFacts, decide, propose
from tests.unit.test_evaluation_views import published, views_of

pytestmark = pytest.mark.unit
CSTDCS, CSTD_TP, LDTT, GK = (
    "chien-si-thi-dua-co-so",
    "chien-si-thi-dua-thanh-pho",
    "lao-dong-tien-tien",
    "giay-khen-giam-doc-so",
)


def campaign(campaign_id: str, year: int, kind: str = "yearly") -> dict[str, Any]:
    return {
        "campaign_id": campaign_id,
        "kind": kind,
        "year": year,
        "status": "open",
        "period_start": f"{year}-01-01",
        "period_end": f"{year}-12-31",
        "secretariat_unit_id": "u1",
        "contents": [{"no": n} for n in range(1, 11)],
    }


class Driver(Base):
    """The base driver over several campaigns: `in_(campaign)` sends the next commands to that campaign."""

    def __init__(self, clock: Clock) -> None:
        launched = {
            c["campaign_id"]: c for c in (campaign("2020", 2020), campaign("2021", 2021), campaign("2022", 2022))
        }
        launched["ky-niem-40-nam"] = campaign("ky-niem-40-nam", 2021, "thematic")
        super().__init__(FakeFacts(launched=launched), clock)
        self.current = "2022"

    def in_(self, campaign_id: str) -> Driver:
        self.current = campaign_id
        return self

    def __call__(self, command: str, actor: str = "council:chair", **body: Any) -> list[str]:
        return super().__call__(command, actor, **({"campaign_id": self.current} | body))

    def proposal(self, proposal_id: str) -> Proposal:
        found: Proposal | None = self.app.find(Proposal.create_id(self.current, proposal_id))
        assert found is not None
        return found


@pytest.fixture
def send(tmp_path: Path) -> Driver:
    clock = Clock(tmp_path / "clock")
    clock.set(datetime(2022, 6, 20, 9, tzinfo=UTC))
    d = Driver(clock)
    for c in ("2020", "2021", "2022", "ky-niem-40-nam"):
        d.in_(c)("set_evaluation_policy", policy={"cstdcs_quota": 1.0})  # one fighter per LĐTT: people, not quotas
    return d.in_("2022")


PEOPLE = {"a": "Nguyễn Văn A", "b": "Trần Thị B", "c": "Lê Văn C", "d": "Phạm Thị D"}


def fighter(send: Driver, campaign_id: str, key: str, decided: bool = True) -> None:
    """PEOPLE[key] of u3 made Lao động tiên tiến and (if `decided`) Chiến sĩ thi đua cơ sở in `campaign_id`."""
    d, person = send.in_(campaign_id), PEOPLE[key]
    propose(d, f"ldtt-{key}", LDTT, person=person)
    decide(d, f"ldtt-{key}")
    propose(d, f"cstdcs-{key}", CSTDCS, person=person, initiative=f"Sáng kiến của {person}")
    if decided:
        decide(d, f"cstdcs-{key}")


def failed(proposal: Proposal) -> dict[str, str]:
    return {r["rule"]: r["reason"] for r in proposal.rule_results if not r["passed"]}


def test_three_consecutive_years_pass_and_the_council_decides(send: Driver) -> None:
    for year in ("2020", "2021", "2022"):
        fighter(send, year, "a")
    propose(
        send.in_("2022"), "tp-a", CSTD_TP, person="NGUYỄN VĂN A"
    )  # people matched as the personnel system names them
    proposal = send.proposal("tp-a")
    assert proposal.eligible
    assert proposal.rule_results[-1] == {
        "rule": "consecutive-chien-si-thi-dua-co-so",
        "passed": True,
        "reason": "holds Chiến sĩ thi đua cơ sở in each of 3 consecutive years 2020–2022",
    }
    assert decide(send, "tp-a") == ["award_decided.v1"]
    assert send.proposal("tp-a").decision is True


def test_a_gap_fails_naming_the_missing_year_and_a_thematic_campaign_is_no_year(send: Driver) -> None:
    fighter(send, "2020", "b")
    fighter(send, "ky-niem-40-nam", "b")  # the 40th anniversary's campaign, year 2021: not a yearly title
    fighter(send, "2022", "b")
    propose(send.in_("2022"), "tp-b", CSTD_TP, person="Trần Thị B")
    assert failed(send.proposal("tp-b")) == {
        "consecutive-chien-si-thi-dua-co-so": (
            "Chiến sĩ thi đua cơ sở needed in each of 3 consecutive years 2020–2022; missing 2021"
        )
    }
    err = send.refused("decide_award", proposal_id="tp-b", votes_for=9, votes_against=0, members_present=9)
    assert err.code == "proposal_not_eligible" and err.message.endswith("missing 2021")


def test_only_decided_awards_count_and_the_decision_checks_again(send: Driver) -> None:
    fighter(send, "2020", "c")
    fighter(send, "2021", "c", decided=False)  # proposed, eligible, not yet decided
    fighter(send, "2022", "c")
    propose(send.in_("2022"), "tp-c", CSTD_TP, person="Lê Văn C")
    assert not send.proposal("tp-c").eligible
    assert failed(send.proposal("tp-c"))["consecutive-chien-si-thi-dua-co-so"].endswith("missing 2021")
    decide(send.in_("2021"), "cstdcs-c", yes=5, no=4)  # rejected below 70 %: still missing
    err = send.in_("2022").refused("decide_award", proposal_id="tp-c", votes_for=9, votes_against=0, members_present=9)
    assert err.code == "proposal_not_eligible" and "missing 2021" in err.message
    propose(send.in_("2021"), "cstdcs-again", CSTDCS, person="Lê Văn C", initiative="Sáng kiến")
    decide(send, "cstdcs-again")
    assert decide(send.in_("2022"), "tp-c") == ["award_decided.v1"]  # the 2021 decision, recorded since, counts
    assert send.proposal("tp-c").decision is True


def test_the_number_of_years_is_the_policy_s(send: Driver) -> None:
    fighter(send, "2021", "d")
    fighter(send, "2022", "d")
    propose(send.in_("2022"), "tp-d3", CSTD_TP, person="Phạm Thị D")
    assert failed(send.proposal("tp-d3"))["consecutive-chien-si-thi-dua-co-so"].endswith("2020–2022; missing 2020")
    send("set_evaluation_policy", policy={"cstdcs_quota": 1.0, "cstdcs_consecutive_years": 2})
    propose(send, "tp-d2", CSTD_TP, person="Phạm Thị D")
    assert send.proposal("tp-d2").eligible
    assert send.proposal("tp-d2").rule_results[-1]["reason"] == (
        "holds Chiến sĩ thi đua cơ sở in each of 2 consecutive years 2021–2022"
    )
    assert decide(send, "tp-d3") == ["award_decided.v1"]  # checked again under the policy in force


ACHIEVEMENT = {"description": "Phát hiện và ngăn chặn hồ sơ công chứng giả mạo", "achieved_on": "2022-06-15",
               "evidence_ref": "Công văn 118/CAQ1 của Công an Quận 1"}  # fmt: skip


def test_an_adhoc_award_proposed_and_decided_mid_year(send: Driver) -> None:
    events = send("propose_award", actor="u3", proposal_id="dx-1", award=GK, unit_id="u3", person="Võ Văn E",
                  achievement=ACHIEVEMENT)  # fmt: skip
    assert events == ["award_proposed.v2"]
    proposal = send.proposal("dx-1")
    assert proposal.eligible and proposal.achievement == {
        "description": ACHIEVEMENT["description"],
        "achieved_on": datetime(2022, 6, 15).date(),
        "evidence_ref": ACHIEVEMENT["evidence_ref"],
    }
    assert [(r["rule"], r["reason"]) for r in proposal.rule_results] == [
        ("not-disciplined", "nobody disciplined at reprimand level or above"),
        ("achieved-in-period", "achieved on 2022-06-15, within the campaign's period 2022-01-01–2022-12-31"),
        ("achieved-by-today", "achieved on 2022-06-15, not after today (2022-06-20)"),
        ("evidence-named", "evidence: Công văn 118/CAQ1 của Công an Quận 1"),
    ]
    assert decide(send, "dx-1", yes=7, no=2) == ["award_decided.v1"]
    assert send.proposal("dx-1").decision is True
    # a collective ad-hoc Bằng khen, for the unit
    send("propose_award", actor="u3", proposal_id="dx-2", award="bang-khen-chu-tich-ubnd", unit_id="u3",
         achievement=ACHIEVEMENT)  # fmt: skip
    assert send.proposal("dx-2").eligible


def test_an_adhoc_award_fails_its_own_rules(send: Driver) -> None:
    late = ACHIEVEMENT | {"achieved_on": "2021-12-30", "evidence_ref": None}
    send("propose_award", actor="u3", proposal_id="dx-old", award=GK, unit_id="u3", person="A", achievement=late,
         facts={"discipline": "khien-trach"})  # fmt: skip
    assert failed(send.proposal("dx-old")) == {
        "not-disciplined": "disciplined (khien-trach), reprimand level or above",
        "achieved-in-period": "achieved on 2021-12-30, outside the campaign's period 2022-01-01–2022-12-31",
        "evidence-named": "no evidence of the achievement named",
    }
    future = ACHIEVEMENT | {"achieved_on": "2022-07-01"}
    send("propose_award", actor="u3", proposal_id="dx-future", award=GK, unit_id="u3", person="A", achievement=future)
    assert failed(send.proposal("dx-future")) == {
        "achieved-by-today": "achieved on 2022-07-01, after today (2022-06-20)"
    }
    err = send.refused("decide_award", proposal_id="dx-future", votes_for=9, votes_against=0, members_present=9)
    assert err.code == "proposal_not_eligible"


def test_an_adhoc_award_is_a_form_for_a_unit_of_an_open_campaign(send: Driver) -> None:
    title = send.refused("propose_award", actor="u3", proposal_id="x", award=LDTT, unit_id="u3", person="A",
                         achievement=ACHIEVEMENT)  # fmt: skip
    assert (title.code, title.field) == ("adhoc_award_not_a_form", "award")
    assert title.message.startswith("Lao động tiên tiến is a title, considered once a year")
    outside = send.refused("propose_award", actor="z9", proposal_id="x", award=GK, unit_id="z9", person="A",
                           achievement=ACHIEVEMENT)  # fmt: skip
    assert outside.code == "unit_not_in_campaign"
    send.facts.launched["2022"]["status"] = "closed"
    closed = send.refused("propose_award", actor="u3", proposal_id="x", award=GK, unit_id="u3", person="A",
                          achievement=ACHIEVEMENT)  # fmt: skip
    assert closed.code == "campaign_closed"


def test_the_awards_view_shows_the_achievement_and_replays_alike(send: Driver, tmp_path: Path) -> None:
    send("propose_award", actor="u3", proposal_id="dx-1", award=GK, unit_id="u3", person="Võ Văn E",
         achievement=ACHIEVEMENT)  # fmt: skip
    decide(send, "dx-1")
    propose(send, "ldtt-e", LDTT, person="Võ Văn E")
    batch = list(enumerate(published(send), start=1))
    assert {e.type for _, e in batch if e.event_name == "award_proposed"} == {"award_proposed.v2"}
    once, twice = (views_of(tmp_path / name)["awards"] for name in ("once", "twice"))
    once.apply(batch)
    for one in batch:  # one at a time, each twice: the same rows
        twice.apply([one])
        assert twice.apply([one]) == 0
    assert once.checksum() == twice.checksum()
    assert "award_achievements" in once.tables()
    awards: AwardsView = once  # type: ignore[assignment]
    dx, ldtt = awards.proposals("2022")
    assert (dx["proposal_id"], dx["status"], dx["achievement"]) == ("dx-1", "approved", ACHIEVEMENT)
    assert (ldtt["proposal_id"], ldtt["achievement"]) == ("ldtt-e", None)


def test_a_proposal_stored_before_adhoc_awards_is_published_as_v1_and_loads() -> None:
    d = Base()
    propose(d, "old", LDTT, person="A")
    stored = d.app.repository.event_store.get(Proposal.create_id("2022", "old"))
    proposed: Any = next(e for e in stored if type(e).__name__ == "Proposed")
    vars(proposed).pop("achievement")  # as recorded when the event had no such field
    assert d.app.wire.check(proposed) == "award_proposed.v1"
    old = proposed.mutate(None)
    assert isinstance(old, Proposal) and old.achievement is None and old.eligible


def test_today_is_the_department_s_date(send: Driver) -> None:
    send.app.clock.set(datetime(2022, 6, 14, 23, tzinfo=UTC))  # 06:00 on 15/06 in Ho Chi Minh City
    send("propose_award", actor="u3", proposal_id="dx-dawn", award=GK, unit_id="u3", person="A",
         achievement=ACHIEVEMENT)  # fmt: skip
    assert send.proposal("dx-dawn").rule_results[2]["reason"] == "achieved on 2022-06-15, not after today (2022-06-15)"
