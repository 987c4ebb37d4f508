"""What the JSON routes answer, as Vietnamese tables: one row per registration, per unit in rank order per block, per
award proposal (pure functions of the answers, so a spreadsheet holds the same data as the JSON).

Times are shown in Ho Chi Minh City time (UTC+7, the time the deadlines are counted in) as dates an Excel filter
understands; flags read `Có`/`Không`; award slugs are shown with their titles. Unit names are given by the route
(empty for a caller who may not read units).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from services.evaluation.domain.policy import AWARDS
from services.read_api.exports.formats import Column, Sheet, Table, Value
from services.registry.domain.rules import DEPARTMENT_TZ

YES, NO = "Có", "Không"
STATUS = {
    "proposed": "Chờ Hội đồng xét",
    "ineligible": "Không đủ điều kiện",
    "approved": "Được thông qua",
    "rejected": "Không được thông qua",
}
"""An award proposal's status, as the council says it."""


def flag(value: bool | None) -> str | None:
    return None if value is None else YES if value else NO


def local_time(moment: str | None) -> datetime | None:
    """An ISO 8601 moment as Ho Chi Minh City wall-clock time, without an offset (Excel has none)."""
    if moment is None:
        return None
    at = datetime.fromisoformat(moment)
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(DEPARTMENT_TZ).replace(tzinfo=None)


def award_title(slug: str) -> str:
    found = AWARDS.get(slug)
    return found.title if found else slug


def suffix(block: str | None) -> str:
    return f" - khối {block[:64]}" if block else ""


# ---- registrations -------------------------------------------------------------------------------

REGISTRATION_COLUMNS = (
    Column("STT", "integer"),
    Column("Mã đơn vị"),
    Column("Tên đơn vị"),
    Column("Mã khối"),
    Column("Khối"),
    Column("Danh hiệu tập thể đăng ký"),
    Column("Số cá nhân đăng ký", "integer"),
    Column("Cá nhân đăng ký (danh hiệu)", wrap=True),
    Column("Thời điểm đăng ký (giờ Việt Nam)", "datetime"),
    Column("Trễ hạn"),
    Column("Số ngày trễ", "integer"),
    Column("Số lần điều chỉnh", "integer"),
    Column("Lần điều chỉnh gần nhất (giờ Việt Nam)", "datetime"),
    Column("Điều chỉnh gần nhất trễ hạn"),
)


def days_late(at: datetime | None, deadline: date, late: bool) -> int | None:
    """Calendar days after the deadline day (Ho Chi Minh City time) a late registration came."""
    return (at.date() - deadline).days if late and at is not None else None


def registrations(
    campaign: Mapping[str, Any],
    rows: Iterable[Mapping[str, Any]],
    blocks: Mapping[str, str],
    names: Mapping[str, str],
    block: str | None = None,
) -> Table:
    """One row per registration, by unit id. `blocks`: block id → name; `names`: unit id → name."""
    deadline = date.fromisoformat(campaign["registration_deadline"])
    out: list[tuple[Value, ...]] = []
    for no, r in enumerate(rows, start=1):
        at = local_time(r["registered_at"])
        staff = r["staff"]
        out.append(
            (
                no,
                r["unit_id"],
                names.get(r["unit_id"]),
                r["block_id"],
                blocks.get(r["block_id"]) if r["block_id"] else None,
                award_title(r["collective_target"]),
                len(staff),
                "\n".join(f"{s['person']} ({award_title(s['target_title'])})" for s in staff) or None,
                at,
                flag(r["late"]),
                days_late(at, deadline, r["late"]),
                r["amendments"],
                local_time(r["last_amended_at"]),
                flag(r["last_amendment_late"]),
            )
        )
    sheet = Sheet("Đăng ký thi đua", REGISTRATION_COLUMNS, out)
    return Table(f"Đăng ký thi đua {campaign['campaign_id']}{suffix(block)}", [sheet])


# ---- standings -----------------------------------------------------------------------------------

STANDING_COLUMNS = (
    Column("Khối"),
    Column("Mã khối"),
    Column("Hạng", "integer"),
    Column("Mã đơn vị"),
    Column("Tên đơn vị"),
    Column("Điểm đã xác minh", "number"),
    Column("Điểm tự chấm", "number"),
    Column("Số mục trễ hạn", "integer"),
    Column("Số thành tích báo cáo", "integer"),
    Column("Số thành tích được xác minh", "integer"),
    Column("Số thành tích bị từ chối", "integer"),
    Column("Số hồ sơ một cửa", "integer"),
    Column("Số hồ sơ trễ hẹn", "integer"),
    Column("Tỷ lệ hồ sơ đúng hẹn", "percent"),
    Column("Điểm hồ sơ một cửa", "number"),
)


