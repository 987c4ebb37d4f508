"""The `emulation` command line."""

from __future__ import annotations

import asyncio
import json
import signal
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from shared.infra import logs
from shared.infra.settings import Settings

cli = typer.Typer(
    help="Emulation and commendation movement: event-sourced services over NATS JetStream.", no_args_is_help=True
)

DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="Data directory [env EMULATION_DATA_DIR, default ./data].")
]
NatsPort = Annotated[
    int | None, typer.Option("--nats-port", help="Embedded NATS port [env EMULATION_NATS_PORT, default 14222].")
]
ApiPort = Annotated[
    int | None, typer.Option("--api-port", help="Read API port [env EMULATION_API_PORT, default 8000].")
]


def settings_with(data_dir: Path | None = None, nats_port: int | None = None, api_port: int | None = None) -> Settings:
    s = Settings.from_env()
    if data_dir is not None:
        s = replace(s, data_dir=data_dir)
    if nats_port is not None:
        s = replace(s, nats_port=nats_port, nats_url=f"nats://127.0.0.1:{nats_port}")
    if api_port is not None:
        s = replace(s, api_port=api_port)
    return s


@cli.command()
def up(
    demo: Annotated[bool, typer.Option("--demo", help="Load the 2022 campaign of plan 5039/KH-STP-VP.")] = False,
    data_dir: DataDir = None,
    nats_port: NatsPort = None,
    api_port: ApiPort = None,
) -> None:
    """Start nats-server, the three services and the read API on this machine. Ctrl-C stops everything."""
    from emulation.supervisor import up as run_up

    run_up(settings_with(data_dir, nats_port, api_port), demo)


def _build(service: str, settings: Settings):  # type: ignore[no-untyped-def]
    if service == "registry":
        from services.registry.factory import build
    elif service == "evaluation":
        from services.evaluation.factory import build
    elif service == "notification":
        from services.notification.factory import build
    else:
        raise typer.BadParameter(f"unknown service {service!r}")
    return build(settings)


@cli.command()
def run(
    service: Annotated[str, typer.Argument(help="registry, evaluation or notification")],
    role: Annotated[list[str] | None, typer.Option("--role", help="commands, relay, views (default: all)")] = None,
) -> None:
    """Run one service (configured by EMULATION_* variables) until SIGTERM or Ctrl-C."""
    from shared.infra.runtime import ROLES, run_service

    settings = Settings.from_env()
    logs.configure(settings.log_level, service)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await run_service(_build(service, settings), settings, stop, tuple(role or ROLES))

    asyncio.run(main())


@cli.command()
def api() -> None:
    """Serve the read API (EMULATION_API_HOST, EMULATION_API_PORT)."""
    import uvicorn

    from services.read_api.app import create_app

    settings = Settings.from_env()
    logs.configure(settings.log_level, "read-api")
    uvicorn.run(create_app(settings), host=settings.api_host, port=settings.api_port, log_config=None, access_log=False)


@cli.command()
def demo() -> None:
    """Load the demo campaign into a running system (EMULATION_NATS_URL)."""
    from emulation.supervisor import load_demo

    count = asyncio.run(load_demo(Settings.from_env()))
    typer.echo(f"{count} demo commands accepted")


@cli.command()
def asyncapi(
    out: Annotated[Path, typer.Option(help="Where to write the AsyncAPI 3 document.")] = Path("docs/asyncapi.json"),
) -> None:
    """Generate the AsyncAPI 3 document of every command and event from the code."""
    from emulation.specs import asyncapi_document

    out.write_text(json.dumps(asyncapi_document(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    typer.echo(f"wrote {out}")


@cli.command()
def schemas(out: Annotated[Path, typer.Option(help="Folder for the JSON Schemas.")] = Path("docs/schemas")) -> None:
    """Export the JSON Schemas of the envelope, every event, command and reply."""
    from shared.events.schemas import json_schemas

    for name, schema in json_schemas().items():
        path = out / f"{name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    typer.echo(f"wrote {len(json_schemas())} schemas under {out}")


@cli.command()
def health(service: Annotated[str, typer.Argument(help="registry, evaluation or notification")]) -> None:
    """Exit 0 if SERVICE's process on this machine is alive and connected to NATS (container health checks)."""
    import time

    from shared.infra.runtime import HEARTBEAT_SECONDS

    path = Settings.from_env().data_dir / f"heartbeat-{service}"
    try:
        age = time.time() - float(path.read_text())
    except (OSError, ValueError):
        typer.echo(f"{service}: no heartbeat at {path}", err=True)
        raise typer.Exit(1) from None
    if age > 6 * HEARTBEAT_SECONDS:
        typer.echo(f"{service}: last heartbeat {age:.0f}s ago", err=True)
        raise typer.Exit(1)
    typer.echo(f"{service}: healthy")
