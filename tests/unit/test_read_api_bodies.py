"""The read API's bodies against its views, in-process: each route answers its views' rows, every field kept.

Response models drop what they do not declare, so each route's body is compared with what its views return
for a year of events (registry facts, achievements, a vote with a runoff, awards, notices): everything the
views give must be in the body, unchanged. And `/openapi.json` names the fields of every route's answer.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute

from services.audit.views import AuditView
from services.catalogue import all_views
from services.evaluation.adapters.exemplary import funnel
from services.evaluation.adapters.views import (
    AwardsView,
    ExemplaryModelsView,
    ReferenceView,
    StandingsView,
    VotesView,
)
from services.notification.adapters.log import DeliveryLog
from services.read_api.app import ROUTERS, create_app
from services.read_api.views import OpenViews, check, read_by
from services.registry.adapters.reviews import totals
from services.registry.adapters.views import BlocksView, RegistrationsView, ReviewsView, UnitsView
from shared.events.envelope import CloudEvent
from shared.infra.settings import Settings
from tests.unit.test_evaluation_application import C, Driver, vote
from tests.unit.test_evaluation_views import published, registry_event, registry_facts, year
from tests.unit.test_exemplary_models import walk

with warnings.catch_warnings():  # Starlette asks for `httpx2` over `httpx` (which the project uses) from now on
    warnings.simplefilter("ignore", UserWarning)
    from fastapi.testclient import TestClient

pytestmark = pytest.mark.unit
NOT_FROM_VIEWS = {
    "/healthz": "a constant",
    "/v1/audit/keys": "the keys dir (tests/integration/test_checkpoints.py)",
    "/v1/audit/verify": "the stream and every store, in a process of its own (tests/integration/test_audit.py)",
    "/v1/audit/export": "NDJSON or CSV, not one model (tests/integration/test_audit.py)",
    "/v1/audit/checksums": "every view, in a process of its own (tests/integration/test_live_checksums.py)",
    **{
        f"/v1/campaigns/{{campaign_id}}/exports/{name}.{{fmt}}": "XLSX or CSV, read back cell by cell against the JSON "
        "route (tests/integration/test_read_exports.py)"
        for name in ("registrations", "standings", "awards")
    },
}


def registry_history() -> list[CloudEvent]:
    """What the registry's own views read beyond the facts: units, a rename, leaders, registrations."""
    events = [
        registry_event("unit_registered", {"unit_id": u, "name": f"Phòng {u}", "kind": "department"}, 10)
        for u in ("u1", "u2", "u3", "u4")
    ]
    at = datetime(2022, 1, 15, tzinfo=UTC).isoformat()
    pledge = {"campaign_id": C, "collective_target": "tap-the-lao-dong-xuat-sac", "registered_at": at, "late": False}
    staff = [{"person": "Nguyễn Văn A", "target_title": "lao-dong-tien-tien"}]
    return events + [
        registry_event("unit_renamed", {"unit_id": "u1", "name": "Văn phòng Sở", "previous_name": "Phòng u1"}, 11),
        registry_event("block_leader_designated", {"campaign_id": C, "block_id": "b1", "leader_unit_id": "u2"}, 12),
        registry_event("emulation_registered", pledge | {"unit_id": "u1", "staff": staff}, 13),
        registry_event("emulation_registered", pledge | {"unit_id": "u2", "staff": [], "late": True}, 14),
        registry_event("emulation_registration_amended", pledge | {"unit_id": "u1", "staff": staff * 2}, 15),
        registry_event(
            "unit_withdrawn", {"campaign_id": C, "unit_id": "u4", "block_id": "b1", "reason": "Sáp nhập"}, 16
        ),
        *reviews(),
    ]


