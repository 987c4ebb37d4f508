"""One service's stored events against its published ones, walked side by side in bounded memory.

Both sides arrive one event at a time, in their own order (store: notification order; stream: stream order).
An event is matched by id with its counterpart on the other side; an event still unmatched once the other
side has moved `window` events further is settled: missing on one side, duplicated, or (far) reordered. So
memory holds at most about `window` events per side, whatever the history's length, and a divergence is
reported once, where it is, without shifting the comparison of everything after it.

Stored events after the last one found on the stream are `pending` (not yet relayed), not missing.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Any, Protocol

from services.audit.findings import Findings

WINDOW = 10_000
"""Events one side may run ahead of the other before an unmatched event is settled."""


@dataclass(slots=True)
class Stored:
    """A stored event as the relay would publish it: its canonical JSON (`shared/infra/chain.py`)."""

    index: int
    position: int
    event_id: str
    content: bytes
    originator_id: Any
    version: int
    seen_at: int = 0
    matched_at: int | None = None


@dataclass(slots=True)
class Published:
    """A message of the service on the stream: its canonical JSON, and the store position its header claims."""

    index: int
    event_id: str
    content: bytes
    position: int | None
    seen_at: int = 0


class Store(Protocol):
    """What settling an unmatched event asks the store (rarely: only for events without a counterpart)."""

    def event_at(self, position: int) -> str | None: ...

    def stored_twice(self, event: Stored) -> bool: ...


class Reconciler:
    def __init__(self, service: str, found: Findings, store: Store, window: int = WINDOW) -> None:
        self.service = service
        self.found = found
        self.store = store
        self.window = window
        self.stored_waiting: dict[str, Stored] = {}
        self.published_waiting: OrderedDict[str, Published] = OrderedDict()
        """Messages not yet matched, oldest first (an OrderedDict: the oldest is found in constant time, where a dict
        would walk past every slot freed at its front since it last grew)."""
        self.in_order: deque[Stored] = deque()
        """Stored events not yet settled, in store order (a matched one waits for the unmatched before it)."""
        self.previous: Stored | None = None
        self.stored_count = 0
        self.published_count = 0
        self.last_position = 0
        """The store position of the last stored event consumed."""
        self.last_relayed = 0
        """The highest store position matched on the stream: stored events after it are pending."""
        self.recently_matched: OrderedDict[str, None] = OrderedDict()
        """The last `window` ids matched: a copy arriving soon after is a duplicate, whatever its headers say."""
        self.moved_ahead: set[str] = set()
        """Events found on the stream far before their place in the store: already reported as reordered."""
        self.stream_ended = False
        self.store_ended = False

    def stored(self, event: Stored) -> None:
        event.seen_at = self.published_count
        self.stored_count += 1
        self.last_position = event.position
        self.in_order.append(event)
        counterpart = self.published_waiting.pop(event.event_id, None)
        if counterpart is not None:
            self._match(event, counterpart)
        else:
            self.stored_waiting.setdefault(event.event_id, event)
        self.settle()

    def published(self, message: Published) -> None:
        message.seen_at = self.stored_count
        self.published_count += 1
        counterpart = self.stored_waiting.pop(message.event_id, None)
        if counterpart is not None:
            self._match(counterpart, message)
        elif message.event_id in self.published_waiting or message.event_id in self.recently_matched:
            self._report("duplicated", message.event_id, message.index, "the event appears twice on the stream")
        else:
            self.published_waiting[message.event_id] = message
        self.settle()

    def end_of_stream(self) -> None:
        """No message comes any more: a stored event read from now on is settled at once (pending or missing)
        as soon as no message waits for its counterpart, so the rest of the store streams through."""
        self.stream_ended = True
        self.settle()

    def end_of_store(self) -> None:
        """The store has no event left to read: a message still unmatched `window` messages later never will be,
        and is settled then (missing, reordered or duplicated), so a stream far longer than its store (a store lost
        or restored from an old copy) is walked in bounded memory, not held until the end."""
        self.store_ended = True

    def finish(self) -> None:
        """Settle everything: both sides are exhausted."""
        self.settle(final=True)

    def _match(self, event: Stored, message: Published) -> None:
        event.matched_at = message.index
        self.recently_matched[event.event_id] = None
        if len(self.recently_matched) > self.window:
            self.recently_matched.popitem(last=False)
        self.last_relayed = max(self.last_relayed, event.position)
        if event.content != message.content:
            self._report("altered", event.event_id, event.index, "the stored event differs from the one published")

    def settle(self, final: bool = False) -> None:
        final = final or (self.stream_ended and not self.published_waiting)
        while self.in_order:
            event = self.in_order[0]
            if event.matched_at is not None:
                previous = self.previous
                if previous is not None and previous.matched_at is not None and event.matched_at < previous.matched_at:
                    detail = f"stored after {previous.event_id} but published before it"
                    self._report("reordered", event.event_id, event.index, detail)
                self.previous = event
            elif final or self._given_up(event):
                if self.stored_waiting.get(event.event_id) is event:
                    del self.stored_waiting[event.event_id]
                self._unpublished(event, final)
            else:
                break
            self.in_order.popleft()
        while self.published_waiting:
            message = next(iter(self.published_waiting.values()))
            if not final and not self._unmatched_for_good(message):
                break
            del self.published_waiting[message.event_id]
            self._unstored(message)

    def _unmatched_for_good(self, message: Published) -> bool:
        """The store moved `window` events past the message, or has ended and `window` messages went by after it."""
        if self.stored_count - message.seen_at > self.window:
            return True
        return self.store_ended and self.published_count - message.index > self.window

    def _given_up(self, event: Stored) -> bool:
        """An unmatched stored event is missing once `window` messages went by after it and later stored events
        were found (else it may still be pending); past twice the window it is settled regardless."""
        if len(self.in_order) > 2 * self.window:
            return True
        return self.published_count - event.seen_at > self.window and event.position < self.last_relayed

    def _unpublished(self, event: Stored, final: bool) -> None:
        if event.event_id in self.moved_ahead:
            self.moved_ahead.discard(event.event_id)
        elif self.store.stored_twice(event):
            self._report("duplicated", event.event_id, event.index, "the event appears twice in the store")
        elif final and event.position > self.last_relayed:
            self.found.pending[self.service] += 1
        else:
            self._report("missing", event.event_id, event.index, "in the store but not on the stream")

    def _unstored(self, message: Published) -> None:
        at = message.position
        if at is None or self.store.event_at(at) != message.event_id:
            self._report("missing", message.event_id, message.index, "on the stream but not in the store (deleted?)")
        elif at > self.last_position:
            self.moved_ahead.add(message.event_id)
            detail = f"published at place {message.index} but stored much later (position {at})"
            self._report("reordered", message.event_id, message.index, detail)
        else:
            self._report("duplicated", message.event_id, message.index, "the event appears twice on the stream")

    def _report(self, kind: str, event_id: str, index: int, detail: str) -> None:
        self.found(self.service, kind, event_id, index, detail)
