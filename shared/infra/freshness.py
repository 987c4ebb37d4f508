"""How new a view's facts are: a moment of the service clock by which every stream message is in the view.

A decision that must not miss a fact recorded before some moment (a reminder for slot T goes only to
units not registered by T) waits until its view is fresh as of that moment. Freshness is read from what
the JetStream server says, never from the view's own guess:

- a *mark* pairs a moment `m`, read from the service clock first, with the stream's last sequence `H`,
  read from the server just after: every message published before `m` has a sequence at most `H`;
- the mark is *reached* once the view's durable consumer has acknowledged every message it reads up to
  `H`: its acknowledgement floor is at or past `H`, or it has nothing pending and nothing unacknowledged.
  The consumer acknowledges a batch only after the view committed it with its stream position, so
  acknowledged means applied; the view is then fresh as of `m`.

This holds under redelivery and restarts: an acknowledgement always follows the commit; a consumer is
recreated at the view's stored position, so it has nothing to acknowledge below what the view holds;
while it is being recreated there is no consumer to ask and no mark is reached. Marks live in memory: after
a restart the next mark is taken anew, later, so it covers more facts, never fewer. Under load a mark is
reached once the consumer has caught up with it, and the next one is taken then.

Not covered: an event its service had recorded before `m` whose relay had not yet published it when `H`
was read (the outbox's lag, normally milliseconds). The clocks of the hosts are assumed close.
"""

from __future__ import annotations

from datetime import datetime

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from shared.events.envelope import STREAM
from shared.infra.clock import Clock


class Freshness:
    """Marks and reaches them for one view, through its durable consumer `durable` on stream EMULATION."""

    def __init__(self, js: JetStreamContext, durable: str, clock: Clock) -> None:
        self.js = js
        self.durable = durable
        self.clock = clock
        self.mark: tuple[datetime, int] | None = None
        self.fresh: datetime | None = None

    async def as_of(self) -> datetime | None:
        """The latest moment the view is known to hold every message published before (None: not yet known)."""
        if self.mark is None:
            moment = self.clock.now()
            self.mark = (moment, (await self.js.stream_info(STREAM)).state.last_seq)
        moment, head = self.mark
        if await self.applied_up_to(head):
            self.fresh, self.mark = moment, None
        return self.fresh

    async def applied_up_to(self, seq: int) -> bool:
        """Whether the view's consumer has acknowledged (so the view applied) every message it reads up to `seq`."""
        try:
            info = await self.js.consumer_info(STREAM, self.durable)
        except NotFoundError:  # not created yet, or being recreated: nothing is known
            return False
        floor = info.ack_floor.stream_seq if info.ack_floor else 0
        return floor >= seq or (info.num_pending == 0 and info.num_ack_pending == 0)
