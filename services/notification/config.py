"""The notification service's own settings: SMTP, webhook and retry parameters, from EMULATION_* variables.

Documented with their defaults in docs/contract/notification.md.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


def _bool(raw: str) -> bool:
    return raw.strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class NotifierConfig:
    smtp_host: str = ""
    """EMULATION_SMTP_HOST: empty turns the e-mail channel off (its notices are dead-lettered at once)."""
    smtp_port: int = 25
    """EMULATION_SMTP_PORT"""
    smtp_user: str = ""
    """EMULATION_SMTP_USER: log in when set."""
    smtp_password: str = ""
    """EMULATION_SMTP_PASSWORD"""
    smtp_starttls: bool = False
    """EMULATION_SMTP_STARTTLS: upgrade the connection with STARTTLS."""
    smtp_ssl: bool = False
    """EMULATION_SMTP_SSL: implicit TLS (port 465)."""
    smtp_from: str = "Văn phòng Sở Tư pháp <thi-dua@localhost>"
    """EMULATION_SMTP_FROM"""
    smtp_timeout: float = 10.0
    """EMULATION_SMTP_TIMEOUT: seconds."""
    webhook_timeout: float = 5.0
    """EMULATION_WEBHOOK_TIMEOUT: seconds per POST."""
    max_attempts: int = 5
    """EMULATION_NOTIFY_MAX_ATTEMPTS: attempts per notice before its dead-letter record."""
    backoff: float = 1.0
    """EMULATION_NOTIFY_BACKOFF: seconds before the 2nd attempt; doubled for each later one."""
    backoff_max: float = 300.0
    """EMULATION_NOTIFY_BACKOFF_MAX: the longest wait between attempts."""
    poll: float = 1.0
    """EMULATION_NOTIFY_POLL: seconds between scans for due notices."""
    concurrency: int = 8
    """EMULATION_NOTIFY_CONCURRENCY: notices delivered at once."""

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> NotifierConfig:
        env = dict(os.environ if env is None else env)
        names = {
            "smtp_host": "SMTP_HOST",
            "smtp_port": "SMTP_PORT",
            "smtp_user": "SMTP_USER",
            "smtp_password": "SMTP_PASSWORD",
            "smtp_starttls": "SMTP_STARTTLS",
            "smtp_ssl": "SMTP_SSL",
            "smtp_from": "SMTP_FROM",
            "smtp_timeout": "SMTP_TIMEOUT",
            "webhook_timeout": "WEBHOOK_TIMEOUT",
            "max_attempts": "NOTIFY_MAX_ATTEMPTS",
            "backoff": "NOTIFY_BACKOFF",
            "backoff_max": "NOTIFY_BACKOFF_MAX",
            "poll": "NOTIFY_POLL",
            "concurrency": "NOTIFY_CONCURRENCY",
        }
        values: dict[str, object] = {}
        for field, name in names.items():
            raw = env.get(f"EMULATION_{name}")
            if raw is None or raw == "":
                continue
            kind = type(getattr(cls, field))
            values[field] = _bool(raw) if kind is bool else kind(raw)
        return cls(**values)  # type: ignore[arg-type]

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based): exponential, capped."""
        return float(min(self.backoff * 2 ** (attempt - 1), self.backoff_max))
