"""Vietnamese subjects and bodies of the notices, one pair of `string.Template`s per rule.

Values are filled in when a notice is decided, so a re-sent notice carries exactly the same text.
"""

from __future__ import annotations

from datetime import date
from string import Template

from services.notification.domain import rules

SIGNATURE = "Văn phòng Sở Tư pháp Thành phố Hồ Chí Minh\nHệ thống theo dõi thi đua, khen thưởng"

TEMPLATES: dict[str, tuple[Template, Template]] = {
    rules.REGISTRATION_REMINDER: (
        Template("Nhắc hạn đăng ký thi đua: còn $days ngày"),
        Template(
            "Kính gửi: $unit_name,\n\n"
            "Hạn chót gửi bản đăng ký thi đua của $campaign_title là ngày $deadline (còn $days ngày).\n"
            "Đến nay đơn vị chưa gửi bản đăng ký. Đề nghị đơn vị hoàn thành việc đăng ký đúng hạn.\n\n"
            "$signature\n"
        ),
    ),
    rules.LATE_REGISTRATION: (
        Template("Đăng ký thi đua trễ hạn: $subject_unit_name"),
        Template(
            "Kính gửi: $unit_name,\n\n"
            "$subject_unit_name đã gửi bản đăng ký thi đua của $campaign_title vào ngày $when, "
            "sau hạn chót ngày $deadline.\n\n"
            "$signature\n"
        ),
    ),
    rules.LATE_REPORT: (
        Template("Báo cáo thành tích trễ hạn: $subject_unit_name"),
        Template(
            "Kính gửi: $unit_name,\n\n"
            "$subject_unit_name đã báo cáo thành tích «$achievement_id» của $campaign_title sau thời hạn quy định.\n"
            "Nội dung: $description\n\n"
            "$signature\n"
        ),
    ),
    rules.VOTE_OPENED: (
        Template("Mở vòng bỏ phiếu bầu đơn vị dẫn đầu $block_name"),
        Template(
            "Kính gửi: $unit_name,\n\n"
            "Vòng bỏ phiếu «$round_id» bầu đơn vị dẫn đầu $block_name ($campaign_title) đã mở.\n"
            "Các đơn vị được đề cử: $candidates.\n"
            "Đề nghị đơn vị tham gia bỏ phiếu.\n\n"
            "$signature\n"
        ),
    ),
    rules.VOTE_RESULT: (
        Template("Kết quả bỏ phiếu $block_name"),
        Template(
            "Kính gửi: $unit_name,\n\n"
            "Vòng bỏ phiếu «$round_id» của $block_name ($campaign_title) đã kết thúc.\n"
            "Kết quả: $outcome\n"
            "Số phiếu: $tally\n"
            "Đơn vị tham gia: $voters/$eligible.\n\n"
            "$signature\n"
        ),
    ),
    rules.AWARD_DECIDED: (
        Template("Quyết định khen thưởng: $award"),
        Template(
            "Kính gửi: $unit_name,\n\n"
            "Hội đồng Thi đua - Khen thưởng đã $decision đề nghị khen thưởng «$award» cho $beneficiary "
            "($campaign_title).\n"
            "Kết quả biểu quyết: $votes_for tán thành, $votes_against không tán thành.\n"
            "Lý do: $reason\n\n"
            "$signature\n"
        ),
    ),
    rules.ACHIEVEMENT_REJECTED: (
        Template("Thành tích không được công nhận: $achievement_id"),
        Template(
            "Kính gửi: $unit_name,\n\n"
            "Thành tích «$achievement_id» do đơn vị báo cáo ($campaign_title) không được công nhận.\n"
            "Lý do: $reason\n\n"
            "$signature\n"
        ),
    ),
    rules.EXEMPLARY_MODEL: (
        Template("Điển hình tiên tiến «$title»: $stage"),
        Template(
            "Kính gửi: $unit_name,\n\n"
            "Trong $campaign_title, mô hình điển hình tiên tiến «$title» của $beneficiary $what.\n"
            "$details\n\n"
            "$signature\n"
        ),
    ),
    rules.REVIEW_REMINDER: (
        Template("Nhắc hạn gửi báo cáo $review_name: còn $days ngày"),
        Template(
            "Kính gửi: $unit_name,\n\n"
            "Hạn chót gửi báo cáo $review_name phong trào thi đua của $campaign_title là ngày $deadline "
            "(còn $days ngày).\n"
            "Đến nay đơn vị chưa gửi báo cáo tự đánh giá kết quả thực hiện đăng ký thi đua của tập thể và cá nhân.\n"
            "Đề nghị đơn vị gửi báo cáo đúng hạn.\n\n"
            "$signature\n"
        ),
    ),
    rules.LATE_REVIEW: (
        Template("Báo cáo $review_name trễ hạn: $subject_unit_name"),
        Template(
            "Kính gửi: $unit_name,\n\n"
            "$subject_unit_name đã gửi báo cáo $review_name phong trào thi đua của $campaign_title vào ngày $when, "
            "trễ $days_late ngày so với hạn chót ngày $deadline.\n\n"
            "$signature\n"
        ),
    ),
}

