"""A view's batch writes are grouped into runs, yet the rows are those of one statement after another."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from shared.events.envelope import CloudEvent
from shared.infra.eventstore import view_factory
from shared.infra.settings import Settings
from shared.infra.views import Handler, View, Writes

pytestmark = pytest.mark.unit


class Counters(View):
    """Keyed upserts and updates, an update of every row (not keyed), and a read followed by a write."""

    name = "counters"
    ddl = (
        "CREATE TABLE IF NOT EXISTS {items} (k TEXT PRIMARY KEY, v TEXT NOT NULL, n INTEGER NOT NULL DEFAULT 0)",
        "CREATE TABLE IF NOT EXISTS {notes} (seq INTEGER PRIMARY KEY, seen TEXT NOT NULL)",
    )

    def handlers(self) -> dict[str, Handler]:
        return {"put": self.put, "bump": self.bump, "double": self.double, "note": self.note}

    def put(self, c: Any, e: CloudEvent, seq: int) -> None:
        k = e.data["k"]
        self.execute(
            c,
            "INSERT INTO {items} (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = {items}.v || excluded.v",
            (k, str(seq)),
            key=k,
        )

    def bump(self, c: Any, e: CloudEvent, seq: int) -> None:
        self.execute(c, "UPDATE {items} SET n = n + 1 WHERE k = ?", (e.data["k"],), key=e.data["k"])

    def double(self, c: Any, e: CloudEvent, seq: int) -> None:
        self.execute(c, "UPDATE {items} SET n = n * 2")

    def note(self, c: Any, e: CloudEvent, seq: int) -> None:
        self.execute(c, "SELECT k, v, n FROM {items} ORDER BY k")
        seen = ";".join(f"{r['k']}={r['v']}/{r['n']}" for r in c.fetchall())
        self.execute(c, "INSERT INTO {notes} (seq, seen) VALUES (?, ?)", (seq, seen))


def event(name: str, k: str) -> CloudEvent:
    return CloudEvent(
        id=f"{name}-{k}",
        source="/test",
        type=f"{name}.v1",
        time=datetime(2022, 1, 1, tzinfo=UTC),
        data={"k": k},
        actor="test",
        causationid="c",
        correlationid="c",
    )


def rows(view: View) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return view.query("SELECT * FROM {items} ORDER BY k"), view.query("SELECT * FROM {notes} ORDER BY seq")


@pytest.mark.parametrize("seed", range(5))
def test_a_batch_in_one_apply_equals_one_event_at_a_time(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    names = ["put"] * 5 + ["bump"] * 5 + ["double", "note"]
    batch = [(seq, event(rng.choice(names), rng.choice("abcd"))) for seq in range(1, 301)]
    together = Counters(view_factory(Settings(data_dir=tmp_path / "together"), "t"))
    one_by_one = Counters(view_factory(Settings(data_dir=tmp_path / "one"), "o"))

    assert together.apply(batch) == len(batch)
    for item in batch:
        one_by_one.apply([item])

    assert rows(together) == rows(one_by_one)
    assert rows(together)[1], "the reads saw the rows written before them"


def test_writes_of_different_rows_share_a_run_and_a_write_of_the_same_row_waits() -> None:
    writes = Writes(cursor=None)
    writes.write("items", "INSERT a", ("a",), key="a")
    writes.write("items", "UPDATE a", ("a",), key="a")
    writes.write("items", "INSERT a", ("b",), key="b")  # joins the first run: nothing after it touches b
    writes.write("other", "INSERT o", (1,))
    writes.write("items", "UPDATE a", ("b",), key="b")  # after the insert of b: joins the update run
    writes.write("items", "UPDATE all", ())  # not keyed: after every run on its table
    writes.write("items", "INSERT a", ("c",), key="c")  # after the unkeyed update: a new run
    assert writes.runs == [
        ("INSERT a", [("a",), ("b",)]),
        ("UPDATE a", [("a",), ("b",)]),
        ("INSERT o", [(1,)]),
        ("UPDATE all", [()]),
        ("INSERT a", [("c",)]),
    ]
