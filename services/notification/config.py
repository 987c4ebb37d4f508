"""The notification service's own settings: SMTP, webhook and retry parameters, from EMULATION_* variables.

Documented with their defaults in docs/contract/notification.md. A flag is on for 1, true, yes or on, off for
0, false, no or off (any other value is an error naming the variable).
"""

from __future__ import annotations

from pydantic import Field

from shared.infra.settings import EnvSettings


class NotifierConfig(EnvSettings):
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
    max_attempts: int = Field(default=5, alias="EMULATION_NOTIFY_MAX_ATTEMPTS")
    """EMULATION_NOTIFY_MAX_ATTEMPTS: attempts per notice before its dead-letter record."""
    backoff: float = Field(default=1.0, alias="EMULATION_NOTIFY_BACKOFF")
    """EMULATION_NOTIFY_BACKOFF: seconds before the 2nd attempt; doubled for each later one."""
    backoff_max: float = Field(default=300.0, alias="EMULATION_NOTIFY_BACKOFF_MAX")
    """EMULATION_NOTIFY_BACKOFF_MAX: the longest wait between attempts."""
    poll: float = Field(default=1.0, alias="EMULATION_NOTIFY_POLL")
    """EMULATION_NOTIFY_POLL: seconds between scans for due notices."""
    concurrency: int = Field(default=8, alias="EMULATION_NOTIFY_CONCURRENCY")
    """EMULATION_NOTIFY_CONCURRENCY: notices delivered at once."""

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based): exponential, capped."""
        return float(min(self.backoff * 2 ** (attempt - 1), self.backoff_max))