MODEL_STAGES: dict[str, tuple[str, Template, Template]] = {
    "identified": (
        "Phát hiện",
        Template("đã được phát hiện, lĩnh vực $area"),
        Template("Lý do: $reason\nNgười phát hiện: $identified_by"),
    ),
    "nurtured": ("Bồi dưỡng", Template("đã được đưa vào kế hoạch bồi dưỡng"), Template("Kế hoạch bồi dưỡng: $plan")),
    "supported": ("Bồi dưỡng", Template("đã được hỗ trợ ngày $done_on"), Template("Nội dung hỗ trợ: $action")),
    "summed_up": (
        "Tổng kết",
        Template("đã được Hội đồng tổng kết, đánh giá"),
        Template("Kết quả: $results\nĐánh giá của Hội đồng: $assessment"),
    ),
    "spread": ("Nhân rộng", Template("đã được nhân rộng"), Template("Đơn vị áp dụng: $adopters")),
    "dropped": ("Dừng theo dõi", Template("không tiếp tục được theo dõi, bồi dưỡng"), Template("Lý do: $reason")),
}
"""Each step of an exemplary model (event `exemplary_model_<step>`): the stage a notice names, what happened and
its details, filled from the event's fields (`$what` and `$details` of the `exemplary-model` notice)."""

REVIEW_NAMES = {"mid_year": "sơ kết 6 tháng đầu năm", "year_end": "tổng kết năm"}
"""The reviews of plan 5039's content 10 as a notice names them."""

TALLY_WITHHELD = "không công bố (quá ít đơn vị tham gia hoặc không đủ túc số để giữ bí mật lá phiếu)"
"""A round that failed its quorum or its minimum of voters publishes no tally (it would reveal ballots)."""

OUTCOMES = {
    "elected": "$winner được bầu là đơn vị dẫn đầu.",
    "runoff": "chưa đơn vị nào đạt đa số; sẽ bỏ phiếu vòng hai.",
    "failed": "vòng bỏ phiếu không thành.",
}


AWARD_NAMES = {
    "co-thi-dua-ubnd-thanh-pho": "Cờ thi đua của Ủy ban nhân dân Thành phố",
    "bang-khen-ubnd-thanh-pho": "Bằng khen của Ủy ban nhân dân Thành phố",
    "giay-khen-giam-doc-so": "Giấy khen của Giám đốc Sở Tư pháp",
    "tap-the-lao-dong-xuat-sac": "Tập thể Lao động xuất sắc",
    "tap-the-lao-dong-tien-tien": "Tập thể Lao động tiên tiến",
    "chien-si-thi-dua-co-so": "Chiến sĩ thi đua cơ sở",
    "lao-dong-tien-tien": "Lao động tiên tiến",
}
"""Vietnamese names of the usual titles and awards; an award not listed is shown by its id."""


def award_name(award: str) -> str:
    return AWARD_NAMES.get(award, award)


def render(rule: str, values: dict[str, object]) -> tuple[str, str]:
    """The subject and body of a notice of `rule`; every placeholder must be given (KeyError otherwise)."""
    subject, body = TEMPLATES[rule]
    values = {"signature": SIGNATURE, **values}
    return subject.substitute(values), body.substitute(values)


def vn_date(day: date) -> str:
    """20/01/2022"""
    return day.strftime("%d/%m/%Y")
