"""NATS identities and permissions for the embedded default (generated on first start).

Every service and every city system connects with its own user. Services live in account
EMULATION with subject permissions: each may publish only its own events, none may create,
update, delete or purge a stream (only `admin` can). City systems live in accounts of their own
and see only what is exported to them: the commands and events granted in `security.json`.
Their commands arrive through a service import with `share: true`, so the server stamps each
request with the sender's account (`Nats-Request-Info`); services check the command's `actor`
against the actors granted to that account (`actor-grants.json`).
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from shared.events.catalog import COMMAND_TYPES, EVENT_TYPES

SERVICES = ("registry", "evaluation", "notification", "audit", "api")
DEFAULT_SYSTEMS = [{"name": "portal", "actors": ["*"], "commands": ["*"], "events": ["*"]}]
"""The department's own portal (and the demo loader) may send every command and read every event."""
STREAM_ADMIN = ["$JS.API.STREAM.CREATE.>", "$JS.API.STREAM.UPDATE.>", "$JS.API.STREAM.DELETE.>",
                "$JS.API.STREAM.PURGE.>", "$JS.API.STREAM.MSG.DELETE.>"]  # fmt: skip
JS_READ = ["$JS.API.INFO", "$JS.API.STREAM.INFO.*", "$JS.API.STREAM.MSG.GET.*", "$JS.API.DIRECT.GET.>",
           "$JS.API.CONSUMER.>", "$JS.ACK.>", "$JS.FC.>"]  # fmt: skip


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
    if path.exists():
        config: dict[str, Any] = json.loads(path.read_text())
        return config
    config = {
        "users": {name: secrets.token_urlsafe(24) for name in ("admin", *SERVICES)},
        "systems": [{**s, "password": secrets.token_urlsafe(24)} for s in (systems or DEFAULT_SYSTEMS)],
    }
    write_private(path, json.dumps(config, indent=2))
    return config


def account(system: str) -> str:
    return "CITY_" + system.upper().replace("-", "_")


def granted(patterns: list[str], names: list[str]) -> list[str]:
    from fnmatch import fnmatch

    return [n for n in names if any(fnmatch(n, p) for p in patterns)]


def service_permissions(service: str) -> dict[str, Any]:
    own_events = [t.name for t in EVENT_TYPES.values() if t.source == service]
    own_commands = [c.name for c in COMMAND_TYPES.values() if c.service == service]
    publish = [f"emulation.events.*.{name}" for name in own_events] + ["emulation.events._.chain_checkpoint"]
    subscribe = [f"emulation.cmd.{name}" for name in own_commands]
    if service == "registry":
        subscribe.append("emulation.cmd.>")  # it answers unknown commands
    if service == "notification":
        publish.append("emulation.notifications.>")
    return {
        "publish": {"allow": [*publish, f"emulation.deadletter.{service}", "_INBOX.>", *JS_READ], "deny": STREAM_ADMIN},
        "subscribe": {"allow": [*subscribe, "_INBOX.>"]},
        "allow_responses": True,
    }


def server_config(config: dict[str, Any], port: int, store_dir: Path) -> str:
    """The nats-server configuration: loopback only, JetStream in account EMULATION."""
    commands, events = sorted(COMMAND_TYPES), sorted({t.name for t in EVENT_TYPES.values()})
    users = [{"user": "admin", "password": config["users"]["admin"]}]
    users += [{"user": s, "password": config["users"][s], "permissions": service_permissions(s)} for s in SERVICES]
    exports: list[dict[str, Any]] = []
    accounts: dict[str, Any] = {}
    for system in config["systems"]:
        name = account(system["name"])
        mine_cmds = granted(system.get("commands", []), commands)
        mine_events = granted(system.get("events", []), events)
        accounts[name] = {
            "users": [{"user": system["name"], "password": system["password"]}],
            "imports": [
                {"service": {"account": "EMULATION", "subject": f"emulation.cmd.{c}"}, "share": True} for c in mine_cmds
            ]
            + [{"stream": {"account": "EMULATION", "subject": f"emulation.events.*.{e}"}} for e in mine_events],
        }
    for c in commands:
        allowed = [account(s["name"]) for s in config["systems"] if c in granted(s.get("commands", []), commands)]
        if allowed:
            exports.append({"service": f"emulation.cmd.{c}", "accounts": allowed})
    for e in events:
        allowed = [account(s["name"]) for s in config["systems"] if e in granted(s.get("events", []), events)]
        if allowed:
            exports.append({"stream": f"emulation.events.*.{e}", "accounts": allowed})
    accounts["EMULATION"] = {"jetstream": "enabled", "users": users, "exports": exports}
    body = {
        "listen": f"127.0.0.1:{port}",
        "jetstream": {"store_dir": str(store_dir)},
        "accounts": accounts,
    }
    return json.dumps(body, indent=2)  # nats-server reads JSON as its configuration format


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
