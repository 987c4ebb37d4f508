"""Exemplary models (điển hình tiên tiến) through their four stages: the aggregate, then the use cases."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.evaluation.domain.errors import CampaignOutOfOrder, DuplicateAdopter, StageOutOfOrder
from services.evaluation.domain.exemplary import ExemplaryModel
from tests.unit.test_evaluation_application import COUNCIL, C, Driver

pytestmark = pytest.mark.unit
LATER = "2023"
IDENTITY: dict[str, Any] = {
    "campaign_id": C,
    "model_id": "mot-cua-so",
    "unit_id": "u2",
    "person": None,
    "area": "Cải cách hành chính",
    "title": "Một cửa số hóa hồ sơ công chứng",
    "reason": "Rút ngắn thời gian giải quyết hồ sơ còn một nửa",
    "identified_by": "Văn phòng Sở",
}
SUMMED: dict[str, Any] = {
    "results": "Giảm 50% thời gian",
    "evidence_refs": ["BC-12/2022"],
    "assessment": "Hiệu quả, nên nhân rộng",
}


def model() -> ExemplaryModel:
    return ExemplaryModel.identify("2022-01-01", **IDENTITY)


def stages(m: ExemplaryModel) -> list[str]:
    return [type(e).__name__ for e in m.collect_events()]


# ---- the aggregate --------------------------------------------------------------------------------------------


def test_a_model_walks_through_the_four_stages_across_campaigns() -> None:
    m = model()
    m.nurture(C, "2022-01-01", "Tập huấn, hỗ trợ phần mềm")
    m.support(C, "2022-01-01", "Tập huấn quy trình", date(2022, 4, 1))
    m.support(LATER, "2023-01-01", "Cấp máy quét", date(2023, 2, 1))
    m.sum_up(LATER, "2023-01-01", **SUMMED)
    m.spread(LATER, "2023-01-01", [{"unit_id": "u3", "outcome": "Áp dụng từ quý 2"}])
    m.spread(LATER, "2023-01-01", [{"unit_id": "u4", "outcome": "Đang thí điểm"}])  # spread further, again
    assert stages(m) == ["Identified", "Nurtured", "Supported", "Supported", "SummedUp", "Spread", "Spread"]
    assert (m.stage, m.campaign_id, m.support_actions) == ("spread", LATER, 2)


@pytest.mark.parametrize(
    ("reached", "step", "current"),
    [
        ([], "support", "identified"),
        ([], "sum_up", "identified"),
        ([], "spread", "identified"),
        (["nurture"], "nurture", "nurtured"),
        (["nurture"], "spread", "nurtured"),
        (["nurture", "sum_up"], "sum_up", "summed up"),
        (["nurture", "sum_up"], "nurture", "summed up"),
        (["nurture", "sum_up"], "support", "summed up"),
        (["nurture", "sum_up", "spread"], "drop", "spread"),
        (["drop"], "nurture", "dropped"),
        (["drop"], "drop", "dropped"),
    ],
)
def test_each_stage_out_of_order_is_refused_naming_the_current_stage(
    reached: list[str], step: str, current: str
) -> None:
    m = model()
    for done in reached:
        do(m, done)
    with pytest.raises(StageOutOfOrder) as e:
        do(m, step)
    assert (e.value.code, e.value.field) == ("stage_out_of_order", "model_id")
    assert e.value.message.startswith(f"exemplary model 'mot-cua-so' is {current}: ")
    assert m.stage == current.replace(" ", "_")


def do(m: ExemplaryModel, step: str, campaign: tuple[str, str] = (C, "2022-01-01")) -> None:
    args: dict[str, tuple[Any, ...]] = {
        "nurture": ("Kế hoạch",),
        "support": ("Hỗ trợ", date(2022, 5, 1)),
        "sum_up": (SUMMED["results"], SUMMED["evidence_refs"], SUMMED["assessment"]),
        "spread": ([{"unit_id": "u3", "outcome": "Tốt"}],),
        "drop": ("Đơn vị sáp nhập",),
    }
    getattr(m, step)(*campaign, *args[step])


@pytest.mark.parametrize("reached", [[], ["nurture"], ["nurture", "sum_up"]])
def test_a_model_is_dropped_from_any_stage_before_spread(reached: list[str]) -> None:
    m = model()
    for done in reached:
        do(m, done)
    before = m.stage
    m.drop(C, "2022-01-01", "Đơn vị sáp nhập")
    dropped = m.collect_events()[-1]
    assert (m.stage, dropped.from_stage, dropped.reason) == ("dropped", before, "Đơn vị sáp nhập")  # type: ignore[attr-defined]


def test_a_stage_is_never_recorded_in_a_campaign_before_the_last_ones() -> None:
    m = model()
    do(m, "nurture", (LATER, "2023-01-01"))
    with pytest.raises(CampaignOutOfOrder) as e:
        do(m, "support", (C, "2022-01-01"))
    assert (e.value.code, e.value.field) == ("campaign_out_of_order", "campaign_id")
    do(m, "support", (LATER, "2023-01-01"))  # the same campaign is fine


def test_an_adopter_listed_twice_is_refused() -> None:
    m = model()
    do(m, "nurture")
    do(m, "sum_up")
    with pytest.raises(DuplicateAdopter):
        m.spread(C, "2022-01-01", [{"unit_id": "u3", "outcome": "a"}, {"unit_id": "u3", "outcome": "b"}])


# ---- the use cases --------------------------------------------------------------------------------------------


@pytest.fixture
def send() -> Driver:
    d = Driver()
    d.facts.launched[C] |= {"period_start": "2022-01-01"}
    d.facts.launched[LATER] = d.facts.launched[C] | {"campaign_id": LATER, "period_start": "2023-01-01"}
    d.facts.launched["2021"] = d.facts.launched[C] | {"campaign_id": "2021", "period_start": "2021-01-01"}
    return d


def identify(send: Driver, **extra: Any) -> list[str]:
    body = {k: v for k, v in IDENTITY.items() if k != "campaign_id" and v is not None}
    return send("identify_exemplary_model", **(body | extra))


def test_the_council_walks_a_model_through_its_stages(send: Driver) -> None:
    assert identify(send, person="Nguyễn Thị Hồng") == ["exemplary_model_identified.v1"]
    mid = {"model_id": "mot-cua-so"}
    assert send("nurture_exemplary_model", **mid, plan="Bồi dưỡng 6 tháng") == ["exemplary_model_nurtured.v1"]
    for day in ("2022-03-01", "2022-06-01"):
        assert send("support_exemplary_model", **mid, action="Tập huấn", done_on=day) == [
            "exemplary_model_supported.v1"
        ]
    assert send("sum_up_exemplary_model", campaign_id=LATER, **mid, **SUMMED) == ["exemplary_model_summed_up.v1"]
    adopters = [{"unit_id": "u3", "outcome": "Giảm 30% thời gian"}, {"unit_id": "v1", "outcome": "Đang áp dụng"}]
    assert send("spread_exemplary_model", campaign_id=LATER, **mid, adopters=adopters) == ["exemplary_model_spread.v1"]
    found = send.app.find(ExemplaryModel.create_id("mot-cua-so"))
    assert found is not None and (found.stage, found.campaign_id, found.support_actions) == ("spread", LATER, 2)


def test_each_refusal_has_its_code_and_field(send: Driver) -> None:
    identify(send)
    mid = {"model_id": "mot-cua-so"}
    cases: list[tuple[str, str, dict[str, Any], str, str | None]] = [
        (
            "identify_exemplary_model",
            COUNCIL,
            {**IDENTITY, "campaign_id": C, "person": "A"},
            "model_exists",
            "model_id",
        ),
        (
            "identify_exemplary_model",
            COUNCIL,
            {**IDENTITY, "model_id": "x", "person": "A", "unit_id": "zz"},
            "unit_not_in_campaign",
            "unit_id",
        ),  # fmt: skip
        ("identify_exemplary_model", "u2", {**IDENTITY, "model_id": "y", "person": "A"}, "not_allowed", "actor"),
        ("nurture_exemplary_model", "u2", {**mid, "plan": "p"}, "not_allowed", "actor"),
        ("nurture_exemplary_model", COUNCIL, {"model_id": "khong-co", "plan": "p"}, "unknown_model", "model_id"),
        (
            "nurture_exemplary_model",
            COUNCIL,
            {**mid, "plan": "p", "campaign_id": "2030"},
            "unknown_campaign",
            "campaign_id",
        ),  # fmt: skip
        ("sum_up_exemplary_model", COUNCIL, {**mid, **SUMMED}, "stage_out_of_order", "model_id"),
        (
            "spread_exemplary_model",
            COUNCIL,
            {**mid, "adopters": [{"unit_id": "u3", "outcome": "o"}]},
            "stage_out_of_order",
            "model_id",
        ),  # fmt: skip
        (
            "nurture_exemplary_model",
            COUNCIL,
            {**mid, "plan": "p", "campaign_id": "2021"},
            "campaign_out_of_order",
            "campaign_id",
        ),  # fmt: skip
    ]
    for command, actor, body, code, field in cases:
        err = send.refused(command, actor, **body)
        assert (err.code, err.field) == (code, field), (command, body, err.message)
    assert (
        "is identified: a model is summed up once nurtured"
        in send.refused("sum_up_exemplary_model", **mid, **SUMMED).message
    )


def test_adopters_must_be_units_of_the_campaign_and_a_closed_campaign_records_no_stage(send: Driver) -> None:
    identify(send)
    mid = {"model_id": "mot-cua-so"}
    send("nurture_exemplary_model", **mid, plan="p")
    send("sum_up_exemplary_model", **mid, **SUMMED)
    err = send.refused("spread_exemplary_model", **mid, adopters=[{"unit_id": "ngoai-so", "outcome": "o"}])
    assert (err.code, err.field) == ("unit_not_in_campaign", "adopters")
    send.facts.launched[C]["status"] = "closed"
    assert send.refused("drop_exemplary_model", **mid, reason="r").code == "campaign_closed"
    assert send("drop_exemplary_model", campaign_id=LATER, **mid, reason="Không duy trì") == [
        "exemplary_model_dropped.v1"
    ]


def walk(d: Driver, campaign: str = C, later: str = C) -> None:
    """One model through every stage (summed up and spread in `later`), and one dropped while nurtured."""
    mid = {"model_id": "mot-cua-so"}
    identify(d, campaign_id=campaign, person="Nguyễn Thị Hồng")
    d("nurture_exemplary_model", campaign_id=campaign, **mid, plan="Bồi dưỡng 6 tháng")
    d("support_exemplary_model", campaign_id=campaign, **mid, action="Tập huấn quy trình", done_on="2022-03-01")
    d("support_exemplary_model", campaign_id=later, **mid, action="Cấp máy quét", done_on="2022-06-01")
    d("sum_up_exemplary_model", campaign_id=later, **mid, **SUMMED)
    d("spread_exemplary_model", campaign_id=later, **mid, adopters=[{"unit_id": "u3", "outcome": "Giảm 30% thời gian"}])
    identify(d, campaign_id=campaign, model_id="tiep-dan", unit_id="u4", area="Tiếp công dân", title="Tiếp dân 1 lần")
    d("nurture_exemplary_model", campaign_id=campaign, model_id="tiep-dan", plan="Kèm cặp")
    d("drop_exemplary_model", campaign_id=campaign, model_id="tiep-dan", reason="Đơn vị sáp nhập")
