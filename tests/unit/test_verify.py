"""Verification's two comparisons, without I/O: store against stream (every divergence, once, in bounded memory)
and checkpoints against the chain recomputed from the store (naming the first changed event)."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.audit.findings import Divergence, Findings
from services.audit.reconcile import Published, Reconciler, Stored
from services.audit.verify import Audit
from services.audit.witness import Checkpoint, Witness
from shared.infra.chain import GENESIS, chained
from shared.infra.relay import Relay
from tests.unit.test_wire_contract import FlakyStream, registry

pytestmark = pytest.mark.unit


class FakeStore:
    """Position → event id, as the store answers for an event without a counterpart."""

    def __init__(self, events: list[Stored]) -> None:
        self.events = events

    def event_at(self, position: int) -> str | None:
        return next((e.event_id for e in self.events if e.position == position), None)

    def stored_twice(self, event: Stored) -> bool:
        return sum(e.event_id == event.event_id for e in self.events) > 1


def stored(ids: Iterable[str], altered: str = "") -> list[Stored]:
    return [
        Stored(i, i + 1, eid, f"{eid}{'!' if eid == altered else ''}".encode(), eid, 1) for i, eid in enumerate(ids)
    ]


def walk(store: list[Stored], stream: list[str], window: int = 4, positions: dict[str, int] | None = None) -> Findings:
    """Feed both sides in step, as verification does, then finish; positions: the stream's position headers."""
    found = Findings()
    at = positions or {e.event_id: e.position for e in store}
    reconciler = Reconciler("registry", found, FakeStore(store), window)
    sizes = []
    rest = iter(store)
    for j, eid in enumerate(stream):
        reconciler.published(Published(j, eid, eid.encode(), at.get(eid)))
        if (event := next(rest, None)) is not None:
            reconciler.stored(event)
        elif not reconciler.store_ended:
            reconciler.end_of_store()
        sizes.append(len(reconciler.in_order) + len(reconciler.published_waiting) + len(reconciler.stored_waiting))
    reconciler.end_of_stream()
    for event in rest:
        reconciler.stored(event)
        sizes.append(len(reconciler.in_order) + len(reconciler.published_waiting) + len(reconciler.stored_waiting))
    reconciler.finish()
    assert max(sizes, default=0) <= 6 * window + 6, "memory stays within a few windows"
    return found


def kinds(found: Findings) -> list[tuple[str, str | None]]:
    return [(d.kind, d.event_id) for d in found.listed]


IDS = [f"e{i:02d}" for i in range(40)]


def test_the_same_history_on_both_sides_is_intact() -> None:
    found = walk(stored(IDS), IDS)
    assert kinds(found) == [] and found.report()["status"] == "intact"


def test_each_kind_of_divergence_is_named_once_and_none_hides_the_ones_after_it() -> None:
    store = stored([*IDS[:3], IDS[4], IDS[3], *IDS[5:10], IDS[1], *IDS[11:30], *IDS[31:]], altered=IDS[20])
    stream = [*IDS[:12], IDS[5], *IDS[12:39]]  # e05 re-published; e39 stored but not relayed yet
    found = walk(store, stream)
    assert sorted(kinds(found)) == sorted(
        [
            ("reordered", IDS[3]),  # stored after e04, published before it
            ("missing", IDS[10]),  # deleted from the store
            ("duplicated", IDS[1]),  # stored twice
            ("duplicated", IDS[5]),  # published twice
            ("altered", IDS[20]),
            ("missing", IDS[30]),  # deleted from the store
        ]
    )
    report = found.report()
    assert report["pending"] == {"registry": 1}
    assert report["summary"] == {
        "divergences": 6,
        "by_service": {"registry": {"altered": 1, "duplicated": 2, "missing": 2, "reordered": 1}},
    }


def test_a_persisting_divergence_hides_nothing_after_it() -> None:
    """One event the stream never got shifts nothing: every later difference is still found, each once."""
    found = walk(stored(IDS, altered=IDS[35]), [*IDS[:5], *IDS[6:]])
    assert kinds(found) == [("missing", IDS[5]), ("altered", IDS[35])]


def test_stored_events_after_the_last_published_one_are_pending_not_missing() -> None:
    found = walk(stored(IDS), IDS[:25])
    assert kinds(found) == [] and found.report()["pending"] == {"registry": 15}
    found = walk(stored(IDS), [*IDS[:10], *IDS[11:25]])
    assert kinds(found) == [("missing", IDS[10])] and found.pending["registry"] == 15


def test_an_event_moved_further_than_the_window_is_still_found() -> None:
    store = stored([*IDS[1:], IDS[0]])  # e00 moved to the end of the store
    found = walk(store, IDS, window=4, positions={e.event_id: e.position for e in store})
    assert kinds(found) == [("reordered", IDS[0])]


def test_memory_stays_bounded_over_a_long_history() -> None:
    ids = [f"e{i:05d}" for i in range(20_000)]
    found = walk(stored(ids, altered=ids[15_000]), [*ids[:100], *ids[101:]], window=50)
    assert kinds(found) == [("missing", ids[100]), ("altered", ids[15_000])]


