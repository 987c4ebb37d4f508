"""The exports through the real read API app over real views: each file downloaded and read back cell by cell
against the JSON routes' answers, and the same access decisions (and refusals) as those routes.

State is built as tests/unit/test_read_standings.py does: the registry's facts and registrations as contract
events, the evaluation's through its application, every view fed in stream order.
"""

from __future__ import annotations

import csv
import io
import warnings
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from services.evaluation.domain.policy import AWARDS
from services.read_api.access import create_token
from services.read_api.app import create_app
from tests.unit.test_evaluation_application import C, Driver, decide, propose
from tests.unit.test_evaluation_views import published, registry_event, registry_facts, year
from tests.unit.test_read_standings import Store

with warnings.catch_warnings():  # Starlette asks for `httpx2` over `httpx` (which the project uses) from now on
    warnings.simplefilter("ignore", UserWarning)
    from fastapi.testclient import TestClient

pytestmark = pytest.mark.integration
EXPORTS = f"/v1/campaigns/{C}/exports"
VIETNAM = timezone(timedelta(hours=7))
NAMES = {
    "u1": "Văn phòng Sở",
    "u2": "Thanh tra Sở",
    "u3": "Phòng Công chứng số 1",
    "u4": "Phòng Hành chính tư pháp",
    "v1": "Trung tâm Trợ giúp pháp lý",
    "v2": "Phòng Bổ trợ tư pháp",
    "v3": "Trung tâm Dịch vụ bán đấu giá tài sản",
}
REGISTERED = {  # unit → (registered at, late); the deadline is 2022-01-20, Ho Chi Minh City time
    "u1": ("2022-01-10T02:00:00Z", False),
    "u2": ("2022-01-20T16:30:00Z", False),  # 23:30 on the deadline day in Ho Chi Minh City: on time
    "u3": ("2022-01-23T01:00:00Z", True),  # 3 days late
    "v1": ("2022-01-25T18:00:00Z", True),  # 01:00 on the 26th there: 6 days late
}


def registrations() -> list[Any]:
    events = [
        registry_event("unit_registered", {"unit_id": u, "name": name, "kind": "department"}, 100 + i)
        for i, (u, name) in enumerate(NAMES.items())
    ]
    for i, (unit, (at, late)) in enumerate(REGISTERED.items()):
        staff = [{"person": "Nguyễn Thị Ánh Tuyết", "target_title": "lao-dong-tien-tien"}] if unit == "u3" else []
        data = {"campaign_id": C, "unit_id": unit, "collective_target": "tap-the-lao-dong-xuat-sac", "staff": staff,
                "registered_at": at, "late": late}  # fmt: skip
        events.append(registry_event("emulation_registered", data, 200 + i))
    amended = {"campaign_id": C, "unit_id": "u1", "collective_target": "tap-the-lao-dong-tien-tien",
               "staff": [{"person": "Lê Văn Đức", "target_title": "chien-si-thi-dua-co-so"}],
               "registered_at": "2022-02-01T03:15:00Z", "late": True}  # fmt: skip
    return [*events, registry_event("emulation_registration_amended", amended, 300)]


def awards(d: Driver) -> None:
    propose(d, "ldtt-1", "lao-dong-tien-tien", unit="u3", person="Nguyễn Thị Ánh Tuyết")
    decide(d, "ldtt-1")  # approved 8 of 9
    propose(d, "ldtt-2", "lao-dong-tien-tien", unit="u3", person="Trần Văn Bình")
    decide(d, "ldtt-2", yes=6, no=1, present=7)  # rejected: under the threshold
    propose(d, "co-u3", "co-thi-dua-ubnd-thanh-pho", unit="u3")  # ineligible: not its block's elected leader
    propose(d, "ldtt-4", "lao-dong-tien-tien", unit="u4", person="Phạm Thị Hương")  # undecided


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path)
    d = Driver()
    year(d)
    awards(d)
    s.feed(registry_facts() + registrations() + published(d))
    return s


@pytest.fixture
def api(store: Store) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    path = Path(store.settings.api_tokens_file)
    roles = ("council", "public", "unit:u3")
    callers = {role: {"Authorization": f"Bearer {create_token(path, role)}"} for role in roles}
    with TestClient(create_app(store.settings)) as client:
        yield client, callers | {"anonymous": {}}