def reviews() -> list[CloudEvent]:
    """A mid-year review: u1 late then reviewed by the council, u2 on time and resubmitted, u3 missing."""
    review = {"campaign_id": C, "review": "mid_year"}
    late = {"submitted_at": datetime(2022, 7, 2, 3, tzinfo=UTC).isoformat(), "late": True, "days_late": 2}
    on_time = {"submitted_at": datetime(2022, 6, 29, tzinfo=UTC).isoformat(), "late": False, "days_late": 0}
    person = {"person": "Nguyễn Văn A", "target_title": "lao-dong-tien-tien", "status": "on_track", "note": "Tốt"}
    u1 = review | {"unit_id": "u1", "collective": {"target": "tap-the-lao-dong-xuat-sac", "status": "on_track"}}
    u2 = review | {"unit_id": "u2", "collective": {"target": "tap-the-lao-dong-xuat-sac", "status": "completed"}}
    assessed = {"collective": {"assessment": "excellent", "note": "Dẫn đầu khối"},
                "staff": [{"person": "Nguyễn Văn A", "assessment": "good"}] * 2}  # fmt: skip
    return [
        registry_event("review_scheduled", review | {"due_on": "2022-06-30"}, 17),
        registry_event("review_submitted", u1 | late | {"staff": [person] * 2}, 18),
        registry_event("review_submitted", u2 | on_time | {"staff": []}, 19),
        registry_event("review_submission_amended", u2 | late | {"staff": []}, 20),
        registry_event("review_assessed", u1 | assessed, 21),
    ]


def notices() -> list[CloudEvent]:
    notice = {"notification_id": "n1", "campaign_id": C, "rule": "achievement-rejected", "unit_id": "u4",
              "recipient": "u4@example.org", "channel": "email"}  # fmt: skip
    due = datetime(2022, 3, 1, tzinfo=UTC).isoformat()
    return [
        registry_event("notification_scheduled", notice | {"trigger_event_id": "e1", "due_at": due}, 20),
        registry_event("notification_failed", notice | {"attempts": 1, "error": "421 busy", "dead": False}, 21),
        registry_event("notification_sent", notice | {"attempt": 2}, 22),
    ]


def evaluation_year() -> list[CloudEvent]:
    d = Driver()
    year(d)
    d("set_evaluation_policy", policy={"vote_min_voters": 2})
    d("open_vote_round", block_id="b1", round_id="r1")
    vote(d, "r1", {"u1": "u2", "u2": "u1", "u3": "u1", "u4": "u2"})
    d("close_vote_round", block_id="b1", round_id="r1")  # a tie: a runoff
    vote(d, "r1-r2", {"u1": "u2", "u3": "u2", "u4": "u2", "u2": "u1"})
    d("close_vote_round", block_id="b1", round_id="r1-r2")
    d("propose_award", actor="u2", proposal_id="flag", award="co-thi-dua-ubnd-thanh-pho", unit_id="u2")
    d("decide_award", proposal_id="flag", votes_for=8, votes_against=1, members_present=9)
    walk(d)
    return published(d)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, OpenViews]]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("read-api"))
    history = list(enumerate(registry_facts() + registry_history() + evaluation_year() + notices(), start=1))
    for view in all_views(settings):
        view.apply(history)
    app = create_app(settings)
    with TestClient(app) as client:
        yield client, app.state.views


def standings(v: OpenViews) -> dict[str, Any]:
    ranked = v[StandingsView].standings(C)
    blocks = v[ReferenceView].blocks(C)
    named = [{"block_id": b["block_id"], "name": b["name"], "units": ranked[b["block_id"]]} for b in blocks]
    return {"campaign_id": C, "as_of": None, "blocks": named}


def ballot(v: OpenViews) -> str:
    return next(b["ballot"] for r in v[VotesView].rounds(C) for b in r["ballots"] or [] if b["ballot"])


