"""The three delivery channels. Each carries the notice's stable id so that a receiver can drop a repeat.

- webhook: POST JSON, `X-Notification-Id`, `X-Signature: sha256=<HMAC-SHA256 of the body>`;
- e-mail: SMTP, `Message-ID: <id@emulation>`, Vietnamese text in UTF-8;
- NATS: `emulation.notifications.<unit_id>` on the NOTIFICATIONS stream with `Nats-Msg-Id`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

import httpx
from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import NotFoundError

from services.notification.config import NotifierConfig
from services.notification.domain.notices import Notice
from shared.events.notification import NOTIFICATIONS_PREFIX, NOTIFICATIONS_STREAM

DUPLICATE_WINDOW_SECONDS = 24 * 3600.0


class DeliveryError(Exception):
    """One attempt failed; the message says why."""


class ChannelOff(DeliveryError):
    """The channel is not configured: retrying cannot help, the notice is dead-lettered at once."""


def payload(notice: Notice) -> bytes:
    """The JSON a webhook or NATS receiver gets: the same bytes on every attempt."""
    body = {
        "notification_id": notice.notification_id,
        "rule": notice.rule,
        "campaign_id": notice.campaign_id,
        "unit_id": notice.unit_id,
        "trigger": {"id": notice.trigger_event_id, "type": notice.trigger_type},
        "due_at": notice.due_at.isoformat(),
        "subject": notice.subject,
        "text": notice.body,
        "data": dict(notice.data),
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


async def post_webhook(client: httpx.AsyncClient, notice: Notice, url: str, secret: str) -> None:
    body = payload(notice)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Notification-Id": notice.notification_id,
        "X-Notification-Rule": notice.rule,
        "X-Signature": sign(secret, body),
    }
    try:
        response = await client.post(url, content=body, headers=headers)
    except httpx.HTTPError as e:
        raise DeliveryError(f"webhook {url}: {e!r}") from e
    if response.status_code >= 300:
        raise DeliveryError(f"webhook {url}: HTTP {response.status_code}")


def build_email(notice: Notice, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = notice.subject
    msg["From"] = sender
    msg["To"] = notice.recipient
    msg["Date"] = formatdate(notice.due_at.timestamp(), localtime=False)
    msg["Message-ID"] = f"<{notice.notification_id}@emulation>"
    msg["X-Notification-Id"] = notice.notification_id
    msg.set_content(notice.body, charset="utf-8", cte="base64")  # 7-bit safe; decodes to the exact text
    return msg


def send_email(config: NotifierConfig, notice: Notice) -> None:
    """Blocking SMTP delivery (run it in a thread)."""
    if not config.smtp_host:
        raise ChannelOff("e-mail channel is off (EMULATION_SMTP_HOST is not set)")
    msg = build_email(notice, config.smtp_from)
    try:
        smtp: smtplib.SMTP
        if config.smtp_ssl:
            smtp = smtplib.SMTP_SSL(
                config.smtp_host, config.smtp_port, timeout=config.smtp_timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=config.smtp_timeout)
        with smtp:
            if config.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if config.smtp_user:
                smtp.login(config.smtp_user, config.smtp_password)
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as e:
        raise DeliveryError(f"smtp {config.smtp_host}:{config.smtp_port}: {e!r}") from e


async def ensure_notifications_stream(js: JetStreamContext) -> None:
    try:
        await js.stream_info(NOTIFICATIONS_STREAM)
    except NotFoundError:
        await js.add_stream(
            StreamConfig(
                name=NOTIFICATIONS_STREAM,
                subjects=[f"{NOTIFICATIONS_PREFIX}.>"],
                storage=StorageType.FILE,
                duplicate_window=DUPLICATE_WINDOW_SECONDS,
            )
        )


async def publish_nats(js: JetStreamContext, notice: Notice) -> None:
    try:
        ack: Any = await js.publish(
            notice.recipient,
            payload(notice),
            headers={"Nats-Msg-Id": notice.notification_id},
            stream=NOTIFICATIONS_STREAM,
            timeout=5,
        )
    except Exception as e:
        raise DeliveryError(f"nats {notice.recipient}: {e!r}") from e
    del ack


async def deliver_email(config: NotifierConfig, notice: Notice) -> None:
    await asyncio.to_thread(send_email, config, notice)
