"""The one way to open a NATS connection: servers, this process's identity and its private inbox prefix.

Each identity subscribes only to inboxes under `_INBOX.<user>.` (`emulation/security.py`), so nobody else can
read its replies and deliveries, nor forge messages into them.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import nats

from shared.infra.settings import Settings

INBOX = "_INBOX"
CLI_ATTEMPTS = 5
"""A command-line tool gives up after this many attempts to reach a server (services keep trying for ever)."""
_one_shot = False


def one_shot() -> None:
    """This process is a command-line tool: connections give up instead of waiting for ever for a server."""
    global _one_shot
    _one_shot = True


class LoginRefused(Exception):
    """The NATS server refused this identity (no credentials, a wrong password, an unknown user)."""


def inbox_prefix(user: str) -> str:
    return f"{INBOX}.{user}" if user else INBOX


def nats_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for nats-py (and FastStream's broker): servers, credentials and inbox prefix."""
    options: dict[str, Any] = {
        "servers": settings.nats_url.split(","),
        "max_reconnect_attempts": -1,
        "inbox_prefix": inbox_prefix(settings.nats_user),
    }
    if settings.nats_user:
        options |= {"user": settings.nats_user, "password": settings.nats_password}
    return options


async def connect(settings: Settings, name: str | None = None, **extra: Any) -> Any:
    """A connection that reconnects for ever once established, but fails fast if its login is refused.

    nats-py retries a refused login like any other failure, so a process with a wrong identity would sit
    silent for ever; here the first authorization error before the connection is up ends the attempt with a
    `LoginRefused` that names the identity tried. Servers that are not up yet are still waited for.
    """
    refused = asyncio.Event()
    connected = False
    user_error_cb = extra.pop("error_cb", None)

    async def on_error(e: Exception) -> None:
        if not connected and "authorization" in str(e).lower():
            refused.set()
        if user_error_cb is not None:
            await user_error_cb(e)

    options = nats_options(settings) | ({"name": name} if name else {}) | extra | {"error_cb": on_error}
    if _one_shot:
        options |= {"max_reconnect_attempts": CLI_ATTEMPTS, "reconnect_time_wait": 1.0, "connect_timeout": 2.0}
    attempt = asyncio.ensure_future(nats.connect(**options))
    watch = asyncio.ensure_future(refused.wait())
    try:
        await asyncio.wait({attempt, watch}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        watch.cancel()
    if not attempt.done():
        attempt.cancel()
        with contextlib.suppress(BaseException):
            await attempt
        raise LoginRefused(refusal(settings))
    nc = attempt.result()
    connected = True
    return nc


def refusal(settings: Settings) -> str:
    who = f"user {settings.nats_user!r}" if settings.nats_user else "no user (EMULATION_NATS_USER is empty)"
    return f"the NATS server at {settings.nats_url} refused the login as {who}"
