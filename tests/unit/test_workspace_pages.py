"""The workspace pages' own decisions (no I/O): days late, what a block shows to whom, bars and rows of the standings."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.read_api.access import OPEN, parse_role
from services.read_api.workspace import registrations, standings
from services.read_api.workspace.render import vn_local

pytestmark = pytest.mark.unit
DEADLINE = date(2022, 1, 20)


def test_days_late_count_calendar_days_in_ho_chi_minh_city() -> None:
    assert registrations.days_late("2022-01-20T16:59:00+00:00", DEADLINE) == 0  # 23:59 on the 20th in the city
    assert registrations.days_late("2022-01-20T17:00:00+00:00", DEADLINE) == 1  # 00:00 on the 21st
    assert registrations.days_late("2022-01-25T02:00:00+00:00", DEADLINE) == 5
    assert registrations.days_late("2022-01-10T02:00:00+00:00", DEADLINE) == 0
    assert vn_local("2022-01-20T17:00:00+00:00") == "21/01/2022 00:00"


def registration(unit: str, block: str | None, late: bool) -> dict[str, Any]:
    return {"unit_id": unit, "block_id": block, "late": late, "registered_at": "2022-01-25T02:00:00+00:00"}


ROSTERS = [
    {"block_id": "a", "name": "Khối A", "members": [{"unit_id": u, "name": u.upper()} for u in ("u1", "u2", "u3")]},
    {"block_id": "b", "name": "Khối B", "members": [{"unit_id": u, "name": None} for u in ("u4", "u5")]},
]


def test_the_council_sees_every_block_split_by_lateness_and_who_has_not_registered() -> None:
    rows = [registration("u1", "a", False), registration("u2", "a", True), registration("u9", None, False)]
    summary = {"a": {"on_time": 1}, "b": {"on_time": 0}}
    a, b, withdrawn = registrations.by_block(OPEN, ROSTERS, rows, DEADLINE, summary)
    assert ([r["unit_id"] for r in a.on_time], [r["unit_id"] for r in a.late], [m["unit_id"] for m in a.missing]) == (
        ["u1"],
        ["u2"],
        ["u3"],
    )
    assert a.late[0]["days_late"] == 5 and a.on_time[0]["name"] == "U1"
    assert [m["name"] for m in b.missing] == ["u4", "u5"]  # a name not yet seen: its id
    assert withdrawn.name == "Đơn vị đã rút khỏi khối" and [r["unit_id"] for r in withdrawn.on_time] == ["u9"]


def test_a_unit_sees_only_its_own_line_never_others_as_not_registered() -> None:
    unit = parse_role("unit:u3")
    (a,) = registrations.by_block(unit, ROSTERS, [], DEADLINE, {})  # the route gave it no other registration
    assert [m["unit_id"] for m in a.missing] == ["u3"] and a.on_time == a.late == []


def ranked(n: int) -> list[dict[str, Any]]:
    return [
        {"unit_id": f"u{i:03d}", "rank": i, "verified_score": float(100 - i), "claimed_score": float(110 - i)}
        for i in range(1, n + 1)
    ]


def test_bars_scale_to_the_longest_and_stop_at_the_leaders() -> None:
    bars = standings.chart(ranked(50))
    assert len(bars) == standings.SHOWN
    assert (bars[0]["claimed_width"], bars[0]["verified_width"]) == ("80.00%", f"{99 * 80 / 109:.2f}%")
    assert standings.chart([{"verified_score": -5.0, "claimed_score": 0.0}])[0]["verified_width"] == "0.00%"


def test_rows_leaders_and_the_callers_own_unit_further_down() -> None:
    units = ranked(100)
    assert [u["unit_id"] for u in standings.rows(units, OPEN, whole=False)] == [u["unit_id"] for u in units[:40]]
    mine = standings.rows(units, parse_role("unit:u077"), whole=False)
    assert len(mine) == 41 and mine[-1]["unit_id"] == "u077" and mine[-1]["apart"] is True
    assert len(standings.rows(units, OPEN, whole=True)) == 100


def test_long_bar_labels_are_cut() -> None:
    name = "Phòng Quản lý xử lý vi phạm hành chính và theo dõi thi hành pháp luật"
    assert standings.label(name).endswith("…") and len(standings.label(name)) == standings.LABEL_CHARACTERS
    assert standings.label("Văn phòng Sở") == "Văn phòng Sở"