def workbook(content: bytes) -> Any:
    return load_workbook(io.BytesIO(content))


def rows_of(sheet: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in sheet.iter_rows(min_row=2, values_only=True)]


def local(moment: str) -> datetime:
    return datetime.fromisoformat(moment).astimezone(VIETNAM).replace(tzinfo=None)


def test_registrations_xlsx_read_back_cell_by_cell(api: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    client, callers = api
    answer = client.get(f"{EXPORTS}/registrations.xlsx", headers=callers["council"])
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert answer.headers["content-disposition"] == (
        "attachment; filename=\"Dang-ky-thi-dua-2022.xlsx\"; filename*=UTF-8''%C4%90%C4%83ng%20k%C3%BD%20thi%20%C4%91ua%202022.xlsx"
    )
    json_rows = client.get(f"/v1/campaigns/{C}/registrations", headers=callers["council"]).json()["registrations"]
    blocks = client.get(f"/v1/campaigns/{C}/blocks", headers=callers["council"]).json()["blocks"]
    names = {m["unit_id"]: m["name"] for b in blocks for m in b["members"]}
    block_names = {b["block_id"]: b["name"] for b in blocks}

    ws = workbook(answer.content)["Đăng ký thi đua"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:N5"
    assert [c.value for c in ws[1]][:6] == [
        "STT",
        "Mã đơn vị",
        "Tên đơn vị",
        "Mã khối",
        "Khối",
        "Danh hiệu tập thể đăng ký",
    ]
    assert all(c.font.bold for c in ws[1])
    rows = rows_of(ws)
    assert [r[1] for r in rows] == [r["unit_id"] for r in json_rows] == ["u1", "u2", "u3", "v1"]
    for row, cells, reg in zip(rows, ws.iter_rows(min_row=2), json_rows, strict=True):
        unit = reg["unit_id"]
        assert row[2] == names[unit] == NAMES[unit]  # the JSON API's Vietnamese name, intact
        assert (row[3], row[4]) == (reg["block_id"], block_names[reg["block_id"]])
        assert row[5] == AWARDS[reg["collective_target"]].title
        assert row[6] == len(reg["staff"]) and isinstance(row[6], int)
        assert isinstance(row[8], datetime) and row[8] == local(reg["registered_at"])
        assert cells[8].is_date and cells[8].number_format == "dd/mm/yyyy hh:mm"
        assert row[9] == ("Có" if reg["late"] else "Không")
        assert row[11] == reg["amendments"]
    assert [r[10] for r in rows] == [None, None, 3, 6]  # days late, counted in Ho Chi Minh City
    assert rows[0][5] == "Tập thể lao động tiên tiến" and rows[0][7] == "Lê Văn Đức (Chiến sĩ thi đua cơ sở)"
    assert rows[0][12] == datetime(2022, 2, 1, 10, 15) and rows[0][13] == "Có"
    assert rows[2][7] == "Nguyễn Thị Ánh Tuyết (Lao động tiên tiến)"

    # the filters of the JSON route
    b2 = workbook(
        client.get(f"{EXPORTS}/registrations.xlsx", params={"block": "b2"}, headers=callers["council"]).content
    )
    assert [r[1] for r in rows_of(b2.active)] == ["v1"]
    late = workbook(
        client.get(f"{EXPORTS}/registrations.xlsx", params={"late": "true"}, headers=callers["council"]).content
    )
    assert [r[1] for r in rows_of(late.active)] == ["u3", "v1"]


def test_standings_xlsx_in_rank_order_per_block(api: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    client, callers = api
    json_blocks = client.get(f"/v1/campaigns/{C}/standings", headers=callers["council"]).json()["blocks"]
    answer = client.get(f"{EXPORTS}/standings.xlsx", headers=callers["council"])
    assert answer.status_code == 200 and "Bang-xep-hang-thi-dua-2022.xlsx" in answer.headers["content-disposition"]
    ws = workbook(answer.content)["Xếp hạng"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:O8"
    expected = [(b["name"], b["block_id"], u) for b in json_blocks for u in b["units"]]
    rows = rows_of(ws)
    assert [(r[1], r[2], r[3]) for r in rows] == [(b, u["rank"], u["unit_id"]) for _, b, u in expected]
    assert [r[3] for r in rows[:4]] == ["u1", "u2", "u3", "u4"]  # the documented tie-break
    for row, cells, (block_name, _, unit) in zip(rows, ws.iter_rows(min_row=2), expected, strict=True):
        assert row[0] == block_name and row[4] == NAMES[unit["unit_id"]]
        assert (row[5], row[6]) == (unit["verified_score"], unit["claimed_score"])
        assert isinstance(row[5], float | int) and cells[5].data_type == "n" and cells[5].number_format == "0.00"
        assert row[7:13] == (unit["late_count"], unit["reported_count"], unit["verified_count"],
                             unit["rejected_count"], unit["dossier_count"], unit["late_dossier_count"])  # fmt: skip
    assert rows[2][5] == 20.0 and rows[2][7] == 1 and rows[3][10] == 1

    one = client.get(f"{EXPORTS}/standings.xlsx", params={"block": "b2"}, headers=callers["council"])
    assert {r[1] for r in rows_of(workbook(one.content).active)} == {"b2"}
    unknown = client.get(f"{EXPORTS}/standings.csv", params={"block": "b9"}, headers=callers["council"])
    assert (
        unknown.status_code == 404
        and unknown.json()
        == client.get(f"/v1/campaigns/{C}/standings", params={"block": "b9"}, headers=callers["council"]).json()
    )
    then = client.get(f"{EXPORTS}/standings.xlsx", params={"as_of": "2000-01-01T00:00:00"}, headers=callers["council"])
    assert all(r[5] == 0 for r in rows_of(workbook(then.content).active))


def test_award_proposals_with_rules_and_decisions(api: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    client, callers = api
    proposals = client.get(f"/v1/campaigns/{C}/awards", headers=callers["council"]).json()["proposals"]
    book = workbook(client.get(f"{EXPORTS}/awards.xlsx", headers=callers["council"]).content)
    rows = rows_of(book["Đề nghị khen thưởng"])
    assert [r[1] for r in rows] == [x["proposal_id"] for x in proposals] == ["ldtt-1", "ldtt-2", "co-u3", "ldtt-4"]
    for row, x in zip(rows, proposals, strict=True):
        assert row[2] == AWARDS[x["award"]].title and row[3:6] == (x["unit_id"], NAMES[x["unit_id"]], x["person"])
        assert row[6] == ("Có" if x["eligible"] else "Không")
        assert row[7] == sum(not r["passed"] for r in x["rule_results"])
        assert row[8].split("\n") == [
            f"{'Đạt' if r['passed'] else 'Không đạt'} - {r['rule']}: {r['reason']}" for r in x["rule_results"]
        ]
        d = x["decision"]
        if d is None:
            assert row[10:16] == (None,) * 6
        else:
            assert row[10] == ("Thông qua" if d["approved"] else "Không thông qua")
            assert row[11:16] == (d["votes_for"], d["votes_against"], d["members_present"], d["members_total"],
                                  d["reason"])  # fmt: skip
            assert all(isinstance(n, int) for n in row[11:15])
    assert [r[9] for r in rows] == ["Được thông qua", "Không được thông qua", "Không đủ điều kiện", "Chờ Hội đồng xét"]
    assert rows[2][7] >= 1 and "Không đạt" in rows[2][8]
    rules = rows_of(book["Tiêu chí"])
    assert len(rules) == sum(len(x["rule_results"]) for x in proposals)
    assert rules[0][0] == "ldtt-1" and rules[0][4] == "Nguyễn Thị Ánh Tuyết"
    assert [(r[0], r[5], r[6] == "Đạt", r[7]) for r in rules] == [
        (x["proposal_id"], r["rule"], r["passed"], r["reason"]) for x in proposals for r in x["rule_results"]
    ]


@pytest.mark.parametrize("name", ["registrations", "standings", "awards"])
def test_csv_is_utf8_with_a_bom_and_holds_the_first_sheet(
    api: tuple[TestClient, dict[str, dict[str, str]]], name: str
) -> None:
    client, callers = api
    answer = client.get(f"{EXPORTS}/{name}.csv", headers=callers["council"])
    assert answer.status_code == 200 and answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert (
        answer.headers["content-disposition"].startswith('attachment; filename="')
        and ".csv" in answer.headers["content-disposition"]
    )
    assert answer.content.startswith(b"\xef\xbb\xbf") and b"\r\n" in answer.content
    table = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"), newline="")))
    sheet = workbook(client.get(f"{EXPORTS}/{name}.xlsx", headers=callers["council"]).content).worksheets[0]
    expected = [[c.value for c in sheet[1]], *rows_of(sheet)]
    assert len(table) == len(expected)
    for row, cells in zip(table, expected, strict=True):
        assert [read_back(text, v) for text, v in zip(row, cells, strict=True)] == list(cells)


def read_back(text: str, like: Any) -> Any:
    """A CSV field as the type its XLSX cell has: ISO 8601 times, numbers with `.`, empty for none."""
    if like is None or isinstance(like, str):
        return text or None
    if isinstance(like, datetime):
        return datetime.fromisoformat(text)
    return float(text)


def test_the_same_access_decisions_as_the_json_routes(
    store: Store, api: tuple[TestClient, dict[str, dict[str, str]]]
) -> None:
    client, callers = api
    unit = callers["unit:u3"]

    # a unit: only its own registrations, and the same refusal when it asks for another's
    mine = workbook(client.get(f"{EXPORTS}/registrations.xlsx", headers=unit).content)
    assert [r[1] for r in rows_of(mine.active)] == ["u3"]
    refused = client.get(f"{EXPORTS}/registrations.csv", params={"unit": "u1"}, headers=unit)
    json_refused = client.get(f"/v1/campaigns/{C}/registrations", params={"unit": "u1"}, headers=unit)
    assert refused.status_code == json_refused.status_code == 403 and refused.json() == json_refused.json()
    # ... its own undecided proposal, not another unit's
    assert [r[1] for r in rows_of(workbook(client.get(f"{EXPORTS}/awards.xlsx", headers=unit).content).active)] == [
        "ldtt-1",
        "ldtt-2",
        "co-u3",  # fmt: skip
    ]

    # the public: no registrations, no standings of an open campaign (401 without a token, 403 with one)
    for who, status in (("anonymous", 401), ("public", 403)):
        for path, json_path in (("registrations.xlsx", "registrations"), ("standings.xlsx", "standings")):
            answer = client.get(f"{EXPORTS}/{path}", headers=callers[who])
            expected = client.get(f"/v1/campaigns/{C}/{json_path}", headers=callers[who])
            assert answer.status_code == expected.status_code == status and answer.json() == expected.json()
            assert answer.headers.get("www-authenticate") == expected.headers.get("www-authenticate")
    # ... decided awards only, by unit id (the public reads no unit names)
    public_awards = rows_of(workbook(client.get(f"{EXPORTS}/awards.xlsx").content).active)
    assert [(r[1], r[4]) for r in public_awards] == [("ldtt-1", None), ("ldtt-2", None)]

    # once the campaign is closed, its standings are public
    store.feed([registry_event("campaign_closed", {"campaign_id": C}, 900)])
    closed = client.get(f"{EXPORTS}/standings.xlsx")
    assert closed.status_code == 200 and [r[3] for r in rows_of(workbook(closed.content).active)][:4] == [
        "u1",
        "u2",
        "u3",
        "u4",  # fmt: skip
    ]


def test_refusals_have_the_api_error_shape(api: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    client, callers = api
    unknown = client.get("/v1/campaigns/2023/exports/awards.xlsx", headers=callers["council"])
    assert (
        unknown.status_code == 404
        and unknown.json() == client.get("/v1/campaigns/2023/awards", headers=callers["council"]).json()
    )
    wrong = client.get(f"{EXPORTS}/awards.pdf", headers=callers["council"])
    assert wrong.status_code == 422 and wrong.json()["detail"]["field"] == "fmt"
    assert client.get(f"{EXPORTS}/votes.xlsx", headers=callers["council"]).json()["detail"]["code"] == "not_found"
