"""`emulation up`: the embedded default — nats-server, every service of the catalogue and the read API as child
processes.

Each child is restarted when it exits unexpectedly (`emulation/children.py`, under `emulation/restarts.py`).
The terminal gets a short status (`emulation/readiness.py`): a line per part once it is ready or has failed,
then the URLs, printed only when every service takes its commands or has failed. The processes' own JSON
logs stay in their files; `--verbose` follows them onto the terminal (`emulation/follow.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from emulation import demo_calendar, demo_year, feeds, natsd, readiness, security
from emulation import loop as eventloop
from emulation.children import Child, Supervisor, slug
from emulation.follow import Follower
from emulation.readiness import Outcome, line
from emulation.restarts import RestartPolicy
from services import catalogue
from services.catalogue import ServiceEntry
from services.read_api.access import create_token
from shared.infra.connect import connect
from shared.infra.logs import JsonFormatter
from shared.infra.runtime import ROLES
from shared.infra.settings import Settings
from shared.infra.stream import ensure_stream

READY_TIMEOUT = 120.0
"""Seconds `up` waits for a service to take its commands (or the read API to listen) before naming it failed."""


def service_processes() -> list[tuple[str, str, list[str]]]:
    """(name of the process, its service, its `emulation` arguments) for every process the catalogue lists."""
    return [
        (process_name(entry, roles), entry.name, ["run", entry.name, *[a for r in roles for a in ("--role", r)]])
        for entry in catalogue.SERVICES
        for roles in entry.processes
    ]


def process_name(entry: ServiceEntry, roles: tuple[str, ...]) -> str:
    return f"{entry.name} ({', '.join(roles)})"


class Embedded:
    """The processes of one data dir: nats-server, every service process, the read API, each supervised.

    `calendar`: the file the processes read their service clock from (`--demo`: the demo's calendar,
    `emulation/demo_calendar.py`); None, the real clock."""

    def __init__(self, settings: Settings, calendar: Path | None = None) -> None:
        self.settings = settings
        self.calendar = calendar
        self.security: dict[str, Any] = {}
        self.logs = settings.data_dir / "logs"
        self.supervisor = Supervisor(settings.data_dir / "processes.json", RestartPolicy.from_settings(settings), say)

    async def start(self, show: Callable[[str], None]) -> None:
        """Start every process; `show` gets a line once nats-server listens (nothing works without it)."""
        s = self.settings
        s.data_dir.mkdir(parents=True, exist_ok=True)
        for port, host, flag in ((s.api_port, s.api_host, "--api-port"), (s.nats_port, "127.0.0.1", "--nats-port")):
            if natsd.port_in_use(port, host):
                raise OSError(f"port {port} is already in use: choose another with {flag}")
        conf, self.security = security.prepare(s.data_dir, s.nats_port)
        argv = [natsd.binary(), "-c", str(conf)]
        nats_server = Child("nats-server", argv, lambda: dict(os.environ), self.log("nats-server"), stop_last=True)
        self.supervisor.start(nats_server)
        if await listening(nats_server, s.nats_port, "127.0.0.1", timeout=10) is not None:
            raise OSError(f"nats-server does not listen on 127.0.0.1:{s.nats_port}; see {nats_server.log}")
        show(line(Outcome("nats-server", True, f"listening on 127.0.0.1:{s.nats_port}")))
        await create_streams(self.identity("admin"), self.security["systems"])
        for key, service, args in service_processes():
            self.supervisor.start(self.child(key, service, args))
        tokens = s.data_dir / "api-tokens.json"
        if not tokens.exists():
            for role in ("council", "auditor"):
                create_token(tokens, role)
        self.supervisor.start(self.child("api", "api", ["api"]))

    async def ready(self, show: Callable[[str], None]) -> list[Outcome]:
        """Wait until every service takes its commands and the read API listens, or has failed; `show` gets a
        line for each as soon as it is known. The outcomes, in the catalogue's order, the read API last."""

        async def shown(outcome: Awaitable[Outcome]) -> Outcome:
            result = await outcome
            show(line(result))
            return result

        admin = await connect(self.identity("admin"))
        try:
            return list(
                await asyncio.gather(
                    *(shown(self.service_ready(admin, entry)) for entry in catalogue.SERVICES), shown(self.api_ready())
                )
            )
        finally:
            await admin.close()

    async def service_ready(self, admin: Any, entry: ServiceEntry) -> Outcome:
        children = [self.supervisor.children[process_name(entry, roles)] for roles in entry.processes]

        def failed() -> str | None:
            gone = next((c for c in children if c.state == "failed"), None)
            return f"{gone.name} keeps crashing (last: {gone.last_exit}); log: {gone.log}" if gone else None

        commands = entry.command_names()
        if not commands:
            return Outcome(entry.name, not failed(), failed() or "started (views)")
        try:
            await readiness.answering(admin, commands, READY_TIMEOUT, failed)
        except readiness.NotAnswering as e:
            log = next(c.log for c, roles in zip(children, entry.processes, strict=True) if "commands" in roles)
            detail = str(e) if failed() else f"still not taking its commands ({e}); log: {log}"
            return Outcome(entry.name, False, detail)
        return Outcome(entry.name, True, f"takes its {len(commands)} commands")

    async def api_ready(self) -> Outcome:
        s, api = self.settings, self.supervisor.children["api"]
        problem = await listening(api, s.api_port, s.api_host, READY_TIMEOUT)
        if problem is not None:
            return Outcome("read API", False, f"{problem}; log: {api.log}")
        return Outcome("read API", True, f"listening on {s.api_host}:{s.api_port}")

    def child(self, key: str, service: str, args: list[str]) -> Child:
        return Child(
            key, [sys.executable, "-m", "emulation", *args], partial(self.child_env, service, args), self.log(key)
        )

    def child_env(self, service: str, args: list[str]) -> dict[str, str]:
        """The environment of a process of `service` (`api`: the read API) run with `args`, at every start: each
        of its roles connects as that role's own identity."""
        clock = {"EMULATION_CLOCK_FILE": str(self.calendar)} if self.calendar is not None else {}
        if service == "api":
            tokens = self.settings.data_dir / "api-tokens.json"
            return os.environ | self.identity("api").replace(api_tokens_file=str(tokens)).to_env() | clock
        grants = {"EMULATION_ACTOR_GRANTS_FILE": str(self.settings.data_dir / "actor-grants.json")}
        roles = [role for flag, role in zip(args, args[1:], strict=False) if flag == "--role"] or list(ROLES)
        identity = security.service_identity(self.security, self.settings, service, roles).to_env()
        return os.environ | identity | grants | clock

    def log(self, key: str) -> Path:
        return self.logs / f"{slug(key)}.log"

    def identity(self, user: str) -> Settings:
        """These settings, connecting as `user` (a service, `admin`, or a city system such as `portal`)."""
        passwords = self.security["users"] | {x["name"]: x["password"] for x in self.security["systems"]}
        return self.settings.replace(nats_user=user, nats_password=passwords[user])


