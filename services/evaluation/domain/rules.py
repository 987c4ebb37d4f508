"""Named rules of the evaluation, each a function of its facts and its policy parameters.

A rule never raises: it returns a `RuleResult` whose `reason` says why it passed or failed, so a
refused proposal carries every failing rule with its reason and the decision is traceable.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date

from services.evaluation.domain.adhoc import Exceptional, adhoc_rules
from services.evaluation.domain.discipline import RecordedMeasure
from services.evaluation.domain.policy import (
    AWARDS,
    CO_THI_DUA,
    CSTD_TP,
    CSTDCS,
    LDTT,
    TT_TIEN_TIEN,
    TT_XUAT_SAC,
    Policy,
)
from shared.domain.rules import RuleResult

EPSILON = 1e-9


def _pct(x: float) -> str:
    return f"{x * 100:.4g}%"


# ---- block vote ---------------------------------------------------------------------------------


def vote_quorum(voters: int, eligible: int, quorum: float) -> RuleResult:
    """At least `quorum` of the eligible voters cast a ballot."""
    need = quorum * eligible
    ok = eligible > 0 and voters + EPSILON >= need
    verdict = "met" if ok else "not met"
    return RuleResult(
        "vote-quorum", ok, f"{voters} of {eligible} eligible units voted; quorum {_pct(quorum)} {verdict}"
    )


def vote_min_voters(counted: int, min_voters: int) -> RuleResult:
    """Enough ballots count that publishing the tally does not reveal how any one unit voted."""
    ok = counted >= min_voters
    verdict = "a result may be published" if ok else f"a result is published only from {min_voters}"
    return RuleResult("vote-min-voters", ok, f"{counted} ballot(s) counted; {verdict}")


def vote_share(tally: dict[str, int], eligible: int, share: float) -> tuple[str | None, RuleResult]:
    """The single leading candidate has MORE than `share` of the eligible voters; else no winner."""
    if not tally or max(tally.values()) == 0:
        return None, RuleResult("vote-share", False, "no candidate received a vote")
    top = max(tally.values())
    leaders = sorted(c for c, n in tally.items() if n == top)
    if len(leaders) > 1:
        return None, RuleResult("vote-share", False, f"tie at {top} votes between {', '.join(leaders)}")
    if top <= share * eligible + EPSILON:
        return None, RuleResult(
            "vote-share", False, f"{leaders[0]} has {top} of {eligible} votes, not more than {_pct(share)}"
        )
    return leaders[0], RuleResult(
        "vote-share", True, f"{leaders[0]} has {top} of {eligible} votes, more than {_pct(share)}"
    )


def runoff_candidates(tally: dict[str, int]) -> list[str]:
    """The leading candidates: all tied at the top, or the top one with all tied in second place."""
    counts = sorted({n for n in tally.values() if n > 0}, reverse=True)
    if not counts:
        return []
    top = [c for c, n in tally.items() if n == counts[0]]
    if len(top) == 1 and len(counts) > 1:
        top += [c for c, n in tally.items() if n == counts[1]]
    return sorted(top)


# ---- who may act --------------------------------------------------------------------------------

COUNCIL_PREFIX = "council"
"""Actors `council`, `council:<member>` speak for the emulation and commendation council."""


def acts_for_council(actor: str, secretariat_unit_id: str | None) -> RuleResult:
    """The council (or the campaign's secretariat unit) verifies achievements, sets tables and decides awards."""
    ok = actor in (COUNCIL_PREFIX, secretariat_unit_id) or actor.startswith(COUNCIL_PREFIX + ":")
    verdict = "acts for" if ok else "does not act for"
    return RuleResult("acts-for-council", ok, f"{actor} {verdict} the council or its secretariat")


def conducts_block_vote(actor: str, secretariat_unit_id: str | None, block_leader: str | None) -> RuleResult:
    """The council or the block's designated leader opens and closes the block's vote."""
    council = acts_for_council(actor, secretariat_unit_id)
    ok = council.passed or (block_leader is not None and actor == block_leader)
    verdict = "may" if ok else "may not"
    return RuleResult(
        "conducts-block-vote", ok, f"{actor} {verdict} conduct this block's vote (leader: {block_leader})"
    )


def own_ballot(actor: str, voter_unit_id: str) -> RuleResult:
    """A unit casts only its own ballot."""
    ok = actor == voter_unit_id
    verdict = "casts its own ballot" if ok else f"may not cast the ballot of {voter_unit_id}"
    return RuleResult("own-ballot", ok, f"{actor} {verdict}")


# ---- council decision ---------------------------------------------------------------------------


def council_quorum(present: int, total: int, quorum: float) -> RuleResult:
    ok = present + EPSILON >= quorum * total
    verdict = "met" if ok else "not met"
    return RuleResult(
        "council-quorum", ok, f"{present} of {total} council members present; quorum {_pct(quorum)} {verdict}"
    )


def council_threshold(votes_for: int, total: int, threshold: float) -> RuleResult:
    ok = votes_for + EPSILON >= threshold * total
    verdict = "reaches" if ok else "falls short of"
    return RuleResult(
        "council-threshold", ok, f"{votes_for} of {total} council members voted for; {verdict} {_pct(threshold)}"
    )


# ---- awards -------------------------------------------------------------------------------------


def not_disciplined(discipline: str, disciplined_members: int) -> RuleResult:
    """Nobody concerned is disciplined at reprimand (khiển trách) level or above."""
    if discipline != "none":
        return RuleResult("not-disciplined", False, f"disciplined ({discipline}), reprimand level or above")
    if disciplined_members > 0:
        return RuleResult(
            "not-disciplined", False, f"{disciplined_members} member(s) disciplined at reprimand level or above"
        )
    return RuleResult("not-disciplined", True, "nobody disciplined at reprimand level or above")


def _decisions(measures: list[RecordedMeasure]) -> str:
    return "; ".join(
        f"decision {m.decision_no} ({m.measure}, {m.person}, {m.decided_on.isoformat()})" for m in measures
    )


def no_recorded_measure(measures: list[RecordedMeasure]) -> RuleResult:
    """No disciplinary decision the personnel system reported is in force this year for the person (or, for a
    collective award, anyone of the unit); the reason names the decisions."""
    if measures:
        return RuleResult(
            "no-recorded-measure", False, f"disciplinary measure in force this year: {_decisions(measures)}"
        )
    return RuleResult("no-recorded-measure", True, "no disciplinary measure recorded for this year")


def discipline_declared(declared: str, measures: list[RecordedMeasure]) -> RuleResult:
    """A flag: the proposal declared no discipline although the personnel system reported a measure."""
    if declared == "none" and measures:
        return RuleResult(
            "discipline-declared",
            False,
            f"declared no discipline, but the personnel system recorded {_decisions(measures)}",
        )
    return RuleResult("discipline-declared", True, f"declared discipline ({declared}) agrees with the records")


RECORDED_RULES = ("no-recorded-measure", "discipline-declared")
"""Rules over facts reported by other city systems: checked again when the council decides, so a fact that
arrives after the proposal (a measure, its annulment) counts as if it had arrived before."""


def recorded_discipline(declared: str, measures: list[RecordedMeasure]) -> list[RuleResult]:
    """The rules over recorded measures; none when no measure is in force (a proposal's results stay as before)."""
    if not measures:
        return []
    return [no_recorded_measure(measures), discipline_declared(declared, measures)]


CONSECUTIVE = "consecutive-"
"""Prefix of the rules over earlier campaigns' decisions (`consecutive-<title>`)."""


def consecutive_years(title: str, held: Collection[int], year: int | None, years: int) -> RuleResult:
    """`title` held (a council decision of a yearly campaign) in each of the `years` consecutive years ending with
    `year`, this campaign's; the reason names every missing year."""
    rule, name = f"{CONSECUTIVE}{title}", AWARDS[title].title
    if year is None:
        return RuleResult(rule, False, f"the campaign has no year to count {name} back from")
    span = range(year - years + 1, year + 1)
    period = f"{span[0]}–{year}" if years > 1 else str(year)
    missing = [str(y) for y in span if y not in held]
    if missing:
        return RuleResult(
            rule, False, f"{name} needed in each of {years} consecutive years {period}; missing {', '.join(missing)}"
        )
    return RuleResult(rule, True, f"holds {name} in each of {years} consecutive years {period}")


def rechecked(rule: str) -> bool:
    """Rules checked again when the council decides, their result then replacing the one recorded with the
    proposal: those over facts from other city systems, and those over earlier campaigns' decisions (a decision
    recorded after the proposal counts as if it had come before)."""
    return rule in RECORDED_RULES or rule.startswith(CONSECUTIVE)


def block_leader(unit_id: str, elected_leader: str | None) -> RuleResult:
    """Cờ thi đua của UBND Thành phố: the unit is its block's elected leader."""
    if elected_leader == unit_id:
        return RuleResult("block-leader", True, f"{unit_id} was elected leader of its block")
    who = f"the leader elected is {elected_leader}" if elected_leader else "no leader has been elected"
    return RuleResult("block-leader", False, f"{unit_id} is not its block's elected leader ({who})")


def holds_title(title: str, held: list[str]) -> RuleResult:
    """The person already holds `title` in this campaign (a council-approved award)."""
    name = AWARDS[title].title
    if title in held:
        return RuleResult(f"holds-{title}", True, f"holds {name} this year")
    return RuleResult(f"holds-{title}", False, f"does not hold {name} this year")


def recognised_initiative(initiative: str | None) -> RuleResult:
    if initiative:
        return RuleResult("recognised-initiative", True, f"recognised initiative (sáng kiến): {initiative}")
    return RuleResult("recognised-initiative", False, "no recognised initiative (sáng kiến)")


def cstdcs_quota(cstdcs_with_this: int, ldtt: int, quota: float) -> RuleResult:
    """The unit's Chiến sĩ thi đua cơ sở, counting this proposal, stay within `quota` of its Lao động tiên tiến."""
    limit = quota * ldtt
    ok = cstdcs_with_this <= limit + EPSILON
    verdict = "within" if ok else "exceeds"
    return RuleResult(
        "cstdcs-quota",
        ok,
        f"{cstdcs_with_this} Chiến sĩ thi đua cơ sở {verdict} {_pct(quota)} of {ldtt} Lao động tiên tiến ({limit:g})",
    )


def all_members_complete_tasks(members: int | None, completing: int | None) -> RuleResult:
    if members is None or completing is None:
        return RuleResult("all-members-complete-tasks", False, "member count or task completion unknown")
    ok = members > 0 and completing >= members
    return RuleResult("all-members-complete-tasks", ok, f"{completing} of {members} members completed their tasks")


def ldtt_share_at_least(ldtt: int, members: int | None, share: float) -> RuleResult:
    """Tập thể lao động xuất sắc: at least `share` of members are Lao động tiên tiến."""
    if not members:
        return RuleResult("ldtt-share", False, "member count unknown")
    ok = ldtt + EPSILON >= share * members
    verdict = "at least" if ok else "below"
    return RuleResult("ldtt-share", ok, f"{ldtt} of {members} members Lao động tiên tiến, {verdict} {_pct(share)}")


def ldtt_majority(ldtt: int, members: int | None, share: float) -> RuleResult:
    """Tập thể lao động tiên tiến: MORE than `share` of members are Lao động tiên tiến."""
    if not members:
        return RuleResult("ldtt-majority", False, "member count unknown")
    ok = ldtt > share * members + EPSILON
    verdict = "more than" if ok else "not more than"
    return RuleResult("ldtt-majority", ok, f"{ldtt} of {members} members Lao động tiên tiến, {verdict} {_pct(share)}")


def has_cstdcs(count: int) -> RuleResult:
    ok = count >= 1
    return RuleResult("has-chien-si-thi-dua-co-so", ok, f"{count} Chiến sĩ thi đua cơ sở approved in the unit")


@dataclass(frozen=True)
class AwardFacts:
    """What the rules of one proposal look at: declared facts, the unit's approved titles, the vote."""

    unit_id: str
    person: str | None = None
    discipline: str = "none"
    disciplined_members: int = 0
    initiative: str | None = None
    members: int | None = None
    members_completing_tasks: int | None = None
    person_titles: list[str] = field(default_factory=list)
    ldtt_count: int = 0
    cstdcs_count: int = 0
    """Approved Chiến sĩ thi đua cơ sở of the unit."""
    cstdcs_pending: int = 0
    """Eligible Chiến sĩ thi đua cơ sở proposals of the unit not yet decided (they count against the quota)."""
    elected_leader: str | None = None
    recorded_measures: list[RecordedMeasure] = field(default_factory=list)
    """Disciplinary decisions in force this year that the personnel system reported (the person's; anyone's of
    the unit for a proposal without a person)."""
    year: int | None = None
    """The campaign's year."""
    years_held: dict[str, frozenset[int]] = field(default_factory=dict)
    """Title → the years in which the person (without a person: the unit) holds it by a council decision of a
    yearly campaign (this campaign's year included), over the years the consecutive-years rules look back."""
    achievement: Exceptional | None = None
    """The exceptional achievement of an ad-hoc proposal (None: a proposal of the year-end review)."""
    period_start: date | None = None
    period_end: date | None = None
    today: date | None = None
    """The department's date (Ho Chi Minh City, by the service clock) when the proposal is made."""


RuleSet = Callable[[AwardFacts, Policy], list[RuleResult]]

AWARD_RULES: dict[str, RuleSet] = {
    LDTT: lambda f, p: [],
    CSTDCS: lambda f, p: [
        holds_title(LDTT, f.person_titles),
        recognised_initiative(f.initiative),
        cstdcs_quota(f.cstdcs_count + f.cstdcs_pending + 1, f.ldtt_count, p.cstdcs_quota),
    ],
    TT_TIEN_TIEN: lambda f, p: [ldtt_majority(f.ldtt_count, f.members, p.tien_tien_ldtt_share)],
    TT_XUAT_SAC: lambda f, p: [
        all_members_complete_tasks(f.members, f.members_completing_tasks),
        ldtt_share_at_least(f.ldtt_count, f.members, p.xuat_sac_ldtt_share),
        has_cstdcs(f.cstdcs_count),
    ],
    CO_THI_DUA: lambda f, p: [block_leader(f.unit_id, f.elected_leader)],
}
"""The rules of each award of the year-end review besides `not-disciplined`, which every award checks first, and
the rules over earlier years (`HISTORY_RULES`)."""

HISTORY_RULES: dict[str, RuleSet] = {
    CSTD_TP: lambda f, p: [
        consecutive_years(CSTDCS, f.years_held.get(CSTDCS, frozenset()), f.year, p.cstdcs_consecutive_years)
    ],
}
"""The rules over the decisions of earlier campaigns (`years_held`), checked again at the council's decision.
Law on Emulation and Commendation 2022: Chiến sĩ thi đua cấp tỉnh is chosen among those who were Chiến sĩ thi đua
cơ sở three times running. No collective title of the catalogue has such a condition in the Law."""


def history_rules(award: str, facts: AwardFacts, policy: Policy) -> list[RuleResult]:
    return HISTORY_RULES.get(award, lambda f, p: [])(facts, policy)


def check_award(award: str, facts: AwardFacts, policy: Policy) -> list[RuleResult]:
    """Every rule of `award`, in a fixed order; the proposal is eligible when all pass. An ad-hoc proposal (one
    naming an exceptional achievement) is checked by the ad-hoc rules instead of the year-end review's."""
    results = [not_disciplined(facts.discipline, facts.disciplined_members)]
    if facts.achievement is not None:
        results += adhoc_rules(facts.achievement, facts.period_start, facts.period_end, facts.today)
    else:
        results += AWARD_RULES.get(award, lambda f, p: [])(facts, policy) + history_rules(award, facts, policy)
    return results + recorded_discipline(facts.discipline, facts.recorded_measures)