def test_a_stream_far_longer_than_its_store_is_walked_in_bounded_memory() -> None:
    """A store lost, or restored from an old copy: each message past its end is missing, once, settled as the walk
    goes (held until the end, they took memory and time growing with their number: quadratic to settle)."""
    ids = [f"e{i:05d}" for i in range(20_000)]
    found = walk(stored(ids[:100]), [*ids, ids[19_990]], window=50)
    assert found.counts == {("registry", "missing"): 19_900, ("registry", "duplicated"): 1}
    assert found.listed[0] == Divergence(
        "registry", "missing", ids[100], 100, "on the stream but not in the store (deleted?)"
    )


def chain_of(contents: list[bytes]) -> list[str]:
    heads, head = [], GENESIS
    for c in contents:
        head = chained(head, c)
        heads.append(head)
    return heads


def checkpoint(heads: list[str], start: int, end: int, kept: bool = True, origin: str = "kept") -> Checkpoint:
    start_head = GENESIS if start == 0 else heads[start - 1]
    prefixes = tuple(h[:16] for h in heads[start:end])
    return Checkpoint("registry", end, heads[end - 1], origin, kept, True, start, start_head, prefixes)


def witnessed(contents: list[bytes], checkpoints: list[Checkpoint]) -> Findings:
    found = Findings()
    witness = Witness("registry", found)
    for c in checkpoints:
        witness.expect(c)
    head = GENESIS
    for i, content in enumerate(contents):
        head = chained(head, content)
        witness.advance(head, f"e{i:02d}")
    witness.finish()
    return found


CONTENTS = [hashlib.sha256(str(i).encode()).digest() for i in range(30)]
HEADS = chain_of(CONTENTS)


def test_a_kept_checkpoint_names_the_first_event_that_changed_since_it_was_signed() -> None:
    kept = [checkpoint(HEADS, 0, 10, origin="kept 1"), checkpoint(HEADS, 10, 20, origin="kept 2")]
    kept.append(checkpoint(HEADS, 20, 30, origin="kept 3"))
    assert kinds(witnessed(CONTENTS, kept)) == []
    rewritten = [*CONTENTS[:13], b"changed", *CONTENTS[14:]]
    found = witnessed(rewritten, kept)
    [divergence] = found.listed
    assert (divergence.kind, divergence.event_id, divergence.index) == ("rewritten", "e13", 13)
    assert "kept 2 (signed, length 20)" in divergence.detail
    assert found.counts["registry", "rewritten"] == 1, "kept 3 follows from the same change"


def test_a_change_before_the_first_kept_window_is_bounded_and_a_shortened_store_is_named() -> None:
    found = witnessed([*CONTENTS[:3], b"changed", *CONTENTS[4:]], [checkpoint(HEADS, 10, 20)])
    assert [(d.kind, d.event_id) for d in found.listed] == [("rewritten", None)]
    assert "at or before length 10" in found.listed[0].detail
    found = witnessed(CONTENTS[:25], [checkpoint(HEADS, 20, 30)])
    assert "the store's chain ends at length 25" in found.listed[0].detail


async def test_a_relayed_history_with_unsigned_v1_checkpoints_before_the_signed_ones_is_intact() -> None:
    app, key, js = registry(), Ed25519PrivateKey.generate(), FlakyStream()
    relay = Relay(app, js, key, batch=7, checkpoint_every=10)  # type: ignore[arg-type]
    while await relay.run_once():
        pass
    events = [m for m in js.messages if m["source"] == "/services/registry"]
    v1: dict[str, Any] = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/services/registry/relay",
        "type": "chain_checkpoint.v1",
        "time": "2022-01-01T00:00:00Z",
        "data": {"service": "registry", "head": events[6]["hash"], "length": 7, "position": 8},
        "actor": "system:relay",
        "causationid": "c",
        "correlationid": "c",
    }

    def verified(messages: list[dict[str, Any]]) -> dict[str, Any]:
        audit = Audit([app], {"registry": key.public_key()})
        audit.take((seq, json.dumps(m).encode(), None) for seq, m in enumerate(messages, start=1))
        return audit.finish()

    signed = len(js.messages) - len(events)
    report = verified([*events[:7], v1, *js.messages[7:]])
    assert (report["status"], report["checkpoints_checked"]) == ("intact", signed + 1), report
    report = verified([*js.messages, v1])
    assert report["summary"] == {"divergences": 1, "by_service": {"registry": {"checkpoint_forged": 1}}}
    assert report["divergences"][0]["detail"].endswith("an unsigned checkpoint after the service began signing")
    wrong = {**v1, "data": {**v1["data"], "head": events[5]["hash"]}}
    [rewritten] = verified([*events[:7], wrong, *js.messages[7:]])["divergences"]
    assert rewritten["kind"] == "rewritten" and "(unsigned, length 7)" in rewritten["detail"]