ROUTES: dict[str, tuple[Callable[[OpenViews], str], Callable[[OpenViews], Any]]] = {
    "/v1/campaigns": (lambda v: "/v1/campaigns", lambda v: v[ReferenceView].campaigns()),
    "/v1/campaigns/{campaign_id}": (lambda v: f"/v1/campaigns/{C}", lambda v: v[ReferenceView].campaign(C)),
    "/v1/campaigns/{campaign_id}/achievements": (
        lambda v: f"/v1/campaigns/{C}/achievements",
        lambda v: {
            "campaign_id": C,
            "scoring_table": v[StandingsView].scoring_table(C),
            "achievements": v[StandingsView].achievements(C),
            "next": None,
        },
    ),
    "/v1/campaigns/{campaign_id}/standings": (lambda v: f"/v1/campaigns/{C}/standings", standings),
    "/v1/campaigns/{campaign_id}/votes": (
        lambda v: f"/v1/campaigns/{C}/votes",
        lambda v: {"campaign_id": C, "rounds": v[VotesView].rounds(C), "leaders": v[VotesView].leaders(C)},
    ),
    "/v1/campaigns/{campaign_id}/ballots/{ballot}": (
        lambda v: f"/v1/campaigns/{C}/ballots/{ballot(v)}",
        lambda v: v[VotesView].ballot(C, ballot(v)),
    ),
    "/v1/campaigns/{campaign_id}/awards": (
        lambda v: f"/v1/campaigns/{C}/awards",
        lambda v: {"campaign_id": C, "policy": v[AwardsView].policy(C), "proposals": v[AwardsView].proposals(C)},
    ),
    "/v1/campaigns/{campaign_id}/models": (
        lambda v: f"/v1/campaigns/{C}/models",
        lambda v: {
            "campaign_id": C,
            "funnel": funnel(v[ExemplaryModelsView].campaign_models(C)),
            "models": v[ExemplaryModelsView].campaign_models(C),
        },
    ),
    "/v1/models/{model_id}": (lambda v: "/v1/models/mot-cua-so", lambda v: v[ExemplaryModelsView].model("mot-cua-so")),
    "/v1/campaigns/{campaign_id}/blocks": (
        lambda v: f"/v1/campaigns/{C}/blocks",
        lambda v: {"campaign_id": C, "status": "open", "blocks": v[BlocksView].rosters(C)},
    ),
    "/v1/campaigns/{campaign_id}/blocks/{block_id}": (
        lambda v: f"/v1/campaigns/{C}/blocks/b1",
        lambda v: v[BlocksView].rosters(C, "b1")[0] | {"campaign_id": C},
    ),
    "/v1/units": (lambda v: "/v1/units", lambda v: v[UnitsView].search()),
    "/v1/units/{unit_id}": (lambda v: "/v1/units/u1", lambda v: v[UnitsView].get("u1")),
    "/v1/campaigns/{campaign_id}/registrations": (
        lambda v: f"/v1/campaigns/{C}/registrations",
        lambda v: {
            "campaign_id": C,
            "registration_deadline": "2022-01-20",
            "registrations": v[RegistrationsView].registrations(C),
            "next": None,
        },
    ),
    "/v1/campaigns/{campaign_id}/registration-summary": (
        lambda v: f"/v1/campaigns/{C}/registration-summary",
        lambda v: {
            "campaign_id": C,
            "registration_deadline": "2022-01-20",
            "target_share": 1.0,
            "blocks": v[RegistrationsView].summary(C),
        },
    ),
    "/v1/campaigns/{campaign_id}/reviews": (
        lambda v: f"/v1/campaigns/{C}/reviews",
        lambda v: {"campaign_id": C, "reviews": [{"review": "mid_year", "due_on": "2022-06-30"}]},
    ),
    "/v1/campaigns/{campaign_id}/reviews/{review}/submissions": (
        lambda v: f"/v1/campaigns/{C}/reviews/mid_year/submissions",
        lambda v: {
            "campaign_id": C,
            "review": "mid_year",
            "due_on": "2022-06-30",
            "submissions": v[ReviewsView].submissions(C, "mid_year"),
            "next": None,
        },
    ),
    "/v1/campaigns/{campaign_id}/reviews/{review}/summary": (
        lambda v: f"/v1/campaigns/{C}/reviews/mid_year/summary",
        lambda v: {
            "campaign_id": C,
            "review": "mid_year",
            "due_on": "2022-06-30",
            "target_share": 1.0,
            "blocks": v[ReviewsView].summary(C, "mid_year"),
            "totals": totals(v[ReviewsView].summary(C, "mid_year")),
        },
    ),
    "/v1/units/{unit_id}/notifications": (
        lambda v: "/v1/units/u4/notifications",
        lambda v: v[DeliveryLog].for_unit("u4"),
    ),
    "/v1/notifications": (lambda v: "/v1/notifications", lambda v: v[DeliveryLog].list()),
    "/v1/audit": (
        lambda v: "/v1/audit?limit=1000",
        lambda v: {"entries": v[AuditView].page({}, 0, 1000), "next": None},
    ),
}


