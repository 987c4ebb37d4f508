"""Runs one service: its command subscribers (FastStream), its outbox relay and its view consumers.

Roles can be split across processes (`emulation run registry --role relay`), which is how tests
kill and restart the relay or a consumer in the middle of a run, and how a service scales out.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from faststream.nats import NatsBroker, NatsRouter
from faststream.security import SASLPlaintext
from nats.aio.msg import Msg

from shared.events import errors
from shared.events.base import CommandType
from shared.events.catalog import COMMAND_TYPES
from shared.events.envelope import COMMANDS_PREFIX, command_subject, stored_subject
from shared.infra.application import ServiceApplication
from shared.infra.commands import command_replies, command_router, rejected
from shared.infra.connect import connect, nats_options
from shared.infra.consumer import Consumer
from shared.infra.keys import signing_key
from shared.infra.leader import building, run_as_leader
from shared.infra.relay import Relay, wake_on_commit
from shared.infra.settings import Settings
from shared.infra.stream import ensure_stream
from shared.infra.views import View

log = logging.getLogger("emulation.runtime")
ROLES = ("commands", "relay", "views")


@dataclass
class Service:
    """What a service factory builds: its application, its command router and its views."""

    name: str
    app: ServiceApplication | None
    views: list[View] = field(default_factory=list)
    tasks: list[Callable[[asyncio.Event], Awaitable[None]]] = field(default_factory=list)
    """Extra background tasks (the notification dispatcher), run under the `views` role until `stop`."""


class Blueprint(Protocol):
    """A service before it is built (`services/catalogue.py: ServiceEntry`): enough to answer its commands
    while it starts, and how to build it."""

    @property
    def name(self) -> str: ...

    @property
    def answers_unknown_commands(self) -> bool: ...

    def commands(self) -> list[CommandType]: ...

    def command_names(self) -> list[str]: ...

    def build(self, settings: Settings) -> Service: ...


def load_grants(settings: Settings) -> dict[str, list[str]]:
    if not settings.actor_grants_file:
        return {}
    grants: dict[str, list[str]] = json.loads(Path(settings.actor_grants_file).read_text())
    return grants


def command_broker(settings: Settings, *routers: NatsRouter) -> NatsBroker:
    credentials = (
        SASLPlaintext(username=settings.nats_user, password=settings.nats_password) if settings.nats_user else None
    )
    broker = NatsBroker(
        nats_options(settings)["servers"],
        middlewares=[command_replies(load_grants(settings))],
        logger=logging.getLogger("emulation.faststream"),
        max_reconnect_attempts=-1,
        security=credentials,
    )
    for router in routers:
        broker.include_router(router)
    return broker


async def answer_unknown(nc: Any) -> Any:
    """Reply `unknown_command` to any command subject no service handles, instead of a timeout."""

    async def on_message(msg: Msg) -> None:
        name = msg.subject[len(COMMANDS_PREFIX) + 1 :]
        if name in COMMAND_TYPES or not msg.reply:
            return

        body = rejected(errors.UNKNOWN_COMMAND, f"no service handles command {name!r}", None)
        await msg.respond(json.dumps(body).encode())

    return await nc.subscribe(f"{COMMANDS_PREFIX}.>", queue="unknown-commands", cb=on_message)


async def answer_starting(nc: Any, service: str, commands: Sequence[str]) -> list[Any]:
    """Reply `service_starting` to the service's commands until it can take them (then drain these).

    Subscribed before the service is built, in the service's own queue group, so each command still reaches
    one member only: a command this instance is given while it starts gets a definite answer (nothing was
    recorded, send it again with the same command_id) instead of no reply, and running instances keep
    taking their share.
    """
    body = json.dumps(
        rejected(
            errors.SERVICE_STARTING,
            f"the {service} service is starting and cannot take commands yet; nothing was recorded: "
            "send the same command again, with the same command_id, in a moment",
        )
    ).encode()

    async def on_message(msg: Msg) -> None:
        if msg.reply:
            await msg.respond(body)

    subscriptions = [await nc.subscribe(command_subject(name), queue=service, cb=on_message) for name in commands]
    await nc.flush()
    return subscriptions


HEARTBEAT_SECONDS = 5.0


async def wait_for_streams(js: Any, settings: Settings, stop: asyncio.Event) -> None:
    """Wait until JetStream answers and the streams exist (a cluster elects its leaders after starting)."""
    while not stop.is_set():
        try:
            await ensure_stream(js, settings.stream_replicas)
            return
        except Exception as e:  # not ready yet, or the administrator has not created the streams
            log.warning("streams not ready, retrying", extra={"error": repr(e)})
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=1.0)


async def heartbeat(nc: Any, path: Path, stop: asyncio.Event) -> None:
    """Touch `path` while connected to NATS; `emulation health <service>` checks its age."""
    path.parent.mkdir(parents=True, exist_ok=True)
    while not stop.is_set():
        if nc.is_connected:
            path.write_text(str(time.time()))
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=HEARTBEAT_SECONDS)


class ServiceFailed(Exception):
    """A role's task ended while the service was meant to run (e.g. a relay refusing its resume point)."""


