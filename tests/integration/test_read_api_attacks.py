"""The read API attacked as issue 13's probe did, on a running system with NATS authentication on.

One system for the module (nats-server with authentication, every service under its own identity, the read
API as its own process with a tokens file, the 2022 demo loaded): tokens created and revoked while it runs,
out-of-range times, the error shape of every 4xx, the 401/403 rule on every protected route, pagination,
invisible and bidirectional names, and the processes' log files.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulation import demo
from emulation.supervisor import create_streams
from services.read_api.access import create_token
from services.read_api.responses.evaluation import RankedUnit, Standings
from tests.support.secured import Secured
from tests.support.system import ROOT, wait_for

pytestmark = pytest.mark.integration
C = "2022"
UNIT, OTHER = "van-phong-so", "thanh-tra-so"
SERVICES = ("registry", "evaluation", "notification", "audit")
ACHIEVEMENTS = 7
REGISTERED = ("phong-cong-chung-so-1", "phong-cong-chung-so-2", "thanh-tra-so", "van-phong-so", "phong-pbgdpl")
MODEL = "tiep-cong-dan-mot-lan"
"""An exemplary model of OTHER, only identified: not yet for the public nor for other units."""
NOTICES = ACHIEVEMENTS + len(REGISTERED) + 1  # and the model's unit told it was identified
"""Each rejection notifies the unit; each late registration (the deadline is in 2022) notifies the secretariat."""


@dataclass
class Api:
    secured: Secured
    tokens: Path
    token: dict[str, str]
    """Role → a token created before the API started."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.secured.system.settings.api_port}"

    def get(self, path: str, role: str | None = None, token: str | None = None, **params: Any) -> httpx.Response:
        token = token or (self.token[role] if role else None)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.get(self.url + path, params=params or None, headers=headers, timeout=10)  # {} drops path's query

    def cli(self, *args: str) -> str:
        """`emulation ARGS` as an operator runs it beside the running API."""
        env = os.environ | {"EMULATION_API_TOKENS_FILE": str(self.tokens), "PYTHONPATH": str(ROOT)}
        done = subprocess.run([sys.executable, "-m", "emulation", *args], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def send(self, command: str, **body: Any) -> dict[str, Any]:
        async def go() -> dict[str, Any]:
            nc = await self.secured.connect("portal")
            try:
                self.secured.system.nc = nc
                return await self.secured.system.send(command, {"command_id": str(uuid.uuid4()), **body})
            finally:
                await nc.close()

        return asyncio.run(go())


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    root = tmp_path_factory.mktemp("read-api")
    secured = Secured(root)
    tokens = root / "api-tokens.json"
    token = {r: create_token(tokens, r) for r in ("council", "auditor", "public", f"unit:{UNIT}")}
    try:  # the processes stop even when setting up fails
        asyncio.run(create_streams(secured.as_user("admin")))
        for service in SERVICES:
            secured.start(service)
        secured.system.settings = secured.as_user("api").replace(api_tokens_file=str(tokens))
        secured.system.start_api()
        api = Api(secured, tokens, token)
        load(api)
        yield api
    finally:
        secured.stop()


def load(api: Api) -> None:
    """The demo, then rejected achievements (each a notice to the unit) and late registrations."""

    async def demo_campaign() -> None:
        nc = await api.secured.connect("portal")
        await demo.load(nc)
        await nc.close()

    asyncio.run(demo_campaign())
    council = "council:chu-tich"
    criteria = [{"criterion_id": "nhiem-vu", "title": "Nhiệm vụ", "max_points": 60}]
    asyncio.run(wait_for(lambda: api.get(f"/v1/campaigns/{C}/standings", "council").status_code == 200))
    assert api.send("set_scoring_table", actor=council, campaign_id=C, criteria=criteria)["ok"]
    for n in range(ACHIEVEMENTS):
        assert api.send("report_achievement", actor=UNIT, campaign_id=C, achievement_id=f"tt-{n}", unit_id=UNIT,
                        content_no=4, criterion_id="nhiem-vu", claimed_points=10, description="Hoàn thành")["ok"]  # fmt: skip
        assert api.send("reject_achievement", actor=council, campaign_id=C, achievement_id=f"tt-{n}",
                        reason="Thiếu minh chứng")["ok"]  # fmt: skip
    assert api.send("identify_exemplary_model", actor=council, campaign_id=C, model_id=MODEL, unit_id=OTHER,
                    area="Thanh tra", title="Tiếp công dân một lần", reason="Giải quyết dứt điểm khiếu nại",
                    identified_by="Văn phòng Sở")["ok"]  # fmt: skip
    for unit in REGISTERED:
        assert api.send("register_emulation", actor=unit, campaign_id=C, unit_id=unit,
                        collective_target="tap-the-lao-dong-xuat-sac", staff=[])["ok"]  # fmt: skip

    def delivered() -> bool:  # each notice is logged scheduled, then sent: the last record, or lists change under tests
        notices = api.get("/v1/notifications", "council", limit=1000).json()
        return len(notices) == NOTICES and all(n["status"] == "sent" for n in notices)

    asyncio.run(wait_for(delivered))


# ---- API tokens: created and revoked while the API runs --------------------------------------------------


def test_a_token_created_while_the_api_runs_works_at_once_and_a_revoked_one_is_refused_at_once(api: Api) -> None:
    token = api.cli("token", "create", "auditor")
    assert api.get("/v1/audit", token=token).status_code == 200  # the very next request, no restart
    assert api.cli("token", "revoke", token) == "revoked a auditor token"
    refused = api.get("/v1/audit", token=token)
    assert refused.status_code == 401 and refused.json()["detail"]["code"] == "unauthorized"

    # removed by hand, the file edited in place as an operator might
    other = api.cli("token", "create", "council")
    assert api.get(f"/v1/campaigns/{C}/registration-summary", token=other).status_code == 200
    kept = {t: r for t, r in json.loads(api.tokens.read_text()).items() if t != other}
    api.tokens.write_text(json.dumps(kept))
    assert api.get(f"/v1/campaigns/{C}/registration-summary", token=other).status_code == 401
    assert api.get(f"/v1/campaigns/{C}/registration-summary", "council").status_code == 200


def test_a_tokens_file_that_cannot_be_read_refuses_every_token_until_it_is_fixed(api: Api) -> None:
    good = api.tokens.read_text()
    try:
        api.tokens.write_text('{"half written')
        assert api.get(f"/v1/campaigns/{C}/blocks", "council").status_code == 401
        assert api.get("/v1/campaigns").status_code == 200  # the public still reads what it may
    finally:
        api.tokens.write_text(good)
    assert api.get(f"/v1/campaigns/{C}/blocks", "council").status_code == 200


# ---- times out of range: a structured 422, never a 500 ---------------------------------------------------

OUT_OF_RANGE = [
    "9999-12-31T23:59:59-12:00",  # the probe's: converting it to UTC overflowed
    "0001-01-01T00:00:00+01:00",
    "2201-01-01T00:00:00Z",
    "1944-12-31T23:59:59Z",
    "2022-13-01T00:00:00Z",
    "yesterday",
]
TIME_PARAMETERS = [
    (f"/v1/campaigns/{C}/standings", "as_of"),
    ("/v1/audit", "since"),
    ("/v1/audit", "until"),
    ("/v1/audit/export", "since"),
    ("/v1/audit/export", "until"),
]


@pytest.mark.parametrize(("path", "name"), TIME_PARAMETERS)
def test_times_out_of_range_are_refused_with_a_structured_422(api: Api, path: str, name: str) -> None:
    for value in OUT_OF_RANGE:
        r = api.get(path, "auditor", **{name: value})
        assert r.status_code == 422, (value, r.text)
        detail = r.json()["detail"]
        assert (detail["code"], detail["field"]) == ("invalid_field", name), value
        assert detail["message"].startswith(f"{name}: "), detail
    assert (
        "must be between 1945-01-01T00:00:00Z and 2200-12-31T23:59:59Z"
        in api.get(path, "auditor", **{name: OUT_OF_RANGE[0]}).json()["detail"]["message"]
    )


def test_times_in_range_still_answer(api: Api) -> None:
    standings = api.get(f"/v1/campaigns/{C}/standings", "council", as_of="2022-06-01T00:00:00+07:00")
    assert standings.status_code == 200 and standings.json()["as_of"] == "2022-05-31T17:00:00+00:00"
    current = Standings.model_validate(api.get(f"/v1/campaigns/{C}/standings", "council").json())
    unit = api.get(f"/v1/campaigns/{C}/standings", "council").json()["blocks"][0]["units"][0]
    assert set(unit) == set(RankedUnit.model_fields) and len(current.blocks) == 2  # the documented fields, all
    assert api.get(f"/v1/campaigns/{C}/standings", "council", as_of="2200-12-31T23:59:59Z").status_code == 200
    everything = api.get("/v1/audit", "auditor", since="1945-01-01", limit=1000).json()["entries"]
    assert len(everything) > 40
    assert api.get("/v1/audit", "auditor", until="1946-01-01T00:00:00+07:00").json() == {"entries": [], "next": None}
    middle = everything[20]["time"]
    later = api.get("/v1/audit", "auditor", since=middle, limit=1000).json()["entries"]
    assert later and all(e["time"] >= middle for e in later) and len(later) < len(everything)


# ---- one error shape for every 4xx -----------------------------------------------------------------------


def test_every_4xx_answer_has_the_one_error_shape(api: Api) -> None:
    cases = [
        (api.get("/v1/units", "council", limit=0), 422, "invalid_field", "limit"),
        (api.get("/v1/units", "council", limit="many"), 422, "invalid_field", "limit"),
        (api.get("/v1/units", "council", after="x" * 301), 422, "invalid_field", "after"),
        (api.get("/v1/audit/export", "auditor", format="xml"), 422, "invalid_field", "format"),
        (api.get("/v1/audit", "auditor", after=-1), 422, "invalid_field", "after"),
        (api.get("/v1/no-such-route", "council"), 404, "not_found", None),
        (api.get("/v1/campaigns/2099"), 404, "unknown_campaign", "campaign_id"),
        (api.get("/v1/units/khong-co", "council"), 404, "unknown_unit", "unit_id"),
        (httpx.post(api.url + "/v1/units", timeout=10), 405, "method_not_allowed", None),
        (api.get("/v1/audit"), 401, "unauthorized", "Authorization"),
        (api.get("/v1/audit", token="nope"), 401, "unauthorized", "Authorization"),
        (api.get("/v1/audit", "council"), 403, "forbidden", None),
    ]
    for response, status, code, field in cases:
        assert response.status_code == status, (response.request.url, response.text)
        body = response.json()
        assert list(body) == ["detail"] and sorted(body["detail"]) == ["code", "field", "message"], body
        assert (body["detail"]["code"], body["detail"]["field"]) == (code, field), body
        assert body["detail"]["message"], body


def test_openapi_documents_the_error_shape_on_every_operation(api: Api) -> None:
    document = httpx.get(api.url + "/openapi.json", timeout=10).json()
    assert "HTTPValidationError" not in document["components"]["schemas"]
    ref = {"$ref": "#/components/schemas/ErrorResponse"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status in ("401", "422"):
                assert operation["responses"][status]["content"]["application/json"]["schema"] == ref, (path, method)
    paged = document["paths"]["/v1/units"]["get"]
    assert {p["name"] for p in paged["parameters"]} >= {"after", "limit"}
    assert paged["responses"]["200"]["content"]["application/json"]["schema"]["items"] == {
        "$ref": "#/components/schemas/Unit"
    }


# ---- the 401/403 rule, on every protected route -----------------------------------------------------------

PUBLIC_ROUTES = {
    "/healthz",
    "/v1/campaigns",
    "/v1/campaigns/{campaign_id}",
    "/v1/campaigns/{campaign_id}/awards",
    "/v1/campaigns/{campaign_id}/exports/awards.{fmt}",  # decided ones
    "/v1/campaigns/{campaign_id}/models",
    "/v1/audit/keys",
}
PROTECTED = {
    # route: (a request for it, the roles that may not read it)
    "/v1/campaigns/{campaign_id}/blocks": (f"/v1/campaigns/{C}/blocks", ["public"]),
    "/v1/campaigns/{campaign_id}/blocks/{block_id}": (f"/v1/campaigns/{C}/blocks/khoi-phong-chuyen-mon", ["public"]),
    "/v1/units": ("/v1/units", ["public"]),
    "/v1/units/{unit_id}": (f"/v1/units/{OTHER}", ["public"]),
    "/v1/campaigns/{campaign_id}/registrations": (f"/v1/campaigns/{C}/registrations?unit={OTHER}", ["public", UNIT]),
    "/v1/campaigns/{campaign_id}/registration-summary": (f"/v1/campaigns/{C}/registration-summary", ["public", UNIT]),
    "/v1/campaigns/{campaign_id}/achievements": (f"/v1/campaigns/{C}/achievements?unit={OTHER}", ["public", UNIT]),
    "/v1/campaigns/{campaign_id}/standings": (f"/v1/campaigns/{C}/standings", ["public"]),  # the campaign is open
    "/v1/campaigns/{campaign_id}/exports/registrations.{fmt}": (
        f"/v1/campaigns/{C}/exports/registrations.xlsx?unit={OTHER}",
        ["public", UNIT],
    ),
    "/v1/campaigns/{campaign_id}/exports/standings.{fmt}": (f"/v1/campaigns/{C}/exports/standings.csv", ["public"]),
    "/v1/campaigns/{campaign_id}/votes": (f"/v1/campaigns/{C}/votes", ["public"]),
    "/v1/models/{model_id}": (f"/v1/models/{MODEL}", ["public", UNIT]),  # identified only: its unit, council, auditors
    "/v1/campaigns/{campaign_id}/ballots/{ballot}": (f"/v1/campaigns/{C}/ballots/{'0' * 64}", ["public"]),
    "/v1/units/{unit_id}/notifications": (f"/v1/units/{OTHER}/notifications", ["public", UNIT]),
    "/v1/notifications": ("/v1/notifications", ["public", UNIT]),
    "/v1/campaigns/{campaign_id}/reviews": (f"/v1/campaigns/{C}/reviews", ["public"]),
    "/v1/campaigns/{campaign_id}/reviews/{review}/submissions": (
        f"/v1/campaigns/{C}/reviews/mid_year/submissions?unit={OTHER}",
        ["public", UNIT],
    ),
    "/v1/campaigns/{campaign_id}/reviews/{review}/summary": (
        f"/v1/campaigns/{C}/reviews/mid_year/summary",
        ["public", UNIT],
    ),
    "/v1/audit": ("/v1/audit", ["public", UNIT, "council"]),
    "/v1/audit/export": ("/v1/audit/export", ["public", UNIT, "council"]),
    "/v1/audit/verify": ("/v1/audit/verify", ["public", UNIT, "council"]),
    "/v1/audit/checksums": ("/v1/audit/checksums", ["public", UNIT, "council"]),
}


def test_every_route_is_either_public_or_checked_below(api: Api) -> None:
    routes = set(httpx.get(api.url + "/openapi.json", timeout=10).json()["paths"])
    assert routes == PUBLIC_ROUTES | set(PROTECTED), "classify the new route in this test"


@pytest.mark.parametrize("route", sorted(PROTECTED))
def test_no_token_gets_401_and_a_role_that_may_not_read_gets_403(api: Api, route: str) -> None:
    path, wrong_roles = PROTECTED[route]
    anonymous = api.get(path)
    assert anonymous.status_code == 401, anonymous.text
    assert anonymous.headers["www-authenticate"] == "Bearer"
    detail = anonymous.json()["detail"]
    assert (detail["code"], detail["field"]) == ("unauthorized", "Authorization")
    assert detail["message"].endswith("send `Authorization: Bearer <token>`")
    for role in wrong_roles:
        refused = api.get(path, f"unit:{role}" if role == UNIT else role)
        assert refused.status_code == 403, (role, refused.text)
        assert "www-authenticate" not in refused.headers
        assert refused.json()["detail"]["code"] == "forbidden"
    answer = api.get(path, "auditor")  # the auditor reads everything (a ballot nobody cast, a review not scheduled
    # are simply not there)
    assert answer.status_code == 200 or answer.json()["detail"]["code"] in ("unknown_ballot", "unknown_review"), (
        answer.text
    )


@pytest.mark.parametrize("route", sorted(PUBLIC_ROUTES))
def test_public_routes_answer_without_a_token(api: Api, route: str) -> None:
    assert api.get(route.replace("{campaign_id}", C).replace("{fmt}", "xlsx")).status_code == 200


# ---- pagination ----------------------------------------------------------------------------------------


def pages(api: Api, path: str, role: str, key: str | None = None, **params: Any) -> list[list[dict[str, Any]]]:
    """Every page of a list, following the `Link: rel="next"` header from the first page on."""
    out: list[list[dict[str, Any]]] = []
    url: str | None = path
    while url is not None:
        r = api.get(url, role, **params) if not out else api.get(url, role)
        assert r.status_code == 200, r.text
        body = r.json()
        items = body if key is None else body[key]
        out.append(items)
        url = r.links.get("next", {}).get("url")
        if key is not None:  # an object body also carries the cursor
            assert (body["next"] and str(body["next"])) == (url and httpx.URL(url).params["after"])
        assert len(out) < 100
    return out


@pytest.mark.parametrize(
    ("path", "key", "cursor", "params"),
    [
        ("/v1/units", None, "unit_id", {}),
        ("/v1/units", None, "unit_id", {"q": "cong chung"}),
        (f"/v1/campaigns/{C}/registrations", "registrations", "unit_id", {}),
        (f"/v1/campaigns/{C}/achievements", "achievements", "achievement_id", {"status": "rejected"}),
        ("/v1/notifications", None, "notification_id", {"campaign": C}),
        (f"/v1/units/{UNIT}/notifications", None, "notification_id", {}),
        ("/v1/audit", "entries", "seq", {"campaign": C}),
    ],
)
def test_lists_come_in_pages_that_add_up_to_the_whole(
    api: Api, path: str, key: str | None, cursor: str, params: dict[str, str]
) -> None:
    whole_body = api.get(path, "council" if "audit" not in path else "auditor", limit=1000, **params).json()
    whole = whole_body if key is None else whole_body[key]
    assert len(whole) > 3
    role = "council" if "audit" not in path else "auditor"
    split = pages(api, path, role, key, limit=3, **params)
    assert all(len(p) == 3 for p in split[:-1]) and 1 <= len(split[-1]) <= 3
    assert [item for p in split for item in p] == whole
    assert len({item[cursor] for item in whole}) == len(whole)


def test_a_list_without_limit_is_bounded(api: Api) -> None:
    r = api.get("/v1/units", "council", limit=1001)
    assert r.status_code == 422 and r.json()["detail"]["field"] == "limit"
    first = api.get("/v1/units", "council")
    assert len(first.json()) == 17 and "link" not in first.headers  # 17 < the default page of 100


def test_a_unit_pages_through_only_its_own_rows(api: Api) -> None:
    split = pages(api, f"/v1/campaigns/{C}/registrations", f"unit:{UNIT}", "registrations", limit=1)
    assert [r["unit_id"] for p in split for r in p] == [UNIT]


# ---- names: invisible-only or holding bidirectional controls --------------------------------------------


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("\u200b\u200b", "must contain visible characters"),
        ("\ufeff", "must contain visible characters"),
        (" \u200c\u2060 ", "must contain visible characters"),
        ("Phòng Tư pháp\u202eexe.gpj", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("\u2067Phòng\u2069", "U+2067 RIGHT-TO-LEFT ISOLATE"),
    ],
)
def test_invisible_or_bidirectional_names_are_refused(api: Api, name: str, says: str) -> None:
    unit = f"probe-{uuid.uuid4().hex[:8]}"
    reply = api.send("register_unit", actor="van-phong-so", unit_id=unit, name=name, kind="department")
    assert reply["ok"] is False and reply["error"]["code"] == "invalid_field", reply
    assert reply["error"]["field"] == "name" and says in reply["error"]["message"]
    renamed = api.send("rename_unit", actor="van-phong-so", unit_id=OTHER, name=name)
    assert renamed["ok"] is False and renamed["error"]["field"] == "name", renamed
    assert api.get(f"/v1/units/{unit}", "council").status_code == 404
    assert api.get("/v1/audit", "auditor", unit=unit).json()["entries"] == []


def test_vietnamese_names_round_trip_in_nfc(api: Api) -> None:
    import unicodedata

    name = "Phòng Công chứng số 9 — Đội ngũ ưu tú"
    unit = f"phong-cong-chung-{uuid.uuid4().hex[:6]}"
    reply = api.send("register_unit", actor="van-phong-so", unit_id=unit, name=unicodedata.normalize("NFD", name),
                     kind="affiliated")  # fmt: skip
    assert reply["ok"], reply
    stored = asyncio.run(wait_for(lambda: (r := api.get(f"/v1/units/{unit}", "council")).status_code == 200 and r))
    assert stored.json()["name"].encode() == name.encode()


# ---- log files --------------------------------------------------------------------------------------------


def test_each_process_keeps_its_own_log_file(api: Api) -> None:
    logs = api.secured.data / "logs"
    assert sorted(p.name for p in logs.iterdir() if p.suffix == ".log") == sorted(
        f"{name}.json.log" for name in (*SERVICES, "read-api")
    )
