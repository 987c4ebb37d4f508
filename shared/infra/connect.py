"""The one way to open a NATS connection: servers and this process's identity from settings."""

from __future__ import annotations

from typing import Any

import nats

from shared.infra.settings import Settings


def nats_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for nats-py (and FastStream's broker): servers and credentials if configured."""
    options: dict[str, Any] = {"servers": settings.nats_url.split(","), "max_reconnect_attempts": -1}
    if settings.nats_user:
        options |= {"user": settings.nats_user, "password": settings.nats_password}
    return options


async def connect(settings: Settings, name: str | None = None, **extra: Any) -> Any:
    return await nats.connect(**(nats_options(settings) | ({"name": name} if name else {}) | extra))