async def run_service(
    blueprint: Blueprint, settings: Settings, stop: asyncio.Event, roles: tuple[str, ...] = ROLES
) -> None:
    """Build the service and run its `roles` until `stop`; raises `ServiceFailed` if one of them ends on its own.

    With the `commands` role, the process first subscribes to the service's commands and answers
    `service_starting` while the service is built (opening its store can take a while); once its own
    subscribers are in place on the server, that placeholder goes. Each role connects as its own NATS
    identity (`Settings.for_role`): the commands process cannot publish events, only the relay can; only the
    views consume. Roles sharing an identity share a connection.
    """
    consumers: list[Consumer] = []
    connections: dict[str, Any] = {}
    with_streams: set[str] = set()

    async def on_reconnect() -> None:
        for consumer in consumers:
            consumer.reconnected.set()

    async def connection(role: str, streams: bool = True) -> Any:
        """The role's connection; the relay and the views also wait for the streams (commands need none)."""
        identity = settings.for_role(role)
        user = identity.nats_user
        if user not in connections:
            connections[user] = await connect(identity, f"{blueprint.name}-{role}", reconnected_cb=on_reconnect)
        if streams and user not in with_streams:
            await wait_for_streams(connections[user].jetstream(), settings, stop)
            with_streams.add(user)
        return connections[user]

    service: Service | None = None
    starting: list[Any] = []
    broker = None
    tasks: list[asyncio.Task[None]] = []
    beat: asyncio.Task[None] | None = None
    failed: asyncio.Task[None] | None = None
    try:
        if "commands" in roles:
            nc = await connection("commands", streams=False)
            starting = await answer_starting(nc, blueprint.name, blueprint.command_names())
        service = await asyncio.to_thread(build, blueprint, settings)  # the loop keeps answering meanwhile
        if "commands" in roles:
            assert service.app is not None, f"{blueprint.name} answers commands but has no application"
            broker = command_broker(settings, command_router(service.app, blueprint.commands()))
            await broker.start()
            await broker.connection.flush()  # the server has its subscriptions: the placeholder may go,
            for subscription in starting:  # answering what was delivered to it before (unsubscribe would drop it)
                await subscription.drain()
            if blueprint.answers_unknown_commands:  # not sooner: one connection must not get a request twice
                await answer_unknown(nc)  # (the server would refuse the second subscriber's reply)
            subject = stored_subject(blueprint.name)
            wake_on_commit(service.app, lambda: asyncio.ensure_future(nc.publish(subject)))
            log.info("service ready: taking commands", extra={"service": blueprint.name})
        if "relay" in roles and service.app is not None:
            relay_nc = await connection("relay")
            relay = Relay(
                service.app,
                relay_nc.jetstream(),
                key=signing_key(settings, service.name),
                batch=settings.relay_batch,
                poll=settings.poll_interval,
                checkpoint_every=settings.checkpoint_every,
            )

            async def nudge(_: Msg) -> None:
                relay.nudged.set()

            await relay_nc.subscribe(stored_subject(service.name), cb=nudge)  # the commands process committed
            wake_on_commit(service.app, relay.nudged.set)  # commits in this process: a dispatcher's, inbound facts
            name = f"{service.name}-relay"
            tasks.append(asyncio.create_task(run_as_leader(settings, name, relay.run, stop), name=name))
        if "views" in roles:
            js = (await connection("views")).jetstream()
            for view in service.views:
                consumer = Consumer(service.name, view, js, batch=settings.consumer_batch)
                consumers.append(consumer)
                tasks.append(
                    asyncio.create_task(
                        run_as_leader(settings, consumer.durable, consumer.run, stop), name=consumer.durable
                    )
                )
            for task in service.tasks:
                tasks.append(asyncio.create_task(task(stop), name=f"{service.name}-task"))  # type: ignore[arg-type]
        gc.collect()  # what start-up made (modules, models, schemas, the stores) lives as long as the process:
        gc.freeze()  # frozen, later full collections need not walk it (the tail of command latency, figure 2)
        first = next(iter(connections.values()))
        beat = asyncio.create_task(heartbeat(first, settings.data_dir / f"heartbeat-{blueprint.name}", stop))
        log.info("service running", extra={"service": blueprint.name, "roles": list(roles)})
        failed = await until_stopped(stop, tasks)
    finally:
        stop.set()
        if broker is not None:
            await broker.stop()
        await asyncio.gather(*tasks, return_exceptions=True)
        for nc in connections.values():
            try:
                await nc.drain()
            except Exception as e:  # the server stopped first (Ctrl-C reaches the whole process group)
                log.info("NATS connection already gone at stop", extra={"service": blueprint.name, "error": repr(e)})
        if service is not None and service.app is not None:
            service.app.close()
        log.info("service stopped", extra={"service": blueprint.name})
        if beat is not None:
            await asyncio.gather(beat, return_exceptions=True)
    if failed is not None:
        why = "cancelled" if failed.cancelled() else repr(failed.exception()) if failed.exception() else "ended"
        raise ServiceFailed(f"{blueprint.name}: {failed.get_name()} stopped ({why})")


def build(blueprint: Blueprint, settings: Settings) -> Service:
    """Build the service, holding the build lock: processes starting together don't collide creating tables."""
    with building(settings, blueprint.name):
        return blueprint.build(settings)


async def until_stopped(stop: asyncio.Event, tasks: list[asyncio.Task[None]]) -> asyncio.Task[None] | None:
    """Wait for `stop`, or for a task to end first (which it should never do): that task, else None."""
    stopped = asyncio.create_task(stop.wait())
    try:
        done, _ = await asyncio.wait([stopped, *tasks], return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
    ended = [t for t in tasks if t in done]
    if ended and not stop.is_set():
        log.critical("a task of the service ended; stopping", extra={"task": ended[0].get_name()})
        return ended[0]
    return None
