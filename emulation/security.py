"""NATS identities and permissions for the embedded default (generated on first start).

Every role of every service and every city system connects with its own user, and every identity is
treated as a possible insider (`permissions`): a service's commands process cannot publish events, its
relay alone publishes them, its views alone consume into its views, nobody reads another client's
inbox, and only `admin` may create, update, delete or purge a stream. City systems live in accounts of
their own and see only what is exported to them: the commands and events granted in `security.json`.
Their commands arrive through a service import with `share: true`, so the server stamps each
request with the sender's account (`Nats-Request-Info`); services check the command's `actor`
against the actors granted to that account (`actor-grants.json`). Each city account also has JetStream for its
feed alone: a stream of the events granted to it, sourced from the department's stream (`emulation/feeds.py`).
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from emulation import feeds
from services import catalogue
from shared.events.catalog import COMMAND_TYPES, EVENT_TYPES
from shared.events.envelope import stored_subject
from shared.events.inbound import INBOUND_PREFIX, INBOUND_STREAM, INBOUND_TYPES, inbound_subject
from shared.infra.settings import Settings

SERVICES = tuple(s.name for s in catalogue.recording())
"""Services that record events: each runs as three identities, one per role (see `identities`)."""
VIEWS_ONLY = tuple(s.name for s in catalogue.SERVICES if not s.records_events)
"""Services of views only (the audit projection): one identity each, named as the service."""
READERS = (*VIEWS_ONLY, "api")
"""Identities that only read: the audit projection (and `audit verify`, `replay`), and the read API."""
DEFAULT_SYSTEMS = [
    {"name": "portal", "actors": ["*"], "commands": ["*"], "events": ["*"]},
    {"name": "one-stop", "publishes": ["dossier_resolved"]},
    {"name": "personnel", "publishes": ["disciplinary_measure_recorded", "disciplinary_measure_annulled"]},
]
"""The department's own portal (and the demo loader) may send every command and read every event; the one-stop
(một cửa) and personnel systems publish their facts (`publishes`: inbound events, `shared/events/inbound.py`) on
their own subject space, and nothing else."""
STREAM_ADMIN = ["$JS.API.STREAM.CREATE.>", "$JS.API.STREAM.UPDATE.>", "$JS.API.STREAM.DELETE.>",
                "$JS.API.STREAM.PURGE.>", "$JS.API.STREAM.MSG.DELETE.>"]  # fmt: skip
STREAMS = ("EMULATION", "EMULATION_DEADLETTER", INBOUND_STREAM)


def identities() -> list[str]:
    """Every NATS user of the EMULATION account: `<service>` answers the service's commands, `<service>-relay`
    publishes its events and checkpoints, `<service>-views` consumes the stream into its views."""
    return ["admin", *[u for s in SERVICES for u in (s, f"{s}-relay", f"{s}-views")], *READERS]


def role_user(service: str, role: str) -> str:
    """The identity a service's role runs as (the audit projection runs as `audit`)."""
    return service if role == "commands" or service not in SERVICES else f"{service}-{role}"


def durables(service: str) -> list[str]:
    """The durable consumers of a service's views (`<service>-<view>`), from the service's own list of views."""
    return catalogue.service(service).durables()


def relay_consumers(service: str) -> list[str]:
    """The named consumers a service's relay reads the stream back with: its last event, its checkpoints."""
    from shared.infra.checkpoints import checkpoint_consumer
    from shared.infra.relay import resume_consumer

    return [resume_consumer(service), checkpoint_consumer(service)]


def system_consumers(feed_consumers: Sequence[str] = ()) -> list[str]:
    """Consumers only their owner may create, read, acknowledge or delete (`feed_consumers`: the city systems'
    feeds, which only `admin` manages; the services' inbound consumers on `CITY_INBOUND` too)."""
    views = [c for s in catalogue.SERVICES for c in (*s.durables(), *s.inbound_durables())]
    return views + [c for s in SERVICES for c in relay_consumers(s)] + list(feed_consumers)


def own_consumer(name: str, stream: str = "EMULATION") -> list[str]:
    """The JetStream API subjects a client needs to run the named consumer `name` (and nothing else)."""
    api = "$JS.API.CONSUMER"
    return [f"{api}.CREATE.{stream}.{name}", f"{api}.CREATE.{stream}.{name}.>", f"{api}.DURABLE.CREATE.{stream}.{name}",
            f"{api}.INFO.{stream}.{name}", f"{api}.DELETE.{stream}.{name}", f"{api}.MSG.NEXT.{stream}.{name}",
            f"$JS.ACK.{stream}.{name}.>"]  # fmt: skip


