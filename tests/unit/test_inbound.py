"""Facts from other city systems: the inbound contract, and the evaluation's use cases that record them."""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from services.evaluation.domain.awards import Proposal
from services.evaluation.domain.discipline import UnitDiscipline
from services.evaluation.domain.dossiers import Dossier, counted, resolved_on
from shared.domain.errors import DomainError
from shared.events.inbound import INBOUND_TYPES, as_command, envelope, inbound_subject, received
from tests.unit.test_evaluation_application import TABLE, C, Driver, decide

pytestmark = pytest.mark.unit
T0 = datetime(2022, 3, 1, 2, 0, tzinfo=UTC)


def dossier(dossier_id: str, unit: str = "u1", late: bool = False, resolved: datetime | None = None) -> dict[str, Any]:
    """A dossier received at T0, due 5 days later, resolved on time (or a day late)."""
    due = T0 + timedelta(days=5)
    at = resolved or (due + timedelta(days=1) if late else due - timedelta(days=1))
    return {"dossier_id": dossier_id, "unit_id": unit, "procedure_code": "1.001234", "received_at": T0.isoformat(),
            "due_at": due.isoformat(), "resolved_at": at.isoformat()}  # fmt: skip


def measure(no: str = "15/QĐ-STP", person: str = "Nguyễn Văn A", unit: str = "u1") -> dict[str, Any]:
    return {"decision_no": no, "person": person, "unit_id": unit, "measure": "khien-trach", "decided_on": "2022-05-10"}


def annulment(no: str = "15/QĐ-STP", unit: str = "u1") -> dict[str, Any]:
    return {"decision_no": no, "unit_id": unit, "annulled_on": "2022-08-01", "reason": "Hủy theo kết quả khiếu nại"}


SYSTEM = {"dossier_resolved": "one-stop"}


def message(event: str, source_id: str, data: dict[str, Any], system: str | None = None) -> tuple[str, bytes]:
    system = system or SYSTEM.get(event, "personnel")
    body = envelope(system, event, source_id, data, T0)
    return inbound_subject(system, event), json.dumps(body, ensure_ascii=False).encode()


def take(d: Driver, event: str, source_id: str, data: dict[str, Any]) -> list[str]:
    """What the consumer does with one message: check it, run its use case; the recorded event types."""
    kind, e = received(*message(event, source_id, data))
    return [r.type for r in d.app.submit(as_command(kind, e)).result().events]


# ---- the contract --------------------------------------------------------------------------------


def test_every_inbound_fact_is_checked_against_its_contract_and_its_system() -> None:
    kind, e = received(*message("dossier_resolved", "os-1", dossier("hs-1")))
    assert kind.type == "dossier_resolved.v1" and e.source == "one-stop" and e.id == "os-1"
    for subject, body, why in [
        (*message("dossier_resolved", "os-1", dossier("hs-1") | {"unit_id": "Bad Unit"}), "unit_id"),
        (*message("dossier_resolved", "os-1", dossier("hs-1") | {"resolved_at": "2021-01-01T00:00:00Z"}), "before"),
        (*message("dossier_resolved", "os-1", dossier("hs-1") | {"extra": 1}), "extra"),
        (inbound_subject("personnel", "dossier_resolved"), message("dossier_resolved", "x", dossier("h"))[1], "source"),
        (*message("dossier_resolved", "os-1", dossier("hs-1"), system="personnel"), "not published by"),
        (*message("disciplinary_measure_recorded", "p-1", measure() | {"measure": "none"}), "measure"),
        (inbound_subject("one-stop", "dossier_resolved"), b"\xff not json", "json"),
    ]:
        with pytest.raises((ValidationError, ValueError)) as refused:
            received(subject, body)
        assert why in str(refused.value).lower(), str(refused.value)


def test_vietnamese_text_is_nfc_and_round_trips() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn Văn Ánh")
    _, e = received(*message("disciplinary_measure_recorded", "p-1", measure(person=decomposed)))
    assert e.data["person"] == unicodedata.normalize("NFC", decomposed)


def test_every_inbound_type_names_a_use_case_of_the_evaluation() -> None:
    d = Driver()
    assert {t.command.name for t in INBOUND_TYPES.values()} <= {name for name, _ in d.app.use_cases.values()}


# ---- dossiers ------------------------------------------------------------------------------------


