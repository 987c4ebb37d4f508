"""`emulation up --demo`: the demo's whole year, as the council and the public read it, and loaded again for nothing.

One `up` for the module (it is the slow part): the terminal's links, the 2022 campaign's outcome and the 2023
campaign's open state through the read API's JSON, the city systems' facts through their own identities, then
`emulation demo` against the running system, which must record nothing new.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from emulation import demo, demo_calendar, demo_year
from shared.events.inbound import INBOUND_STREAM
from tests.support.demo_settled import demo_settled
from tests.support.embedded import Up
from tests.support.system import ROOT, wait_for

pytestmark = pytest.mark.integration
C, NEXT, ANNIVERSARY = "2022", "2023", "40-nam-so-tu-phap"
B1, B2 = "khoi-phong-chuyen-mon", "khoi-don-vi-truc-thuoc"
CC1 = "phong-cong-chung-so-1"


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Up]:
    running = Up(tmp_path_factory.mktemp("demo"), "--demo")
    try:  # every process stops even when starting fails
        asyncio.run(running.ready())
        asyncio.run(demo_settled(running))
        yield running
    finally:
        assert running.stop() == 0, running.terminal()


async def get(http: httpx.AsyncClient, path: str, **params: Any) -> Any:
    r = await http.get(path, params=params)
    assert r.status_code == 200, (path, r.status_code, r.text)
    return r.json()


def council_token(up: Up) -> str:
    tokens: dict[str, str] = json.loads((up.data / "api-tokens.json").read_text())
    return next(token for token, role in tokens.items() if role == "council")


async def test_up_prints_the_workspace_first_and_the_councils_sign_in_link(up: Up) -> None:
    lines = up.out.read_text().splitlines()
    base = f"http://127.0.0.1:{up.api_port}"
    workspace = lines.index(f"Workspace: {base}/")
    signin = next(i for i, line in enumerate(lines) if "/signin#token=" in line)
    api = next(i for i, line in enumerate(lines) if line.startswith("Read API:"))
    assert workspace < signin < api
    assert lines[signin].endswith(f"{base}/signin#token={council_token(up)}")  # in the fragment, never a query
    assert "?token=" not in up.terminal()


async def test_the_year_2022_as_the_council_reads_it(up: Up) -> None:
    async with up.http() as council:
        campaigns = {c["campaign_id"]: c["status"] for c in await get(council, "/v1/campaigns")}
        assert campaigns == {"2020": "closed", "2021": "closed", C: "closed", ANNIVERSARY: "closed", NEXT: "open"}

        registrations = (await get(council, f"/v1/campaigns/{C}/registrations", limit=100))["registrations"]
        late = {r["unit_id"]: r["registered_at"][:10] for r in registrations if r["late"]}
        assert len(registrations) == 17
        assert late == {"phong-ql-xlvphc": "2022-01-24", "phong-cong-chung-so-6": "2022-01-27"}  # deadline 2022-01-20

        achievements = (await get(council, f"/v1/campaigns/{C}/achievements", limit=100))["achievements"]
        by_id = {a["achievement_id"]: a for a in achievements}
        adjusted = by_id["tk-phong-bo-tro-tu-phap"]
        assert (adjusted["status"], adjusted["claimed_points"], adjusted["points"]) == ("verified", 48.0, 44.0)
        assert adjusted["adjusted"] and "trừ 4 điểm" in adjusted["reason"]
        rejected = [a for a in achievements if a["status"] == "rejected"]
        assert [a["achievement_id"] for a in rejected] == ["sk-phong-pbgdpl"] and rejected[0]["reason"]
        assert (by_id["cchc-6t-phong-ql-xlvphc"]["late"], by_id["cchc-6t-phong-ql-xlvphc"]["penalty"]) == (True, 2.0)
        assert len(achievements) == 36 and all(a["status"] != "reported" for a in achievements)

        standings = {b["block_id"]: b["units"] for b in (await get(council, f"/v1/campaigns/{C}/standings"))["blocks"]}
        for block, units in standings.items():
            scores = [u["verified_score"] for u in units]
            assert [u["rank"] for u in units] == list(range(1, len(units) + 1)), block
            assert all(s > 0 for s in scores) and scores == sorted(set(scores), reverse=True), block
        assert (standings[B1][0]["unit_id"], standings[B2][0]["unit_id"]) == ("phong-hanh-chinh-tu-phap", CC1)

        votes = await get(council, f"/v1/campaigns/{C}/votes")
        rounds = {(r["block_id"], r["round_id"]): r for r in votes["rounds"]}
        assert set(rounds) == {(B1, "suy-ton-2022"), (B2, "suy-ton-2022"), (B2, "suy-ton-2022-r2")}
        clean = rounds[B1, "suy-ton-2022"]
        assert (clean["outcome"], clean["winner"], clean["runoff_of"]) == ("elected", "phong-hanh-chinh-tu-phap", None)
        first, runoff = rounds[B2, "suy-ton-2022"], rounds[B2, "suy-ton-2022-r2"]
        assert first["outcome"] == "runoff" and first["winner"] is None
        assert sorted(first["runoff_candidates"]) == [CC1, "trung-tam-tro-giup-phap-ly"]
        assert (runoff["runoff_of"], runoff["outcome"], runoff["winner"]) == ("suy-ton-2022", "elected", CC1)
        assert all(r["tally"] and len(r["ballots"]) == len(r["voted"]) for r in rounds.values())  # closed, published
        assert votes["leaders"] == {B1: "phong-hanh-chinh-tu-phap", B2: CC1}

        proposals = {p["proposal_id"]: p for p in (await get(council, f"/v1/campaigns/{C}/awards"))["proposals"]}
        barred = proposals["gk-pcc3-tran-van-minh"]
        assert (barred["status"], barred["person"], barred["decision"]) == ("ineligible", "Trần Văn Minh", None)
        failed = {r["rule"]: r["reason"] for r in barred["rule_results"] if not r["passed"]}
        assert "no-recorded-measure" in failed and all(demo.MEASURE["decision_no"] in r for r in failed.values())
        eligible = [p for p in proposals.values() if p["eligible"]]
        assert len(eligible) == 23 and all(p["decision"] is not None for p in eligible)
        assert {p["award"] for p in eligible} >= {"lao-dong-tien-tien", "chien-si-thi-dua-co-so", "co-thi-dua-ubnd-thanh-pho",
                                                  "tap-the-lao-dong-xuat-sac", "giay-khen-giam-doc-so"}  # fmt: skip
        assert proposals["bk-ttr-nguyen-thi-thu-ha"]["status"] == "rejected"
        assert sum(p["status"] == "approved" for p in eligible) == 22


async def test_what_the_year_adds_models_an_adhoc_award_earlier_years_and_the_anniversary(up: Up) -> None:
    async with up.http() as council:
        models = await get(council, f"/v1/campaigns/{C}/models")
        funnel = {s["stage"]: (s["at"], s["reached"]) for s in models["funnel"]["stages"]}
        assert funnel == {"identified": (1, 5), "nurtured": (1, 4), "summed_up": (1, 2), "spread": (1, 1)}
        assert (models["funnel"]["dropped"], models["funnel"]["total"]) == (1, 5)
        by_stage = {m["stage"]: m for m in models["models"]}
        assert by_stage["nurtured"]["support_actions"] == 2
        spread = by_stage["spread"]
        assert spread["stage_campaigns"]["spread"] == NEXT and len(spread["adopters"]) == 3  # further in 2023
        history = await get(council, f"/v1/models/{by_stage['dropped']['model_id']}")
        assert history["history"][-1]["step"] == "dropped" and history["history"][-1]["details"]["reason"]

        proposals = {p["proposal_id"]: p for p in (await get(council, f"/v1/campaigns/{C}/awards"))["proposals"]}
        adhoc = proposals["gk-dot-xuat-hctp"]
        assert (adhoc["status"], adhoc["achievement"]["achieved_on"]) == ("approved", "2022-06-10")
        assert adhoc["achievement"]["evidence_ref"] and adhoc["decision"]

        city = proposals["cstdtp-pcc1-nguyen-thi-thanh-huong"]
        assert city["status"] == "approved" and all(r["passed"] for r in city["rule_results"])
        gap = proposals["cstdtp-ttr-nguyen-thi-thu-ha"]
        failed = [r for r in gap["rule_results"] if not r["passed"]]
        assert gap["status"] == "ineligible" and [r["rule"] for r in failed] == ["consecutive-chien-si-thi-dua-co-so"]
        assert "missing 2021" in failed[0]["reason"] and "2020" not in failed[0]["reason"].split("missing")[1]

        for year in ("2020", "2021"):
            earlier = (await get(council, f"/v1/campaigns/{year}/awards", award="chien-si-thi-dua-co-so"))["proposals"]
            assert {p["person"] for p in earlier if p["status"] == "approved"} >= {"Nguyễn Thị Thanh Hương"}

        anniversary = await get(council, f"/v1/campaigns/{ANNIVERSARY}")
        assert (anniversary["kind"], anniversary["status"]) == ("thematic", "closed")
        assert [c["no"] for c in anniversary["contents"]] == [1, 2, 3]
        awards = (await get(council, f"/v1/campaigns/{ANNIVERSARY}/awards"))["proposals"]
        assert len(awards) == 2 and all(p["status"] == "approved" for p in awards)


async def test_the_mid_year_and_year_end_reviews(up: Up) -> None:
    async with up.http() as council:
        due = {r["review"]: r["due_on"] for r in (await get(council, f"/v1/campaigns/{C}/reviews"))["reviews"]}
        assert due == {"mid_year": "2022-06-30", "year_end": "2022-12-10"}

        mid = (await get(council, f"/v1/campaigns/{C}/reviews/mid_year/summary"))["totals"]
        assert (mid["members"], mid["submitted"], mid["on_time"], mid["late"]) == (17, 16, 15, 1)
        assert mid["late_units"] == [{"unit_id": "phong-ql-xlvphc", "days_late": 5}]
        assert mid["missing"] == ["phong-cong-chung-so-6"]
        assert mid["units_assessed"] == 3 and mid["units_completing_well"] == 3

        end = (await get(council, f"/v1/campaigns/{C}/reviews/year_end/summary"))["totals"]
        assert (end["submitted"], end["late"], end["missing"]) == (17, 1, [])
        assert end["late_units"] == [{"unit_id": "phong-cong-chung-so-6", "days_late": 4}]
        assert (end["units_assessed"], end["units_completing_well"]) == (5, 4)  # one found only `completed`
        assert end["units_on_course"] == 16 and 0 < end["unit_share"] < 1 and 0 < end["staff_share"] < 1

        page = await get(council, f"/v1/campaigns/{C}/reviews/year_end/submissions", unit="phong-cong-chung-so-3")
        [pcc3] = page["submissions"]
        assert pcc3["assessment"] is not None


async def test_the_notices_that_follow_and_the_open_campaign(up: Up) -> None:
    async with up.http() as council, httpx.AsyncClient(base_url=f"http://127.0.0.1:{up.api_port}") as public:

        async def told(unit: str, rule: str) -> bool:
            notices = await get(council, f"/v1/units/{unit}/notifications", limit=1000)
            return any(n["rule"] == rule and n["status"] == "sent" for n in notices)

        for unit, rule in [("van-phong-so", "late-registration"), ("van-phong-so", "late-report"),
                           ("phong-pbgdpl", "achievement-rejected"), (CC1, "vote-result"), (CC1, "award-decided"),
                           ("phong-ql-xlvphc", "registration-reminder"), ("phong-cong-chung-so-2", "exemplary-model"),
                           ("van-phong-so", "late-review")]:  # fmt: skip
            await wait_for(lambda u=unit, r=rule: told(u, r), timeout=60)  # type: ignore[misc]

        summary = (await get(council, f"/v1/campaigns/{NEXT}/registration-summary"))["blocks"]
        assert sum(b["registered"] for b in summary) == 10 and sum(b["late"] for b in summary) == 0
        assert sum(len(b["not_registered"]) for b in summary) == 7
        assert (await public.get(f"/v1/campaigns/{C}/standings")).status_code == 200  # closed: the public's
        assert (await public.get(f"/v1/campaigns/{NEXT}/standings")).status_code == 401  # open: not yet
    assert demo_calendar.today(demo_calendar.path(up.data)) == demo_year.steps()[-1].at


async def test_the_facts_go_through_the_new_identities(up: Up) -> None:
    """The one-stop and personnel identities exist, publish the demo's facts, and the evaluation records them all
    (the standings count the dossiers, the measure bars its person)."""
    dossiers = len(list(demo.facts("one-stop")))
    assert f"Demo facts published: {dossiers} resolved dossiers" in up.terminal(), up.terminal()
    systems = {s["name"] for s in json.loads((up.data / "security.json").read_text())["systems"]}
    assert {"portal", "one-stop", "personnel"} <= systems
    await wait_for(lambda: recorded(up, "Dossier.Resolved") == dossiers, timeout=180)
    assert recorded(up, "UnitDiscipline.Recorded") == 1
    in_2022 = sum(d["resolved_at"] < "2022-12-31T17" for _, _, d in demo.facts("one-stop"))
    counted = lambda: up.view_rows("evaluation", "SELECT COUNT(*) FROM dossiers WHERE resolved_on <= '2022-12-31'")  # noqa: E731
    await wait_for(lambda: counted()[0][0] == in_2022, timeout=60)


async def test_loading_the_demo_again_records_nothing(up: Up) -> None:
    dossiers = len(list(demo.facts("one-stop")))
    await wait_for(lambda: recorded(up, "Dossier.Resolved") == dossiers, timeout=180)  # the first load, settled
    reminders = "SELECT COUNT(*) FROM notices WHERE rule = 'registration-reminder'"
    # the 2023 reminder needs the registry's 2023 launch, after its last notices; the evaluation's events have no order
    # with the registry's: wait for its last notices too (the model spread in 2023)
    await wait_for(lambda: up.view_rows("notification", reminders)[0][0] > 0, timeout=60)
    spread = f"SELECT COUNT(*) FROM notices WHERE trigger_type = 'exemplary_model_spread' AND campaign_id = '{NEXT}'"
    await wait_for(lambda: up.view_rows("notification", spread)[0][0] > 0, timeout=60)
    before = (stored(up), notices(up), await inbound_messages(up))

    env = os.environ | {"PYTHONPATH": str(ROOT), "EMULATION_DATA_DIR": str(up.data),
                        "EMULATION_NATS_URL": f"nats://127.0.0.1:{up.nats_port}"}  # fmt: skip
    again = subprocess.run([sys.executable, "-m", "emulation", "demo"], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=120)  # fmt: skip
    assert again.returncode == 0, again.stderr
    commands = sum(1 for step in demo_year.steps() if step.name)
    assert re.search(rf"\({commands} commands; calendar at 16/01/2023\)", again.stdout), again.stdout

    assert (stored(up), notices(up), await inbound_messages(up)) == before  # every command and fact a repeat
    assert demo_calendar.today(demo_calendar.path(up.data)) == demo_year.steps()[-1].at  # the calendar stays


def recorded(up: Up, topic: str) -> int:
    rows = up.store_rows("evaluation", "SELECT COUNT(*) FROM stored_events WHERE topic LIKE ?", (f"%{topic}",))
    return int(rows[0][0])


def stored(up: Up) -> dict[str, int]:
    """Events in the stores of the services the demo's commands go to."""
    return {s: int(up.store_rows(s, "SELECT COUNT(*) FROM stored_events")[0][0]) for s in ("registry", "evaluation")}


def notices(up: Up) -> int:
    """Notices the notifier decided (one per rule, trigger, unit and channel: a repeat decides none)."""
    path = up.data / "notification-views.db"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10) as db:
        return int(next(db.execute("SELECT COUNT(*) FROM notices"))[0])


async def inbound_messages(up: Up) -> int:
    admin = await up.connect("admin")
    try:
        return int((await admin.jetstream().stream_info(INBOUND_STREAM)).state.messages)
    finally:
        await admin.close()
