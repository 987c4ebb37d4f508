"""The demo's whole year: the 2022 campaign from launch to close with its mid-year and year-end reviews, and the
2023 campaign still open, as dated steps; with what the year builds on and runs beside: the earlier yearly
campaigns 2020 and 2021 (their Chiến sĩ thi đua cơ sở are what a 2022 Chiến sĩ thi đua cấp Thành phố needs) and the
40th-anniversary thematic campaign.

Each step is a moment of the department's calendar (Ho Chi Minh City time) and what is sent then: a command as
the portal, a unit, a block leader or the council would send it, or a city system's facts. The data is in
`scenario/` (`year-2022.json`, `campaign-2023.json`, `campaigns-2020-2021.json`, `anniversary-2022.json`); this
module orders it (`steps`) and sends it (`play`). Command ids derive from the scenario (`demo.command_id`), so the
same year loaded again is the same commands, which record nothing new.

The calendar matters because the services decide deadlines by their clock (`shared/infra/clock.py`): a
registration is late after the deadline day, an achievement after its `due_on`, a reminder falls due days before
the deadline. `emulation up --demo` runs the services on the demo's calendar (`emulation/demo_calendar.py`),
starting in December 2019 with the 2020 campaign, and moves it to each step's moment before sending it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from emulation import demo, demo_calendar
from emulation.client import send
from emulation.demo_campaigns import campaign as small_campaign
from emulation.demo_models import models
from emulation.demo_reviews import reviews
from emulation.demo_steps import Step, command, decisions, load, proposals, registrations

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenario"
YEAR = SCENARIO_DIR / "year-2022.json"
NEXT = SCENARIO_DIR / "campaign-2023.json"
EARLIER = SCENARIO_DIR / "campaigns-2020-2021.json"
ANNIVERSARY = SCENARIO_DIR / "anniversary-2022.json"


def steps(
    campaign: dict[str, Any] | None = None, year: dict[str, Any] | None = None, following: dict[str, Any] | None = None
) -> list[Step]:
    """Every step of the demo in the order of the calendar (steps at the same moment in the scenario's order).

    The units are registered with the first campaign (2020), once its launch has named the Department Office that
    registers them; the other commands of the 2022 campaign's setup keep the moment and ids `demo.load` has always
    used."""
    campaign, year, following = campaign or demo.load_scenario(), year or load(YEAR), following or load(NEXT)
    earlier = load(EARLIER)["campaigns"]
    first, setup = datetime.fromisoformat(earlier[0]["launched_on"]), datetime.fromisoformat(year["setup_on"])
    commands = list(demo.commands(campaign))
    dated = [step for scenario in earlier for step in small_campaign(scenario, year["council"])]
    dated[1:1] = [Step(first, name, body) for name, body in commands if name == "register_unit"]  # once launched
    dated += [Step(setup, name, body) for name, body in commands if name != "register_unit"]
    dated += list(evaluation(year, campaign["campaign"]["campaign_id"]))
    dated += list(registrations(year["campaign_id"], year["registrations"]))
    dated += list(reviews(year["campaign_id"], demo.ACTOR, year["council"], year["registrations"], year["reviews"]))
    dated += list(small_campaign(load(ANNIVERSARY), year["council"]))
    dated += list(next_campaign(following))
    dated += list(models(year["campaign_id"], year["council"], year["models"]))
    close = year["close"]
    dated.append(command(close["on"], "close_campaign", demo.ACTOR, year["campaign_id"], "close",
                         campaign_id=year["campaign_id"], reason=close["reason"]))  # fmt: skip
    dated += [Step(datetime.fromisoformat(f["on"]), system=f["system"]) for f in year["facts"]]
    return sorted(dated, key=lambda s: s.at)  # stable: the scenario's order within a moment


def evaluation(year: dict[str, Any], cid: str) -> Iterator[Step]:
    """The council's policy and scoring table, achievements and their verification, block votes, awards."""
    council = year["council"]
    policy, table = year["policy"], year["scoring_table"]
    yield command(policy["on"], "set_evaluation_policy", council, cid, "policy", campaign_id=cid,
                  policy=policy["policy"])  # fmt: skip
    yield command(table["on"], "set_scoring_table", council, cid, "scoring-table", campaign_id=cid,
                  **{k: table[k] for k in ("criteria", "bonuses", "penalties")})  # fmt: skip
    for a in year["achievements"]:
        aid, unit = a["achievement_id"], a["unit_id"]
        reported = {k: a[k] for k in ("content_no", "criterion_id", "claimed_points", "description", "evidence_ref",
                                      "due_on") if k in a}  # fmt: skip
        yield command(a["reported_on"], "report_achievement", unit, cid, "report", aid, campaign_id=cid,
                      achievement_id=aid, unit_id=unit, **reported)  # fmt: skip
        if "rejected_on" in a:
            yield command(a["rejected_on"], "reject_achievement", council, cid, "reject", aid, campaign_id=cid,
                          achievement_id=aid, reason=a["reason"])  # fmt: skip
        else:
            adjusted = {"points": a["verified_points"], "reason": a["reason"]} if "verified_points" in a else {}
            yield command(a["verified_on"], "verify_achievement", council, cid, "verify", aid, campaign_id=cid,
                          achievement_id=aid, **adjusted)  # fmt: skip
    for v in year["votes"]:
        yield from vote(cid, v)
    yield from proposals(cid, year["proposals"])
    yield from decisions(cid, council, year["decisions"])


def vote(cid: str, v: dict[str, Any]) -> Iterator[Step]:
    """A block's round by secret ballot, conducted by its leader; a runoff is opened by closing its first round."""
    block, rid, leader = v["block_id"], v["round_id"], v["conducted_by"]
    ids = {"campaign_id": cid, "block_id": block, "round_id": rid}
    if "runoff_of" not in v:
        yield command(v["opened_on"], "open_vote_round", leader, cid, "open", block, rid, **ids)
    for voter, candidate in v["ballots"].items():
        yield command(v["opened_on"], "cast_block_vote", voter, cid, "ballot", block, rid, voter, **ids,
                      voter_unit_id=voter, candidate_unit_id=candidate)  # fmt: skip
    yield command(v["closed_on"], "close_vote_round", leader, cid, "close", block, rid, **ids)


def next_campaign(following: dict[str, Any]) -> Iterator[Step]:
    """The next year's campaign: launched, its blocks with the same units, leaders rotated, the first pledges."""
    c = following["campaign"]
    cid, at, office = c["campaign_id"], following["launched_on"], c["secretariat_unit_id"]
    yield command(at, "launch_campaign", office, cid, "launch", **c)
    for b in following["blocks"]:
        bid = b["block_id"]
        yield command(at, "define_block", office, cid, "block", bid, campaign_id=cid, block_id=bid, name=b["name"])
        for uid in b["units"]:
            yield command(at, "assign_unit_to_block", office, cid, "assign", uid, campaign_id=cid, block_id=bid,
                          unit_id=uid)  # fmt: skip
        yield command(at, "designate_block_leader", office, cid, "leader", bid, campaign_id=cid, block_id=bid,
                      leader_unit_id=b["leader"], deputy_unit_id=b["deputy"])  # fmt: skip
    yield from registrations(cid, following["registrations"])


# ---- sending it ---------------------------------------------------------------------------------------

CATCH_UP = 60.0
"""Seconds to keep sending a command the evaluation cannot decide yet (`not_caught_up`: it has not seen the
registry's events the command names in `after`)."""


@dataclass
class Played:
    commands: int = 0
    facts: dict[str, int] = field(default_factory=dict)


async def play(portal: Any, systems: dict[str, Any], calendar: Path | None) -> Played:
    """Send every step through the portal (commands) and the city systems' own connections (`systems`: their
    facts), moving `calendar` (None: the services' clock is not the demo's) to each step's moment first.

    An evaluation command names the events of the registry's latest reply in `after`, so it is decided once the
    evaluation has seen them; the proposals wait until the evaluation has recorded the personnel system's measure
    (a proposal for its person is then ineligible, naming the decision). Raises if a command is refused."""
    played, frontier, measure_seen = Played(), list[dict[str, str]](), False
    for step in steps():
        if calendar is not None:
            demo_calendar.advance(calendar, step.at)
        if step.system:
            played.facts[step.system] = await demo.publish_facts(systems[step.system], step.system)
            continue
        if step.name == "propose_award" and "personnel" in played.facts and not measure_seen:
            await recorded(portal, "discipline_recorded", "decision_no", demo.MEASURE["decision_no"])
            measure_seen = True
        body = step.body | {"after": frontier} if step.service == "evaluation" and frontier else step.body
        reply = await decided(portal, step.name, body)
        if step.service == "registry":
            frontier = [{"id": e["id"], "type": e["type"]} for e in reply["events"]]
        played.commands += 1
    return played


async def decided(nc: Any, name: str, body: dict[str, Any]) -> dict[str, Any]:
    """The reply to a command, sent again (same `command_id`) while the service has not caught up."""
    import asyncio

    deadline = asyncio.get_running_loop().time() + CATCH_UP
    while True:
        reply = await send(nc, name, body, timeout=15, retry_for=30)
        if reply.get("ok"):
            return reply
        if reply.get("error", {}).get("code") != "not_caught_up" or asyncio.get_running_loop().time() > deadline:
            raise RuntimeError(f"demo command {name} refused: {reply}")
        await asyncio.sleep(0.2)


async def recorded(nc: Any, event: str, key: str, value: str, timeout: float = CATCH_UP) -> None:
    """Wait until an `event` whose data has `key` = `value` is in the city system's feed (the stream `emulation
    up` keeps in its account, `emulation/feeds.py`): the service recorded and published it."""
    import asyncio

    import nats

    from emulation.feeds import FEED_STREAM
    from shared.events.envelope import EVENTS_PREFIX

    sub = await nc.jetstream().subscribe(f"{EVENTS_PREFIX}.*.{event}", ordered_consumer=True, stream=FEED_STREAM)
    deadline = asyncio.get_running_loop().time() + timeout
    try:
        while (left := deadline - asyncio.get_running_loop().time()) > 0:
            try:
                msg = await sub.next_msg(timeout=min(1.0, left))
            except nats.errors.TimeoutError:
                continue
            if json.loads(msg.data).get("data", {}).get(key) == value:
                return
    finally:
        await sub.unsubscribe()
    raise RuntimeError(f"no {event} with {key} {value!r} in the feed after {timeout:g} s")