def test_a_dossier_is_recorded_once_with_its_provenance() -> None:
    d = Driver()
    assert take(d, "dossier_resolved", "os-1", dossier("hs-1")) == ["dossier_recorded.v1"]
    assert take(d, "dossier_resolved", "os-1", dossier("hs-1")) == ["dossier_recorded.v1"]  # the same reply,
    found: Dossier = d.app.repository.get(Dossier.create_id("one-stop", "hs-1"))
    assert found.version == 2 and len(found.resolutions) == 1  # nothing recorded again
    assert take(d, "dossier_resolved", "os-2", dossier("hs-1")) == []  # the same resolution under another id
    notifications = d.app.recorder.select_notifications(start=1, limit=100)
    _, meta = d.app.mapper.decode_notification(notifications[-1])  # type: ignore[attr-defined]
    assert meta["actor"] == "system:one-stop" and meta["command"] == "record_dossier_resolved"


def test_a_source_id_reused_for_another_fact_is_refused() -> None:
    d = Driver()
    take(d, "dossier_resolved", "os-1", dossier("hs-1"))
    with pytest.raises(DomainError) as e:
        take(d, "dossier_resolved", "os-1", dossier("hs-2"))
    assert e.value.code == "command_id_reused"


def test_the_resolution_that_counts_does_not_depend_on_arrival_order() -> None:
    first = dossier("hs-1", late=True)
    again = dossier("hs-1", resolved=T0 + timedelta(days=2))  # resolved again (reopened): later? no: earlier
    rows = [first | {"source_event_id": "a"}, again | {"source_event_id": "b"}]
    assert counted(rows) == counted(rows[::-1]) == rows[0]
    assert resolved_on(datetime(2022, 12, 31, 18, 0, tzinfo=UTC)) == date(2023, 1, 1)  # in the department's time


# ---- discipline ----------------------------------------------------------------------------------


def proposal(d: Driver, pid: str, person: str | None = "Nguyễn Văn A", discipline: str = "none") -> Proposal:
    d("propose_award", actor="u1", proposal_id=pid, award="lao-dong-tien-tien", unit_id="u1", person=person,
      facts={"discipline": discipline})  # fmt: skip
    found: Proposal = d.app.repository.get(Proposal.create_id(C, pid))
    return found


@pytest.fixture
def d() -> Driver:
    driver = Driver()
    driver.facts.launched[C]["year"] = 2022
    driver("set_scoring_table", **TABLE)
    return driver


def test_a_recorded_measure_makes_the_proposal_ineligible_naming_the_decision_and_flags_a_false_declaration(
    d: Driver,
) -> None:
    assert take(d, "disciplinary_measure_recorded", "p-1", measure()) == ["discipline_recorded.v1"]
    p = proposal(d, "p1")
    assert not p.eligible
    failed = {r["rule"]: r["reason"] for r in p.rule_results if not r["passed"]}
    assert set(failed) == {"no-recorded-measure", "discipline-declared"}
    assert "15/QĐ-STP" in failed["no-recorded-measure"] and "15/QĐ-STP" in failed["discipline-declared"]
    honest = proposal(d, "p2", discipline="khien-trach")
    assert [r["rule"] for r in honest.rule_results if not r["passed"]] == ["not-disciplined", "no-recorded-measure"]
    assert proposal(d, "p3", person="Trần Thị B").eligible  # another person of the unit


def test_an_annulment_restores_eligibility_whatever_the_order(d: Driver) -> None:
    take(d, "disciplinary_measure_recorded", "p-1", measure())
    assert not proposal(d, "p1").eligible
    with pytest.raises(DomainError) as refused:
        decide(d, "p1")
    assert "15/QĐ-STP" in refused.value.message
    assert take(d, "disciplinary_measure_annulled", "p-2", annulment()) == ["discipline_annulled.v1"]
    assert proposal(d, "p2").eligible
    decide(d, "p1")  # the council decides on the facts as they stand: the bar is lifted
    assert d.app.repository.get(Proposal.create_id(C, "p1")).decision is not None

    other = Driver()  # the annulment first, the decision after: the same result
    other.facts.launched[C]["year"] = 2022
    take(other, "disciplinary_measure_annulled", "p-2", annulment())
    take(other, "disciplinary_measure_recorded", "p-1", measure())
    assert proposal(other, "p2").eligible
    record: UnitDiscipline = other.app.repository.get(UnitDiscipline.create_id("u1"))
    assert record.in_force(2022) == []


