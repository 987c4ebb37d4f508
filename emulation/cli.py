"""The `emulation` command line."""

from __future__ import annotations

import asyncio
import json
import signal
from dataclasses import replace
from datetime import UTC
from pathlib import Path
from typing import Annotated

import typer

from emulation import loop as eventloop
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
    elif service == "audit":
        from services.audit.factory import build
    else:
        raise typer.BadParameter(f"unknown service {service!r}")
    return build(settings)


@cli.command()
def run(
    service: Annotated[str, typer.Argument(help="registry, evaluation, notification or audit")],
    role: Annotated[list[str] | None, typer.Option("--role", help="commands, relay, views (default: all)")] = None,
) -> None:
    """Run one service (configured by EMULATION_* variables) until SIGTERM or Ctrl-C."""
    from shared.infra.leader import building
    from shared.infra.runtime import ROLES, run_service

    settings = Settings.from_env()
    logs.configure(settings.log_level, service)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        with building(settings, service):
            built = _build(service, settings)
        await run_service(built, settings, stop, tuple(role or ROLES))

    eventloop.run(main())


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

    count = eventloop.run(load_demo(Settings.from_env()))
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
def health(service: Annotated[str, typer.Argument(help="registry, evaluation, notification or audit")]) -> None:
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


audit_cli = typer.Typer(help="The audit trail: verify history, export it.", no_args_is_help=True)
cli.add_typer(audit_cli, name="audit")


@audit_cli.command("verify")
def audit_verify(
    checkpoints: Annotated[
        Path | None,
        typer.Option(help="Checkpoints you kept: NDJSON, one chain_checkpoint envelope per line, as received."),
    ] = None,
    limit: Annotated[int, typer.Option(help="Divergences listed (all are counted in the summary).")] = 1000,
) -> None:
    """Re-read the stream and every service's store (and the checkpoints you kept); exit 1 on any divergence."""
    from services.audit.verify import read_kept, verify_history

    try:
        kept = read_kept(checkpoints) if checkpoints else []
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--checkpoints") from None
    report = eventloop.run(verify_history(Settings.from_env(), kept, limit))
    typer.echo(json.dumps(report, indent=2, ensure_ascii=False))
    if report["status"] != "intact":
        raise typer.Exit(1)


@audit_cli.command("export")
def audit_export(
    campaign: Annotated[str | None, typer.Option(help="Only this campaign.")] = None,
    format: Annotated[str, typer.Option("--format", help="ndjson or csv")] = "ndjson",
    out: Annotated[Path | None, typer.Option(help="File to write (default: standard output).")] = None,
) -> None:
    """Export the audit trail, streamed page by page from the audit projection."""
    import sys

    from services.audit.factory import build_views
    from services.read_api.routes.audit import filters, render

    if format not in ("ndjson", "csv"):
        raise typer.BadParameter("format must be ndjson or csv")
    [view] = build_views(Settings.from_env())
    target = out.open("w", encoding="utf-8", newline="") if out else sys.stdout
    for chunk in render(view.stream(filters(campaign=campaign)), format):  # type: ignore[attr-defined]
        target.write(chunk)
    if out:
        target.close()


@cli.command()
def replay(
    target: Annotated[Path, typer.Option(help="Fresh directory for the rebuilt projections.")] = Path("data/replay"),
    until: Annotated[str | None, typer.Option(help="Stop at a stream sequence (digits) or an ISO 8601 time.")] = None,
) -> None:
    """Rebuild every projection from the stream into a fresh store and print each projection's checksum."""
    import shutil
    from datetime import datetime

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from services.audit.replay import replay as run_replay

    until_seq = int(until) if until and until.isdigit() else None
    until_time = datetime.fromisoformat(until) if until and until_seq is None else None
    if until_time is not None and until_time.tzinfo is None:
        until_time = until_time.replace(tzinfo=UTC)
    if target.exists():
        shutil.rmtree(target)
    with Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()
    ) as bar:
        task = bar.add_task("replaying", total=None)
        checksums = eventloop.run(
            run_replay(
                Settings.from_env(),
                target,
                until_seq,
                until_time,
                lambda done, total: bar.update(task, completed=done, total=total),
            )
        )
    for name, checksum in checksums.items():
        typer.echo(f"{name:24} {checksum}")


deadletter_cli = typer.Typer(help="Dead letters: events a consumer could not take.", no_args_is_help=True)
cli.add_typer(deadletter_cli, name="deadletter")


async def _with_js(action):  # type: ignore[no-untyped-def]
    from shared.infra.connect import connect

    nc = await connect(Settings.from_env())
    try:
        return await action(nc.jetstream())
    finally:
        await nc.close()


@deadletter_cli.command("list")
def deadletter_list(
    service: Annotated[str | None, typer.Option(help="Only this service's dead letters.")] = None,
) -> None:
    """List dead letters with their reason, original subject and stream sequence."""
    from shared.infra.deadletters import list_deadletters

    letters = eventloop.run(_with_js(lambda js: list_deadletters(js, service)))
    for letter in letters:
        typer.echo(json.dumps(letter.summary(), ensure_ascii=False))
    typer.echo(f"{len(letters)} dead letter(s)", err=True)


@deadletter_cli.command("retry")
def deadletter_retry(seq: Annotated[int, typer.Argument(help="The dead letter's sequence (from `list`).")]) -> None:
    """Publish a dead letter's original bytes again on its original subject (after fixing its cause)."""
    from shared.infra.deadletters import retry_deadletter

    new_seq = eventloop.run(_with_js(lambda js: retry_deadletter(js, seq)))
    typer.echo(f"dead letter {seq} published again as stream sequence {new_seq}")


token_cli = typer.Typer(help="Read API bearer tokens.", no_args_is_help=True)
cli.add_typer(token_cli, name="token")


@token_cli.command("create")
def token_create(role: Annotated[str, typer.Argument(help="council, auditor, unit:<unit_id> or public")]) -> None:
    """Create a bearer token for ROLE in the tokens file (EMULATION_API_TOKENS_FILE, default DATA_DIR/api-tokens.json)."""
    from services.read_api.access import create_token

    settings = Settings.from_env()
    path = Path(settings.api_tokens_file) if settings.api_tokens_file else settings.data_dir / "api-tokens.json"
    try:
        typer.echo(create_token(path, role))
    except ValueError as e:
        raise typer.BadParameter(str(e)) from e