def say(line: str) -> None:
    """A line for the person at the terminal (the JSON records go to logs/supervisor.log)."""
    print(line, file=sys.stderr, flush=True)


def show(line: str) -> None:
    """A line of the start-up status, on standard output."""
    print(line, flush=True)


async def listening(child: Child, port: int, host: str, timeout: float) -> str | None:
    """Wait until `child` accepts connections on `port`; else why not (it failed, or the time ran out)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if child.state == "failed":
            return f"{child.name} keeps crashing (last: {child.last_exit})"
        try:
            _, writer = await asyncio.open_connection(host, port)
            writer.close()
            return None
        except OSError:
            await asyncio.sleep(0.05)
    return f"{child.name} does not listen on {host}:{port} after {timeout:g} s"


async def create_streams(admin: Settings, systems: Sequence[dict[str, Any]] = ()) -> None:
    """Only the administrator may create the streams; services find them ready. Each city system of `systems`
    (`security.json`) granted any event gets its feed (`emulation/feeds.py`)."""
    from services.notification.adapters.channels import ensure_notifications_stream

    nc = await connect(admin)
    try:
        js = nc.jetstream()
        await ensure_stream(js, admin.stream_replicas)
        await ensure_notifications_stream(js)
        for system in systems:
            events = security.granted_events(system)
            await feeds.ensure(nc, security.account(system["name"]), events, admin.stream_replicas)
    finally:
        await nc.close()


FACT_SYSTEMS = ("one-stop", "personnel")
"""The city systems whose facts the demo publishes, each through its own identity."""


async def load_demo(portal: Settings, systems: dict[str, Settings], calendar: Path | None) -> demo_year.Played:
    """Play the demo's year (`emulation/demo_year.py`): its commands as the portal (each retried while its service
    starts), the facts of each of `systems` connected as that system, moving `calendar` as it goes."""
    connections = {}
    portal_nc = await connect(portal)
    try:
        for name, settings in systems.items():
            connections[name] = await connect(settings)
        return await demo_year.play(portal_nc, connections, calendar)
    finally:
        for nc in (portal_nc, *connections.values()):
            await nc.close()


def up(settings: Settings, with_demo: bool, verbose: bool = False) -> None:
    settings = settings.replace(nats_url=f"nats://127.0.0.1:{settings.nats_port}")
    if eventloop.run(run(settings, with_demo, verbose)) != 0:
        raise SystemExit(1)


async def run(settings: Settings, with_demo: bool, verbose: bool = False) -> int:
    """Start everything, keep it running until Ctrl-C, SIGTERM or SIGHUP, then stop everything; the exit code."""
    system = Embedded(settings, demo_calendar.path(settings.data_dir) if with_demo else None)
    configure_log(system.logs / "supervisor.log")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, stop.set)
    following = asyncio.Event()
    follow = None
    if verbose:
        settings.log_path.mkdir(parents=True, exist_ok=True)
        follower = Follower(settings.log_path, say)
        follower.skip_existing()
        follow = asyncio.create_task(follower.run(following))
    starting = asyncio.create_task(start(system, with_demo))
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not starting.done():
            starting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await starting
        else:
            starting.result()
            await stopping
        print("\nStopping…", flush=True)
        return 0
    except OSError as e:
        print(f"Cannot start: {e}", file=sys.stderr)
        return 1
    finally:
        stopping.cancel()
        await system.supervisor.stop()
        if follow is not None:
            following.set()
            await follow


async def start(system: Embedded, with_demo: bool) -> None:
    settings = system.settings
    parts = ", ".join(["nats-server", *catalogue.names()]) + " and the read API"
    show(f"Starting {parts} (data in {settings.data_dir.resolve()}):")
    if system.calendar is not None:  # the services start on the demo's calendar, never on today's date
        demo_calendar.advance(system.calendar, demo_year.steps()[0].at)
    await system.start(show)
    outcomes = await system.ready(show)
    failed = {o.part for o in outcomes if not o.ok}
    if with_demo:
        needed = {step.service for step in demo_year.steps() if step.name}
        if needed & failed:
            show(f"Demo not loaded: {', '.join(sorted(needed & failed))} does not take commands.")
        else:
            systems = {name: system.identity(name) for name in FACT_SYSTEMS}
            played = await load_demo(system.identity("portal"), systems, system.calendar)
            show(demo_loaded(played))
    base = f"http://{settings.api_host}:{settings.api_port}"
    show(f"Workspace: {base}/")
    if with_demo:
        show(f"Council sign-in (keep it private): {base}/signin#token={council_token(system)}")
    show(f"Read API:  {base}  (docs at /docs)")
    show(f"NATS URL:  {settings.nats_url}  (city systems send commands to emulation.cmd.<command>)")
    show(f"NATS identities (owner-only): {(settings.data_dir / 'security.json').resolve()}")
    show(f"Read API tokens (owner-only): {(settings.data_dir / 'api-tokens.json').resolve()}")
    show(f"Processes: {(settings.data_dir / 'processes.json').resolve()}; their logs in {system.logs.resolve()}")
    if failed:
        show(f"Not ready: {', '.join(sorted(failed))} (see above); everything else is running.")
    show("Press Ctrl-C to stop.")


def demo_loaded(played: demo_year.Played) -> str:
    facts = played.facts
    return (
        f"Demo loaded: the year 2022 of plan 5039/KH-STP-VP, from launch to close (after the 2020 and 2021 campaigns, "
        f"beside the 40th-anniversary one), and the 2023 campaign still open "
        f"({played.commands} commands; calendar at {demo_year.steps()[-1].at:%d/%m/%Y}).\n"
        f"Demo facts published: {facts.get('one-stop', 0)} resolved dossiers by the one-stop system, "
        f"{facts.get('personnel', 0)} disciplinary measure by the personnel system."
    )


def council_token(system: Embedded) -> str:
    """A council token of the tokens file `start` created (for the demo's sign-in link: in the URL's fragment,
    which a browser never sends to the server, so it stays out of every log)."""
    path = system.settings.data_dir / "api-tokens.json"
    tokens: dict[str, str] = json.loads(path.read_text())
    return next((token for token, role in tokens.items() if role == "council"), None) or create_token(path, "council")


def configure_log(path: Path) -> None:
    """The supervisor's own records, as JSON lines in `path`; the terminal gets only the lines for people."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("emulation.supervisor")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
