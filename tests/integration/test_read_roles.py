"""Read API roles by bearer token: each role's view over HTTP, and 401/403 answers that say why.

The 401/403 rule on every route, token reloading and the error shape: tests/integration/test_read_api_attacks.py.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from emulation import demo
from services.read_api.access import create_token
from tests.support.system import System, wait_for

pytestmark = pytest.mark.integration
C = "2022"


async def test_each_role_sees_what_it_may(system: System, tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.json"
    role = {r: create_token(tokens, r) for r in ("council", "auditor", "unit:van-phong-so")}
    system.settings = system.settings.replace(api_tokens_file=str(tokens))
    for service in ("registry", "evaluation", "notification", "audit"):
        system.start(service)
    system.start_api()
    await demo.load(system.nc)

    def get(path: str, who: str | None = None, **params: str) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {role[who]}"} if who else {}
        with system.http() as http:
            r = http.get(path, params=params, headers=headers)
        return r.status_code, r.json()

    await wait_for(lambda: len(get("/v1/audit", "auditor", limit="1000")[1]["entries"]) >= 39)  # type: ignore[index]
    # the audit trail's view says nothing of the others: the answers below need the launch in the registry's blocks
    # view and in the evaluation's reference (else 404, not 401)
    launched = (f"/v1/campaigns/{C}/blocks", f"/v1/campaigns/{C}/standings")
    await wait_for(lambda: all(get(path, "council")[0] == 200 for path in launched))

    # the public: campaigns, nothing about units; standings only once the campaign is closed. Without a token
    # the answer is 401 (authenticate first); a role that may not read it gets 403
    assert get("/v1/campaigns")[0] == 200
    status, body = get(f"/v1/campaigns/{C}/blocks")
    assert status == 401 and body["detail"] == {
        "code": "unauthorized",
        "message": "blocks are public once the campaign is closed; until then council, auditors and units only; "
        "send `Authorization: Bearer <token>`",
        "field": "Authorization",
    }
    status, body = get(f"/v1/campaigns/{C}/standings")
    assert status == 401 and "public once the campaign is closed" in body["detail"]["message"]
    assert get("/v1/audit")[0] == 401

    # a token that is not one, or a header of the wrong kind
    with system.http() as http:
        r = http.get("/v1/campaigns", headers={"Authorization": "Bearer nope"})
        assert (
            r.status_code == 401
            and "not recognised" in r.json()["detail"]["message"]
            and r.headers["www-authenticate"] == "Bearer"
        )
        r = http.get("/v1/campaigns", headers={"Authorization": "Basic abc"})
        assert r.status_code == 401 and "Authorization: Bearer" in r.json()["detail"]["message"]

    # a unit: its own registrations and notices, not another's
    unit = "unit:van-phong-so"
    await system.send("register_emulation", {"command_id": str(uuid.uuid4()), "actor": "van-phong-so", "campaign_id": C,
                      "unit_id": "van-phong-so", "collective_target": "tap-the-lao-dong-xuat-sac", "staff": []})  # fmt: skip
    await system.send("register_emulation", {"command_id": str(uuid.uuid4()), "actor": "thanh-tra-so", "campaign_id": C,
                      "unit_id": "thanh-tra-so", "collective_target": "tap-the-lao-dong-tien-tien", "staff": []})  # fmt: skip
    await wait_for(lambda: len(get(f"/v1/campaigns/{C}/registrations", "council")[1]["registrations"]) == 2)  # type: ignore[index]
    status, body = get(f"/v1/campaigns/{C}/registrations", unit)
    assert status == 200 and [r["unit_id"] for r in body["registrations"]] == ["van-phong-so"]  # type: ignore[index]
    assert get(f"/v1/campaigns/{C}/registrations", unit, unit="thanh-tra-so")[0] == 403
    assert get("/v1/units/van-phong-so/notifications", unit)[0] == 200
    assert get("/v1/units/thanh-tra-so/notifications", unit)[0] == 403
    assert get(f"/v1/campaigns/{C}/standings", unit)[0] == 200
    assert get("/v1/audit", unit)[0] == 403
    assert get(f"/v1/campaigns/{C}/registration-summary", unit)[0] == 403

    # the council: everything but the audit trail; auditors: the audit trail too
    assert get(f"/v1/campaigns/{C}/registration-summary", "council")[0] == 200
    assert get("/v1/notifications", "council")[0] == 200
    status, body = get("/v1/audit", "council")
    assert status == 403 and body["detail"]["message"] == "the audit trail is for auditor only"
    assert get("/v1/audit", "auditor")[0] == 200

    # once the campaign is closed, the public sees its final standings, and its blocks, which name their units
    reply = await system.send(
        "close_campaign", {"command_id": str(uuid.uuid4()), "actor": "van-phong-so", "campaign_id": C}
    )
    assert reply["ok"], reply
    await wait_for(lambda: get(f"/v1/campaigns/{C}/standings")[0] == 200)
    await wait_for(lambda: get(f"/v1/campaigns/{C}/blocks")[0] == 200)
    names = {m["unit_id"]: m["name"] for b in get(f"/v1/campaigns/{C}/blocks")[1]["blocks"] for m in b["members"]}
    assert names["phong-cong-chung-so-1"] == "Phòng Công chứng số 1"
    assert get("/v1/units")[0] == 401  # the unit register itself stays for signed-in roles