def test_a_measure_reported_after_the_proposal_still_bars_the_award(d: Driver) -> None:
    assert proposal(d, "p1").eligible
    take(d, "disciplinary_measure_recorded", "p-1", measure())
    with pytest.raises(DomainError) as refused:
        decide(d, "p1")
    assert refused.value.code == "proposal_not_eligible" and "15/QĐ-STP" in refused.value.message


def test_a_measure_of_another_year_does_not_count(d: Driver) -> None:
    take(d, "disciplinary_measure_recorded", "p-1", measure() | {"decided_on": "2021-05-10"})
    assert proposal(d, "p1").eligible


# ---- dossiers in the standings -------------------------------------------------------------------


def dossier_standings(tmp_path: Path, facts: list[tuple[str, dict[str, Any]]], policy: dict[str, Any]) -> list[Any]:
    """Block b1's standings once `facts` (source id, dossier) are recorded, with `policy` (u1..u4 tie at 20)."""
    from services.evaluation.adapters.views import StandingsView
    from tests.unit.test_evaluation_views import feed, stream, views_of, year

    d = Driver()
    year(d)
    d("set_evaluation_policy", policy=policy)
    for source_id, fact in facts:
        take(d, "dossier_resolved", source_id, fact)
    views = views_of(tmp_path)
    feed(views, stream(d))
    standings: StandingsView = views["standings"]  # type: ignore[assignment]
    return standings.standings(C, "b1")["b1"]


CRITERION = {"dossier_points_max": 10.0, "late_dossier_penalty": 0.5}


def test_a_late_dossier_lowers_the_on_time_share_the_verified_score_and_the_rank(tmp_path: Path) -> None:
    on_time = [(f"os-{u}-{i}", dossier(f"hs-{u}-{i}", unit=u)) for u in ("u1", "u2") for i in range(4)]
    b1 = dossier_standings(tmp_path / "a", on_time, CRITERION)
    assert [(u["unit_id"], u["rank"], u["verified_score"], u["on_time_share"]) for u in b1[:2]] == [
        ("u1", 1, 30.0, 1.0),
        ("u2", 2, 30.0, 1.0),
    ]
    late = [(s, f | {"resolved_at": (T0 + timedelta(days=9)).isoformat()} if s == "os-u1-0" else f) for s, f in on_time]
    b1 = dossier_standings(tmp_path / "b", late, CRITERION)
    u2, u1 = b1[0], b1[1]
    assert (u2["unit_id"], u2["rank"], u2["verified_score"]) == ("u2", 1, 30.0)
    assert (u1["unit_id"], u1["rank"], u1["dossier_count"], u1["late_dossier_count"]) == ("u1", 2, 4, 1)
    assert (
        u1["on_time_share"] == 0.75 and u1["dossier_points"] == 7.0 and u1["verified_score"] == 27.0
    )  # 20 + 7.5 - 0.5


def test_the_default_policy_shows_the_dossiers_and_changes_no_score(tmp_path: Path) -> None:
    facts = [("os-1", dossier("hs-1", late=True)), ("os-2", dossier("hs-2"))]
    u1 = next(u for u in dossier_standings(tmp_path, facts, {}) if u["unit_id"] == "u1")
    assert (u1["dossier_count"], u1["late_dossier_count"], u1["on_time_share"], u1["dossier_points"]) == (2, 1, 0.5, 0)
    assert u1["verified_score"] == 20.0


def test_the_figures_do_not_depend_on_arrival_order_and_count_only_the_period(tmp_path: Path) -> None:
    reopened = dossier("hs-1", resolved=T0 + timedelta(days=9))  # resolved again, late: the latest counts
    outside = dossier("hs-2", resolved=datetime(2022, 12, 31, 17, 30, tzinfo=UTC))  # 2023-01-01 in Hồ Chí Minh City
    facts = [("os-1", dossier("hs-1")), ("os-2", reopened), ("os-3", outside), ("os-4", dossier("hs-3"))]
    figures = [
        {k: u[k] for k in ("dossier_count", "late_dossier_count", "verified_score", "rank")}
        for order, path in ((facts, "a"), (facts[::-1], "b"))
        for u in dossier_standings(tmp_path / path, order, CRITERION)
        if u["unit_id"] == "u1"
    ]
    assert figures[0] == figures[1] and figures[0]["dossier_count"] == 2 and figures[0]["late_dossier_count"] == 1


