"""A real nats-server with authentication on, configured as `emulation up` configures it (`emulation/security.py`).

Attack tests connect as any identity (`connect("api")`, `connect("portal")`) and start services that run
under their own identities, exactly as in the embedded default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from emulation import natsd, security
from shared.infra.connect import connect
from shared.infra.runtime import ROLES
from shared.infra.settings import Settings
from tests.support.system import System

SYSTEMS = [
    {"name": "hr", "actors": ["system:hr"], "commands": ["launch_campaign"], "events": ["campaign_launched"]},
    {"name": "portal", "actors": ["*"], "commands": ["*"], "events": ["*"]},
]


class Secured:
    def __init__(self, root: Path, systems: list[dict[str, Any]] | None = None) -> None:
        self.port = natsd.free_port()
        self.data = root / "data"
        self.conf, self.config = security.prepare(self.data, self.port, systems or SYSTEMS)
        self.proc = natsd.start(self.port, self.data / "nats", log_file=root / "nats.log", config=self.conf)
        self.system = System(self.data, f"nats://127.0.0.1:{self.port}")

    def password(self, user: str) -> str:
        return str((self.config["users"] | {s["name"]: s["password"] for s in self.config["systems"]})[user])

    def as_user(self, user: str) -> Settings:
        return self.system.settings.replace(nats_user=user, nats_password=self.password(user))

    async def connect(self, user: str, errors: list[Exception] | None = None) -> Any:
        async def on_error(e: Exception) -> None:
            if errors is not None:
                errors.append(e)

        return await connect(self.as_user(user), error_cb=on_error)

    def start(self, service: str, *roles: str) -> str:
        """Start `service` (all roles by default), each role under its own identity, as `emulation up` does."""
        settings = security.service_identity(self.config, self.system.settings, service, roles or ROLES)
        self.system.settings = settings.replace(actor_grants_file=str(self.data / "actor-grants.json"))
        return self.system.start(service, *roles)

    def stop(self) -> None:
        self.system.stop_all()
        self.proc.terminate()
        self.proc.wait(10)
