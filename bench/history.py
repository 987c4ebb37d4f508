"""A year of history on the stream, generated fast: well-formed CloudEvents published with `publish_async`.

One campaign (`bench`), 10 blocks, 3,000 units registered and assigned, its mid-year review with three units'
submissions (one late, one reviewed by the council), an exemplary model of the first unit through its four stages
(and one dropped), then achievements of those units reported and verified (two
thirds of reports verified, as a council would) until `n` events.
The first event of every type is checked against the envelope and its contract, as consumers do.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import random
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from emulation.demo import load_scenario
from shared.events.envelope import STREAM, event_subject
from shared.infra.consumer import parse

CAMPAIGN = "bench"
BLOCKS = 10
T0 = datetime(2022, 1, 21, tzinfo=UTC)
SOURCES = {"achievement_reported": "evaluation", "achievement_verified": "evaluation"}


def envelope(name: str, campaign: str | None, data: dict[str, Any], at: datetime) -> tuple[str, bytes]:
    eid = str(uuid.uuid4())
    body = {
        "specversion": "1.0",
        "id": eid,
        "source": f"/services/{SOURCES.get(name, 'registry')}",
        "type": f"{name}.v1",
        "subject": f"{campaign or 'unit'}/{data.get('achievement_id') or data.get('unit_id') or campaign}",
        "time": at.isoformat(),
        "datacontenttype": "application/json",
        "data": data,
        "actor": "van-phong-so",
        "causationid": eid,
        "correlationid": eid,
    }
    return event_subject(campaign, name), json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def unit_id(i: int) -> str:
    return f"don-vi-{i:04d}"


def events(n: int, units: int) -> Iterator[tuple[str, bytes]]:
    rng = random.Random(9)
    at = T0
    campaign = {**copy.deepcopy(load_scenario()["campaign"]), "campaign_id": CAMPAIGN}
    yield envelope("campaign_launched", CAMPAIGN, campaign, at)
    for b in range(BLOCKS):
        yield envelope(
            "block_defined", CAMPAIGN, {"campaign_id": CAMPAIGN, "block_id": f"khoi-{b}", "name": f"Khối {b}"}, at
        )
    for u in range(units):
        yield envelope(
            "unit_registered", None, {"unit_id": unit_id(u), "name": f"Đơn vị {u}", "kind": "department"}, at
        )
    for u in range(units):
        data = {"campaign_id": CAMPAIGN, "block_id": f"khoi-{u % BLOCKS}", "unit_id": unit_id(u)}
        yield envelope("unit_assigned_to_block", CAMPAIGN, data, at)
    produced = 1 + BLOCKS + 2 * units
    for name, data in [*reviews(min(3, units), at), *(models(at) if units >= 2 else [])]:
        yield envelope(name, CAMPAIGN, data, at)
        produced += 1
    a = 0
    while produced < n:
        at += timedelta(seconds=30)
        uid = unit_id(rng.randrange(units))
        aid = f"tt-{a:07d}"
        a += 1
        points = float(rng.randint(1, 10))
        reported = {
            "campaign_id": CAMPAIGN,
            "achievement_id": aid,
            "unit_id": uid,
            "content_no": rng.randint(1, 10),
            "claimed_points": points,
            "description": "Hoàn thành xuất sắc nhiệm vụ được giao",
        }
        yield envelope("achievement_reported", CAMPAIGN, reported, at)
        produced += 1
        if produced < n and rng.random() < 2 / 3:
            verified = {"campaign_id": CAMPAIGN, "achievement_id": aid, "unit_id": uid, "points": points}
            yield envelope("achievement_verified", CAMPAIGN, verified, at + timedelta(days=3))
            produced += 1


def models(at: datetime) -> Iterator[tuple[str, dict[str, Any]]]:
    """An exemplary model of the first unit through the four stages, spread to the second; one of the second unit
    identified, then dropped (content 5 of the plan)."""
    model = {"campaign_id": CAMPAIGN, "model_id": "mo-hinh-1", "unit_id": unit_id(0), "title": "Một cửa liên thông"}
    yield "exemplary_model_identified", model | {"area": "Cải cách hành chính", "reason": "Không hồ sơ trễ hẹn",
                                                 "identified_by": "Văn phòng Sở"}  # fmt: skip
    yield "exemplary_model_nurtured", model | {"plan": "Tập huấn, số hoá hồ sơ"}
    yield "exemplary_model_supported", model | {"action": "Tập huấn nghiệp vụ", "done_on": at.date().isoformat()}
    yield "exemplary_model_summed_up", model | {"results": "100% hồ sơ đúng hạn", "evidence_refs": ["12/BC-VP"],
                                                "assessment": "Xuất sắc"}  # fmt: skip
    yield "exemplary_model_spread", model | {"adopters": [{"unit_id": unit_id(1), "outcome": "Áp dụng từ quý III"}]}
    other = model | {"model_id": "mo-hinh-2", "unit_id": unit_id(1), "title": "Tổ hòa giải kiểu mẫu"}
    yield "exemplary_model_identified", other | {"area": "Hòa giải cơ sở", "reason": "Hòa giải thành 95%",
                                                 "identified_by": "Văn phòng Sở"}  # fmt: skip
    yield "exemplary_model_dropped", other | {"reason": "Đơn vị sáp nhập", "from_stage": "identified"}


def reviews(units: int, at: datetime) -> Iterator[tuple[str, dict[str, Any]]]:
    """The mid-year review (sơ kết) of the first `units` units: submitted, the second one late, the first reviewed."""
    review = {"campaign_id": CAMPAIGN, "review": "mid_year"}
    yield "review_scheduled", review | {"due_on": "2022-06-30"}
    person = {"person": "Nguyễn Văn A", "target_title": "lao-dong-tien-tien"}
    for u in range(units):
        late = u == 1
        yield (
            "review_submitted",
            review
            | {
                "unit_id": unit_id(u),
                "collective": {"target": "tap-the-lao-dong-xuat-sac", "status": "on_track"},
                "staff": [person | {"status": "on_track", "note": "Đúng tiến độ"}],
                "submitted_at": (at + timedelta(days=3 if late else 0)).isoformat(),
                "late": late,
                "days_late": 3 if late else 0,
            },
        )
    if units:
        yield (
            "review_assessed",
            review
            | {
                "unit_id": unit_id(0),
                "collective": {"assessment": "excellent"},
                "staff": [{"person": person["person"], "assessment": "good"}],
            },
        )


class _Checked:
    def __init__(self, subject: str, data: bytes) -> None:
        self.subject, self.data = subject, data


async def generate(
    js: Any, n: int, units: int = 3000, window: int = 2000, source: Iterator[tuple[str, bytes]] | None = None
) -> dict[str, float]:
    """Publish `n` events; returns the count and the generation rate (informational).

    `source`: take the `n` events from there instead (`events(total, units)`, published in steps: the first
    `n` events of `events(total, units)` are those of `events(n, units)`, ids aside)."""
    checked: set[str] = set()
    pending: list[asyncio.Future[Any]] = []
    count, start = 0, time.perf_counter()
    for subject, body in itertools.islice(events(n, units) if source is None else source, n):
        name = subject.rsplit(".", 1)[1]
        if name not in checked:
            parse(_Checked(subject, body))  # type: ignore[arg-type]
            checked.add(name)
        pending.append(await js.publish_async(subject, body, stream=STREAM))
        count += 1
        if len(pending) >= window:
            await asyncio.gather(*pending)
            pending = []
    await asyncio.gather(*pending)
    seconds = time.perf_counter() - start
    return {"events": count, "per_s": count / seconds if seconds else 0.0, "seconds": seconds}
