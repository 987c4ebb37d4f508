"""The demo's whole year: the 2022 campaign from launch to close, and the 2023 campaign still open, as dated steps.

Each step is a moment of the department's calendar (Ho Chi Minh City time) and what is sent then: a command as
the portal, a unit, a block leader or the council would send it, or a city system's facts. The data is in
`scenario/year-2022.json` and `scenario/campaign-2023.json`; this module orders it (`steps`) and sends it
(`play`). Command ids derive from the scenario (`demo.command_id`), so the same year loaded again is the same commands, which record nothing new.

The calendar matters because the services decide deadlines by their clock (`shared/infra/clock.py`): a
registration is late after the deadline day, an achievement after its `due_on`, a reminder falls due days before
the deadline. `emulation up --demo` runs the services on the demo's calendar (`emulation/demo_calendar.py`) and
moves it to each step's moment before sending it.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from emulation import demo, demo_calendar
from emulation.client import send

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenario"
YEAR = SCENARIO_DIR / "year-2022.json"
NEXT = SCENARIO_DIR / "campaign-2023.json"


@dataclass(frozen=True)
class Step:
    """What is sent at `at`: a command (`name`, `body`), or the facts of a city system (`system`)."""

    at: datetime
    name: str = ""
    body: dict[str, Any] = field(default_factory=dict)
    system: str = ""

    @property
    def service(self) -> str:
        from shared.events.catalog import COMMAND_TYPES

        return COMMAND_TYPES[self.name].service if self.name else ""


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def command(at: str, name: str, actor: str, /, *key: str, **fields: Any) -> Step:
    return Step(datetime.fromisoformat(at), name, {"command_id": demo.command_id(*key), "actor": actor, **fields})


def steps(
    campaign: dict[str, Any] | None = None, year: dict[str, Any] | None = None, following: dict[str, Any] | None = None
) -> list[Step]:
    """Every step of the demo in the order of the calendar (steps at the same moment in the scenario's order)."""
    campaign, year, following = campaign or demo.load_scenario(), year or load(YEAR), following or load(NEXT)
    setup = datetime.fromisoformat(year["setup_on"])
    dated = [Step(setup, name, body) for name, body in demo.commands(campaign)]
    dated += list(evaluation(year, campaign["campaign"]["campaign_id"]))
    dated += list(registrations(year["campaign_id"], year["registrations"]))
    dated += list(next_campaign(following))
    close = year["close"]
    dated.append(command(close["on"], "close_campaign", demo.ACTOR, year["campaign_id"], "close",
                         campaign_id=year["campaign_id"], reason=close["reason"]))  # fmt: skip
    dated += [Step(datetime.fromisoformat(f["on"]), system=f["system"]) for f in year["facts"]]
    return sorted(dated, key=lambda s: s.at)  # stable: the scenario's order within a moment


def registrations(cid: str, pledges: list[dict[str, Any]]) -> Iterator[Step]:
    """Each unit registers itself (đăng ký thi đua); the staff named in the scenario, then generated names."""
    for r in pledges:
        uid = r["unit_id"]
        yield command(r["on"], "register_emulation", uid, cid, "register", uid, campaign_id=cid, unit_id=uid,
                      collective_target=r["collective_target"], staff=staff(cid, uid, r))  # fmt: skip


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
    for p in year["proposals"]:
        fields = {k: p[k] for k in ("award", "unit_id", "person", "facts") if k in p}
        yield command(p["on"], "propose_award", p.get("proposed_by", p["unit_id"]), cid, "propose", p["proposal_id"],
                      campaign_id=cid, proposal_id=p["proposal_id"], **fields)  # fmt: skip
    for d in year["decisions"]:
        counts = {k: d[k] for k in ("votes_for", "votes_against", "members_present", "reason")}
        yield command(d["on"], "decide_award", council, cid, "decide", d["proposal_id"], campaign_id=cid,
                      proposal_id=d["proposal_id"], **counts)  # fmt: skip


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


FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
          "Dương", "Lý", "Trương", "Đinh")  # fmt: skip
MIDDLE = ("Văn", "Thị", "Minh", "Thanh", "Ngọc", "Hoàng", "Quốc", "Thu", "Kim", "Đức", "Mỹ", "Hữu", "Phương", "Bảo")
GIVEN = ("An", "Bình", "Châu", "Dũng", "Hà", "Hải", "Hạnh", "Hương", "Khoa", "Lan", "Linh", "Long", "Mai", "Nam",
         "Nga", "Phúc", "Quân", "Tâm", "Thảo", "Trang", "Tuấn", "Vy", "Yến", "Khánh", "Nhung", "Sơn", "Thịnh")  # fmt: skip


def staff(cid: str, unit_id: str, pledge: dict[str, Any]) -> list[dict[str, str]]:
    """The staff a unit registers: those the scenario names, then generated names (the same every run) up to
    `staff_count`, each aiming at Lao động tiên tiến."""
    named: list[dict[str, str]] = list(pledge.get("staff", []))
    rng = random.Random(f"{cid}:{unit_id}")
    people = {p["person"] for p in named}
    while len(named) < pledge["staff_count"]:
        person = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        if person not in people:
            people.add(person)
            named.append({"person": person, "target_title": "lao-dong-tien-tien"})
    return named


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
