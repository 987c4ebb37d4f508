"""The exemplary models view fed what the relay would publish: each campaign's funnel, a model's history across
campaigns, `as_of`, redelivery; and the notices each stage sends its unit."""

from __future__ import annotations

import warnings
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from services.catalogue import all_views
from services.evaluation.adapters.exemplary import ExemplaryModelsView, funnel
from services.notification.domain import notices, rules
from services.notification.domain.notices import CampaignFacts, Subscriber, Target, Trigger
from services.read_api.access import create_token
from services.read_api.app import create_app
from shared.events.envelope import CloudEvent
from shared.infra.settings import Settings
from tests.unit.test_evaluation_application import C, Driver
from tests.unit.test_evaluation_views import published, registry_facts, views_of
from tests.unit.test_exemplary_models import LATER, walk

pytestmark = pytest.mark.unit


def across_two_campaigns() -> Driver:
    d = Driver()
    d.facts.launched[C] |= {"period_start": "2022-01-01"}
    d.facts.launched[LATER] = d.facts.launched[C] | {"campaign_id": LATER, "period_start": "2023-01-01"}
    walk(d, C, LATER)
    return d


@pytest.fixture
def models(tmp_path: Path) -> tuple[ExemplaryModelsView, list[CloudEvent]]:
    events = published(across_two_campaigns())
    view = views_of(tmp_path)["exemplary-models"]
    assert isinstance(view, ExemplaryModelsView)
    view.apply(list(enumerate(events, start=1)))
    return view, events


def stages(rows: list[dict[str, Any]]) -> dict[str, str]:
    return {m["model_id"]: m["stage"] for m in rows}


def test_each_campaign_counts_its_models_at_the_stage_they_reached(
    models: tuple[ExemplaryModelsView, list[CloudEvent]],
) -> None:
    view, _ = models
    in_2022 = view.campaign_models(C)
    assert stages(in_2022) == {"mot-cua-so": "spread", "tiep-dan": "dropped"}
    assert funnel(in_2022) == {
        "stages": [
            {"stage": "identified", "at": 0, "reached": 2},
            {"stage": "nurtured", "at": 0, "reached": 2},
            {"stage": "summed_up", "at": 0, "reached": 1},
            {"stage": "spread", "at": 1, "reached": 1},
        ],
        "dropped": 1,
        "total": 2,
    }
    assert stages(view.campaign_models(LATER)) == {"mot-cua-so": "spread"}  # only what was recorded in 2023
    assert view.campaign_models("2030") == []


def test_a_model_keeps_its_history_across_campaigns(models: tuple[ExemplaryModelsView, list[CloudEvent]]) -> None:
    view, _ = models
    m = view.model("mot-cua-so")
    assert m is not None
    assert (m["person"], m["identified_in"], m["support_actions"]) == ("Nguyễn Thị Hồng", C, 2)
    assert m["stage_campaigns"] == {"identified": C, "nurtured": C, "summed_up": LATER, "spread": LATER}
    assert [(h["step"], h["campaign_id"]) for h in m["history"]] == [
        ("identified", C),
        ("nurtured", C),
        ("supported", C),
        ("supported", LATER),
        ("summed_up", LATER),
        ("spread", LATER),
    ]
    assert m["history"][3]["details"] == {"action": "Cấp máy quét", "done_on": "2022-06-01"}
    assert m["history"][4]["details"]["evidence_refs"] == ["BC-12/2022"]
    assert m["adopters"] == [{"unit_id": "u3", "outcome": "Giảm 30% thời gian"}]
    assert {h["recorded_by"] for h in m["history"]} == {"council:chair"}
    dropped = view.model("tiep-dan")
    assert dropped is not None and dropped["history"][-1]["details"] == {
        "reason": "Đơn vị sáp nhập",
        "from_stage": "nurtured",
    }
    assert view.model("khong-co") is None


def test_as_of_shows_the_models_as_they_were(models: tuple[ExemplaryModelsView, list[CloudEvent]]) -> None:
    view, events = models
    nurtured = next(e for e in events if e.event_name == "exemplary_model_nurtured")
    then = nurtured.time.isoformat()
    m = view.model("mot-cua-so", then)
    assert m is not None and (m["stage"], len(m["history"])) == ("nurtured", 2)
    assert stages(view.campaign_models(C, then)) == {"mot-cua-so": "nurtured"}
    assert view.campaign_models(LATER, then) == []
    assert view.model("mot-cua-so", datetime(2000, 1, 1, tzinfo=UTC).isoformat()) is None


def test_a_redelivered_event_changes_nothing(models: tuple[ExemplaryModelsView, list[CloudEvent]]) -> None:
    view, events = models
    before = view.checksum()
    batch = list(enumerate(events, start=1))
    assert view.apply(batch) == 0  # at the positions it holds: skipped
    view.apply([(len(batch) + i, e) for i, e in enumerate(events, start=1)])  # the same events at new positions
    assert view.checksum() == before
    m = view.model("mot-cua-so")
    assert m is not None and len(m["history"]) == 6 and m["support_actions"] == 2


# ---- notices --------------------------------------------------------------------------------------------------