# ---- the demo's facts ----------------------------------------------------------------------------


def test_the_demo_publishes_a_realistic_set_each_within_the_contract() -> None:
    from emulation.demo import MEASURE, facts, load_scenario

    dossiers = list(facts("one-stop"))
    units = {u["unit_id"] for b in load_scenario()["blocks"] for u in b["units"]}
    assert 2000 <= len(dossiers) <= 5000 and len({s for _, s, _ in dossiers}) == len(dossiers)
    assert {d["unit_id"] for _, _, d in dossiers} == units
    late = 0
    for event, source_id, data in dossiers + list(facts("personnel")):
        system = "personnel" if event.startswith("disciplinary") else "one-stop"
        subject, body = inbound_subject(system, event), json.dumps(envelope(system, event, source_id, data, T0))
        _, e = received(subject, body.encode())
        late += event == "dossier_resolved" and e.data["resolved_at"] > e.data["due_at"]
    assert 0 < late < len(dossiers) * 0.1
    assert list(facts("personnel")) == [("disciplinary_measure_recorded", "qd-12-2022", MEASURE)]
    assert list(facts("one-stop")) == dossiers  # the same every run


# ---- identities ------------------------------------------------------------------------------------


def test_each_system_may_publish_only_its_own_facts_and_the_evaluation_views_take_them(tmp_path: Path) -> None:
    from emulation import security

    config = security.load_or_create(tmp_path)
    server = json.loads(security.server_config(config, 4222, tmp_path / "nats"))
    accounts = server["accounts"]
    imported = {
        name: sorted(
            i["service"]["subject"] for i in a["imports"] if i.get("service", {}).get("subject", "")[:5] == "city."
        )
        for name, a in accounts.items()
        if name.startswith("CITY_")
    }
    assert imported["CITY_ONE_STOP"] == ["city.one-stop.events.dossier_resolved"]
    assert imported["CITY_PERSONNEL"] == [
        "city.personnel.events.disciplinary_measure_annulled",
        "city.personnel.events.disciplinary_measure_recorded",
    ]
    assert imported["CITY_PORTAL"] == []
    exports = {e["service"]: e["accounts"] for e in accounts["EMULATION"]["exports"] if "service" in e}
    assert exports["city.one-stop.events.dossier_resolved"] == ["CITY_ONE_STOP"]
    [personnel] = accounts["CITY_PERSONNEL"]["users"]
    denied = personnel["permissions"]["publish"]["deny"]
    assert {"city.portal.events.>", "city.one-stop.events.>"} <= set(denied) and "city.personnel.events.>" not in denied
    views = security.permissions("evaluation-views")["publish"]["allow"]
    assert "$JS.API.CONSUMER.MSG.NEXT.CITY_INBOUND.evaluation-inbound" in views
    assert not any("CITY_INBOUND.evaluation-inbound" in s for s in security.permissions("api")["publish"]["allow"])
    assert "$JS.API.CONSUMER.MSG.NEXT.CITY_INBOUND.evaluation-inbound" in security.permissions("api")["publish"]["deny"]


def test_a_data_dir_from_an_earlier_version_gains_the_new_default_systems(tmp_path: Path) -> None:
    from emulation import security

    old = security.load_or_create(tmp_path, [security.DEFAULT_SYSTEMS[0]])
    assert [s["name"] for s in old["systems"]] == ["portal"]
    again = security.load_or_create(tmp_path)
    assert [s["name"] for s in again["systems"]] == ["portal", "one-stop", "personnel"]
    assert again["systems"][0]["password"] == old["systems"][0]["password"]


def test_a_corrected_decision_counts_as_corrected_whatever_the_order() -> None:
    first = measure()
    corrected = measure() | {"measure": "canh-cao", "decided_on": "2022-05-12"}
    results = []
    for order in ([("p-1", first), ("p-2", corrected)], [("p-2", corrected), ("p-1", first)]):
        d = Driver()
        for source_id, fact in order:
            take(d, "disciplinary_measure_recorded", source_id, fact)
        take(d, "disciplinary_measure_recorded", "p-3", first)  # reported again: nothing new
        record: UnitDiscipline = d.app.repository.get(UnitDiscipline.create_id("u1"))
        assert sum(len(r) for r in record.decisions.values()) == 2
        results.append(record.in_force(2022))
    assert results[0] == results[1] and results[0][0].measure == "canh-cao"
