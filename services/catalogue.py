"""The catalogue of services: the one list of what the system runs.

The command line (`emulation run`, `health`), `emulation up` (which processes to start, with which roles),
the NATS identities and permissions (`emulation/security.py`), the AsyncAPI document, the audit tools
(replay, verify) and the read API all read it. Adding a service is one entry here, beside its package
(`services/<name>/factory.py`) and its contract module (`shared/events/<name>.py`).

Reading the catalogue imports no service: an entry names its factory module, imported only when the
service is built, so each process imports only what it runs. A service's commands and events come from
the public contract (`shared/events/catalog.py`, by the service each names), its views from its factory's
`VIEWS`, so each is written once.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from shared.events.base import CommandType, EventType
    from shared.infra.application import ServiceApplication
    from shared.infra.runtime import Service
    from shared.infra.settings import Settings
    from shared.infra.views import View

Role = Literal["commands", "relay", "views"]

SPLIT: tuple[tuple[Role, ...], ...] = (("commands",), ("relay", "views"))
"""A service that records events runs as two processes under `emulation up`: commands alone, so their event
loop and writer share no interpreter lock with the relay and the view consumers (on 2 cores, 10–60 % more
commands per second end to end, measured with the command benchmark)."""


@dataclass(frozen=True)
class ServiceEntry:
    """One service: its name, where it is built, how it runs."""

    name: str
    factory: str
    """The module with `build(settings) -> Service`, `build_views(settings) -> list[View]` and `VIEWS`."""
    processes: tuple[tuple[Role, ...], ...] = SPLIT
    """The processes `emulation up` starts for it, each with its roles."""
    answers_unknown_commands: bool = False
    """Exactly one service answers `unknown_command` to commands no service handles."""
    records_events: bool = True
    """Keeps an event store, relayed by its own relay; False for a projection of others' events (audit)."""
    takes_inbound: bool = False
    """Records the facts other city systems publish (`shared/events/inbound.py`), with its views' identity."""

    @property
    def roles(self) -> tuple[Role, ...]:
        return tuple(role for process in self.processes for role in process)

    def commands(self) -> list[CommandType]:
        """The commands it answers, from the public contract."""
        from shared.events.catalog import COMMAND_TYPES

        return [c for c in COMMAND_TYPES.values() if c.service == self.name]

    def command_names(self) -> list[str]:
        return [c.name for c in self.commands()]

    def events(self) -> list[EventType]:
        """The event types (every version) its relay publishes, from the public contract."""
        from shared.events.catalog import EVENT_TYPES

        return [e for e in EVENT_TYPES.values() if e.source == self.name]

    def module(self) -> ModuleType:
        return import_module(self.factory)

    def view_types(self) -> tuple[type[View], ...]:
        """Its views, in the order they are built and consumed."""
        views: tuple[type[View], ...] = self.module().VIEWS
        return views

    def durables(self) -> list[str]:
        """The durable consumer of each of its views (`<service>-<view>`)."""
        from shared.infra.consumer import durable_name

        return [durable_name(self.name, view.name) for view in self.view_types()]

    def inbound_durables(self) -> list[str]:
        """The durable consumer of the inbound facts, if it takes them (`<service>-inbound`)."""
        from shared.infra.inbound import inbound_durable

        return [inbound_durable(self.name)] if self.takes_inbound else []

    def build(self, settings: Settings) -> Service:
        """The service itself (application, command router, views, tasks) over the stores `settings` name."""
        service: Service = self.module().build(settings)
        return service

    def build_views(self, settings: Settings) -> list[View]:
        """Only its views (what readers open: the read API, replay)."""
        views: list[View] = self.module().build_views(settings)
        return views


SERVICES: tuple[ServiceEntry, ...] = (
    ServiceEntry("registry", "services.registry.factory", answers_unknown_commands=True),
    ServiceEntry("evaluation", "services.evaluation.factory", takes_inbound=True),
    ServiceEntry("notification", "services.notification.factory"),
    ServiceEntry("audit", "services.audit.factory", processes=(("views",),), records_events=False),
)
"""In the order the system starts them and the order their views are listed (registry facts first)."""


def names() -> list[str]:
    return [s.name for s in SERVICES]


def service(name: str) -> ServiceEntry:
    """The entry named `name`; `KeyError` naming the known services otherwise."""
    for entry in SERVICES:
        if entry.name == name:
            return entry
    raise KeyError(f"unknown service {name!r}; the services are {', '.join(names())}")


def recording() -> list[ServiceEntry]:
    """The services that keep an event store (each with a relay and its own chain)."""
    return [s for s in SERVICES if s.records_events]


def answering() -> list[ServiceEntry]:
    """The services that answer commands."""
    return [s for s in SERVICES if "commands" in s.roles]


def all_views(settings: Settings) -> list[View]:
    """Every view of every service, opened over the stores `settings` name (read API, replay, checksums)."""
    return [view for entry in SERVICES for view in entry.build_views(settings)]


def applications(settings: Settings) -> list[ServiceApplication]:
    """The application of every service that keeps an event store, over that store (verification reads them)."""
    return [app for entry in recording() if (app := entry.build(settings).app) is not None]
