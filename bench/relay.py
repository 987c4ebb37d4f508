"""Figure 3: the outbox relay (store → JetStream) against raw nats-py asynchronous publishing.

A registry store is prefilled in-process with `launch_campaign` commands while no relay runs; then the
real `shared.infra.relay.Relay` runs its batches (`run_once`) against a fresh nats-server until the
store is drained. The time covers reading the notification log, mapping to CloudEvents, hashing the
chain, publishing and awaiting every ack. The baseline publishes as many messages of the same mean
size with `publish_async` on the same server. Beside the rates, the CPU time of this process per event
(relay, and baseline) is reported: on a shared machine it varies far less than the rates do.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import nats

from bench.baselines import raw_publish_rate
from bench.commands import campaign_bodies
from bench.procs import Cluster
from services.registry.adapters.wire import WIRE
from services.registry.application import RegistryApplication
from shared.events.registry import LaunchCampaign
from shared.infra.eventstore import store_env
from shared.infra.keys import signing_key
from shared.infra.relay import Relay
from shared.infra.stream import ensure_stream


def prefill(app: RegistryApplication, n: int) -> None:
    for _, body in campaign_bodies("r", n):
        app.submit(LaunchCampaign.model_validate_json(body)).result()


async def relay_figure(data_dir: Path, n: int, batch: int) -> dict[str, Any]:
    with Cluster(data_dir) as cluster:
        app = RegistryApplication(WIRE, env=store_env(cluster.settings, "registry"))
        prefill(app, n)
        nc = await nats.connect(cluster.url)
        try:
            js = nc.jetstream()
            await ensure_stream(js)
            relay = Relay(
                app,
                js,
                signing_key(cluster.settings, "registry"),
                batch,
                checkpoint_every=cluster.settings.checkpoint_every,
            )
            relay.chain = await relay.last_published()
            start, cpu = time.perf_counter(), time.process_time()
            while await relay.run_once():
                pass
            elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
            stored = (await js.stream_info("EMULATION")).state.messages
            size = _mean_size(relay, app)
            raw_cpu = time.process_time()
            raw = await raw_publish_rate(js, relay.published, b"x" * size)
            raw_cpu = time.process_time() - raw_cpu
        finally:
            await nc.close()
            app.close()
    assert relay.published >= n and stored >= n, (relay.published, stored)
    n = relay.published
    return {
        "per_s": n / elapsed,
        "baseline_per_s": raw,
        "n": n,
        "bytes": size,
        "cpu_us_per_event": cpu / n * 1e6,
        "baseline_cpu_us_per_event": raw_cpu / n * 1e6,
    }


def _mean_size(relay: Relay, app: RegistryApplication) -> int:
    _, messages = relay.envelopes(type(relay.chain)())
    return int(sum(len(body) for _, body, _ in messages) / max(1, len(messages)))
