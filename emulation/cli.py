"""The `emulation` command line."""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import Callable, Coroutine
from datetime import UTC
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from typer.core import TyperGroup

from emulation import loop as eventloop
from services import catalogue
from services.catalogue import ServiceEntry
from shared.infra import logs
from shared.infra.settings import InvalidSettings, Settings

T = TypeVar("T")


class Commands(TyperGroup):
    """Every command: variables that do not parse end it with one line naming them (exit code 2), no traceback."""

    def invoke(self, ctx: Any) -> Any:  # typer's own (vendored) click.Context
        try:
            return super().invoke(ctx)
        except InvalidSettings as e:
            typer.echo(f"invalid settings: {e}", err=True)
            raise typer.Exit(2) from None


cli = typer.Typer(
    cls=Commands,
    help="Emulation and commendation movement: event-sourced services over NATS JetStream.",
    no_args_is_help=True,
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


def as_identity(user: str) -> Settings:
    """Settings for a command that needs the NATS identity `user`: EMULATION_NATS_USER/PASSWORD if set, else
    `user` from the data dir's `security.json` (on the machine running `emulation up`)."""
    settings = Settings.from_env()
    path = settings.data_dir / "security.json"
    if settings.nats_user or not path.exists():
        return settings
    config = json.loads(path.read_text())
    passwords = config.get("users", {}) | {s["name"]: s["password"] for s in config.get("systems", [])}
    return settings.replace(nats_user=user, nats_password=passwords[user]) if user in passwords else settings


def over_nats(user: str, command: str, work: Callable[[Settings], Coroutine[Any, Any, T]]) -> T:
    """Run `work` with the identity `user`; a refused login or no server ends the command at once, saying why."""
    from nats.errors import NoServersError

    from shared.infra.connect import LoginRefused, one_shot

    one_shot()
    settings = as_identity(user)
    try:
        return eventloop.run(work(settings))
    except LoginRefused as e:
        typer.echo(
            f"{e}.\n`emulation {command}` needs the NATS identity {user!r}: set EMULATION_NATS_USER={user} and "
            f"EMULATION_NATS_PASSWORD (its password is in {settings.data_dir / 'security.json'}), or run it with "
            "--data-dir/EMULATION_DATA_DIR naming the data dir of `emulation up`.",
            err=True,
        )
        raise typer.Exit(2) from None
    except (NoServersError, OSError) as e:
        typer.echo(f"no NATS server answered at {settings.nats_url} ({e!r}): is the system running?", err=True)
        raise typer.Exit(2) from None


def settings_with(data_dir: Path | None = None, nats_port: int | None = None, api_port: int | None = None) -> Settings:
    s = Settings.from_env()
    if data_dir is not None:
        s = s.replace(data_dir=data_dir)
    if nats_port is not None:
        s = s.replace(nats_port=nats_port, nats_url=f"nats://127.0.0.1:{nats_port}")
    if api_port is not None:
        s = s.replace(api_port=api_port)
    return s


@cli.command()
def up(
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="Play the demo's year on its own calendar: the 2022 campaign of plan 5039/KH-STP-VP from launch to "
            "close, and the 2023 campaign still open.",
        ),
    ] = False,
    data_dir: DataDir = None,
    nats_port: NatsPort = None,
    api_port: ApiPort = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", help="Also show every process's JSON log lines here, as they are written.")
    ] = False,
) -> None:
    """Start nats-server, every service and the read API on this machine, restarting any that crashes.

    Prints the URLs once every service takes its commands. Ctrl-C stops everything. Each process's pid and
    state: DATA_DIR/processes.json; its output and its JSON log: DATA_DIR/logs.
    """
    from emulation.supervisor import up as run_up

    run_up(settings_with(data_dir, nats_port, api_port), demo, verbose)


def entry_of(service: str) -> ServiceEntry:
    """The catalogue's entry for `service`, or a usage error naming the services."""
    try:
        return catalogue.service(service)
    except KeyError as e:
        raise typer.BadParameter(e.args[0], param_hint="SERVICE") from None


