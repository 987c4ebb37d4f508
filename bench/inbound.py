"""Figure 7: inbound ingest — facts of another city system until the standings show them, against raw publishing.

The one-stop system publishes `dossier_resolved` messages through its own identity (account `CITY_ONE_STOP`,
imported into `CITY_INBOUND`: the server runs with the generated accounts, every process under its own identity,
as `emulation up` runs them), with `publish_async` as fast as JetStream acknowledges them. A message counts once
its dossier is a row of the evaluation's standings view (`dossiers` in `evaluation-views.db`, polled read-only
like figure 1's view): by then the inbound consumer has checked it, recorded it as the evaluation's own event,
the relay has published that event and the standings projection has applied it. The baseline, in the same run
on the same server before the services start, publishes the same messages with the same ids to a plain stream
(`publish_async`, every ack awaited), as figure 3's does.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.baselines import raw_publish_messages
from bench.commands import ViewWatcher
from bench.procs import Cluster, note
from emulation.demo import facts
from shared.events.inbound import ONE_STOP, envelope, inbound_subject
from shared.infra.connect import connect

EVENT = "dossier_resolved"
WARM = 20


def dossiers(n: int) -> Iterator[tuple[str, bytes]]:
    """(source event id, message) for `n` distinct resolved dossiers: the demo's, repeated under fresh ids."""
    base = [(source_id, data) for event, source_id, data in facts(ONE_STOP) if event == EVENT]
    now = datetime.now(UTC)
    for i in range(n):
        source_id, data = base[i % len(base)]
        r = i // len(base)
        source_id, data = f"{source_id}.{r}", {**data, "dossier_id": f"{data['dossier_id']}.{r}"}
        body = json.dumps(envelope(ONE_STOP, EVENT, source_id, data, now), ensure_ascii=False).encode()
        yield source_id, body


async def publish(js: Any, messages: list[tuple[str, bytes]]) -> None:
    """Publish as the one-stop system does (`emulation/demo.py: publish_facts`), every ack awaited."""
    subject = inbound_subject(ONE_STOP, EVENT)
    futures = [
        await js.publish_async(subject, body, headers={"Nats-Msg-Id": f"{ONE_STOP}:{source_id}"})
        for source_id, body in messages
    ]
    await asyncio.gather(*futures)


async def inbound_figure(data_dir: Path, n: int) -> dict[str, Any]:
    messages = list(dossiers(n + WARM))
    warm, timed = messages[:WARM], messages[WARM:]
    with Cluster(data_dir, secured=True) as cluster:
        await cluster.create_streams()
        admin = await connect(cluster.identity("admin"))
        try:
            baseline = await raw_publish_messages(admin.jetstream(), [(f"{ONE_STOP}:{i}", b) for i, b in timed])
        finally:
            await admin.close()
        cluster.embedded()
        watcher = ViewWatcher(
            cluster.settings.data_dir / "evaluation-views.db", table="dossiers", key="source_event_id"
        )
        watcher.start()
        one_stop = await connect(cluster.identity(ONE_STOP))
        try:
            js = one_stop.jetstream()
            await publish(js, warm)  # the services are up and the inbound consumer exists
            await watcher.wait([i for i, _ in warm], timeout=120)
            before, start = cluster.cpu(), time.perf_counter()
            await publish(js, timed)
            acked = time.perf_counter()
            visible = await watcher.wait([i for i, _ in timed], timeout=120 + n / 50)
            after = cluster.cpu()
        finally:
            watcher.stop.set()
            await one_stop.close()
    cpu_us = {key: round((after[key] - before[key]) / n * 1e6) for key in after if key in before}
    note(f"inbound {n / (visible - start):,.0f} msg/s visible, {n / (acked - start):,.0f} acked, raw {baseline:,.0f}")
    return {
        "per_s": n / (visible - start),
        "acked_per_s": n / (acked - start),
        "baseline_per_s": baseline,
        "n": n,
        "bytes": int(sum(len(b) for _, b in timed) / n),
        "cpu_us_per_message": cpu_us | {"total": sum(cpu_us.values())},
    }
