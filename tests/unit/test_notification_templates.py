"""The Vietnamese templates, the e-mail they make, and the webhook signature."""

from __future__ import annotations

import email
import hashlib
import hmac
import json
from datetime import UTC, date, datetime
from email import policy

import pytest

from services.notification.adapters.channels import build_email, payload, sign
from services.notification.config import NotifierConfig
from services.notification.domain import rules, templates
from services.notification.domain.notices import Notice
from shared.infra.settings import InvalidSettings

pytestmark = pytest.mark.unit


def test_every_rule_has_a_template() -> None:
    assert set(templates.TEMPLATES) == set(rules.RULES)


def test_reminder_text_keeps_its_diacritics() -> None:
    subject, body = templates.render(
        rules.REGISTRATION_REMINDER,
        {
            "unit_name": "Phòng Phổ biến, giáo dục pháp luật",
            "campaign_title": "Phong trào thi đua yêu nước năm 2022",
            "deadline": templates.vn_date(date(2022, 1, 20)),
            "days": 7,
        },
    )
    assert subject == "Nhắc hạn đăng ký thi đua: còn 7 ngày"
    assert body.startswith("Kính gửi: Phòng Phổ biến, giáo dục pháp luật,\n\n")
    assert "Phong trào thi đua yêu nước năm 2022 là ngày 20/01/2022 (còn 7 ngày)" in body
    assert body.endswith("Hệ thống theo dõi thi đua, khen thưởng\n")


def test_a_missing_value_is_an_error_not_a_blank() -> None:
    with pytest.raises(KeyError):
        templates.render(rules.ACHIEVEMENT_REJECTED, {"unit_name": "Phòng A"})


def notice() -> Notice:
    return Notice(
        notification_id="5b1584cc-8ac9-5363-9078-b7b650f67af5",
        rule="award-decided",
        trigger_event_id="ev-1",
        trigger_type="award_decided",
        campaign_id="2022",
        unit_id="thanh-tra-so",
        channel="email",
        recipient="tts@stp.example",
        due_at=datetime(2022, 12, 20, 2, 0, tzinfo=UTC),
        subject="Quyết định khen thưởng: Cờ thi đua của Ủy ban nhân dân Thành phố",
        body="Kính gửi: Thanh tra Sở,\n\nĐạt đủ tiêu chuẩn «Tập thể Lao động xuất sắc».\n",
        data={"unit_id": "thanh-tra-so"},
    )


def test_email_round_trips_vietnamese_and_carries_the_notice_id() -> None:
    msg = build_email(notice(), NotifierConfig().smtp_from)
    raw = msg.as_bytes()
    assert raw.isascii()
    back = email.message_from_bytes(raw, policy=policy.default)
    assert back["Subject"] == notice().subject
    assert back["Message-ID"] == "<5b1584cc-8ac9-5363-9078-b7b650f67af5@emulation>"
    assert back.get_content() == notice().body  # type: ignore[attr-defined]


def test_payload_is_stable_and_the_signature_verifies() -> None:
    body = payload(notice())
    assert body == payload(notice())
    assert json.loads(body)["text"] == notice().body
    secret = "a-shared-secret-of-16+"
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert sign(secret, body) == expected
    assert sign("another-secret-xxxxxx", body) != expected


def test_config_from_env_and_backoff() -> None:
    config = NotifierConfig.from_env(
        {"EMULATION_SMTP_PORT": "2525", "EMULATION_SMTP_STARTTLS": "true", "EMULATION_NOTIFY_BACKOFF": "2"}
    )
    assert config.smtp_port == 2525 and config.smtp_starttls is True
    assert [config.delay(n) for n in (1, 2, 3)] == [2.0, 4.0, 8.0]
    assert NotifierConfig().replace(backoff=100, backoff_max=150).delay(3) == 150


def test_config_variables_are_the_documented_names_and_flags_read_as_before() -> None:
    env = {"EMULATION_NOTIFY_MAX_ATTEMPTS": "3", "EMULATION_NOTIFY_CONCURRENCY": "2", "EMULATION_MAX_ATTEMPTS": "9"}
    config = NotifierConfig.from_env(env | {"EMULATION_NOTIFY_POLL": "", "EMULATION_WEBHOOK_TIMEOUT": "1.5"})
    assert (config.max_attempts, config.concurrency, config.poll, config.webhook_timeout) == (3, 2, 1.0, 1.5)
    for on in ("1", "true", "YES", "on"):
        assert NotifierConfig.from_env({"EMULATION_SMTP_SSL": on}).smtp_ssl is True
    for off in ("0", "false", "no", "off"):
        assert NotifierConfig.from_env({"EMULATION_SMTP_SSL": off}).smtp_ssl is False
    with pytest.raises(InvalidSettings, match="EMULATION_SMTP_SSL='maybe'"):
        NotifierConfig.from_env({"EMULATION_SMTP_SSL": "maybe"})
    with pytest.raises(InvalidSettings, match="EMULATION_NOTIFY_BACKOFF='soon'"):
        NotifierConfig.from_env({"EMULATION_NOTIFY_BACKOFF": "soon"})
