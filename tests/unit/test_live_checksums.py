"""A live view's checksum names the position it was taken at, taken again while the view moves."""

from __future__ import annotations

from itertools import count
from pathlib import Path

import pytest

from services.audit.checksums import checksum_of, checksums
from services.evaluation.adapters.reference import ReferenceView
from shared.infra.eventstore import view_factory
from shared.infra.settings import Settings
from tests.unit.test_registry_views import registry_year

pytestmark = pytest.mark.unit


def reference(tmp_path: Path, name: str) -> ReferenceView:
    return ReferenceView(view_factory(Settings(data_dir=tmp_path / name), "evaluation"))


def test_the_checksum_is_the_views_at_its_position_and_equals_a_rebuilt_ones(tmp_path: Path) -> None:
    events = registry_year(tmp_path)
    live, rebuilt = reference(tmp_path, "live"), reference(tmp_path, "rebuilt")
    live.apply(events[:10])
    live.apply(events[10:])
    rebuilt.apply(events)
    found = checksums([live])
    [one] = found.views
    assert (one.view, one.position, one.settled) == ("evaluation-reference", events[-1][0], True)
    assert one.checksum == rebuilt.checksum() and found.until == events[-1][0]


def test_a_view_that_keeps_moving_is_reported_unsettled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    view = reference(tmp_path, "live")
    moves = count(1)
    monkeypatch.setattr(view, "position", lambda: next(moves))
    assert checksum_of(view, attempts=3).settled is False
