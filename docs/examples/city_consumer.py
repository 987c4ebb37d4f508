"""A city system reads the events granted to it, durably, with nats-py only (copy and adapt).

Its account holds a stream `EMULATION` of exactly the events it is granted, filled by the server while the
city system runs or not. A durable consumer keeps the city system's place there: stop this program, start it
again with the same `--durable`, and it goes on after the last event it acknowledged.

    NATS_PASSWORD=... python city_consumer.py --server nats://127.0.0.1:14222 --user portal --durable my-app --from-start
    python city_consumer.py ... --durable replay-may --since 2022-05-01T00:00:00+07:00 --stop-when-idle 2

`--from-start`, `--from-seq N` (the sequence in your stream, as printed) and `--since TIME` choose where a *new*
durable starts; an existing durable resumes where it stopped (delete it to start over:
`await js.delete_consumer("EMULATION", "my-app")`). `--subject` narrows it to some of your event types.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
from collections.abc import Awaitable, Callable

import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

STREAM = "EMULATION"


def start_config(from_seq: int | None = None, since: datetime.datetime | None = None) -> ConsumerConfig:
    """Where a new durable consumer starts: the first event, a sequence of your stream, or a time (when the
    event reached your stream; the event's own `time` is in its envelope)."""
    explicit = AckPolicy.EXPLICIT  # each event is delivered again until acknowledged
    if from_seq is not None:
        return ConsumerConfig(
            ack_policy=explicit, deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=from_seq
        )
    if since is not None:
        return ConsumerConfig(ack_policy=explicit, deliver_policy=DeliverPolicy.BY_START_TIME, opt_start_time=since)
    return ConsumerConfig(ack_policy=explicit, deliver_policy=DeliverPolicy.ALL)


def parse_time(text: str) -> datetime.datetime:
    """An ISO 8601 time; without an offset, UTC."""
    moment = datetime.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


async def consume(
    nc: nats.NATS,
    durable: str,
    handle: Callable[[int, dict], Awaitable[None]],
    config: ConsumerConfig,
    subject: str = "emulation.events.>",
    stop_when_idle: float | None = None,
) -> int:
    """Hand each event (its stream sequence, its CloudEvents envelope) to `handle`, then acknowledge it. Returns
    how many were handled (after `stop_when_idle` seconds with nothing new; without it, runs until cancelled)."""
    js = nc.jetstream()
    sub = await js.pull_subscribe(subject, durable=durable, stream=STREAM, config=config)
    handled, idle = 0, 0.0
    while stop_when_idle is None or idle < stop_when_idle:
        try:
            msgs = await sub.fetch(batch=100, timeout=1.0)
        except TimeoutError:  # nats-py raises its own subclass, or asyncio's when a batch is cut short
            idle += 1.0
            continue
        idle = 0.0
        for msg in msgs:
            await handle(msg.metadata.sequence.stream, json.loads(msg.data))
            await msg.ack_sync()  # acknowledged once handled: a crash before this means it comes again
            handled += 1
    await sub.unsubscribe()  # the durable stays on the server, with its place
    return handled


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", default="nats://127.0.0.1:14222")
    parser.add_argument("--user", required=True, help="your city system's NATS user")
    parser.add_argument("--password", default=os.environ.get("NATS_PASSWORD"), help="default: $NATS_PASSWORD")
    parser.add_argument("--durable", required=True, help="your consumer's name: it keeps your place")
    start = parser.add_mutually_exclusive_group()
    start.add_argument("--from-start", action="store_true", help="from your stream's first event (the default)")
    start.add_argument("--from-seq", type=int, metavar="N", help="from sequence N of your stream")
    start.add_argument("--since", type=parse_time, metavar="ISO-TIME", help="from this time on (UTC if no offset)")
    parser.add_argument("--subject", default="emulation.events.>", help="e.g. emulation.events.*.unit_registered")
    parser.add_argument("--stop-when-idle", type=float, metavar="SECONDS", help="stop once caught up this long")
    args = parser.parse_args()
    if not args.password:
        parser.error("--password or NATS_PASSWORD is required")

    async def show(seq: int, event: dict) -> None:
        print(seq, event["type"], event["id"], flush=True)

    nc = await nats.connect(args.server, user=args.user, password=args.password)
    try:
        config = start_config(args.from_seq, args.since)
        n = await consume(nc, args.durable, show, config, args.subject, args.stop_when_idle)
        print(f"{n} events", flush=True)
    finally:
        await nc.close()


if __name__ == "__main__":
    asyncio.run(main())