class Facts:
    def rules(self, campaign_id: str) -> rules.CampaignRules:
        return rules.CampaignRules()

    def campaign(self, campaign_id: str) -> CampaignFacts | None:
        return CampaignFacts(campaign_id, f"Phong trào thi đua năm {campaign_id}", date(2022, 1, 20), "u1", "e0")

    def unit(self, unit_id: str) -> Target:
        return Target(unit_id, f"Phòng {unit_id}", f"{unit_id}@example.org")

    def block_members(self, campaign_id: str, block_id: str) -> list[str]:
        return []

    def block_name(self, campaign_id: str, block_id: str) -> str:
        return block_id

    def subscribers(self) -> list[Subscriber]:
        return []


def test_each_stage_sends_its_unit_a_notice_and_a_spread_the_adopters_too() -> None:
    events = [e for e in published(across_two_campaigns()) if e.event_name.startswith("exemplary_model_")]
    decided = {
        e.id: notices.decide(Trigger(e.id, e.event_name, e.time, e.data), Facts())  # type: ignore[arg-type]
        for e in events
    }
    by_event = {e.id: e for e in events}
    for eid, found in decided.items():
        e = by_event[eid]
        units = {n.unit_id for n in found}
        expected = {e.data["unit_id"], *(a["unit_id"] for a in e.data.get("adopters", []))}
        assert units == expected, e.event_name
        assert {n.rule for n in found} == {rules.EXEMPLARY_MODEL}
        assert {n.channel for n in found} == {"email", "nats"}
    spread = next(found for eid, found in decided.items() if by_event[eid].event_name == "exemplary_model_spread")
    mail = next(n for n in spread if n.unit_id == "u2" and n.channel == "email")
    assert mail.subject == "Điển hình tiên tiến «Một cửa số hóa hồ sơ công chứng»: Nhân rộng"
    assert "Phòng u3: Giảm 30% thời gian" in mail.body and "Phong trào thi đua năm 2023" in mail.body
    supported = next(found for eid, found in decided.items() if by_event[eid].event_name == "exemplary_model_supported")
    assert "ngày 01/03/2022" in supported[0].body
    assert rules.EXEMPLARY_MODEL in rules.RULES
    off = rules.check_rules([rules.EXEMPLARY_MODEL], [])
    assert off.enabled(rules.EXEMPLARY_MODEL) is False


# ---- who reads what -------------------------------------------------------------------------------------------


def test_council_sees_every_model_a_unit_its_own_and_the_public_those_summed_up_or_spread(tmp_path: Path) -> None:
    tokens = tmp_path / "api-tokens.json"
    roles = {"council": "council", "u4": "unit:u4", "u3": "unit:u3", "public": "public"}
    bearer = {name: {"Authorization": f"Bearer {create_token(tokens, role)}"} for name, role in roles.items()}
    bearer["anonymous"] = {}
    settings = Settings(data_dir=tmp_path / "data", api_tokens_file=str(tokens))
    history = registry_facts() + published(across_two_campaigns())
    for view in all_views(settings):
        view.apply(list(enumerate(history, start=1)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        from fastapi.testclient import TestClient
    with TestClient(create_app(settings)) as client:

        def listed(who: str) -> tuple[list[str], int]:
            body = client.get(f"/v1/campaigns/{C}/models", headers=bearer[who]).json()
            return [m["model_id"] for m in body["models"]], body["funnel"]["total"]

        assert listed("council") == (["mot-cua-so", "tiep-dan"], 2)
        assert listed("u4") == (["mot-cua-so", "tiep-dan"], 2)  # its own dropped model, and the spread one
        assert listed("u3") == (["mot-cua-so"], 2)  # the funnel counts every model, whoever asks
        assert listed("anonymous") == (["mot-cua-so"], 2)
        assert client.get("/v1/models/tiep-dan", headers=bearer["u4"]).status_code == 200
        assert client.get("/v1/models/tiep-dan", headers=bearer["u3"]).status_code == 403
        assert client.get("/v1/models/tiep-dan", headers=bearer["public"]).status_code == 403
        assert client.get("/v1/models/tiep-dan").status_code == 401
        assert client.get("/v1/models/mot-cua-so").json()["stage"] == "spread"
        missing = client.get("/v1/models/khong-co", headers=bearer["council"])
        assert (missing.status_code, missing.json()["detail"]["code"]) == (404, "unknown_model")
        assert client.get("/v1/campaigns/2030/models").status_code == 404
        by = {"stage": "dropped", "unit": "u4"}
        assert [
            m["model_id"]
            for m in client.get(f"/v1/campaigns/{C}/models", params=by, headers=bearer["council"]).json()["models"]
        ] == ["tiep-dan"]
        assert client.get(f"/v1/campaigns/{C}/models", params={"stage": "spread", "unit": "u4"}).json()["models"] == []
        assert client.get(f"/v1/campaigns/{C}/models", params={"stage": "lost"}).status_code == 422
        early = client.get(f"/v1/campaigns/{C}/models", params={"as_of": "2000-01-01T00:00:00Z"}).json()
        assert (early["as_of"], early["funnel"]["total"], early["models"]) == ("2000-01-01T00:00:00+00:00", 0, [])