def kept(given: Any, answered: Any, where: str = "body") -> None:
    """Everything the views gave is in the answer, unchanged (the answer may add fields, e.g. a null)."""
    if isinstance(given, dict):
        assert isinstance(answered, dict), where
        for key, value in given.items():
            assert key in answered, f"{where}.{key} dropped"
            kept(value, answered[key], f"{where}.{key}")
    elif isinstance(given, list):
        assert isinstance(answered, list) and len(answered) == len(given), where
        for i, (g, a) in enumerate(zip(given, answered, strict=True)):
            kept(g, a, f"{where}[{i}]")
    else:
        assert given == answered, f"{where}: {given!r} became {answered!r}"


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_each_route_answers_what_its_views_give(api: tuple[TestClient, OpenViews], route: str) -> None:
    client, views = api
    path, expected = ROUTES[route]
    answer = client.get(path(views))
    assert answer.status_code == 200, answer.text
    given = json.loads(json.dumps(expected(views)))
    assert given, f"{route}: the test's history gives this route nothing to show"
    kept(given, answer.json())


def test_the_history_reaches_every_kind_of_row(api: tuple[TestClient, OpenViews]) -> None:
    """So that the comparisons above see every field: closed rounds with ballots, decisions, history, records."""
    _, v = api
    rounds = v[VotesView].rounds(C)
    assert {r["status"] for r in rounds} >= {"runoff", "elected"} and all(r["ballots"] for r in rounds)
    assert v[AwardsView].policy(C) is not None and v[AwardsView].proposals(C)[0]["decision"] is not None
    assert {h["event"] for h in v[UnitsView].get("u1")["history"]} >= {"unit_registered", "unit_renamed"}  # type: ignore[index]
    assert [r["type"] for r in v[DeliveryLog].for_unit("u4")[0]["log"]] == [
        "notification_scheduled",
        "notification_failed",
        "notification_sent",
    ]
    assert {a["status"] for a in v[StandingsView].achievements(C)} == {"verified", "rejected"}
    assert v[RegistrationsView].registrations(C)[0]["last_amended_at"] is not None
    submissions = v[ReviewsView].submissions(C, "mid_year")
    assert submissions[0]["assessment"] is not None and submissions[1]["last_submitted_at"] is not None


def test_every_route_reading_views_is_compared() -> None:
    paths = {route.path for router in ROUTERS for route in router.routes if isinstance(route, APIRoute)}
    assert paths | {"/healthz"} == set(ROUTES) | set(NOT_FROM_VIEWS)
    assert read_by(ROUTERS) == {
        ReferenceView,
        StandingsView,
        VotesView,
        AwardsView,
        ExemplaryModelsView,
        BlocksView,
        UnitsView,
        RegistrationsView,
        ReviewsView,
        DeliveryLog,
        AuditView,
    }


def test_a_route_reading_a_view_no_service_declares_stops_the_start(tmp_path: Path) -> None:
    declared = OpenViews(v for v in all_views(Settings(data_dir=tmp_path)) if not isinstance(v, VotesView))
    with pytest.raises(RuntimeError, match="VotesView"):
        check(ROUTERS, declared)


# ---- /openapi.json -------------------------------------------------------------------------------------------

JSON_MEDIA = ("application/json", "application/x-ndjson")
FILE_MEDIA = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/csv")
"""Spreadsheets (the exports): their fields are their columns, named in the schema's description."""


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def names_fields(doc: dict[str, Any], schema: dict[str, Any]) -> bool:
    """An object with properties, or a list of such."""
    schema = resolve(doc, schema)
    if schema.get("type") == "array":
        return names_fields(doc, schema.get("items", {}))
    return bool(schema.get("properties"))


def test_openapi_names_the_fields_of_every_answer() -> None:
    doc = TestClient(create_app()).get("/openapi.json").json()
    operations = [(path, method, op) for path, ops in doc["paths"].items() for method, op in ops.items()]
    assert len(operations) >= 18
    for path, method, op in operations:
        answers = {status: r for status, r in op["responses"].items() if status.startswith("2")}
        assert answers, f"{method} {path}: no 2xx answer documented"
        for status, answer in answers.items():
            content = answer.get("content", {})
            if content and set(content) <= set(FILE_MEDIA):
                for m, c in content.items():
                    assert c["schema"]["description"].startswith("columns: "), f"{method} {path} {status} {m}"
                continue
            media = {m: c for m, c in content.items() if m in JSON_MEDIA}
            assert media, f"{method} {path} {status}: no JSON answer documented"
            for m, content in media.items():
                assert names_fields(doc, content.get("schema", {})), f"{method} {path} {status} {m}: no fields named"