def permissions(user: str, feed_consumers: Sequence[str] = ()) -> dict[str, Any]:
    """Least privilege for one identity of the EMULATION account.

    - Inboxes are private: a client subscribes only to `_INBOX.<user>.>` (it connects with that inbox prefix,
      `shared/infra/connect.py`) and publishes to no inbox at all; replies to requests it received go through
      `allow_responses` (commands only), and JetStream's own deliveries are the server's.
    - A service's events, its chain checkpoints: only its relay. Its dead letters: only its views' consumers.
    - Consumers: each identity creates, reads, acknowledges and deletes only its own named consumers; readers
      (`audit`, `api`) may make short-lived named consumers of their own to read a stream, but none of the
      system's (a consumer's configuration could otherwise be changed under its owner).
    - Nobody but `admin` creates, updates, deletes or purges a stream, or touches a city system's feed consumer.
    """
    info = ["$JS.API.INFO", *[f"$JS.API.STREAM.INFO.{stream}" for stream in STREAMS]]
    publish: list[str] = list(info)
    subscribe: list[str] = [f"_INBOX.{user}.>"]
    deny_publish = [*STREAM_ADMIN, "_INBOX.>"]
    deny_subscribe: list[str] = []
    service, _, role = user.partition("-")
    if user in SERVICES:  # commands
        subscribe += [f"emulation.cmd.{name}" for name in catalogue.service(user).command_names()]
        publish.append(stored_subject(user))
        if catalogue.service(user).answers_unknown_commands:  # every command nobody handles, never another's
            subscribe.append("emulation.cmd.>")
            deny_subscribe += [f"emulation.cmd.{c.name}" for c in COMMAND_TYPES.values() if c.service != user]
    elif role == "relay":
        subscribe.append(stored_subject(service))
        own_events = sorted({t.name for t in catalogue.service(service).events()})
        publish += [f"emulation.events.*.{name}" for name in own_events] + ["emulation.events._.chain_checkpoint"]
        publish += [subject for name in relay_consumers(service) for subject in own_consumer(name)]
    elif role == "views" or user in VIEWS_ONLY:
        name = user if user in VIEWS_ONLY else service
        publish.append(f"emulation.deadletter.{name}")
        for durable in durables(name):
            publish += own_consumer(durable)
        for durable in catalogue.service(name).inbound_durables():  # the facts of other city systems
            publish += own_consumer(durable, INBOUND_STREAM)
        if service == "notification":  # the dispatcher publishes notices on their own stream
            publish += ["emulation.notifications.>", "$JS.API.STREAM.INFO.NOTIFICATIONS"]
    if user in READERS:  # short-lived consumers of their own, to read a stream from the start
        for stream in STREAMS:
            publish += [f"$JS.API.CONSUMER.CREATE.{stream}.*", f"$JS.API.CONSUMER.CREATE.{stream}.*.>",
                        f"$JS.API.CONSUMER.MSG.NEXT.{stream}.*", f"$JS.API.CONSUMER.DELETE.{stream}.*"]  # fmt: skip
        mine = durables(user) if user in VIEWS_ONLY else []
        deny_publish += [
            s
            for c in system_consumers(feed_consumers)
            if c not in mine
            for stream in STREAMS
            for s in own_consumer(c, stream)
        ]
    return {
        "publish": {"allow": publish, "deny": deny_publish},
        "subscribe": {"allow": subscribe, "deny": deny_subscribe} if deny_subscribe else {"allow": subscribe},
        "allow_responses": user in SERVICES,
    }


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, 0o600)


