"""The AsyncAPI 3 document, generated from the code: the services' command subscribers and the relay's events."""

from __future__ import annotations

from typing import Any

from faststream.specification import AsyncAPI
from pydantic import create_model

from services import catalogue
from shared.events.catalog import EVENT_TYPES
from shared.events.envelope import STREAM, CloudEvent, event_subject
from shared.events.inbound import INBOUND_STREAM, INBOUND_TYPES, InboundEvent, inbound_subject
from shared.infra.commands import command_router
from shared.infra.runtime import command_broker
from shared.infra.settings import Settings


def asyncapi_document() -> dict[str, Any]:
    """The subscribers of every service of the catalogue that answers commands, and every event of the contract."""
    settings = Settings(store="memory")
    apps = {entry: entry.build(settings).app for entry in catalogue.answering()}
    routers = [command_router(app, entry.commands()) for entry, app in apps.items() if app is not None]
    broker = command_broker(settings, *routers)
    for etype in EVENT_TYPES.values():
        envelope = create_model(  # the CloudEvent with this event's contract as `data`
            f"{etype.model.__name__}Event", __base__=CloudEvent, data=(etype.model, ...)
        )
        broker.publisher(
            event_subject("{campaign_id}", etype.name),
            stream=STREAM,
            title=f"{etype.type}",
            description=f"Published by the {etype.source} relay on stream {STREAM} "
            f"(type `{etype.type}`, header Nats-Msg-Id = event id).",
            schema=envelope,
        )
    for kind in INBOUND_TYPES.values():  # the inbound direction: what the evaluation takes from city systems
        fact = create_model(f"{kind.model.__name__}Inbound", __base__=InboundEvent, data=(kind.model, ...))

        async def take(body: Any) -> None: ...

        take.__annotations__["body"] = fact
        take.__name__ = take.__qualname__ = f"take_{kind.name}"  # one name each: the document's order is stable
        broker.subscriber(
            inbound_subject(kind.system, kind.name),
            stream=INBOUND_STREAM,
            title=kind.type,
            description=f"Published by the {kind.system} city system (its account may publish nowhere else) on "
            f"stream {INBOUND_STREAM}, `id` = the source event id; taken by the evaluation service "
            f"(use case `{kind.command.name}`), refused ones dead-lettered on emulation.deadletter.evaluation.",
        )(take)
    spec = AsyncAPI(
        broker,
        title="Emulation and commendation movement",
        version="1.0.0",
        description="Commands: NATS request/reply on emulation.cmd.<command>. Events: CloudEvents 1.0 "
        "on JetStream stream EMULATION, subject emulation.events.<campaign_id>.<event_name>. Inbound: facts "
        "other city systems publish, CloudEvents-shaped, on stream CITY_INBOUND, subject city.<system>.events.<event>.",
        schema_version="3.0.0",
    )
    doc: dict[str, Any] = spec.to_specification().to_jsonable()
    for part in (doc, doc.get("components", {})):  # FastStream's order varies from run to run: sorted, it does not
        for key in ("channels", "operations", "messages", "schemas"):
            if isinstance(part.get(key), dict):
                part[key] = dict(sorted(part[key].items()))
    for app in apps.values():
        if app is not None:
            app.close()
    return doc
