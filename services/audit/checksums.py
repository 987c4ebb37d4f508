"""The live projections' checksums, to compare with those `emulation replay` prints for rebuilt ones.

Views derive from the stream alone, so a live view and a replayed one fed the same messages hold the same rows
and have the same checksum (`View.checksum`: every row of every table the stream fills, in any storage order).
A live view moves while it is read: its checksum is taken between two readings of its position, and taken
again until the view did not move meanwhile (its rows change only together with its position), so each
checksum is the view's state at the position it names.

Compare when the system is idle: every view has then applied all it reads, and `emulation replay --until U`,
`U` the largest position listed (`until`), rebuilds every view from the same messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field

from shared.infra.settings import Settings
from shared.infra.views import View

ATTEMPTS = 5


class ViewChecksum(BaseModel):
    view: str
    position: int = Field(description="the last stream sequence the view had applied when its checksum was taken")
    checksum: str = Field(description="as `emulation replay` prints it for the rebuilt view")
    settled: bool = Field(description="false: the view kept moving; the checksum may mix two positions")


class Checksums(BaseModel):
    views: list[ViewChecksum]
    until: int = Field(description="the largest position: compare with `emulation replay --until <until>`")


def checksum_of(view: View, attempts: int = ATTEMPTS) -> ViewChecksum:
    """The view's checksum at one position (retried while the view moves, at most `attempts` times)."""
    for _ in range(attempts):
        position = view.position()
        checksum = view.checksum()
        if view.position() == position:
            return ViewChecksum(view=view.name, position=position, checksum=checksum, settled=True)
    return ViewChecksum(view=view.name, position=view.position(), checksum=view.checksum(), settled=False)


def checksums(views: Sequence[View]) -> Checksums:
    """Each view's checksum, in the order of the catalogue (as `emulation replay` lists them)."""
    found = [checksum_of(view) for view in views]
    return Checksums(views=found, until=max((c.position for c in found), default=0))


def checksums_in_process(settings: Settings) -> dict[str, Any]:
    """`checksums` of the live views `settings` name, as JSON (the read API runs it in a process of its own)."""
    from services.catalogue import all_views

    return checksums(all_views(settings)).model_dump()
