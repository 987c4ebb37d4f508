"""A view base that skips exactly the stream messages it has applied, not everything below its position.

Why: the shared `View` skips every sequence at or below its stored position. A consumer killed
while a batch is in flight leaves that batch unacknowledged; JetStream redelivers it only after
`ack_wait`, by which time the restarted consumer has applied later messages and moved the position
past it, so the redelivered batch would be skipped and lost. The notifier must not lose a trigger
(nor the delivery log a record), so its views remember each applied sequence instead.
"""

from __future__ import annotations

from collections.abc import Iterable

from eventsourcing.persistence import Tracking

from shared.events.envelope import CloudEvent
from shared.infra.views import View

APPLIED_DDL = (
    "CREATE TABLE IF NOT EXISTS {applied_messages} (view TEXT NOT NULL, seq BIGINT NOT NULL, PRIMARY KEY (view, seq))"
)


class RedeliveryTolerantView(View):
    def apply(self, batch: Iterable[tuple[int, CloudEvent]]) -> int:
        handlers = self.handlers()
        applied = 0
        with self.datastore.transaction(commit=True) as c:
            position = self.recorder._max_tracking_id(self.tracking_name, c) or 0  # type: ignore[attr-defined]
            last = position
            for seq, event in batch:
                self.execute(c, "SELECT 1 FROM {applied_messages} WHERE view = ? AND seq = ?", (self.name, seq))
                if c.fetchone() is not None:
                    continue
                self.execute(c, "INSERT INTO {applied_messages} (view, seq) VALUES (?, ?)", (self.name, seq))
                handler = handlers.get(event.event_name)
                if handler is not None:
                    handler(c, event, seq)
                    applied += 1
                last = max(last, seq)
            if last > position:
                self.recorder._insert_tracking(c, Tracking(self.tracking_name, last))  # type: ignore[attr-defined]
        return applied
