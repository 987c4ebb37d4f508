"""The exports' pure parts: the JSON answers as Vietnamese tables, and a table written as XLSX or CSV."""

from __future__ import annotations

import csv
import io
import unicodedata
from datetime import date, datetime
from typing import Any

import pytest
from openpyxl import load_workbook

from services.read_api.exports import tables
from services.read_api.exports.formats import Column, Sheet, Table, ascii_name, attachment, to_csv, to_xlsx

pytestmark = pytest.mark.unit
CAMPAIGN = {"campaign_id": "2022", "registration_deadline": "2022-01-20"}


def registration(unit: str, at: str, late: bool, **extra: object) -> dict[str, object]:
    return {"unit_id": unit, "block_id": "b1", "collective_target": "tap-the-lao-dong-xuat-sac", "staff": [],
            "registered_at": at, "late": late, "amendments": 0, "last_amended_at": None,
            "last_amendment_late": None} | extra  # fmt: skip


def test_registrations_in_ho_chi_minh_city_time_with_days_late() -> None:
    rows = [
        registration("u1", "2022-01-20T16:59:59Z", False),  # 23:59:59 on the deadline day there
        registration("u2", "2022-01-20T17:00:00Z", True),  # 00:00 the day after: one day late
        registration(
            "u3",
            "2022-02-01T00:00:00+00:00",
            True,
            block_id=None,
            amendments=2,
            last_amended_at="2022-02-02T01:00:00Z",
            last_amendment_late=True,
            staff=[
                {"person": "Đặng Thu Hà", "target_title": "chien-si-thi-dua-co-so"},
                {"person": "Lê Minh", "target_title": "khong-co-trong-danh-muc"},
            ],
        ),  # fmt: skip
    ]
    table = tables.registrations(CAMPAIGN, rows, {"b1": "Khối I"}, {"u1": "Văn phòng Sở"}, block="b1")
    assert table.name == "Đăng ký thi đua 2022 - khối b1"
    [sheet] = table.sheets
    assert len(sheet.columns) == len(sheet.rows[0]) == 14
    u1, u2, u3 = sheet.rows
    assert u1[:6] == (1, "u1", "Văn phòng Sở", "b1", "Khối I", "Tập thể lao động xuất sắc")
    assert (u1[8], u1[9], u1[10]) == (datetime(2022, 1, 20, 23, 59, 59), "Không", None)
    assert (u2[2], u2[8], u2[9], u2[10]) == (None, datetime(2022, 1, 21, 0, 0), "Có", 1)
    assert u3[3:5] == (None, None)  # withdrawn from its block
    assert u3[6:8] == (2, "Đặng Thu Hà (Chiến sĩ thi đua cơ sở)\nLê Minh (khong-co-trong-danh-muc)")
    assert (u3[10], u3[11], u3[12], u3[13]) == (12, 2, datetime(2022, 2, 2, 8, 0), "Có")


def test_standings_one_row_per_unit_block_by_block() -> None:
    unit = {"verified_score": 20.5, "claimed_score": 25.0, "late_count": 1, "reported_count": 2, "verified_count": 1,
            "rejected_count": 1, "dossier_count": 4, "late_dossier_count": 1, "on_time_share": 0.75,
            "dossier_points": 0.0}  # fmt: skip
    body = {
        "campaign_id": "2022",
        "as_of": "2022-06-30T17:00:00Z",
        "blocks": [
            {"block_id": "b2", "name": "Khối II", "units": [unit | {"unit_id": "v1", "rank": 1}]},
            {
                "block_id": "b1",
                "name": "Khối I",
                "units": [unit | {"unit_id": "u2", "rank": 1}, unit | {"unit_id": "u1", "rank": 2}],
            },  # fmt: skip
        ],
    }
    table = tables.standings(body, {"u1": "Văn phòng Sở"})
    assert table.name == "Bảng xếp hạng thi đua 2022 lúc 01-07-2022 00.00"
    rows = table.sheets[0].rows
    assert [(r[1], r[2], r[3], r[4]) for r in rows] == [
        ("b2", 1, "v1", None),
        ("b1", 1, "u2", None),
        ("b1", 2, "u1", "Văn phòng Sở"),
    ]
    assert rows[0][5:] == (20.5, 25.0, 1, 2, 1, 1, 4, 1, 0.75, 0.0)


