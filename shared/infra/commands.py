"""Turning every command outcome into the one reply shape, before and after the handler runs.

FastStream validates the body against the handler's pydantic model (which also documents it in
AsyncAPI); this middleware answers every failure with a structured `Rejected` reply instead of
silence: oversized or non-JSON bodies, validation errors (with the offending field), domain rule
violations, write conflicts and unexpected errors.
"""

from __future__ import annotations

import inspect
import json
import logging
import math
from collections.abc import Awaitable, Callable, Sequence
from fnmatch import fnmatch
from typing import Any

from faststream import BaseMiddleware
from faststream.nats import NatsRouter
from pydantic import ValidationError

from shared.domain.errors import DomainError
from shared.events import errors
from shared.events.base import Accepted, Command, CommandType, ErrorBody, Rejected
from shared.events.envelope import command_subject
from shared.infra.application import CommandConflict, ServiceApplication

log = logging.getLogger("emulation.commands")
MAX_COMMAND_BYTES = 256 * 1024
"""Payload size cap of a command body (the NATS server's own cap is 1 MB)."""


def rejected(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return Rejected(error=ErrorBody(code=code, message=message, field=field)).model_dump()


MAX_DEPTH = 32
"""Nesting depth of a command body (arrays and objects); the deepest command needs 3."""


class NotJSON(ValueError):
    """What the strict JSON reading of a command body refuses, with a message for the sender."""


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise NotJSON(f"the number {text[:40]} is out of range")
    return value


def _no_constant(name: str) -> Any:
    raise NotJSON(f"{name} is not a JSON value")


def _depth(value: Any) -> int:
    """How deeply arrays and objects nest in `value`, counted without recursion and no further than MAX_DEPTH + 1."""
    deepest, pending = 0, [(value, 1)]
    while pending and deepest <= MAX_DEPTH:
        item, depth = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            deepest = max(deepest, depth)
            pending.extend((child, depth + 1) for child in children)
    return deepest


def check_body(body: bytes) -> dict[str, Any] | None:
    """A rejection for a body that is too large or not a UTF-8 JSON object, else None.

    Strict JSON: NaN and Infinity, numbers out of range (1e999999, thousands of digits) and nesting deeper than
    MAX_DEPTH are refused here. Left to the parser they raise `RecursionError` or `ValueError`, which used
    to escape this middleware and leave the sender without a reply.
    """
    if len(body) > MAX_COMMAND_BYTES:
        return rejected(errors.PAYLOAD_TOO_LARGE, f"command body exceeds {MAX_COMMAND_BYTES} bytes")
    try:
        value = json.loads(body.decode("utf-8"), parse_float=_finite, parse_constant=_no_constant)
    except UnicodeDecodeError:
        return rejected(errors.INVALID_JSON, "command body is not valid UTF-8")
    except json.JSONDecodeError as e:
        return rejected(errors.INVALID_JSON, f"command body is not JSON: {e.msg} at position {e.pos}")
    except NotJSON as e:
        return rejected(errors.INVALID_JSON, f"command body is not JSON: {e}")
    except RecursionError:
        return rejected(errors.INVALID_JSON, f"command body nests deeper than {MAX_DEPTH} levels")
    except ValueError:  # an integer of more digits than Python converts (sys.get_int_max_str_digits)
        return rejected(errors.INVALID_JSON, "command body is not JSON: a number is too long")
    if body.count(b"[") + body.count(b"{") > MAX_DEPTH and _depth(value) > MAX_DEPTH:  # fewer brackets: not as deep
        return rejected(errors.INVALID_JSON, f"command body nests deeper than {MAX_DEPTH} levels")
    if not isinstance(value, dict):
        return rejected(errors.INVALID_JSON, "command body must be a JSON object")
    return None


def from_validation_error(e: ValidationError) -> dict[str, Any]:
    """The first error of a pydantic validation, with its field path (`contents.0.title`)."""
    first = e.errors()[0]
    loc = [str(p) for p in first["loc"]]
    if loc and loc[0] in ("body", "cmd", "command"):
        loc = loc[1:]
    field = ".".join(loc) or None
    kind = first["type"]
    message = f"{field}: {first['msg']}" if field else first["msg"]
    if kind == "missing":
        return rejected(errors.MISSING_FIELD, message, field)
    if kind == "extra_forbidden":
        return rejected(errors.UNKNOWN_FIELD, message, field)
    if kind == "string_pattern_mismatch" and (field or "").endswith(("_id", "actor")):
        return rejected(errors.INVALID_ID, message, field)
    if kind == "model_type":
        return rejected(errors.INVALID_JSON, "command body must be a JSON object")
    return rejected(errors.INVALID_FIELD, message, field)


def check_actor(headers: dict[str, Any], body: bytes, grants: dict[str, list[str]]) -> dict[str, Any] | None:
    """Refuse a command whose `actor` the sending city system may not act as.

    A command from another account arrives through a service import that stamps the sender's
    account in `Nats-Request-Info`; `grants` says which actors each account may act as. Commands
    from inside the EMULATION account (services, administrators) carry no stamp.
    """
    info = headers.get("Nats-Request-Info")
    if not info:
        return None
    sender = json.loads(info).get("acc", "")
    actor = json.loads(body).get("actor")
    if not isinstance(actor, str) or not any(fnmatch(actor, p) for p in grants.get(sender, [])):
        return rejected(errors.ACTOR_MISMATCH, f"{sender} may not act as {actor!r}", "actor")
    return None


def command_replies(grants: dict[str, list[str]]) -> type[BaseMiddleware]:
    """The middleware, bound to this deployment's actor grants."""
    return type("CommandRepliesWithGrants", (CommandReplies,), {"grants": grants})


class CommandReplies(BaseMiddleware):
    grants: dict[str, list[str]] = {}

    async def consume_scope(self, call_next: Any, msg: Any) -> Any:
        problem = check_body(msg.body) or check_actor(msg.headers or {}, msg.body, self.grants)
        if problem is not None:
            return problem
        try:
            return await call_next(msg)
        except ValidationError as e:
            return from_validation_error(e)
        except DomainError as e:
            return rejected(e.code, e.message, e.field)
        except CommandConflict:
            return rejected(errors.CONFLICT, "concurrent changes kept colliding; send the command again")
        except Exception:
            log.exception(
                "command failed", extra={"subject": getattr(msg, "raw_message", None) and msg.raw_message.subject}
            )
            return rejected(errors.INTERNAL, "the command could not be processed; nothing was recorded")


COMMAND_WORKERS = 64
"""Commands a service instance takes in at once; those waiting together are recorded in one transaction."""


def command_router(app: ServiceApplication, commands: Sequence[CommandType]) -> NatsRouter:
    """The service's subscribers, one per command of the contract (`services/catalogue.py`): `emulation.cmd.<name>`
    in the service's queue group. FastStream validates the body against the command's model, which, with the
    reply model, also documents it in AsyncAPI."""
    router = NatsRouter()
    for command in commands:
        router.subscriber(
            command_subject(command.name),
            queue=command.service,
            title=command.name,
            description=inspect.cleandoc(command.model.__doc__ or ""),
            max_workers=COMMAND_WORKERS,
        )(handler(app, command))
    return router


def handler(app: ServiceApplication, command: CommandType) -> Callable[..., Awaitable[Accepted]]:
    """`await app.handle(cmd)`, typed with the command's own model and reply for FastStream."""

    async def handle(cmd: Command) -> Accepted:
        return await app.handle(cmd)

    handle.__name__ = handle.__qualname__ = command.name
    handle.__annotations__ = {"cmd": command.model, "return": command.reply}
    return handle
