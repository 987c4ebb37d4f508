"""Signed chain checkpoints (`chain_checkpoint.v2`): the bytes a relay signs, and how anyone checks them.

A relay signs, with its service's Ed25519 key (`shared/infra/keys.py`), the ASCII line `chain_checkpoint.v2`
and a newline followed by the canonical JSON of the checkpoint's `data` without `signature` (sorted keys, no
spaces, UTF-8: the chain's own canonical form). Whoever keeps a checkpoint can later check it with the public
key alone, and the operator, who holds the stores and the stream but not the private key, cannot make one.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from shared.events.audit import HASH_PREFIX
from shared.events.envelope import STREAM, event_subject
from shared.infra.chain import GENESIS

log = logging.getLogger("emulation.checkpoints")
SUBJECT = event_subject(None, "chain_checkpoint")
SIGNED = "chain_checkpoint.v2"
SIGNED_PREFIX = SIGNED.encode() + b"\n"


def signed_bytes(data: Mapping[str, Any]) -> bytes:
    """Exactly what the signature covers: `chain_checkpoint.v2\\n` + the canonical JSON of `data` minus `signature`."""
    body = {k: v for k, v in data.items() if k != "signature"}
    return SIGNED_PREFIX + json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign(key: Ed25519PrivateKey, data: Mapping[str, Any]) -> dict[str, Any]:
    """`data` with its `signature` (base64)."""
    return {**data, "signature": base64.b64encode(key.sign(signed_bytes(data))).decode("ascii")}


def relay_source(service: str) -> str:
    return f"/services/{service}/relay"


def forgery(envelope: Mapping[str, Any], keys: Mapping[str, Ed25519PublicKey]) -> str | None:
    """Why a `chain_checkpoint.v2` envelope is not its service's relay's own word, or None if it is."""
    data = envelope.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("service"), str):
        return "its data names no service"
    service = data["service"]
    if envelope.get("source") != relay_source(service):
        return f"it names service {service!r} but comes from {envelope.get('source')!r}"
    key = keys.get(service)
    if key is None:
        return f"no public key is published for service {service!r}"
    signature = data.get("signature")
    if not isinstance(signature, str):
        return "it carries no signature"
    try:
        key.verify(base64.b64decode(signature, validate=True), signed_bytes(data))
    except (InvalidSignature, binascii.Error, ValueError):
        return f"its signature does not verify with {service}'s public key"
    return None


@dataclass(frozen=True)
class Window:
    """What the next checkpoint covers: the chain where it starts and a hash prefix of each event since."""

    length: int = 0
    head: str = GENESIS
    hashes: tuple[str, ...] = ()

    def reaches(self, length: int, head: str) -> bool:
        """Whether the window ends at this chain length and head (else it belongs to another run of the relay)."""
        if self.length + len(self.hashes) != length:
            return False
        return self.hashes[-1] == prefix(head) if self.hashes else self.head == head


def prefix(chain_hash: str) -> str:
    return chain_hash[:HASH_PREFIX]


async def last_checkpoint(
    js: JetStreamContext, service: str, key: Ed25519PublicKey, at_most: int, start: int = 1, stop: int | None = None
) -> dict[str, Any] | None:
    """The `data` of the last checkpoint `service`'s relay published with `length` ≤ `at_most`, or None; only
    checkpoints at stream sequences from `start` (and before `stop`) are looked at.

    Checkpoints are one message in a thousand events: their headers are scanned (the bodies stay on the
    server), then the last few candidates read in full; a v2 one must carry a valid signature.
    """
    candidates: deque[int] = deque(maxlen=8)
    name = checkpoint_consumer(service)
    where = (
        {"deliver_policy": DeliverPolicy.BY_START_SEQUENCE, "opt_start_seq": start}
        if start > 1
        else {"deliver_policy": DeliverPolicy.ALL}
    )
    sub = await own_reader(
        js,
        ConsumerConfig(
            name=name,
            filter_subject=SUBJECT,
            ack_policy=AckPolicy.NONE,
            headers_only=True,
            inactive_threshold=10.0,
            **where,  # type: ignore[arg-type]
        ),
    )
    try:
        pending = (await sub.consumer_info()).num_pending
        while pending:
            try:
                msgs = await sub.fetch(1000, timeout=1.0)
            except (TimeoutError, NatsTimeout):
                break
            inside = [m for m in msgs if stop is None or m.metadata.sequence.stream < stop]
            candidates.extend(
                m.metadata.sequence.stream for m in inside if (m.headers or {}).get("Emulation-Source") == service
            )
            pending = msgs[-1].metadata.num_pending if msgs and len(inside) == len(msgs) else 0
    finally:
        await close_reader(js, sub, name)
    for seq in reversed(candidates):
        envelope = await read_at(js, seq, name)
        if envelope is not None and own(envelope, service, key, at_most):
            data: dict[str, Any] = envelope["data"]
            return data
    return None


def own(envelope: Mapping[str, Any], service: str, key: Ed25519PublicKey, at_most: int) -> bool:
    """Whether a checkpoint read back is `service`'s relay's own (signed, for v2), at `length` ≤ `at_most`."""
    data = envelope.get("data")
    if not isinstance(data, dict) or data.get("service") != service or envelope.get("source") != relay_source(service):
        return False
    if not isinstance(data.get("length"), int) or data["length"] > at_most:
        return False
    return envelope.get("type") != SIGNED or forgery(envelope, {service: key}) is None


async def read_at(js: JetStreamContext, seq: int, name: str) -> dict[str, Any] | None:
    """The JSON body of the checkpoint at `seq`, through the relay's own checkpoint consumer `name`."""
    sub = await own_reader(
        js,
        ConsumerConfig(
            name=name,
            filter_subject=SUBJECT,
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
            opt_start_seq=seq,
            ack_policy=AckPolicy.NONE,
            inactive_threshold=10.0,
        ),
    )
    try:
        [msg] = await sub.fetch(1, timeout=2.0)
        body: dict[str, Any] = json.loads(msg.data)
        return body
    except (TimeoutError, NatsTimeout, ValueError):
        return None
    finally:
        await close_reader(js, sub, name)


def checkpoint_consumer(service: str) -> str:
    """The consumer a service's relay reads checkpoints back with (only its identity may use it)."""
    return f"{service}-relay-checkpoints"


async def own_reader(js: JetStreamContext, config: ConsumerConfig) -> Any:
    """A pull subscription on the named consumer `config.name`, made afresh (a leftover one may have moved on)."""
    assert config.name
    with contextlib.suppress(NotFoundError):
        await js.delete_consumer(STREAM, config.name)
    await js.add_consumer(STREAM, config)
    return await js.pull_subscribe_bind(consumer=config.name, stream=STREAM)


async def close_reader(js: JetStreamContext, sub: Any, name: str) -> None:
    await sub.unsubscribe()
    with contextlib.suppress(Exception):
        await js.delete_consumer(STREAM, name)