def test_award_proposals_with_every_rule_and_the_decision() -> None:
    rules = [{"rule": "ldtt-first", "passed": True, "reason": "đã có Lao động tiên tiến"},
             {"rule": "quota", "passed": False, "reason": "vượt 15% số cán bộ"}]  # fmt: skip
    decided = {"approved": True, "votes_for": 8, "votes_against": 1, "members_present": 9, "members_total": 9,
               "reason": "8 of 9"}  # fmt: skip
    proposals: list[dict[str, Any]] = [
        {"proposal_id": "p1", "award": "chien-si-thi-dua-co-so", "unit_id": "u1", "person": "Võ Thị Sáu",
         "rule_results": rules, "eligible": False, "status": "ineligible", "decision": None},
        {"proposal_id": "p2", "award": "co-thi-dua-ubnd-thanh-pho", "unit_id": "u2", "person": None,
         "rule_results": rules[:1], "eligible": True, "status": "approved", "decision": decided},
        {"proposal_id": "p3", "award": "giay-khen-giam-doc-so", "unit_id": "u2", "person": "Lê Thị Cúc",
         "rule_results": [], "eligible": True, "status": "proposed", "decision": None,
         "achievement": {"description": "Ngăn chặn hồ sơ giả mạo", "achieved_on": "2022-06-15",
                         "evidence_ref": "Công văn 118/CAQ1"}},
    ]  # fmt: skip
    table = tables.awards("2022", proposals, {"u1": "Văn phòng Sở"})
    main, per_rule = table.sheets
    p1, p2, p3 = main.rows
    assert p1[:10] == (1, "p1", "Chiến sĩ thi đua cơ sở", "u1", "Văn phòng Sở", "Võ Thị Sáu", "Không", 1,
                       "Đạt - ldtt-first: đã có Lao động tiên tiến\nKhông đạt - quota: vượt 15% số cán bộ",
                       "Không đủ điều kiện")  # fmt: skip
    assert p1[10:] == (None,) * 7
    assert p2[9:] == ("Được thông qua", "Thông qua", 8, 1, 9, 9, "8 of 9", None)
    assert p3[-1] == "Ngăn chặn hồ sơ giả mạo (15/06/2022; minh chứng: Công văn 118/CAQ1)"  # an ad-hoc award
    assert [r[0::5] for r in per_rule.rows] == [("p1", "ldtt-first"), ("p1", "quota"), ("p2", "ldtt-first")]
    assert per_rule.rows[1][6:] == ("Không đạt", "vượt 15% số cán bộ")


TABLE = Table(
    "Bảng thử",
    [
        Sheet(
            "Kết quả: [thử]/năm 2022 và còn dài nữa",
            [
                Column("Tên"),
                Column("Số", "integer"),
                Column("Điểm", "number"),
                Column("Ngày", "date"),
                Column("Lúc", "datetime"),
                Column("Tỷ lệ", "percent"),
            ],  # fmt: skip
            [
                (
                    unicodedata.normalize("NFD", "Nguyễn Văn Đức"),
                    3,
                    12.5,
                    date(2022, 1, 20),
                    datetime(2022, 1, 20, 8, 30),
                    0.5,
                ),
                ('=HYPERLINK("http://x")', -1, None, None, None, None),
                ("x" * 200, 0, 0.0, None, None, 1.0),
                ("#REF!", None, None, None, None, None),
            ],
        ),
        Sheet("Hai", [Column("A")], [("b",)]),
    ],
)


def test_xlsx_typed_cells_a_frozen_filtering_header_and_bounded_widths() -> None:
    book = load_workbook(io.BytesIO(to_xlsx(TABLE)))
    assert book.sheetnames == ["Kết quả- -thử--năm 2022 và còn ", "Hai"]
    assert book.properties.title == "Bảng thử"
    ws = book.worksheets[0]
    assert [c.value for c in ws[1]] == ["Tên", "Số", "Điểm", "Ngày", "Lúc", "Tỷ lệ"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:F5" and all(c.font.b for c in ws[1])
    name, number, score, day, moment, share = ws[2]
    assert name.value == "Nguyễn Văn Đức" == unicodedata.normalize("NFC", name.value)
    assert (number.value, number.data_type, number.number_format) == (3, "n", "General")
    assert (score.value, score.number_format) == (12.5, "0.00")
    assert day.is_date and day.value == datetime(2022, 1, 20) and day.number_format == "dd/mm/yyyy"
    assert (
        moment.is_date and moment.value == datetime(2022, 1, 20, 8, 30) and moment.number_format == "dd/mm/yyyy hh:mm"
    )
    assert share.number_format == "0.0%"
    formula = ws["A3"]
    assert formula.value == '=HYPERLINK("http://x")' and formula.data_type == "s"  # text, never run as a formula
    assert ws["B3"].value == -1
    assert (ws["A5"].value, ws["A5"].data_type) == ("#REF!", "s")  # text, not an Excel error
    widths = [ws.column_dimensions[c].width for c in "ABCDEF"]
    assert widths[0] == 60 and widths[1] == 8 and widths[4] == 18


def test_csv_utf8_bom_crlf_iso_dates_and_no_formulas() -> None:
    raw = to_csv(TABLE)
    assert raw.startswith("\ufeff".encode()) and raw.count(b"\r\n") == 5
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["Tên", "Số", "Điểm", "Ngày", "Lúc", "Tỷ lệ"]
    assert rows[1] == ["Nguyễn Văn Đức", "3", "12.5", "2022-01-20", "2022-01-20 08:30:00", "0.5"]
    assert unicodedata.is_normalized("NFC", rows[1][0])
    assert rows[2] == ['\'=HYPERLINK("http://x")', "-1", "", "", "", ""]  # a formula-looking text, quoted


def test_the_file_name_in_vietnamese_with_an_ascii_fallback() -> None:
    assert ascii_name("Đề nghị khen thưởng 2022 - khối b1.xlsx") == "De-nghi-khen-thuong-2022-khoi-b1.xlsx"
    assert ascii_name('Ưu tiên: "x"/\\.csv') == "Uu-tien-x-.csv"
    assert attachment("Bảng xếp hạng", "csv") == (
        "attachment; filename=\"Bang-xep-hang.csv\"; filename*=UTF-8''B%E1%BA%A3ng%20x%E1%BA%BFp%20h%E1%BA%A1ng.csv"
    )
