"""The workspace's registrations, standings and unit pages over a running system, as each role sees them.

The data is sent as commands (the demo's campaign, blocks and units; registrations on time and late under a moved
clock; achievements verified, adjusted, rejected and late), then the pages are read over HTTP with each role's
session cookie, as a browser signed in through `/signin` sends it.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulation import demo
from services.read_api.access import create_token
from shared.infra.clock import Clock
from tests.support.system import System, wait_for

pytestmark = pytest.mark.integration
C = "2022"
B1, B2 = "khoi-phong-chuyen-mon", "khoi-don-vi-truc-thuoc"
COUNCIL = "council:chu-tich"
ROLES = ("council", "auditor", "public", "unit:thanh-tra-so", "unit:phong-hanh-chinh-tu-phap")
ON_TIME = ("van-phong-so", "thanh-tra-so", "phong-cong-chung-so-1")
LATE = {"phong-hanh-chinh-tu-phap": 5, "trung-tam-tro-giup-phap-ly": 5}
"""Registered on 25 January 2022 in Ho Chi Minh City: five days after the deadline (20 January)."""
CLAIMS = {  # unit: (claimed, verified as — None: rejected, late)
    "van-phong-so": (55, 55, False),
    "thanh-tra-so": (50, 50, False),
    "phong-hanh-chinh-tu-phap": (58, 52, False),  # adjusted, with a reason
    "phong-pbgdpl": (60, None, False),  # rejected
    "phong-to-chuc-can-bo": (55, 55, True),  # late: 55 − 5
    "phong-cong-chung-so-1": (59, 59, False),
    "trung-tam-tro-giup-phap-ly": (57, 57, False),
}
STAFF = [{"person": "Nguyễn Thị Hồng", "target_title": "chien-si-thi-dua-co-so"}]


async def command(system: System, name: str, actor: str, **body: Any) -> None:
    reply = await system.send(name, {"command_id": str(uuid.uuid4()), "actor": actor, "campaign_id": C, **body})
    assert reply["ok"], (name, body, reply)


async def a_year(system: System, tokens: Path, clock: Clock) -> dict[str, str]:
    """Start the services and the API, send the year's commands; each role's token once the pages show them."""
    role = {r: create_token(tokens, r) for r in ROLES}
    system.settings = system.settings.replace(api_tokens_file=str(tokens))
    clock.set(datetime(2022, 1, 10, 2, 0, tzinfo=UTC))
    for service in ("registry", "evaluation", "notification"):
        system.start(service)
    system.start_api()
    await system.ready()
    await demo.load(system.nc)

    def evaluation_knows_the_blocks() -> bool:
        with session(system, role["council"]) as http:
            r = http.get(f"/v1/campaigns/{C}/standings")
        return r.status_code == 200 and [len(b["units"]) for b in r.json()["blocks"]] == [8, 9]

    await wait_for(evaluation_knows_the_blocks, timeout=60)
    for unit in ON_TIME:
        staff = STAFF if unit == "van-phong-so" else []
        await command(system, "register_emulation", unit, unit_id=unit,
                      collective_target="tap-the-lao-dong-xuat-sac", staff=staff)  # fmt: skip
    clock.set(datetime(2022, 1, 25, 2, 0, tzinfo=UTC))
    for unit in LATE:
        await command(system, "register_emulation", unit, unit_id=unit,
                      collective_target="tap-the-lao-dong-tien-tien", staff=[])  # fmt: skip
    await command(system, "set_scoring_table", COUNCIL,
                  criteria=[{"criterion_id": "nhiem-vu", "title": "Hoàn thành nhiệm vụ chuyên môn", "max_points": 60}],
                  bonuses=[], penalties=[{"item_id": "late-report", "title": "Báo cáo trễ hạn", "points": 5}])  # fmt: skip
    for unit, (claimed, _, late) in CLAIMS.items():
        extra = {"due_on": "2022-01-20"} if late else {}
        await command(system, "report_achievement", unit, achievement_id=f"tt-{unit}", unit_id=unit, content_no=4,
                      criterion_id="nhiem-vu", claimed_points=claimed, description="Hoàn thành xuất sắc nhiệm vụ năm 2022",
                      evidence_ref=f"BC-{unit}", **extra)  # fmt: skip
    for unit, (claimed, verified, _) in CLAIMS.items():
        if verified is None:
            await command(
                system, "reject_achievement", COUNCIL, achievement_id=f"tt-{unit}", reason="Không có minh chứng"
            )
        elif verified != claimed:
            await command(system, "verify_achievement", COUNCIL, achievement_id=f"tt-{unit}", points=verified,
                          reason="Trừ điểm chỉ tiêu chưa đạt")  # fmt: skip
        else:
            await command(system, "verify_achievement", COUNCIL, achievement_id=f"tt-{unit}")

    last = demo.load_scenario()["blocks"][-1]["units"][-1]["unit_id"]  # the demo's last unit assigned

    def settled() -> bool:
        with session(system, role["council"]) as http:
            body = http.get(f"/v1/campaigns/{C}/standings").json()
            regs = http.get(f"/v1/campaigns/{C}/registrations").json()
            # the pages read the demo's facts in the registry's blocks and units views too (their own consumers):
            # its last designation and last assignment there
            blocks = http.get(f"/v1/campaigns/{C}/blocks").json()["blocks"]
            history = http.get(f"/v1/units/{last}").json()["history"]
        units = {u["unit_id"]: u for b in body["blocks"] for u in b["units"]}
        return (
            len(regs["registrations"]) == 5
            and bool(blocks[-1]["deputy"])
            and [h["event"] for h in history] == ["unit_registered", "unit_assigned_to_block"]
            and units["phong-pbgdpl"]["rejected_count"] == 1
            and all(units[u]["verified_count"] == 1 for u, c in CLAIMS.items() if c[1] is not None)
        )

    await wait_for(settled, timeout=60)
    return role


def session(system: System, token: str | None) -> httpx.Client:
    """A client as a browser signed in with `token` (the session cookie), or a stranger."""
    http = system.http()
    if token is not None:
        http.cookies.set("emulation_token", token)
    return http


def rows(html: str, testid: str) -> list[dict[str, str]]:
    """The data-* attributes of each element with `data-testid=testid`, in page order."""
    found = []
    for tag in re.findall(rf'<[a-z]+[^>]*data-testid="{re.escape(testid)}"[^>]*>', html):
        found.append({k: unescape(v) for k, v in re.findall(r'data-([a-z-]+)="([^"]*)"', tag)})
    return found


def text(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


@pytest.fixture
async def year(system: System, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    clock = Clock(system.settings.data_dir / "clock")
    clock.set(datetime(2022, 1, 10, 2, 0, tzinfo=UTC))
    monkeypatch.setenv("EMULATION_CLOCK_FILE", str(clock.path))
    return await a_year(system, tmp_path / "tokens.json", clock)


async def test_pages_per_role(system: System, year: dict[str, str]) -> None:
    def get(path: str, role: str | None, **params: str) -> httpx.Response:
        with session(system, year[role] if role else None) as http:
            return http.get(path, params=params)

    # ---- registrations: council and auditors see every block, the summary, late units and who has not registered
    for role in ("council", "auditor"):
        r = get(f"/campaigns/{C}/registrations", role)
        assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
        assert "style=" not in r.text and "script-src 'self'" in r.headers["content-security-policy"]
        regs = rows(r.text, "registrations-row")
        assert sorted(x["unit-id"] for x in regs) == sorted([*ON_TIME, *LATE])
        assert {x["unit-id"]: int(x["days-late"]) for x in regs if x["status"] == "late"} == LATE
        missing = {x["unit-id"] for x in rows(r.text, "registrations-missing")}
        assert missing == {u["unit_id"] for b in demo.load_scenario()["blocks"] for u in b["units"]} - {*ON_TIME, *LATE}
        assert len(rows(r.text, "registrations-summary")) == 2
        page = text(r.text)
        assert "Tập thể lao động xuất sắc" in page and "Nguyễn Thị Hồng: Chiến sĩ thi đua cơ sở" in page
        assert "Thanh tra Sở" in page and "5 ngày" in page
        assert f'href="/v1/campaigns/{C}/exports/registrations.xlsx" data-testid="export-xlsx"' in r.text
        assert f'href="/v1/campaigns/{C}/exports/registrations.csv" data-testid="export-csv"' in r.text

    # a unit: only its own registration, no summary, no other unit's name in a row
    r = get(f"/campaigns/{C}/registrations", "unit:phong-hanh-chinh-tu-phap")
    assert r.status_code == 200
    assert [(x["unit-id"], x["status"]) for x in rows(r.text, "registrations-row")] == [
        ("phong-hanh-chinh-tu-phap", "late")
    ]
    assert rows(r.text, "registrations-missing") == [] and rows(r.text, "registrations-summary") == []
    assert "Thanh tra Sở" not in text(r.text)
    r = get(f"/campaigns/{C}/registrations", "unit:thanh-tra-so")
    assert [x["unit-id"] for x in rows(r.text, "registrations-row")] == ["thanh-tra-so"]
    # the public: the sign-in form (401) without a token, a refusal (403) with the public's token
    r = get(f"/campaigns/{C}/registrations", None)
    assert r.status_code == 401 and 'data-testid="signin-form"' in r.text
    assert get(f"/campaigns/{C}/registrations", "public").status_code == 403
    assert get("/campaigns/2099/registrations", "council").status_code == 404

    # ---- standings: both blocks, bars and rows in rank order, as the JSON route ranks them
    standings = get(f"/v1/campaigns/{C}/standings", "council").json()
    for role in ("council", "auditor", "unit:thanh-tra-so"):
        r = get(f"/campaigns/{C}/standings", role)
        assert r.status_code == 200
        for b in standings["blocks"]:
            ranked = [u["unit_id"] for u in b["units"]]
            section = r.text.split(f'data-testid="standings-block-{b["block_id"]}"')[1].split("</section>")[0]
            assert [x["unit-id"] for x in rows(section, "standings-bar")] == ranked
            table = rows(section, "standings-row")
            assert [x["unit-id"] for x in table] == ranked
            assert [int(x["rank"]) for x in table] == list(range(1, len(ranked) + 1))
        page = text(r.text)
        assert "Điểm thẩm định" in page and "Văn phòng Sở" in page
        assert 'data-json="/v1/campaigns/2022/standings"' in r.text and 'src="/static/standings.js"' in r.text
    b1 = next(b for b in standings["blocks"] if b["block_id"] == B1)["units"]
    assert [u["unit_id"] for u in b1[:3]] == ["van-phong-so", "phong-hanh-chinh-tu-phap", "thanh-tra-so"]
    # unit links: every unit for the council, only its own for a unit
    r = get(f"/campaigns/{C}/standings", "council")
    assert len(re.findall(r'data-testid="unit-link"', r.text)) == 17
    for unit in ("thanh-tra-so", "phong-hanh-chinh-tu-phap"):  # the blocks kept for one unit never show another's
        r = get(f"/campaigns/{C}/standings", f"unit:{unit}")
        assert re.findall(r'href="([^"]+)" data-testid="unit-link"', r.text) == [f"/campaigns/{C}/units/{unit}"]
        assert re.findall(r'data-unit-id="([^"]+)" data-rank="\d+" class="mine"', r.text) == [unit]
    # one block, and the standings as they were before any achievement was verified
    r = get(f"/campaigns/{C}/standings", "council", block=B2)
    assert "standings-block-" + B2 in r.text and "standings-block-" + B1 not in r.text
    r = get(f"/campaigns/{C}/standings", "council", as_of="2022-01-05T00:00")
    assert {x["score"] for x in rows(r.text, "standings-bar")} == {"0.0"}
    assert get(f"/campaigns/{C}/standings", "council", as_of="hôm qua").status_code == 422
    assert get(f"/campaigns/{C}/standings", "council", block="khong-co").status_code == 404
    # the fragment the script swaps in: the blocks alone, with the ETag the JSON route answers with (httpx accepts
    # gzip, as a browser does: that form's tag is the identity's, weak; the page holds the identity's)
    with session(system, year["council"]) as http:
        etag = http.get(f"/v1/campaigns/{C}/standings").headers["etag"]
        assert etag.startswith('W/"')
        assert http.get(f"/v1/campaigns/{C}/standings", headers={"If-None-Match": etag}).status_code == 304
        fragment = http.get(f"/campaigns/{C}/standings", params={"fragment": "1"}).text
        held = unescape(re.findall(r'data-etag="([^"]+)"', fragment)[0])
        assert http.get(f"/v1/campaigns/{C}/standings", headers={"If-None-Match": held}).status_code == 304
    assert f'data-etag="{unescape(etag).removeprefix("W/")}"' in unescape(fragment) and "<html" not in fragment
    assert fragment.count('data-testid="standings-block-') == 2
    # the public: not while the campaign is open (the sign-in form, as the JSON route's 401)
    r = get(f"/campaigns/{C}/standings", None)
    assert r.status_code == 401 and 'data-testid="signin-form"' in r.text
    assert get(f"/campaigns/{C}/standings", "public").status_code == 403

    # ---- a unit's page: council and auditors see any unit's; a unit its own only
    for role in ("council", "auditor", "unit:phong-hanh-chinh-tu-phap"):
        r = get(f"/campaigns/{C}/units/phong-hanh-chinh-tu-phap", role)
        assert r.status_code == 200
        page = text(r.text)
        assert "Phòng Hành chính tư pháp" in page and "Khối các Phòng Chuyên môn Sở" in page
        assert [x["block-id"] for x in rows(r.text, "unit-block")] == [B1]
        assert [(x["unit-id"], x["campaign-id"]) for x in rows(r.text, "registrations-row")] == [
            ("phong-hanh-chinh-tu-phap", C)
        ]
        assert [(x["achievement-id"], x["status"]) for x in rows(r.text, "achievement-row")] == [
            ("tt-phong-hanh-chinh-tu-phap", "verified")
        ]
        assert "Trừ điểm chỉ tiêu chưa đạt" in page and "điều chỉnh điểm" in page and "Trễ hạn" in page
        assert "Đăng ký đơn vị" in page and "Phân vào khối" in page
    r = get(f"/campaigns/{C}/units/phong-pbgdpl", "council")
    assert "Không có minh chứng" in text(r.text) and rows(r.text, "achievement-row")[0]["status"] == "rejected"
    r = get(f"/campaigns/{C}/units/phong-to-chuc-can-bo", "council")
    assert "55 − 5 trễ hạn" in text(r.text)
    # notices: the secretariat was told of the late registrations
    await wait_for(lambda: len(rows(get(f"/campaigns/{C}/units/van-phong-so", "council").text, "notice-row")) >= 2)
    assert "Đăng ký thi đua trễ hạn" in text(get(f"/campaigns/{C}/units/van-phong-so", "council").text)
    # refusals, exactly where the JSON routes refuse
    r = get(f"/campaigns/{C}/units/thanh-tra-so", "unit:phong-hanh-chinh-tu-phap")
    assert r.status_code == 403 and "Vai trò của bạn không được xem trang này." in text(r.text)
    assert "Thanh tra Sở" not in text(r.text)
    r = get(f"/campaigns/{C}/units/thanh-tra-so", None)
    assert r.status_code == 401 and 'data-testid="signin-form"' in r.text
    assert get(f"/campaigns/{C}/units/thanh-tra-so", "public").status_code == 403
    assert get(f"/campaigns/{C}/units/khong-co", "council").status_code == 404

    # ---- once the campaign is closed, the public sees its standings (ids only: unit names are not public)
    await command(system, "close_campaign", "van-phong-so")
    await wait_for(lambda: get(f"/campaigns/{C}/standings", None).status_code == 200)
    r = get(f"/campaigns/{C}/standings", None)
    assert len(rows(r.text, "standings-row")) == 17 and 'data-testid="unit-link"' not in r.text
    assert get(f"/campaigns/{C}/standings", "public").status_code == 200