@cli.command()
def run(
    service: Annotated[str, typer.Argument(help=f"One of: {', '.join(catalogue.names())}.")],
    role: Annotated[
        list[str] | None, typer.Option("--role", help="commands, relay, views (default: every role of the service)")
    ] = None,
) -> None:
    """Run one service (configured by EMULATION_* variables) until SIGTERM or Ctrl-C."""
    from shared.infra.connect import LoginRefused
    from shared.infra.runtime import ServiceFailed, run_service

    entry = entry_of(service)
    unknown = [r for r in role or () if r not in entry.roles]
    if unknown:
        raise typer.BadParameter(
            f"{service} has no role {unknown[0]!r}; its roles: {', '.join(entry.roles)}", param_hint="--role"
        )
    settings = Settings.from_env()
    logs.configure(settings, "-".join((service, *(role or ()))), service)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await run_service(entry, settings, stop, tuple(role or entry.roles))

    try:
        eventloop.run(main())
    except LoginRefused as e:
        typer.echo(
            f"{service}: {e} (set EMULATION_NATS_USER / EMULATION_NATS_PASSWORD, and the RELAY/VIEWS ones)", err=True
        )
        raise typer.Exit(2) from None
    except ServiceFailed as e:
        typer.echo(str(e), err=True)
        raise typer.Exit(3) from None


@cli.command()
def api() -> None:
    """Serve the read API (EMULATION_API_HOST, EMULATION_API_PORT)."""
    import uvicorn

    from services.read_api.app import create_app

    settings = Settings.from_env()
    logs.configure(settings, "read-api")
    uvicorn.run(create_app(settings), host=settings.api_host, port=settings.api_port, log_config=None, access_log=False)


@cli.command()
def demo() -> None:
    """Play the demo's year into a running system (EMULATION_NATS_URL): the 2022 campaign from launch to close and
    the 2023 campaign, as the portal, and the facts of the one-stop and personnel systems through their identities.
    Beside `emulation up --demo`, it moves the demo's calendar in the data dir; loading it again records nothing."""
    from emulation import demo_calendar
    from emulation.supervisor import FACT_SYSTEMS, demo_loaded, load_demo

    data_dir = Settings.from_env().data_dir
    calendar = demo_calendar.path(data_dir) if data_dir.exists() else None
    systems = {name: as_identity(name) for name in FACT_SYSTEMS}
    played = over_nats("portal", "demo", lambda portal: load_demo(portal, systems, calendar))
    typer.echo(demo_loaded(played))


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
def health(service: Annotated[str, typer.Argument(help=f"One of: {', '.join(catalogue.names())}.")]) -> None:
    """Exit 0 if SERVICE's process on this machine is alive and connected to NATS (container health checks)."""
    import time

    from shared.infra.runtime import HEARTBEAT_SECONDS

    entry_of(service)
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
    report = over_nats("audit", "audit verify", lambda settings: verify_history(settings, kept, limit))
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

    from services.read_api.routes.audit import filters, render

    if format not in ("ndjson", "csv"):
        raise typer.BadParameter("format must be ndjson or csv")
    [view] = catalogue.service("audit").build_views(Settings.from_env())
    target = out.open("w", encoding="utf-8", newline="") if out else sys.stdout
    for chunk in render(view.stream(filters(campaign=campaign)), format):  # type: ignore[attr-defined]
        target.write(chunk)
    if out:
        target.close()


ballot_cli = typer.Typer(help="A unit's own secret ballot.", no_args_is_help=True)
cli.add_typer(ballot_cli, name="ballot")


@ballot_cli.command("check")
def ballot_check(
    campaign: Annotated[str, typer.Option(help="The campaign id.")],
    block: Annotated[str, typer.Option(help="The block id.")],
    round_id: Annotated[str, typer.Option("--round", help="The round id.")],
    receipt: Annotated[
        str, typer.Option(envvar="EMULATION_BALLOT_RECEIPT", help="The receipt of the cast_block_vote reply.")
    ],
    token: Annotated[
        str | None, typer.Option(envvar="EMULATION_API_TOKEN", help="Your read API token (unit:<id>).")
    ] = None,
    api: Annotated[str | None, typer.Option(help="Read API base URL [default http://EMULATION_API_HOST:PORT].")] = None,
) -> None:
    """Check that your ballot was counted as cast: computes its anonymous id from the receipt here and looks
    up only that id (the receipt is never sent). Exit 1 if the round counted no such ballot."""
    from emulation.ballot import check
    from services.evaluation.domain.ballots import InvalidReceipt

    s = Settings.from_env()
    try:
        result = check(api or f"http://{s.api_host}:{s.api_port}", token, campaign, block, round_id, receipt)
    except InvalidReceipt as e:
        raise typer.BadParameter(str(e), param_hint="--receipt") from None
    typer.echo(json.dumps(result, ensure_ascii=False))
    if not result["counted"]:
        raise typer.Exit(1)


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
        checksums = over_nats(
            "audit",
            "replay",
            lambda settings: run_replay(
                settings,
                target,
                until_seq,
                until_time,
                lambda done, total: bar.update(task, completed=done, total=total),
            ),
        )
    for name, checksum in checksums.items():
        typer.echo(f"{name:24} {checksum}")


