"""Managing dead letters: list them, and send one back to its original subject once its cause is fixed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nats.aio.client import Client
from nats.js import JetStreamContext

from shared.events.envelope import DEADLETTER_PREFIX, DEADLETTER_STREAM
from shared.infra.stream import read_stream


@dataclass(frozen=True)
class DeadLetter:
    seq: int
    service: str
    reason: str
    original_subject: str
    original_seq: int
    consumer: str
    data: bytes

    def summary(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "service": self.service,
            "consumer": self.consumer,
            "reason": self.reason,
            "original_subject": self.original_subject,
            "original_seq": self.original_seq,
            "bytes": len(self.data),
            "preview": self.data[:120].decode("utf-8", "replace"),
        }


async def list_deadletters(nc: Client, service: str | None = None) -> list[DeadLetter]:
    subject = f"{DEADLETTER_PREFIX}.{service}" if service else f"{DEADLETTER_PREFIX}.>"
    out = []
    async for msg in read_stream(nc, subject=subject, stream=DEADLETTER_STREAM):
        h = msg.headers or {}
        out.append(
            DeadLetter(
                seq=msg.metadata.sequence.stream,
                service=msg.subject.rsplit(".", 1)[-1],
                reason=h.get("Emulation-Reason", ""),
                original_subject=h.get("Emulation-Original-Subject", ""),
                original_seq=int(h.get("Emulation-Stream-Sequence", "0")),
                consumer=h.get("Emulation-Consumer", ""),
                data=msg.data,
            )
        )
    return out


async def retry_deadletter(js: JetStreamContext, seq: int) -> int:
    """Publish dead letter `seq`'s original bytes again on its original subject; returns the new stream sequence."""
    msg = await js.get_msg(DEADLETTER_STREAM, seq)
    headers = msg.headers or {}
    ack = await js.publish(
        headers["Emulation-Original-Subject"],
        msg.data or b"",
        headers={"Nats-Msg-Id": f"retry-of-deadletter-{seq}", "Emulation-Retry-Of": str(seq)},
    )
    return int(ack.seq)