def standings(body: Mapping[str, Any], names: Mapping[str, str], block: str | None = None) -> Table:
    """One row per unit, block by block (in definition order), in rank order within its block. `body`: the
    standings as the JSON route answers them (`Standings`)."""
    out: list[tuple[Value, ...]] = [
        (
            b["name"],
            b["block_id"],
            u["rank"],
            u["unit_id"],
            names.get(u["unit_id"]),
            u["verified_score"],
            u["claimed_score"],
            u["late_count"],
            u["reported_count"],
            u["verified_count"],
            u["rejected_count"],
            u["dossier_count"],
            u["late_dossier_count"],
            u["on_time_share"],
            u["dossier_points"],
        )
        for b in body["blocks"]
        for u in b["units"]
    ]
    moment = local_time(body["as_of"])
    when = f" lúc {moment:%d-%m-%Y %H.%M}" if moment else ""
    return Table(
        f"Bảng xếp hạng thi đua {body['campaign_id']}{suffix(block)}{when}", [Sheet("Xếp hạng", STANDING_COLUMNS, out)]
    )


# ---- award proposals -----------------------------------------------------------------------------

AWARD_COLUMNS = (
    Column("STT", "integer"),
    Column("Mã đề nghị"),
    Column("Danh hiệu, hình thức khen thưởng"),
    Column("Mã đơn vị"),
    Column("Tên đơn vị"),
    Column("Cá nhân"),
    Column("Đủ điều kiện"),
    Column("Số tiêu chí không đạt", "integer"),
    Column("Kết quả từng tiêu chí", wrap=True),
    Column("Trạng thái"),
    Column("Hội đồng quyết định"),
    Column("Số phiếu đồng ý", "integer"),
    Column("Số phiếu không đồng ý", "integer"),
    Column("Số thành viên có mặt", "integer"),
    Column("Tổng số thành viên Hội đồng", "integer"),
    Column("Lý do quyết định", wrap=True),
    Column("Thành tích đột xuất", wrap=True),
)
RULE_COLUMNS = (
    Column("Mã đề nghị"),
    Column("Danh hiệu, hình thức khen thưởng"),
    Column("Mã đơn vị"),
    Column("Tên đơn vị"),
    Column("Cá nhân"),
    Column("Tiêu chí"),
    Column("Kết quả"),
    Column("Lý do", wrap=True),
)


def passed(result: Mapping[str, Any]) -> str:
    return "Đạt" if result["passed"] else "Không đạt"


def verdict(decision: Mapping[str, Any] | None) -> str | None:
    if decision is None:
        return None
    return "Thông qua" if decision["approved"] else "Không thông qua"


def exceptional(achievement: Mapping[str, Any] | None) -> str | None:
    """An ad-hoc award's achievement in one cell: what, when (dd/mm/yyyy), the evidence."""
    if not achievement:
        return None
    when = date.fromisoformat(achievement["achieved_on"]).strftime("%d/%m/%Y")
    evidence = f"; minh chứng: {achievement['evidence_ref']}" if achievement.get("evidence_ref") else ""
    return f"{achievement['description']} ({when}{evidence})"


def awards(campaign_id: str, proposals: Iterable[Mapping[str, Any]], names: Mapping[str, str]) -> Table:
    """One row per proposal, in the order proposed, with every rule's result and reason, its eligibility and the
    council's decision with its counts; a second sheet (XLSX only) has one row per rule of each proposal."""
    rows: list[tuple[Value, ...]] = []
    rules: list[tuple[Value, ...]] = []
    for no, x in enumerate(proposals, start=1):
        title, unit, name = award_title(x["award"]), x["unit_id"], names.get(x["unit_id"])
        results = x["rule_results"]
        d = x["decision"] or {}
        rows.append(
            (
                no,
                x["proposal_id"],
                title,
                unit,
                name,
                x["person"],
                flag(x["eligible"]),
                sum(not r["passed"] for r in results),
                "\n".join(f"{passed(r)} - {r['rule']}: {r['reason']}" for r in results) or None,
                STATUS.get(x["status"], x["status"]),
                verdict(x["decision"]),
                d.get("votes_for"),
                d.get("votes_against"),
                d.get("members_present"),
                d.get("members_total"),
                d.get("reason"),
                exceptional(x.get("achievement")),
            )
        )
        rules += [
            (x["proposal_id"], title, unit, name, x["person"], r["rule"], passed(r), r["reason"]) for r in results
        ]
    sheets = [Sheet("Đề nghị khen thưởng", AWARD_COLUMNS, rows), Sheet("Tiêu chí", RULE_COLUMNS, rules)]
    return Table(f"Đề nghị khen thưởng {campaign_id}", sheets)
