"""Ad-hoc awards (khen thưởng đột xuất): the exceptional achievement a proposal names, and its own rules.

An exceptional achievement is rewarded when it happens, not at the year-end review: a form of commendation (Giấy
khen, Bằng khen) proposed at any time while the campaign is open. Its rules replace the year-end review's; the
discipline rules (`rules.py`) apply to it as to every award.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shared.domain.rules import RuleResult


@dataclass(frozen=True)
class Exceptional:
    """The exceptional achievement (thành tích đột xuất) an ad-hoc proposal names: what, when, the evidence."""

    description: str
    achieved_on: date
    evidence_ref: str | None = None


def achieved_in_period(achieved_on: date, period_start: date | None, period_end: date | None) -> RuleResult:
    """The achievement falls within the campaign's period (an earlier or later one belongs to another campaign)."""
    if period_start is None or period_end is None:
        return RuleResult("achieved-in-period", False, "the campaign's period is unknown")
    ok = period_start <= achieved_on <= period_end
    verdict = "within" if ok else "outside"
    return RuleResult(
        "achieved-in-period",
        ok,
        f"achieved on {achieved_on.isoformat()}, {verdict} the campaign's period "
        f"{period_start.isoformat()}–{period_end.isoformat()}",
    )


def achieved_by_today(achieved_on: date, today: date) -> RuleResult:
    """The achievement has happened: an ad-hoc award rewards what was done, not what is planned."""
    ok = achieved_on <= today
    verdict = "not after" if ok else "after"
    return RuleResult(
        "achieved-by-today", ok, f"achieved on {achieved_on.isoformat()}, {verdict} today ({today.isoformat()})"
    )


def evidence_named(evidence_ref: str | None) -> RuleResult:
    """The proposal names the evidence of the achievement (a report, a decision, a letter of thanks)."""
    if evidence_ref:
        return RuleResult("evidence-named", True, f"evidence: {evidence_ref}")
    return RuleResult("evidence-named", False, "no evidence of the achievement named")


def adhoc_rules(
    achievement: Exceptional, period_start: date | None, period_end: date | None, today: date | None
) -> list[RuleResult]:
    """An ad-hoc award's own rules: the achievement within the campaign's period, done by `today`, evidenced."""
    results = [achieved_in_period(achievement.achieved_on, period_start, period_end)]
    if today is not None:
        results.append(achieved_by_today(achievement.achieved_on, today))
    return results + [evidence_named(achievement.evidence_ref)]