@cli.command()
def checksums() -> None:
    """Print each live projection's checksum as `emulation replay` prints the rebuilt ones (same lines, to diff),
    read from the stores beside `emulation up` (or EMULATION_STORE/EMULATION_POSTGRES_DSN); their positions and
    the `--until` to replay with go to stderr."""
    from services.audit.checksums import checksums as live
    from services.catalogue import all_views

    found = live(all_views(Settings.from_env()))
    for view in found.views:
        typer.echo(f"{view.view:24} {view.checksum}")
        typer.echo(
            f"{view.view:24} at stream position {view.position}" + ("" if view.settled else " (moving)"), err=True
        )
    typer.echo(f"compare on an idle system with: emulation replay --until {found.until}", err=True)


deadletter_cli = typer.Typer(help="Dead letters: events a consumer could not take.", no_args_is_help=True)
cli.add_typer(deadletter_cli, name="deadletter")


def _with_nats(user: str, command: str, action: Callable[[Any], Coroutine[Any, Any, T]]) -> T:
    from shared.infra.connect import connect

    async def work(settings: Settings) -> T:
        nc = await connect(settings)
        try:
            return await action(nc)
        finally:
            await nc.close()

    return over_nats(user, command, work)


@deadletter_cli.command("list")
def deadletter_list(
    service: Annotated[str | None, typer.Option(help="Only this service's dead letters.")] = None,
) -> None:
    """List dead letters with their reason, original subject and stream sequence."""
    from shared.infra.deadletters import list_deadletters

    letters = _with_nats("audit", "deadletter list", lambda nc: list_deadletters(nc, service))
    for letter in letters:
        typer.echo(json.dumps(letter.summary(), ensure_ascii=False))
    typer.echo(f"{len(letters)} dead letter(s)", err=True)


@deadletter_cli.command("retry")
def deadletter_retry(seq: Annotated[int, typer.Argument(help="The dead letter's sequence (from `list`).")]) -> None:
    """Publish a dead letter's original bytes again on its original subject (after fixing its cause)."""
    from shared.infra.deadletters import retry_deadletter

    new_seq = _with_nats("admin", "deadletter retry", lambda nc: retry_deadletter(nc.jetstream(), seq))
    typer.echo(f"dead letter {seq} published again as stream sequence {new_seq}")


token_cli = typer.Typer(help="Read API bearer tokens.", no_args_is_help=True)
cli.add_typer(token_cli, name="token")


@token_cli.command("create")
def token_create(role: Annotated[str, typer.Argument(help="council, auditor, unit:<unit_id> or public")]) -> None:
    """Create a bearer token for ROLE in the tokens file (EMULATION_API_TOKENS_FILE, default DATA_DIR/api-tokens.json)."""
    from services.read_api.access import create_token

    try:
        typer.echo(create_token(_tokens_file(), role))
    except ValueError as e:
        raise typer.BadParameter(str(e)) from e


@token_cli.command("revoke")
def token_revoke(token: Annotated[str, typer.Argument(help="the token to remove")]) -> None:
    """Remove a bearer token from the tokens file; a running read API refuses it from its next request on."""
    from services.read_api.access import revoke_token

    try:
        role = revoke_token(_tokens_file(), token)
    except KeyError:
        raise typer.BadParameter("no such token in the tokens file") from None
    typer.echo(f"revoked a {role} token")


def _tokens_file() -> Path:
    settings = Settings.from_env()
    return Path(settings.api_tokens_file) if settings.api_tokens_file else settings.data_dir / "api-tokens.json"
