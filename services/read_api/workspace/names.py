"""Vietnamese names for the ids the JSON API answers with: titles and awards, notice rules, statuses, unit events.

An id not listed is shown as it is (a new award, rule or event still appears, only less readably).
"""

from __future__ import annotations

from services.evaluation.domain.policy import AWARDS
from services.notification.domain import rules

TITLES = {slug: award.title for slug, award in AWARDS.items()}
"""Emulation titles and award forms (`tap-the-lao-dong-xuat-sac` → "Tập thể lao động xuất sắc")."""

NOTICE_RULES = {
    rules.REGISTRATION_REMINDER: "Nhắc hạn đăng ký thi đua",
    rules.LATE_REGISTRATION: "Đăng ký thi đua trễ hạn",
    rules.LATE_REPORT: "Báo cáo thành tích trễ hạn",
    rules.VOTE_OPENED: "Mở vòng bỏ phiếu",
    rules.VOTE_RESULT: "Kết quả bỏ phiếu",
    rules.AWARD_DECIDED: "Quyết định khen thưởng",
    rules.ACHIEVEMENT_REJECTED: "Thành tích không được công nhận",
    rules.EXEMPLARY_MODEL: "Điển hình tiên tiến",
    rules.REVIEW_REMINDER: "Nhắc hạn báo cáo sơ kết, tổng kết",
    rules.LATE_REVIEW: "Báo cáo sơ kết, tổng kết trễ hạn",
}

NOTICE_STATUS = {"scheduled": "Chờ gửi", "retrying": "Đang gửi lại", "sent": "Đã gửi", "dead": "Gửi không được"}
ACHIEVEMENT_STATUS = {"reported": "Chờ thẩm định", "verified": "Đã công nhận", "rejected": "Không công nhận"}
UNIT_EVENTS = {
    "unit_registered": "Đăng ký đơn vị",
    "unit_renamed": "Đổi tên",
    "unit_assigned_to_block": "Phân vào khối",
    "unit_withdrawn": "Rút khỏi phong trào",
}
UNIT_KINDS = {"department": "Phòng chuyên môn", "affiliated": "Đơn vị trực thuộc"}


def name_of(names: dict[str, str], key: str | None) -> str:
    return "—" if key is None else names.get(key, key)
