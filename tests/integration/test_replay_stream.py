"""Replay over a generated history: batched reads, unreadable messages skipped, `--until` by sequence and time.

The reference is the plain way of building views: every readable event applied in stream order, one
view at a time, in this process. Replay (batched pull reads, worker processes, grouped writes) must
give the same checksums.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Any

import nats
import pytest

from bench import history
from services.audit.replay import replay
from services.catalogue import all_views
from services.evaluation.adapters.exemplary import ExemplaryModelsView
from services.registry.adapters.reviews import ReviewsView
from shared.events.envelope import STREAM, CloudEvent
from shared.infra.consumer import parse_bytes
from shared.infra.settings import Settings
from shared.infra.stream import ensure_stream, read_batches, read_stream, sequence
from tests.support.system import NatsServer

pytestmark = pytest.mark.integration

BROKEN = {5: b"{not json", 50: b'{"specversion": "1.0"}'}
"""Stream position (1-based, among the generated events) → a body no consumer can read."""


@pytest.fixture
async def stream(nats_server: NatsServer) -> AsyncIterator[tuple[Any, list[tuple[str, bytes]]]]:
    """A history of 150 events for 12 units (2 of them unreadable), published in order."""
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    await ensure_stream(js)
    published = []
    for i, (subject, body) in enumerate(history.events(150, 12), start=1):
        body = BROKEN.get(i, body)
        await js.publish(subject, body, stream=STREAM)
        published.append((subject, body))
    yield nc, published
    await nc.close()


def reference(target: Path, published: list[tuple[str, bytes]], until_time: datetime | None = None) -> dict[str, str]:
    views = all_views(Settings(data_dir=target))
    events: list[tuple[int, CloudEvent]] = []
    for seq, (_, body) in enumerate(published, start=1):
        try:
            event = parse_bytes(body)
        except ValueError:
            continue
        if until_time is not None and event.time > until_time:
            break
        events.append((seq, event))
    for view in views:
        view.apply([(seq, e) for seq, e in events if e.event_name in view.handlers()])
    return {view.name: view.checksum() for view in views}


async def test_read_batches_gives_every_message_once_in_order(stream: Any) -> None:
    nc, published = stream
    seqs = [sequence(m) async for batch in read_batches(nc, batch=40) for m in batch]
    assert seqs == list(range(1, len(published) + 1))
    assert [sequence(m) async for m in read_stream(nc, until_seq=55, batch=40)] == list(range(1, 56))
    blocks = [m.subject async for m in read_stream(nc, subject="emulation.events.bench.block_defined")]
    assert blocks == ["emulation.events.bench.block_defined"] * history.BLOCKS
    assert [m async for m in read_stream(nc, subject="emulation.events.nothing.here")] == []
    assert not [c for c in await nc.jetstream().consumers_info(STREAM)], "the ephemeral consumers are deleted"


async def test_replay_skips_unreadable_messages_and_equals_the_plain_rebuild(
    stream: Any, nats_server: NatsServer, tmp_path: Path
) -> None:
    _, published = stream
    settings = Settings(nats_url=nats_server.url, data_dir=tmp_path / "live")
    seen: list[tuple[int, int]] = []
    rebuilt = await replay(settings, tmp_path / "replayed", progress=lambda d, t: seen.append((d, t)), batch=32)
    assert seen[-1] == (len(published), len(published))
    assert rebuilt == reference(tmp_path / "reference", published)
    [reviews] = [v for v in all_views(Settings(data_dir=tmp_path / "replayed")) if isinstance(v, ReviewsView)]
    submitted = reviews.submissions(history.CAMPAIGN, "mid_year")  # the reviews are in the checksums, rows and all
    assert [(s["late"], s["assessment"] is not None) for s in submitted] == [
        (False, True),
        (True, False),
        (False, False),
    ]
    [models] = [v for v in all_views(Settings(data_dir=tmp_path / "replayed")) if isinstance(v, ExemplaryModelsView)]
    found = {m["model_id"]: m for m in models.campaign_models(history.CAMPAIGN)}  # the models too, stages and all
    assert {k: (m["stage"], m["support_actions"], len(m["adopters"])) for k, m in found.items()} == {
        "mo-hinh-1": ("spread", 1, 1),
        "mo-hinh-2": ("dropped", 0, 0),
    }
    stores = sorted((tmp_path / "replayed").glob("*.db"))
    assert [db.name.split("-")[0] for db in stores] == ["audit", "evaluation", "notification", "registry"]
    for db in stores:  # written without fsync, closed as valid stores
        with closing(sqlite3.connect(db)) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


async def test_replay_until_a_sequence_or_a_time(stream: Any, nats_server: NatsServer, tmp_path: Path) -> None:
    _, published = stream
    settings = Settings(nats_url=nats_server.url, data_dir=tmp_path / "live")
    assert await replay(settings, tmp_path / "seq", until_seq=60, batch=32) == reference(
        tmp_path / "ref-seq", published[:60]
    )
    cut = datetime.fromisoformat(json.loads(published[99][1])["time"])
    by_time = await replay(settings, tmp_path / "time", until_time=cut, batch=32)
    assert by_time == reference(tmp_path / "ref-time", published, until_time=cut)
    assert by_time != reference(tmp_path / "ref-all", published)