def load_or_create(data_dir: Path, systems: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """`security.json` in the data dir: created with random passwords on first start, then kept."""
    path = data_dir / "security.json"
    config: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    users = config.setdefault("users", {})
    missing = [name for name in identities() if name not in users]
    known = {s["name"] for s in config.get("systems", [])}
    new_systems = [s for s in (systems or DEFAULT_SYSTEMS) if s["name"] not in known and (not known or not systems)]
    if not missing and "systems" in config and not new_systems:
        return config
    users |= {name: secrets.token_urlsafe(24) for name in missing}  # a data dir from an earlier version gains them
    # and the default systems it lacks (given systems are used only for a new data dir)
    config["systems"] = config.get("systems", []) + [{**s, "password": secrets.token_urlsafe(24)} for s in new_systems]
    write_private(path, json.dumps(config, indent=2))
    return config


def account(system: str) -> str:
    return "CITY_" + system.upper().replace("-", "_")


def granted(patterns: list[str], names: list[str]) -> list[str]:
    from fnmatch import fnmatch

    return [n for n in names if any(fnmatch(n, p) for p in patterns)]


def publishes(system: dict[str, Any]) -> list[str]:
    """The inbound subjects a city system may publish its facts on: `city.<system>.events.<event>`, for each
    inbound event it is granted that the contract has it publish."""
    names = sorted({t.name for t in INBOUND_TYPES.values() if t.system == system["name"]})
    return [inbound_subject(system["name"], e) for e in granted(system.get("publishes", []), names)]


def other_spaces(system: dict[str, Any], systems: list[dict[str, Any]]) -> list[str]:
    """The subject spaces of the other city systems: a system publishing there is refused by the server (a
    permissions violation); its own facts reach the EMULATION account only through its own service import."""
    return [f"{INBOUND_PREFIX}.{s['name']}.events.>" for s in systems if s["name"] != system["name"]]


def granted_events(system: dict[str, Any]) -> list[str]:
    """The event types a city system may read (its `events` patterns over every event type)."""
    return granted(system.get("events", []), sorted({t.name for t in EVENT_TYPES.values()}))


def server_config(config: dict[str, Any], port: int, store_dir: Path) -> str:
    """The nats-server configuration: loopback only, JetStream in account EMULATION and, for its feed alone, in
    each city account granted any event.

    A city system's facts go into `CITY_INBOUND` through a service import of exactly its own inbound subjects
    (so JetStream's acknowledgement comes back to it): another account has no such import, and its users are
    refused other systems' subjects outright."""
    commands, events = sorted(COMMAND_TYPES), sorted({t.name for t in EVENT_TYPES.values()})
    fed = [account(s["name"]) for s in config["systems"] if granted_events(s)]
    feed_consumers = [feeds.consumer_name(a) for a in fed]
    users = [{"user": "admin", "password": config["users"]["admin"]}]
    users += [
        {"user": u, "password": config["users"][u], "permissions": permissions(u, feed_consumers)}
        for u in identities()[1:]
    ]
    exports: list[dict[str, Any]] = []
    imports: list[dict[str, Any]] = []
    accounts: dict[str, Any] = {}
    for system in config["systems"]:
        name = account(system["name"])
        accounts[name] = city_account(
            system, granted(system.get("commands", []), commands), other_spaces(system, config["systems"])
        )
        exports += [{"service": s, "accounts": [name]} for s in publishes(system)]
        if name in fed:
            feed_exports, feed_imports = feeds.department_side(name)
            exports += feed_exports
            imports += feed_imports
    for c in commands:
        allowed = [account(s["name"]) for s in config["systems"] if c in granted(s.get("commands", []), commands)]
        if allowed:
            exports.append({"service": f"emulation.cmd.{c}", "accounts": allowed})
    for e in events:
        allowed = [account(s["name"]) for s in config["systems"] if e in granted_events(s)]
        if allowed:
            exports.append({"stream": f"emulation.events.*.{e}", "accounts": allowed})
    accounts["EMULATION"] = {"jetstream": "enabled", "users": users, "exports": exports, "imports": imports}
    body = {
        "listen": f"127.0.0.1:{port}",
        "jetstream": {"store_dir": str(store_dir)},
        "accounts": accounts,
    }
    return json.dumps(body, indent=2)  # nats-server reads JSON as its configuration format


def city_account(system: dict[str, Any], commands: list[str], others: Sequence[str] = ()) -> dict[str, Any]:
    """A city system's account: its login (which administers no stream and publishes on none of the `others`'
    subject spaces), the granted `commands` and events (core NATS, as they happen), the service imports of the
    facts it publishes (`publishes`) and, when it is granted any event, JetStream for its feed
    (`emulation/feeds.py`)."""
    name, events = account(system["name"]), granted_events(system)
    denied = [*STREAM_ADMIN, *feeds.city_denied(name), *others]
    user = {
        "user": system["name"],
        "password": system["password"],
        "permissions": {
            "publish": {"allow": [">"], "deny": denied},
            "subscribe": {"allow": [">"], "deny": feeds.city_unreadable(name)},
        },
    }
    imports: list[dict[str, Any]] = [
        {"service": {"account": "EMULATION", "subject": f"emulation.cmd.{c}"}, "share": True} for c in commands
    ]
    imports += [{"stream": {"account": "EMULATION", "subject": f"emulation.events.*.{e}"}} for e in events]
    imports += [{"service": {"account": "EMULATION", "subject": s}} for s in publishes(system)]
    if not events:
        return {"users": [user], "imports": imports}
    feed_exports, feed_imports = feeds.city_side(name)
    return {"users": [user], "imports": imports + feed_imports, "exports": feed_exports, "jetstream": feeds.LIMITS}


def service_identity(config: dict[str, Any], settings: Settings, service: str, roles: Sequence[str]) -> Settings:
    """`settings` for a process running `roles` of `service`: each role's identity and password from `config`."""
    users = config["users"]
    main = role_user(service, "commands" if "commands" in roles else roles[-1])
    relay = role_user(service, "relay") if "relay" in roles and service in SERVICES else ""
    views = role_user(service, "views") if "views" in roles and service in SERVICES else ""
    return settings.replace(
        nats_user=main,
        nats_password=users[main],
        nats_relay_user=relay,
        nats_relay_password=users.get(relay, ""),
        nats_views_user=views,
        nats_views_password=users.get(views, ""),
    )


def actor_grants(config: dict[str, Any]) -> dict[str, list[str]]:
    """Account → actor patterns it may act as (not secret; services read it)."""
    return {account(s["name"]): list(s.get("actors", [])) for s in config["systems"]}


def prepare(data_dir: Path, port: int, systems: list[dict[str, Any]] | None = None) -> tuple[Path, dict[str, Any]]:
    """Write the server configuration and actor grants for this data dir; returns the config path."""
    config = load_or_create(data_dir, systems)
    conf = data_dir / "nats" / "server.conf"
    write_private(conf, server_config(config, port, data_dir / "nats"))
    write_private(data_dir / "actor-grants.json", json.dumps(actor_grants(config), indent=2))
    return conf, config
