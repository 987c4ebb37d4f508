"""The one registry-facts projection, as each service keeps it: the same answers from every copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.evaluation.adapters.reference import ReferenceView
from services.notification.adapters.state import NotifierState
from services.registry.adapters.blocks import BlocksView
from shared.infra.eventstore import view_factory
from shared.infra.settings import Settings
from shared.projections.registry_facts import DDL, RegistryFacts
from tests.unit.test_registry_views import B1, B2, C, registry_year

pytestmark = pytest.mark.unit


def copies(tmp_path: Path) -> list[RegistryFacts]:
    """Each service's copy, in its own store."""
    settings = Settings(data_dir=tmp_path / "views")
    return [
        BlocksView(view_factory(settings, "registry")),
        ReferenceView(view_factory(settings, "evaluation")),
        NotifierState(view_factory(settings, "notification")),
    ]


def answers(facts: RegistryFacts) -> dict[str, object]:
    return {
        "campaign": facts.campaign(C),
        "campaigns": facts.campaigns(),
        "blocks": facts.blocks(C),
        "rosters": facts.rosters(C),
        "members": facts.members(C),
        "members of B2": facts.members(C, B2),
        "block of cc6": facts.block_of(C, "phong-cong-chung-so-6"),
        "withdrawn": facts.withdrawn(C),
        "registered": facts.registered(C),
        "staff": [facts.staff_count(C, u) for u in ("van-phong-so", "thanh-tra-so", "phong-a")],
        "unit": facts.unit("phong-cong-chung-so-7"),
        "units": facts.unit_ids(),
    }


def test_every_service_copy_answers_alike(tmp_path: Path) -> None:
    events = registry_year(tmp_path)
    views = copies(tmp_path)
    for view in views:
        view.apply(events)
    registry, evaluation, notification = (answers(v) for v in views)
    assert registry == evaluation == notification
    assert registry["campaign"]["status"] == "open"  # type: ignore[index]
    assert [b["block_id"] for b in registry["blocks"]] == [B1, B2]  # type: ignore[attr-defined]
    assert registry["block of cc6"] is None and registry["withdrawn"] == ["phong-cong-chung-so-6"]
    assert registry["staff"] == [1, 0, None]  # thanh-tra-so amended its registration to no staff
    assert registry["unit"]["name"] == "Phòng Công chứng số 7 (mới)"  # type: ignore[index]
    [b1] = views[0].rosters(C, B1)
    assert b1["leader"] == {"unit_id": "van-phong-so", "name": "Văn phòng Sở"}
    assert len(b1["members"]) == 8


def test_a_withdrawn_unit_assigned_again_is_a_member_again(tmp_path: Path) -> None:
    events = registry_year(tmp_path)
    again = events[-1][1].model_copy(
        update={
            "id": "again",
            "type": "unit_assigned_to_block.v1",
            "data": {"campaign_id": C, "block_id": B2, "unit_id": "phong-cong-chung-so-6", "previous_block_id": None},
        }
    )
    [view] = copies(tmp_path)[1:2]
    view.apply([*events, (len(events) + 1, again)])
    assert view.block_of(C, "phong-cong-chung-so-6") == B2
    assert view.withdrawn(C) == []


def test_each_copy_holds_the_same_tables(tmp_path: Path) -> None:
    """The service's other views read the facts tables by name (`members` in the standings): one DDL for all."""
    registry, evaluation, notification = copies(tmp_path)
    assert registry.tables() == evaluation.tables() == notification.tables()[: len(DDL)]
    assert set(notification.operational).isdisjoint(registry.tables())  # replay checksums cover every fact
