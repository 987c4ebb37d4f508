"""`python -m bench --stages`: py-spy samples charged to named stages, then to µs per command."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.stages import OTHER, counts, markdown, per_command, stage_of

pytestmark = pytest.mark.unit

LOOP = "Runner.run (asyncio/runners.py:118)"
HANDLER = "ConcurrentMixin._consume_msg (faststream/_internal/endpoint/subscriber/mixins.py:52)"


def test_a_sample_goes_to_the_first_stage_among_its_frames() -> None:
    check = [LOOP, "Writer._run (shared/infra/application.py:343)", "ServiceApplication._decide (x.py:1)"]
    check += ["WireMap.check (shared/infra/wire.py:90)", "BaseModel.model_validate (pydantic/main.py:5)"]
    assert stage_of(check) == "check event against contract"  # not "decide", although it runs inside it
    assert stage_of([LOOP, HANDLER, "CallModel.asolve (fast_depends/core/model.py:1)"]).startswith("validate")
    assert stage_of([LOOP, HANDLER]) == "FastStream message handling"
    assert stage_of([LOOP]) == OTHER


def test_samples_become_microseconds_per_command_in_proportion(tmp_path: Path) -> None:
    raw = tmp_path / "registry.txt"
    parse = f"{LOOP};Consumer.handle (c.py:1);parse_bytes (shared/infra/consumer.py:9)"
    apply = f"{LOOP};Consumer.handle (c.py:1);to_thread (t.py:1);ThreadPoolExecutor.submit (thread.py:1)"
    raw.write_text(f"{parse} 30\n{apply} 10\n{parse} 20\n\n")
    assert counts(raw) == {"views: parse and check events": 50, "thread hand-offs": 10}
    spent = per_command({"registry": raw, "idle": tmp_path / "none.txt"}, {"registry": 600.0, "idle": 5.0})
    assert spent == {"registry": {"views: parse and check events": 500, "thread hand-offs": 100}}
    assert "| registry | 600 | views: parse and check events 500; thread hand-offs 100 |" in markdown(spent)
