"""One active instance per relay and per view consumer; other instances wait as hot standbys.

Two instances of a service share its store and its durable consumer. Commands are shared by the
NATS queue group (optimistic concurrency keeps them safe), but a relay or a view consumer must
run once, in order: the instance that holds the lock runs it, and when it dies its lock goes with
it (an advisory lock on its PostgreSQL session, or a file lock with SQLite) and a standby takes over.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

from shared.infra.settings import Settings

log = logging.getLogger("emulation.leader")
RETRY_SECONDS = 1.0


@contextlib.asynccontextmanager
async def leadership(settings: Settings, name: str, stop: asyncio.Event) -> AsyncIterator[bool]:
    """Wait until this instance holds `name` (yields True), or until `stop` (yields False)."""
    if settings.store == "postgres":
        holder: Any = await _postgres_lock(settings, name, stop)
    else:
        holder = await _file_lock(settings, name, stop)
    try:
        yield holder is not None
    finally:
        if holder is not None:
            holder.close()


async def _wait(stop: asyncio.Event) -> None:
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=RETRY_SECONDS)


async def _file_lock(settings: Settings, name: str, stop: asyncio.Event) -> Any:
    (settings.data_dir / "locks").mkdir(parents=True, exist_ok=True)
    handle = open(settings.data_dir / "locks" / f"{name}.lock", "a+")  # noqa: SIM115 - held while leading
    while not stop.is_set():
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return handle
        except BlockingIOError:
            await _wait(stop)
    handle.close()
    return None


async def _postgres_lock(settings: Settings, name: str, stop: asyncio.Event) -> Any:
    import psycopg

    key = zlib.crc32(f"{settings.postgres_schema_prefix}{name}".encode())
    conn: Any = await asyncio.to_thread(lambda: psycopg.connect(settings.postgres_dsn, autocommit=True))
    while not stop.is_set():
        row = await asyncio.to_thread(lambda: conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone())
        if row and row[0]:
            return conn
        await _wait(stop)
    conn.close()
    return None


async def run_as_leader(
    settings: Settings, name: str, run: Callable[[asyncio.Event], Awaitable[None]], stop: asyncio.Event
) -> None:
    async with leadership(settings, name, stop) as leading:
        if leading:
            log.info("leading", extra={"lock": name})
            await run(stop)


@contextlib.contextmanager
def building(settings: Settings, name: str) -> Iterator[None]:
    """Hold a lock while a service creates its tables, so processes starting together don't collide."""
    if settings.store == "memory":
        yield
        return
    if settings.store != "postgres":
        (settings.data_dir / "locks").mkdir(parents=True, exist_ok=True)
        with open(settings.data_dir / "locks" / "build.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        return
    import psycopg

    key = zlib.crc32(f"{settings.postgres_schema_prefix}build".encode())  # one for all: they share schemas
    with psycopg.connect(settings.postgres_dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (key,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
